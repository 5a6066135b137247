"""`Sequential`: modules applied one after another."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, overload

from gradlab.nn.layer_plan import LayerPlan, bind_config, combine
from gradlab.nn.module import Module, Shape
from gradlab.nn.registry import build_layer, layer_spec, plan_layer, register_layer


@register_layer
class Sequential(Module):
    """A chain of modules: ``Sequential(a, b, c)(x) = c(b(a(x)))``.

    Children are named "0", "1", ..., so parameters are named "0.weight", "0.bias", ...
    Supports ``len``, iteration, ``model[i]`` (a module) and ``model[i:j]`` (a Sequential
    sharing the same modules).

    Parameters
    ----------
    *modules : Module
        The layers, first to last. A single list or tuple of modules is accepted as well.
    layers : list of layer specs, optional
        Layers given as ``{"type": ..., "config": ...}`` specs (the form of ``get_config()``),
        appended after ``modules``.

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), gl.nn.ReLU(), gl.nn.Linear(3, 1, rng=0))
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model([[1.0, 2.0]]).shape
    (1, 1)
    """

    def __init__(self, *modules: Any, layers: list[Any] | None = None) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], list | tuple):
            modules = tuple(modules[0])
        for module in [*modules, *(layers or [])]:
            self.append(module)

    def append(self, module: Module | dict[str, Any]) -> Sequential:
        """Add a module (or a layer spec, as stored in ``get_config``) at the end; return self."""
        if isinstance(module, dict):
            module = build_layer(module)
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential takes gradlab Modules; got {type(module).__name__}. "
                "Wrap functions in a Module, or use activation modules such as gl.nn.ReLU()."
            )
        setattr(self, str(len(self._modules)), module)
        return self

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        return modules[index]

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """Each child's output shape fed to the next; None from the first that does not know."""
        shape = input_shape
        for module in self._modules.values():
            shape = module.output_shape(shape)
            if shape is None:
                return None
        return shape

    @classmethod
    def plan_config(cls, config: dict[str, Any], depth: int = 1) -> LayerPlan:
        """What ``Sequential(**config)`` would build (see `gradlab.nn.plan_layer`)."""
        layers = bind_config(cls, config)["layers"] or []
        if not isinstance(layers, list | tuple):
            raise TypeError(f"layers must be a list of layer specs; got {layers!r:.100}.")
        # A generator, so that combine stops planning at the first layer beyond the bounds.
        children = ((str(i), plan_layer(spec, depth + 1)) for i, spec in enumerate(layers))
        return combine(children)

    def get_config(self) -> dict[str, Any]:
        """``{"layers": [spec, ...]}`` with one `gradlab.nn.layer_spec` per module."""
        return {"layers": [layer_spec(module) for module in self._modules.values()]}
