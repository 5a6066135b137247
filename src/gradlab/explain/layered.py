"""The trace of a layered network, neuron by neuron, read from engine runs.

Each pass runs the network with the engine, layer by layer (exactly what `Sequential` does),
then ``loss.backward()``. The rows read the recorded tensors: forward values from ``.data``,
dL/da and dL/dz (δ) from the intermediate tensors' ``.grad``, da/dz from the activation op's own
backward closure, dL/dθ from the parameters' ``.grad``. A batch of several samples is run once
per sample (per-sample rows) and once as a whole (the batch gradient the update uses).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array, local_gradients
from gradlab.explain.activation_formula import activation_formula, slope_formula
from gradlab.explain.formula import Div, Expr, Label, Mul, Num, Sym, partial, superscript, total
from gradlab.explain.loss_formula import LOSS_OPS, loss_derivative, loss_formula
from gradlab.explain.naming import Entry, NetworkLabels
from gradlab.explain.structure import DenseLayer
from gradlab.explain.trace import EdgeView, LayerSummary, NetworkView, NeuronView, Step

LossFunction = Callable[[Tensor, Any], Tensor]


@dataclass
class Pass:
    """One engine run over some rows: per layer (input, z, a), the loss, the gradients."""

    layers: list[tuple[Tensor, Tensor, Tensor]]
    loss: Tensor
    gradients: dict[int, Array]


def run_pass(
    layers: Sequence[DenseLayer],
    x: Array,
    y: Array,
    loss_fn: LossFunction,
    params: Sequence[Tensor],
) -> Pass:
    """Forward layer by layer, the loss, ``backward()``; keep every tensor the rows read."""
    for p in params:
        p.grad = None
    h = Tensor(x, dtype=layers[0].linear.weight.dtype)
    recorded = []
    for layer in layers:
        z = layer.linear(h)
        a = layer.activation(z) if layer.activation is not None else z
        recorded.append((h, z, a))
        h = a
    loss = loss_fn(h, y)
    if not isinstance(loss, Tensor) or loss.size != 1:
        raise ValueError(
            "the loss must be one number; use a reduction of 'mean', 'sum' or 'half_sum', "
            f"not one loss per entry (got shape {getattr(loss, 'shape', None)})."
        )
    if not loss.requires_grad:
        raise ValueError(
            "no parameter of the model requires a gradient, so there is nothing to explain; "
            "check requires_grad of its parameters."
        )
    loss.backward()
    gradients = {id(p): (np.zeros_like(p.data) if p.grad is None else p.grad) for p in params}
    return Pass(recorded, loss, gradients)


def _grad(t: Tensor) -> Array:
    return np.zeros_like(t.data) if t.grad is None else t.grad


def activation_slopes(a: Tensor, z: Tensor) -> Array:
    """da/dz entry by entry for an elementwise activation, from the op's backward closure."""
    if a is z:
        return np.ones_like(z.data)
    (slope,) = local_gradients(a, np.ones_like(a.data))[:1]
    assert slope is not None
    return slope


def activation_jacobian(a: Tensor, n: int) -> Array:
    """J[k, j] = da_k/dz_j of a one-row activation (softmax, ...), one backward per output."""
    rows = []
    for k in range(n):
        unit = np.zeros_like(a.data)
        unit[0, k] = 1
        (row,) = local_gradients(a, unit)[:1]
        assert row is not None
        rows.append(row[0])
    return np.array(rows)


@dataclass(frozen=True)
class LossInfo:
    """How to write the loss: the engine op, the reduction and the target values of a pass."""

    op: str
    reduction: str | None
    delta: float | None


def loss_label(sample: int | None) -> Label:
    if sample is None:
        return Label("L", "L")
    return Label("L" + superscript(sample), f"L^{{({sample})}}")


