"""Weight initialisation, in place on a `Parameter`, with randomness only from ``rng``.

``fan_in`` and ``fan_out`` follow gradlab's layout: a weight of shape (in_features,
out_features) has fan_in = in_features and fan_out = out_features; a 1-D tensor (a bias) has
fan_in = fan_out = its length.

=================  ===========================================================
``uniform_``       U[low, high), by default U[0, 1): what the worked examples use
``glorot_uniform_``  U[-a, a], a = gain sqrt(6 / (fan_in + fan_out))  (Keras' default)
``glorot_normal_``   N(0, s^2), s = gain sqrt(2 / (fan_in + fan_out))
``he_uniform_``      U[-a, a], a = sqrt(6 / fan_in)
``he_normal_``       N(0, s^2), s = sqrt(2 / fan_in)
``zeros_``           0
``constant_``        a given value
=================  ===========================================================

The normal variants are plain (not truncated) normals, as PyTorch's ``xavier_normal_`` and
``kaiming_normal_``. Explicit values come from `gradlab.nn.Linear.from_values`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from gradlab.engine import Tensor
from gradlab.engine.registry import Registry
from gradlab.nn.rng import RandomState, as_generator

__all__ = [
    "INITIALIZERS",
    "constant_",
    "fans",
    "get",
    "glorot_normal_",
    "glorot_uniform_",
    "he_normal_",
    "he_uniform_",
    "initialization_enabled",
    "skip_init",
    "uniform_",
    "zeros_",
]


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a tensor of ``shape``, in gradlab's (in, out) weight layout.

    Examples
    --------
    >>> from gradlab.nn.init import fans
    >>> fans((3, 4))
    (3, 4)
    """
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _fill(t: Tensor, values: Any) -> Tensor:
    # Assigning into the existing array keeps its dtype (float32 stays float32).
    t.data[...] = values
    return t


def uniform_(t: Tensor, low: float = 0.0, high: float = 1.0, rng: RandomState = None) -> Tensor:
    """Fill ``t`` with U[low, high) draws, in place; by default U[0, 1) as in the worked examples.

    Parameters
    ----------
    t : Tensor
        The parameter to fill.
    low, high : float
        Bounds of the uniform distribution.
    rng : None, int or numpy.random.Generator
        Source of randomness (see `gradlab.nn.rng.as_generator`).

    Returns
    -------
    Tensor
        ``t`` itself.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([[0.0, 0.0]])
    >>> bool((gl.nn.init.uniform_(w, rng=0).data < 1).all())
    True
    """
    return _fill(t, as_generator(rng).uniform(low, high, size=t.shape))


