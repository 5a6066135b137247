"""`get`: an optimizer from a name, a class or an instance."""

from __future__ import annotations

from typing import Any

from gradlab.engine.registry import Registry
from gradlab.optim.adagrad import Adagrad
from gradlab.optim.adam import Adam, AdamW
from gradlab.optim.optimizer import Optimizer, Params
from gradlab.optim.rmsprop import RMSprop
from gradlab.optim.sgd import SGD

#: The optimizers by name; ``gd`` is SGD on the full batch.
OPTIMIZERS: Registry[type[Optimizer]] = Registry("optimizer")
OPTIMIZERS.register("sgd", SGD, aliases=("gd",))
for _cls in (Adam, AdamW, RMSprop, Adagrad):
    OPTIMIZERS.register(_cls.__name__.lower(), _cls)


def get(
    optimizer: str | Optimizer | type[Optimizer], params: Params | None = None, **kwargs: Any
) -> Optimizer:
    """The optimizer named ``optimizer`` over ``params``, or ``optimizer`` itself if built.

    Parameters
    ----------
    optimizer : str, Optimizer subclass or Optimizer
        "sgd" (alias "gd"), "adam", "adamw", "rmsprop" or "adagrad" (case-insensitive), an
        optimizer class, or an optimizer already built (returned as is).
    params : iterable of Tensor or of dict
        What to optimise, e.g. ``model.parameters()``; needed unless ``optimizer`` is built.
    **kwargs
        Hyper-parameters of the optimizer (``lr=0.1``, ``momentum=0.9``...). Those set to None
        are dropped, so that callers can forward optional settings and keep the defaults.

    Returns
    -------
    Optimizer

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> gl.optim.get("adam", [w], lr=0.1, betas=None).param_groups[0]["lr"]
    0.1
    """
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if isinstance(optimizer, Optimizer):
        if kwargs:
            raise ValueError(
                f"hyper-parameters {sorted(kwargs)} cannot be applied to an optimizer that is "
                "already built; pass its name instead, or set them when building it."
            )
        return optimizer
    if isinstance(optimizer, str):
        cls = OPTIMIZERS.get(optimizer)
    elif isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        cls = optimizer
    else:
        raise TypeError(
            "optimizer must be a name (e.g. 'adam'), an Optimizer class or an Optimizer; "
            f"got {type(optimizer).__name__}."
        )
    if params is None:
        raise TypeError(f"building a {cls.__name__} needs params, e.g. model.parameters().")
    return cls(params, **kwargs)


def register(name: str, cls: type[Optimizer], aliases: tuple[str, ...] = ()) -> type[Optimizer]:
    """Make an optimizer class known by ``name``: to `get`, so to ``gl.fit(optimizer=name)``,
    the command line's ``--optimizer`` and the estimators' ``solver``.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.optim.register("sgd", gl.optim.SGD) is gl.optim.SGD
    True
    """
    return OPTIMIZERS.register(name, cls, aliases)