def pass_steps(
    run: Pass,
    layers: Sequence[DenseLayer],
    labels: NetworkLabels,
    targets: Array,
    info: LossInfo,
    sample: int | None,
) -> list[Step]:
    """Forward, loss, backward and gradient rows of a one-row pass."""
    L = loss_label(sample)
    x = run.layers[0][0]
    steps = [
        Step("forward", "input", label, float(x.data[0, i]), sample=sample)
        for i, label in enumerate(labels.inputs)
    ]
    # ---- forward: z = sum_i h_i W_ij + b_j, then a = f(z)
    for layer, names, (h, z, a) in zip(layers, labels.layers, run.layers, strict=True):
        inputs = labels.inputs if layer.number == 1 else labels.layers[layer.number - 2].a
        W = layer.linear.weight.data
        b = None if layer.linear.bias is None else layer.linear.bias.data
        zs = [Sym(names.z[j], float(z.data[0, j])) for j in range(W.shape[1])]
        for j in range(W.shape[1]):
            terms: list[Expr] = [
                Mul((Sym(inputs[i], float(h.data[0, i])), Sym(names.weight[i][j], float(W[i, j]))))
                for i in range(W.shape[0])
            ]
            if b is not None and names.bias is not None:
                terms.append(Sym(names.bias[j], float(b[j])))
            steps.append(
                Step(
                    "forward",
                    "weighted_sum",
                    names.z[j],
                    float(z.data[0, j]),
                    total(terms),
                    sample=sample,
                    layer=layer.number,
                    neuron=j,
                )
            )
        for j in range(W.shape[1]):
            formula = activation_formula(layer.activation, zs, j, layer.elementwise)
            steps.append(
                Step(
                    "forward",
                    "activation",
                    names.a[j],
                    float(a.data[0, j]),
                    formula,
                    sample=sample,
                    layer=layer.number,
                    neuron=j,
                )
            )
    # ---- loss
    out = run.layers[-1][2]
    predictions = [Sym(lab, float(out.data[0, j])) for j, lab in enumerate(labels.layers[-1].a)]
    ys = [Sym(lab, float(targets[j])) for j, lab in enumerate(labels.targets)]
    known = info.op in LOSS_OPS and info.reduction is not None
    steps += [
        Step("loss", "target", label, float(targets[j]), sample=sample)
        for j, label in enumerate(labels.targets)
    ]
    written: Expr | None = None
    if known:
        written = loss_formula(info.op, info.reduction or "", predictions, ys, info.delta)
    steps.append(Step("loss", "loss", L, float(run.loss.data), written, sample=sample))
    # ---- backward: dL/da, da/dz, delta = dL/dz, from the output layer down
    slopes: dict[int, Array] = {}
    for index in range(len(layers) - 1, -1, -1):
        layer, names = layers[index], labels.layers[index]
        h, z, a = run.layers[index]
        n_out = z.shape[1]
        dL_da, dL_dz = _grad(a), _grad(z)
        for j in range(n_out):
            if index == len(layers) - 1:
                f = (
                    loss_derivative(info.op, info.reduction or "", predictions, ys, j, info.delta)
                    if known
                    else None
                )
            else:
                nxt, nxt_names = layers[index + 1], labels.layers[index + 1]
                W_next = nxt.linear.weight.data
                z_next = _grad(run.layers[index + 1][1])
                f = total(
                    [
                        Mul(
                            (
                                Sym(nxt_names.weight[j][k], float(W_next[j, k])),
                                Sym(nxt_names.delta[k], float(z_next[0, k])),
                            )
                        )
                        for k in range(W_next.shape[1])
                    ]
                )
            steps.append(
                Step(
                    "backward",
                    "dL/da",
                    partial(L, names.a[j]),
                    float(dL_da[0, j]),
                    f,
                    sample=sample,
                    layer=layer.number,
                    neuron=j,
                )
            )
        if layer.elementwise:
            slope = activation_slopes(a, z)
            slopes[index] = slope
            for j in range(n_out):
                f = slope_formula(
                    layer.activation,
                    Sym(names.z[j], float(z.data[0, j])),
                    Sym(names.a[j], float(a.data[0, j])),
                )
                steps.append(
                    Step(
                        "backward",
                        "da/dz",
                        partial(names.a[j], names.z[j]),
                        float(slope[0, j]),
                        f,
                        sample=sample,
                        layer=layer.number,
                        neuron=j,
                    )
                )
            for j in range(n_out):
                f = Mul(
                    (
                        Sym(partial(names.a[j], names.z[j]), float(slope[0, j])),
                        Sym(partial(L, names.a[j]), float(dL_da[0, j])),
                    )
                )
                steps.append(
                    Step(
                        "backward",
                        "delta",
                        names.delta[j],
                        float(dL_dz[0, j]),
                        f,
                        sample=sample,
                        layer=layer.number,
                        neuron=j,
                    )
                )
        else:
            J = activation_jacobian(a, n_out)
            for j in range(n_out):
                f = total(
                    [
                        Mul(
                            (
                                Sym(partial(names.a[k], names.z[j]), float(J[k, j])),
                                Sym(partial(L, names.a[k]), float(dL_da[0, k])),
                            )
                        )
                        for k in range(n_out)
                    ]
                )
                steps.append(
                    Step(
                        "backward",
                        "delta",
                        names.delta[j],
                        float(dL_dz[0, j]),
                        f,
                        sample=sample,
                        layer=layer.number,
                        neuron=j,
                    )
                )
    # ---- gradients: dL/dθ = dz/dθ · da/dz · dL/da, output layer first
    for index in range(len(layers) - 1, -1, -1):
        steps += _gradient_steps(run, layers[index], labels, index, slopes.get(index), L, sample)
    return steps


