"""`Module`, the base of every layer and network, and `Parameter`, a trainable tensor."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from gradlab.engine import Tensor
from gradlab.engine.kernels import mode_changed, structure_changed
from gradlab.engine.packing import pack
from gradlab.engine.tensor import as_float_array

#: An array's shape as a layer reports it, None for any number of samples.
Shape = tuple[int | None, ...]


class Parameter(Tensor):
    """A tensor that a `Module` trains: ``requires_grad`` is True and modules register it.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([[1.0, 0.5]], name="w")
    >>> w.requires_grad
    True
    """

    __slots__ = ()

    def __init__(
        self, data: ArrayLike | Tensor, dtype: DTypeLike | None = None, name: str | None = None
    ) -> None:
        # Tensor copies arrays given to a trainable leaf, so the caller's array is never updated.
        super().__init__(data, requires_grad=True, dtype=dtype, name=name)

    @classmethod
    def zeros(
        cls, shape: tuple[int, ...], dtype: DTypeLike = np.float64, name: str | None = None
    ) -> Parameter:
        """A parameter of zeros; its memory is allocated lazily by the system (not copied).

        Examples
        --------
        >>> import gradlab as gl
        >>> gl.nn.Parameter.zeros((2,)).data
        array([0., 0.])
        """
        parameter = cls(np.zeros(0, dtype), name=name)
        parameter.data = np.zeros(shape, parameter.dtype)
        return parameter


class Module:
    """Base class of layers and networks, in the manner of PyTorch's ``nn.Module``.

    Assigning a `Parameter` or a `Module` to an attribute registers it, so that
    ``parameters()``, ``named_parameters()`` (dotted names such as ``"0.weight"``),
    ``state_dict()`` and ``zero_grad()`` find it. Subclasses define ``forward``; calling the
    module calls ``forward``.

    Subclasses that can be saved also define ``get_config()``, the keyword arguments that
    rebuild them (see `gradlab.save`).
    """

    training: bool
    _parameters: dict[str, Parameter]
    _modules: dict[str, Module]

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before "
                f"assigning attributes (while setting {name!r})."
            )
        structure_changed()
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        structure_changed()
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    # ----------------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward().")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------- traversal
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct submodules with their attribute names."""
        yield from self._modules.items()

    def children(self) -> Iterator[Module]:
        """Direct submodules."""
        yield from self._modules.values()

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every submodule, with dotted names ("" for this one)."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name, e.g. ``("0.weight", W)``.

        A parameter shared by several layers (tied weights) comes once, under its first name,
        unless ``remove_duplicate=False``, which gives it under every name it has.
        """
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, parameter in module._parameters.items():
                if remove_duplicate and id(parameter) in seen:
                    continue
                seen.add(id(parameter))
                yield (f"{module_name}.{name}" if module_name else name), parameter

    def parameters(self) -> Iterator[Parameter]:
        """Every parameter, each once."""
        for _, parameter in self.named_parameters():
            yield parameter

    def num_parameters(self) -> int:
        """The number of trainable numbers."""
        return sum(p.size for p in self.parameters())

    # ------------------------------------------------------------------------ state
    def zero_grad(self) -> None:
        """Forget every parameter's gradient."""
        for parameter in self.parameters():
            parameter.grad = None

    def train(self, mode: bool = True) -> Module:
        """Set training mode (for layers that behave differently in training) and return self."""
        for _, module in self.named_modules():
            if module.training != mode:
                mode_changed()
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode and return self."""
        return self.train(False)

    def astype(self, dtype: DTypeLike) -> Module:
        """Convert every parameter to ``dtype`` (float32 or float64) in place and return self."""
        for parameter in self.parameters():
            parameter.data = as_float_array(parameter.data, dtype).copy()
            parameter.grad = None
        pack_parameters(self)
        return self

    @property
    def dtype(self) -> np.dtype[Any] | None:
        """The dtype of the parameters (None for a module without any)."""
        first = next(self.parameters(), None)
        return None if first is None else first.dtype

    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's values under its dotted name."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(
        self, state: Mapping[str, ArrayLike], strict: bool = True
    ) -> tuple[list[str], list[str]]:
        """Copy values from ``state`` into the parameters with the same names.

        Parameters
        ----------
        state : mapping of str to array_like
            As returned by ``state_dict()``.
        strict : bool, default True
            Raise a KeyError naming the missing and unexpected keys, if any.

        Returns
        -------
        (missing_keys, unexpected_keys) : tuple of lists of str
        """
        own = dict(self.named_parameters())
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"state_dict does not fit {type(self).__name__}: missing keys {missing}, "
                f"unexpected keys {unexpected}."
            )
        # Every entry is checked before any is assigned: a refused state changes nothing.
        values = {}
        for name, parameter in own.items():
            if name not in state:
                continue
            value = as_float_array(state[name], parameter.dtype)
            if value.shape != parameter.shape:
                raise ValueError(
                    f"state_dict entry {name!r} has shape {value.shape}, "
                    f"but the parameter has shape {parameter.shape}."
                )
            values[name] = value
        # Copied into the existing arrays: no new memory, and views onto a parameter stay valid.
        for name, value in values.items():
            own[name].data[...] = value
        return missing, unexpected

    # --------------------------------------------------------------- description
    def get_config(self) -> dict[str, Any]:
        """Keyword arguments that rebuild this module (used by `gradlab.save`)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not describe itself with get_config(), so it cannot "
            "be saved; build the model from gradlab layers or define get_config()."
        )

    @overload
    def summary(self, print_fn: None) -> str: ...

    @overload
    def summary(self, print_fn: Callable[[str], object] = ...) -> None: ...

    def summary(self, print_fn: Callable[[str], object] | None = print) -> str | None:
        """A Keras-style table: Layer (type) / Output Shape / Param #, with total, trainable
        and non-trainable parameter counts.

        Output shapes such as "(None, 4)" (any number of samples, 4 features) are inferred
        from the layers' sizes, without a forward pass.

        Parameters
        ----------
        print_fn : callable or None, default print
            Called with the table (as Keras does). None returns the table instead.

        Returns
        -------
        str or None
            The table when ``print_fn`` is None.

        Examples
        --------
        >>> import gradlab as gl
        >>> text = gl.nn.MLP(2, [2], 2, rng=0).summary(print_fn=None)
        >>> text.splitlines()[-4]
        'Total params: 12 (96 B)'
        """
        from gradlab.nn.summary import summary_text

        return _emit(summary_text(self), print_fn)

    @overload
    def info(self, print_fn: None) -> str: ...

    @overload
    def info(self, print_fn: Callable[[str], object] = ...) -> None: ...

    def info(self, print_fn: Callable[[str], object] | None = print) -> str | None:
        """Every weight and bias with its values (and gradients, once computed), layer by
        layer and neuron by neuron, in the manner of ``MyNeuralNetwork.info()`` in the Perceptron
        and generic MLP worked example.

        Parameters
        ----------
        print_fn : callable or None, default print
            Called with the text. None returns the text instead.

        Examples
        --------
        >>> import gradlab as gl
        >>> layer = gl.nn.Linear.from_values([[1.0], [2.0]], bias=[0.5])
        >>> layer.info()  # doctest: +NORMALIZE_WHITESPACE
        ========= [ Linear: 3 parameters (3 trainable) ] =========
        ~~~~~~ [ Linear(in_features=2, out_features=1, bias=True) ] ~~~~~~
          weight: shape (2, 1), float64
            [[1.],
             [2.]]
          bias: shape (1,), float64
            [0.5]
            neuron 0: bias 0.5, weights [1.0, 2.0]
        """
        from gradlab.nn.summary import info_text

        return _emit(info_text(self), print_fn)

    def extra_repr(self) -> str:
        """Text shown inside this module's parentheses in its repr."""
        return ""

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """The shape of this module's output for an input of ``input_shape`` (None for any
        number of samples, as Keras writes it), from its sizes alone; None when unknown.

        `summary` shows it. A layer that knows its output's shape overrides this; the default,
        None, is shown as "?".

        Examples
        --------
        >>> import gradlab as gl
        >>> gl.nn.Linear(3, 4, rng=0).output_shape((None, 3))
        (None, 4)
        """
        return None

    def info_lines(self) -> list[str]:
        """Extra lines for `info` about this module's own numbers (Linear lists its neurons)."""
        return []

    def _repr_html_(self) -> str:
        # Jupyter shows a model as its `summary` table; repr() stays the nested text.
        from gradlab.nn.summary import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        lines = [
            f"({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._modules.items()
        ]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"


