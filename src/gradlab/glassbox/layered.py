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
from gradlab.glassbox.activation_formula import activation_formula, slope_formula
from gradlab.glassbox.formula import Div, Expr, Label, Mul, Num, Sym, partial, superscript, total
from gradlab.glassbox.loss_formula import LOSS_OPS, loss_derivative, loss_formula
from gradlab.glassbox.trace import EdgeView, LayerSummary, NetworkView, NeuronView, Step
from gradlab.graph.naming import Entry, NetworkLabels
from gradlab.graph.structure import DenseLayer

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


@dataclass(frozen=True)
class _Where:
    """Whose rows these are: the sample (None when there is only one), the layer number."""

    sample: int | None
    layer: int | None = None

    def step(
        self,
        section: str,
        kind: str,
        label: Label,
        value: float,
        formula: Expr | None = None,
        *,
        neuron: int | None = None,
        parameter: str | None = None,
    ) -> Step:
        return Step(
            section,
            kind,
            label,
            value,
            formula,
            sample=self.sample,
            layer=self.layer,
            neuron=neuron,
            parameter=parameter,
        )


@dataclass(frozen=True)
class _WrittenLoss:
    """The loss's operands as written (predictions ŷ and targets y) and how it reduces."""

    info: LossInfo
    predictions: list[Sym]
    targets: list[Sym]

    @property
    def known(self) -> bool:
        return self.info.op in LOSS_OPS and self.info.reduction is not None

    def formula(self) -> Expr | None:
        if not self.known:
            return None
        info = self.info
        return loss_formula(
            info.op, info.reduction or "", self.predictions, self.targets, info.delta
        )

    def derivative(self, j: int) -> Expr | None:
        """∂L/∂ŷ_j written out, or None for a loss gradlab cannot write."""
        if not self.known:
            return None
        info = self.info
        return loss_derivative(
            info.op, info.reduction or "", self.predictions, self.targets, j, info.delta
        )


def pass_steps(
    run: Pass,
    layers: Sequence[DenseLayer],
    labels: NetworkLabels,
    targets: Array,
    info: LossInfo,
    sample: int | None,
) -> list[Step]:
    """Forward, loss, backward and gradient rows of a one-row pass."""
    rows = _PassRows(run, layers, labels, sample)
    out = run.layers[-1][2]
    loss = _WrittenLoss(
        info,
        [Sym(lab, float(out.data[0, j])) for j, lab in enumerate(labels.layers[-1].a)],
        [Sym(lab, float(targets[j])) for j, lab in enumerate(labels.targets)],
    )
    steps = rows.inputs()
    for index in range(len(layers)):
        steps += rows.forward(index)
    steps += rows.loss(targets, loss)
    slopes: dict[int, Array] = {}
    for index in range(len(layers) - 1, -1, -1):
        steps += rows.backward(index, loss, slopes)
    for index in range(len(layers) - 1, -1, -1):
        steps += rows.gradients(index, slopes.get(index))
    return steps