def _gradient_steps(
    run: Pass,
    layer: DenseLayer,
    labels: NetworkLabels,
    index: int,
    slope: Array | None,
    L: Label,
    sample: int | None,
) -> list[Step]:
    names = labels.layers[index]
    h, z, a = run.layers[index]
    dL_da, dL_dz = _grad(a), _grad(z)

    def tail(j: int) -> tuple[Expr, ...]:
        if slope is None:
            return (Sym(names.delta[j], float(dL_dz[0, j])),)
        return (
            Sym(partial(names.a[j], names.z[j]), float(slope[0, j])),
            Sym(partial(L, names.a[j]), float(dL_da[0, j])),
        )

    steps = []
    weight = layer.linear.weight
    grad_w = run.gradients[id(weight)]
    for i in range(weight.shape[0]):
        for j in range(weight.shape[1]):
            label = names.weight[i][j]
            f = Mul((Sym(partial(names.z[j], label), float(h.data[0, i])), *tail(j)))
            steps.append(
                Step(
                    "gradient",
                    "gradient",
                    partial(L, label),
                    float(grad_w[i, j]),
                    f,
                    sample=sample,
                    layer=layer.number,
                    neuron=j,
                    parameter=f"{layer.prefix}weight[{i},{j}]",
                )
            )
    bias = layer.linear.bias
    if bias is not None and names.bias is not None:
        grad_b = run.gradients[id(bias)]
        for j in range(bias.shape[0]):
            label = names.bias[j]
            f = Mul((Sym(partial(names.z[j], label), 1.0), *tail(j)))
            steps.append(
                Step(
                    "gradient",
                    "gradient",
                    partial(L, label),
                    float(grad_b[j]),
                    f,
                    sample=sample,
                    layer=layer.number,
                    neuron=j,
                    parameter=f"{layer.prefix}bias[{j}]",
                )
            )
    return steps