def _emit(text: str, print_fn: Callable[[str], object] | None) -> str | None:
    if print_fn is None:
        return text
    print_fn(text)
    return None


def pack_parameters(module: Module) -> None:
    """Put the values of ``module``'s parameters into one flat buffer per dtype, each
    parameter's ``data`` a view of its slice (`gradlab.engine.packing`), in the order of
    ``module.parameters()``.

    Nothing else changes: values, shapes and dtypes stay, updates in place reach the buffer.
    A training step's gradients then lie at the same places of one buffer of their own, and an
    elementwise optimizer update (plain SGD) runs as one call per buffer instead of one per
    parameter. Called by `MLP` when it is built and by `Module.astype`; an array assigned to a
    parameter later simply leaves the buffer (updates then run per parameter).

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.Sequential(gl.nn.Linear(2, 3), gl.nn.Linear(3, 1))
    >>> pack_parameters(model)
    >>> {p.data.base is model[0].weight.data.base for p in model.parameters()}
    {True}
    """
    by_dtype: dict[Any, list[Parameter]] = {}
    for parameter in module.parameters():
        by_dtype.setdefault(parameter.data.dtype, []).append(parameter)
    for parameters in by_dtype.values():
        if len(parameters) < 2:
            continue
        for parameter, view in zip(parameters, pack([p.data for p in parameters]), strict=True):
            parameter.data = view