@dataclass(frozen=True)
class _PassRows:
    """The rows of a pass over one sample, a method per part of the walk."""

    run: Pass
    layers: Sequence[DenseLayer]
    labels: NetworkLabels
    sample: int | None

    @property
    def L(self) -> Label:
        return loss_label(self.sample)

    def _where(self, index: int) -> _Where:
        return _Where(self.sample, self.layers[index].number)

    def inputs(self) -> list[Step]:
        x = self.run.layers[0][0]
        where = _Where(self.sample)
        return [
            where.step("forward", "input", label, float(x.data[0, i]))
            for i, label in enumerate(self.labels.inputs)
        ]

    def forward(self, index: int) -> list[Step]:
        """z_j = Σ_i h_i W_ij + b_j for each neuron of the layer, then a_j = f(z)."""
        layer, names = self.layers[index], self.labels.layers[index]
        h, z, a = self.run.layers[index]
        inputs = self.labels.inputs if layer.number == 1 else self.labels.layers[layer.number - 2].a
        W = layer.linear.weight.data
        b = None if layer.linear.bias is None else layer.linear.bias.data
        where = self._where(index)
        steps = []
        for j in range(W.shape[1]):
            terms: list[Expr] = [
                Mul((Sym(inputs[i], float(h.data[0, i])), Sym(names.weight[i][j], float(W[i, j]))))
                for i in range(W.shape[0])
            ]
            if b is not None and names.bias is not None:
                terms.append(Sym(names.bias[j], float(b[j])))
            value = float(z.data[0, j])
            steps.append(
                where.step("forward", "weighted_sum", names.z[j], value, total(terms), neuron=j)
            )
        zs = [Sym(names.z[j], float(z.data[0, j])) for j in range(W.shape[1])]
        for j in range(W.shape[1]):
            formula = activation_formula(layer.activation, zs, j, layer.elementwise)
            value = float(a.data[0, j])
            steps.append(where.step("forward", "activation", names.a[j], value, formula, neuron=j))
        return steps

    def loss(self, targets: Array, loss: _WrittenLoss) -> list[Step]:
        """The targets, then the loss written with its formula."""
        where = _Where(self.sample)
        steps = [
            where.step("loss", "target", label, float(targets[j]))
            for j, label in enumerate(self.labels.targets)
        ]
        steps.append(where.step("loss", "loss", self.L, float(self.run.loss.data), loss.formula()))
        return steps

    def backward(self, index: int, loss: _WrittenLoss, slopes: dict[int, Array]) -> list[Step]:
        """dL/da, da/dz and δ = dL/dz of one layer; an elementwise activation's slopes are
        kept in ``slopes`` for the gradient rows."""
        steps = self._dL_da(index, loss)
        if self.layers[index].elementwise:
            slopes[index] = activation_slopes(self.run.layers[index][2], self.run.layers[index][1])
            return steps + self._elementwise_delta(index, slopes[index])
        return steps + self._jacobian_delta(index)

    def _dL_da(self, index: int, loss: _WrittenLoss) -> list[Step]:
        """dL/da: the loss's derivative at the output, Σ_k w_jk δ_k below it."""
        names = self.labels.layers[index]
        _, z, a = self.run.layers[index]
        dL_da = _grad(a)
        where = self._where(index)
        steps = []
        for j in range(z.shape[1]):
            if index == len(self.layers) - 1:
                formula = loss.derivative(j)
            else:
                formula = self._sum_over_next(index, j)
            label = partial(self.L, names.a[j])
            steps.append(
                where.step("backward", "dL/da", label, float(dL_da[0, j]), formula, neuron=j)
            )
        return steps

    def _sum_over_next(self, index: int, j: int) -> Expr:
        """Σ_k w_jk δ_k over the neurons k of the next layer that neuron j feeds."""
        nxt, nxt_names = self.layers[index + 1], self.labels.layers[index + 1]
        W_next = nxt.linear.weight.data
        delta_next = _grad(self.run.layers[index + 1][1])
        return total(
            [
                Mul(
                    (
                        Sym(nxt_names.weight[j][k], float(W_next[j, k])),
                        Sym(nxt_names.delta[k], float(delta_next[0, k])),
                    )
                )
                for k in range(W_next.shape[1])
            ]
        )

    def _elementwise_delta(self, index: int, slope: Array) -> list[Step]:
        """da/dz = f'(z) neuron by neuron, then δ = da/dz · dL/da."""
        layer, names = self.layers[index], self.labels.layers[index]
        _, z, a = self.run.layers[index]
        dL_da, dL_dz = _grad(a), _grad(z)
        where = self._where(index)
        steps = []
        for j in range(z.shape[1]):
            formula = slope_formula(
                layer.activation,
                Sym(names.z[j], float(z.data[0, j])),
                Sym(names.a[j], float(a.data[0, j])),
            )
            label = partial(names.a[j], names.z[j])
            steps.append(
                where.step("backward", "da/dz", label, float(slope[0, j]), formula, neuron=j)
            )
        for j in range(z.shape[1]):
            formula = Mul(
                (
                    Sym(partial(names.a[j], names.z[j]), float(slope[0, j])),
                    Sym(partial(self.L, names.a[j]), float(dL_da[0, j])),
                )
            )
            value = float(dL_dz[0, j])
            steps.append(where.step("backward", "delta", names.delta[j], value, formula, neuron=j))
        return steps

    def _jacobian_delta(self, index: int) -> list[Step]:
        """δ_j = Σ_k ∂a_k/∂z_j · dL/da_k for an activation that mixes its inputs (softmax)."""
        names = self.labels.layers[index]
        _, z, a = self.run.layers[index]
        n_out = z.shape[1]
        dL_da, dL_dz = _grad(a), _grad(z)
        J = activation_jacobian(a, n_out)
        where = self._where(index)
        steps = []
        for j in range(n_out):
            formula = total(
                [
                    Mul(
                        (
                            Sym(partial(names.a[k], names.z[j]), float(J[k, j])),
                            Sym(partial(self.L, names.a[k]), float(dL_da[0, k])),
                        )
                    )
                    for k in range(n_out)
                ]
            )
            value = float(dL_dz[0, j])
            steps.append(where.step("backward", "delta", names.delta[j], value, formula, neuron=j))
        return steps

    def gradients(self, index: int, slope: Array | None) -> list[Step]:
        """dL/dθ = dz/dθ · da/dz · dL/da (dz/dθ · δ when the activation is not elementwise)
        for each weight of the layer, then each bias."""
        layer, names = self.layers[index], self.labels.layers[index]
        h = self.run.layers[index][0]
        where = self._where(index)
        steps = []
        weight = layer.linear.weight
        grad_w = self.run.gradients[id(weight)]

        def row(label: Label, input_value: float, j: int, key: str, value: float) -> Step:
            dz = Sym(partial(names.z[j], label), input_value)
            f = Mul((dz, *self._chain_tail(index, slope, j)))
            L = partial(self.L, label)
            return where.step("gradient", "gradient", L, value, f, neuron=j, parameter=key)

        for i in range(weight.shape[0]):
            for j in range(weight.shape[1]):
                key = f"{layer.prefix}weight[{i},{j}]"
                x = float(h.data[0, i])
                steps.append(row(names.weight[i][j], x, j, key, float(grad_w[i, j])))
        bias = layer.linear.bias
        if bias is not None and names.bias is not None:
            grad_b = self.run.gradients[id(bias)]
            for j in range(bias.shape[0]):
                key = f"{layer.prefix}bias[{j}]"
                steps.append(row(names.bias[j], 1.0, j, key, float(grad_b[j])))
        return steps

    def _chain_tail(self, index: int, slope: Array | None, j: int) -> tuple[Expr, ...]:
        """What follows dz_j/dθ in the chain rule: da_j/dz_j · dL/da_j, or δ_j."""
        names = self.labels.layers[index]
        _, z, a = self.run.layers[index]
        if slope is None:
            return (Sym(names.delta[j], float(_grad(z)[0, j])),)
        return (
            Sym(partial(names.a[j], names.z[j]), float(slope[0, j])),
            Sym(partial(self.L, names.a[j]), float(_grad(a)[0, j])),
        )


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
        column = []
        for j, lab in enumerate(names.a):
            column.append(
                NeuronView(
                    lab,
                    float(a.data[0, j]),
                    None if delta is None else float(delta[0, j]),
                    None if bias is None else float(bias.data[j]),
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