def batch_steps(
    per_sample: Sequence[Pass],
    batch: Pass,
    entries: Sequence[Entry],
    reduction: str | None,
) -> list[Step]:
    """The batch loss and gradients written as the mean (or sum) of the per-sample ones."""
    n = len(per_sample)

    def combine(terms: list[Expr]) -> Expr | None:
        # A mean over every entry is the mean of the per-sample means; a sum (or half-sum)
        # over every entry is the sum of the per-sample sums (half-sums).
        if reduction == "mean":
            return Div(total(terms), Num(n))
        if reduction in ("sum", "half_sum"):
            return total(terms)
        return None

    L = Label("L", "L")
    losses: list[Expr] = [
        Sym(loss_label(s + 1), float(p.loss.data)) for s, p in enumerate(per_sample)
    ]
    steps = [Step("batch", "batch_loss", L, float(batch.loss.data), combine(losses))]
    for entry in entries:
        grads: list[Expr] = [
            Sym(
                partial(loss_label(s + 1), entry.label),
                float(p.gradients[id(entry.tensor)][entry.index]),
            )
            for s, p in enumerate(per_sample)
        ]
        value = float(batch.gradients[id(entry.tensor)][entry.index])
        steps.append(
            Step(
                "batch",
                "batch_gradient",
                partial(L, entry.label),
                value,
                combine(grads),
                parameter=entry.key,
            )
        )
    return steps


def network_view(
    first: Pass,
    batch: Pass,
    layers: Sequence[DenseLayer],
    labels: NetworkLabels,
    per_sample: bool,
) -> NetworkView:
    """Values of the first sample, weight gradients of the batch, for the network picture."""
    h0 = first.layers[0][0]
    columns = [[NeuronView(lab, float(h0.data[0, i])) for i, lab in enumerate(labels.inputs)]]
    edges = []
    for layer, names, (_, z, a) in zip(layers, labels.layers, first.layers, strict=True):
        bias = layer.linear.bias
        delta = _grad(z) if per_sample else None
        grad_b = None if bias is None else batch.gradients[id(bias)]
        column = []
        for j, lab in enumerate(names.a):
            column.append(
                NeuronView(
                    lab,
                    float(a.data[0, j]),
                    None if delta is None else float(delta[0, j]),
                    None if bias is None else float(bias.data[j]),
                    None if grad_b is None else float(grad_b[j]),
                )
            )
        columns.append(column)
        W = layer.linear.weight
        gW = batch.gradients[id(W)]
        edges.append(
            [
                EdgeView(i, j, names.weight[i][j], float(W.data[i, j]), float(gW[i, j]))
                for i in range(W.shape[0])
                for j in range(W.shape[1])
            ]
        )
    return NetworkView(columns, edges, [layer.activation_name for layer in layers])


def layer_summaries(
    batch: Pass, layers: Sequence[DenseLayer], old: dict[int, Array], new: dict[int, Array]
) -> list[LayerSummary]:
    """Shapes and norms per layer, for networks too large to print number by number."""
    rows = []
    for layer, (_, _, a) in zip(layers, batch.layers, strict=True):
        W, b = layer.linear.weight, layer.linear.bias
        change = [new[id(W)] - old[id(W)]] + ([] if b is None else [new[id(b)] - old[id(b)]])
        rows.append(
            LayerSummary(
                name=f"{layer.number}: Linear({W.shape[0]}→{W.shape[1]}) + {layer.activation_name}",
                shape=tuple(a.shape),
                activation_norm=float(np.linalg.norm(a.data)),
                activation_grad_norm=float(np.linalg.norm(_grad(a))),
                n_parameters=W.size + (0 if b is None else b.size),
                weight_norm=float(np.linalg.norm(W.data)),
                weight_grad_norm=float(np.linalg.norm(batch.gradients[id(W)])),
                bias_norm=None if b is None else float(np.linalg.norm(b.data)),
                bias_grad_norm=None if b is None else float(np.linalg.norm(batch.gradients[id(b)])),
                update_norm=float(np.sqrt(sum(float(np.sum(c * c)) for c in change))),
            )
        )
    return rows
