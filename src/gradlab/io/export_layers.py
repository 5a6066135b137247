"""What the exporters (`to_torch`, `export_onnx`) share: which layers they know, and the
error that names a layer they do not."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine.activation_op import ActivationOp
from gradlab.nn.activations import Activation
from gradlab.nn.module import Module


def activation_op(module: Module) -> ActivationOp | None:
    """The description of ``module``'s activation, or None if it is not an activation layer
    derived from one (a hand-written `Activation` subclass, another layer)."""
    return module.op if isinstance(module, Activation) else None


def refuse(
    function: str, module: Module, name: str, target: str, supported: list[str]
) -> ValueError:
    """The error for a layer ``function`` cannot express in ``target``."""
    op = activation_op(module)
    where = f"layer {name!r} ({type(module).__name__})" if name else type(module).__name__
    why = (
        f"the activation {op.name!r} has no {target} counterpart"
        if op is not None
        else f"it is not a layer {function}() knows"
    )
    return ValueError(
        f"{function}() cannot express {where} in {target}: {why}. It takes Sequential and MLP "
        f"models of Linear layers and the activations {', '.join(supported)}."
    )


def model_dtype(function: str, model: Module) -> np.dtype[Any]:
    """The one dtype of ``model``'s parameters (float64 for none), refusing a mixture."""
    dtypes = {p.dtype for p in model.parameters()}
    if len(dtypes) > 1:
        listed = ", ".join(sorted(str(d) for d in dtypes))
        raise ValueError(
            f"{function}() needs one dtype for the whole model; its parameters mix {listed}. "
            'Convert it first, e.g. model.astype("float32").'
        )
    return dtypes.pop() if dtypes else np.dtype(np.float64)
