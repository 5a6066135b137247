"""What the page draws after a step, as JSON-ready data; every number from the engine.

The network's weights and gradients at full precision; for two inputs, each neuron's output
over a grid (a small heat map per neuron, as TensorFlow Playground draws them) and the output
over a finer grid (the decision regions); the losses; and the step's trace.
"""

from __future__ import annotations

import base64
import functools
import math
from typing import Any

import numpy as np

from gradlab.engine import Tensor, no_grad
from gradlab.graph.naming import parameter_entries
from gradlab.nn import Linear
from gradlab.playground.session import Session

NEURON_GRID = 16
OUTPUT_GRID = 32


def _bytes(values: np.ndarray) -> list[str]:
    """Each column of values in [-1, 1] (clipped) as base64 of one byte per value, 0 for -1
    and 255 for +1."""
    scaled = np.rint((np.clip(np.nan_to_num(values), -1.0, 1.0) + 1.0) * 127.5)
    columns = np.ascontiguousarray(scaled.astype(np.uint8).T)
    return [base64.b64encode(column.tobytes()).decode("ascii") for column in columns]


@functools.lru_cache(maxsize=8)
def _grid(extent: tuple[float, float, float, float], size: int) -> np.ndarray:
    """The ``size`` x ``size`` points of the picture, row by row (read-only: it is shared)."""
    x0, x1, y0, y1 = extent
    xs = np.linspace(x0, x1, size)
    ys = np.linspace(y1, y0, size)  # the top row of the picture is the largest y
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    points.flags.writeable = False
    return points


def _layer_outputs(session: Session, points: np.ndarray) -> list[np.ndarray]:
    """Each layer's activations at ``points`` (the inputs first)."""
    outputs = [points]
    with no_grad():
        h = Tensor(points)
        for module in session.model:
            h = module(h)
            if not isinstance(module, Linear):
                outputs.append(h.data)
    return outputs


def _scale(values: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    """Inputs drawn as they run over the picture: from -1 at one edge to +1 at the other."""
    low = np.array([extent[0], extent[2]])
    high = np.array([extent[1], extent[3]])
    return 2 * (values - low) / (high - low) - 1


def maps(session: Session) -> dict[str, Any] | None:
    """Heat maps of every neuron and of the output, for data with two inputs: one forward
    pass over the output's grid, the neurons' maps every other point of it."""
    extent = session.data.extent
    if extent is None:
        return None
    layers = _layer_outputs(session, _grid(extent, OUTPUT_GRID))
    step = OUTPUT_GRID // NEURON_GRID
    keep = np.zeros((OUTPUT_GRID, OUTPUT_GRID), dtype=bool)
    keep[::step, ::step] = True
    every = keep.ravel()
    neurons = [_bytes(_scale(layers[0][every], extent))]
    neurons += [_bytes(a[every]) for a in layers[1:]]
    output = layers[-1]
    if output.shape[1] > 1:
        kind, values = "class", output.argmax(axis=1) / max(output.shape[1] - 1, 1) * 2 - 1
    else:
        kind, values = "value", _output_scale(session, output[:, 0])
    return {
        "extent": list(extent),
        "neuron_grid": NEURON_GRID,
        "output_grid": OUTPUT_GRID,
        "neurons": neurons,
        "output": _bytes(values[:, None])[0],
        "output_kind": kind,
    }


def _output_scale(session: Session, values: np.ndarray) -> np.ndarray:
    """One output drawn on the targets' scale: 0/1 targets (a binary cross-entropy) from
    -1 to 1, others as they are."""
    from gradlab.playground.data import BINARY_LOSSES

    if session.data.task == "classification" and session.loss_name in BINARY_LOSSES:
        if session.loss_name.endswith("logits"):
            return np.tanh(values / 2)  # the sign of the logit decides
        return 2 * values - 1
    return values


def points(session: Session) -> dict[str, Any] | None:
    """The data points to draw (two inputs): x, y and the label on the output's scale."""
    if session.data.extent is None:
        return None
    data = session.data
    if data.task == "given":
        labels = data.labels[:, 0] if data.labels.shape[1] == 1 else data.labels.argmax(axis=1)
    elif data.task == "classification":
        labels = data.labels / max(data.n_classes - 1, 1) * 2 - 1
    else:
        labels = data.labels
    rows = np.column_stack([data.X[:, :2], labels]).round(4)
    return {"train": rows[data.train].tolist(), "test": rows[data.test].tolist()}


def network(session: Session) -> dict[str, Any]:
    """Layers, activations, weights, gradients and every parameter's label."""
    if session.labels is None:
        entries = parameter_entries(session.model, session.names)
        session.labels = {e.key: e.label.text for e in entries}
    labels = session.labels
    layers = []
    k = 0
    for module in session.model:
        if not isinstance(module, Linear):
            continue
        prefix = f"{k}."
        bias = module.bias
        layers.append({
            "weight": module.weight.data.tolist(),
            "bias": None if bias is None else bias.data.tolist(),
            "weight_grad": _grad(module.weight),
            "bias_grad": None if bias is None else _grad(bias),
            "prefix": prefix,
        })  # fmt: skip
        k += 2
    return {
        "sizes": [session.data.X.shape[1], *(len(layer["weight"][0]) for layer in layers)],
        "activations": [a["activation"] for a in session.settings["hidden"]]
        + [session.settings["output_activation"]],
        "inputs": session.data.inputs,
        "layers": layers,
        "labels": labels,
        "n_parameters": session.n_parameters,
    }


def _grad(tensor: Any) -> Any:
    return None if tensor.grad is None else np.nan_to_num(tensor.grad).tolist()


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _progress(session: Session) -> dict[str, Any]:
    """The step count, the epoch, the heat maps and the losses now."""
    train = max(session.data.train.size, 1)
    return {
        "steps": session.steps,
        "epoch": session.steps * min(session.settings["batch_size"], train) / train,
        "maps": maps(session),
        "loss": {k: _finite(vs[-1]) for k, vs in session.history.items()},
    }


def frame(session: Session) -> dict[str, Any]:
    """What a frame of Play redraws: the weights and biases by layer, the heat maps and the
    losses; no trace, labels, gradients or settings (`view` has them, asked for on Pause)."""
    weights = [
        [m.weight.data.tolist(), None if m.bias is None else m.bias.data.tolist()]
        for m in session.model
        if isinstance(m, Linear)
    ]
    return {**_progress(session), "weights": weights}


def view(session: Session, session_id: str, full: bool = False) -> dict[str, Any]:
    """Everything the page draws; ``full`` adds the data points (sent once per session)."""
    trace = session.last_trace
    result = {
        **_progress(session),
        "session": session_id,
        "state": session.shared_state(),
        "notes": session.notes,
        "network": network(session),
        "trace": None if trace is None else trace.to_json(),
        "task": session.data.task,
    }
    if full:
        result["points"] = points(session)
        result["history"] = {k: [_finite(v) for v in vs] for k, vs in session.history.items()}
    return result