def glorot_uniform_(t: Tensor, gain: float = 1.0, rng: RandomState = None) -> Tensor:
    """Glorot (Xavier) uniform: U[-a, a] with a = gain sqrt(6 / (fan_in + fan_out)), in place.

    The variance a^2 / 3 = 2 / (fan_in + fan_out) keeps activations and gradients at one
    scale through a layer (Glorot and Bengio, 2010).

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([[0.0, 0.0], [0.0, 0.0]])
    >>> bool((abs(gl.nn.init.glorot_uniform_(w, rng=0).data) <= (6 / 4) ** 0.5).all())
    True
    """
    fan_in, fan_out = fans(t.shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(t, as_generator(rng).uniform(-bound, bound, size=t.shape))


def glorot_normal_(t: Tensor, gain: float = 1.0, rng: RandomState = None) -> Tensor:
    """Glorot (Xavier) normal: N(0, s^2) with s = gain sqrt(2 / (fan_in + fan_out)), in place.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.init.glorot_normal_(gl.nn.Parameter([[0.0], [0.0]]), rng=0)
    >>> w.shape
    (2, 1)
    """
    fan_in, fan_out = fans(t.shape)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(t, as_generator(rng).normal(0.0, std, size=t.shape))


def he_uniform_(t: Tensor, rng: RandomState = None) -> Tensor:
    """He (Kaiming) uniform: U[-a, a] with a = sqrt(6 / fan_in), in place; suits ReLU layers.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.init.he_uniform_(gl.nn.Parameter([[0.0, 0.0]] * 6), rng=0)
    >>> bool((abs(w.data) <= 1.0).all())
    True
    """
    fan_in, _ = fans(t.shape)
    bound = math.sqrt(6.0 / fan_in)
    return _fill(t, as_generator(rng).uniform(-bound, bound, size=t.shape))


def he_normal_(t: Tensor, rng: RandomState = None) -> Tensor:
    """He (Kaiming) normal: N(0, s^2) with s = sqrt(2 / fan_in), in place.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.init.he_normal_(gl.nn.Parameter([[0.0, 0.0]]), rng=0).shape
    (1, 2)
    """
    fan_in, _ = fans(t.shape)
    return _fill(t, as_generator(rng).normal(0.0, math.sqrt(2.0 / fan_in), size=t.shape))


def zeros_(t: Tensor, rng: RandomState = None) -> Tensor:
    """Fill ``t`` with zeros, in place (``rng`` is accepted and unused).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.init.zeros_(gl.nn.Parameter([1.0, 2.0])).data
    array([0., 0.])
    """
    return _fill(t, 0)


def constant_(t: Tensor, value: float, rng: RandomState = None) -> Tensor:
    """Fill ``t`` with ``value``, in place.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.init.constant_(gl.nn.Parameter([1.0, 2.0]), 0.5).data
    array([0.5, 0.5])
    """
    return _fill(t, value)


Initializer = Callable[..., Tensor]

#: Initialisers that layers accept by name (``Linear(..., init="he_uniform")``).
INITIALIZERS: Registry[Initializer] = Registry("initialiser")
INITIALIZERS.register("uniform", uniform_)
INITIALIZERS.register("glorot_uniform", glorot_uniform_, aliases=("xavier_uniform",))
INITIALIZERS.register("glorot_normal", glorot_normal_, aliases=("xavier_normal",))
INITIALIZERS.register("he_uniform", he_uniform_, aliases=("kaiming_uniform",))
INITIALIZERS.register("he_normal", he_normal_, aliases=("kaiming_normal",))
INITIALIZERS.register("zeros", zeros_)


def get(init: str | Initializer) -> Initializer:
    """The initialiser named ``init`` (see `INITIALIZERS`), or ``init`` itself if callable.

    A callable is called as ``init(parameter, rng=generator)`` and fills it in place.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.init.get("kaiming_uniform").__name__
    'he_uniform_'
    """
    if callable(init):
        return init
    found = INITIALIZERS.find(init) if isinstance(init, str) else None
    if found is None:
        raise ValueError(
            f"unknown initialiser {init!r:.100}; use one of: {INITIALIZERS.describe()}, or a "
            "callable fn(parameter, rng=generator) that fills the parameter in place."
        )
    return found


# A context variable, as the engine's grad mode: `skip_init` in one thread (``gradlab.load``)
# leaves the layers that another thread builds initialised.
_enabled: ContextVar[bool] = ContextVar("gradlab_initialization_enabled", default=True)


def initialization_enabled() -> bool:
    """False inside `skip_init` (in this thread), where layers leave their parameters at zero."""
    return _enabled.get()


@contextmanager
def skip_init() -> Iterator[None]:
    """Build layers without running their initialisers (parameters stay zero).

    For parameters that are overwritten right away, as `gradlab.load` does: it saves the
    time of drawing random numbers, and a model file that claims a huge layer costs only
    untouched (lazily allocated) zeros until its tensors are found not to fit.

    Examples
    --------
    >>> import gradlab as gl
    >>> with gl.nn.init.skip_init():
    ...     layer = gl.nn.Linear(2, 2)
    >>> layer.weight.data
    array([[0., 0.],
           [0., 0.]])
    """
    token = _enabled.set(False)
    try:
        yield
    finally:
        _enabled.reset(token)
