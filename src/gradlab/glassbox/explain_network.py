"""`explain` for layered networks: validate the data, run the passes, assemble the trace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.glassbox.formula import Label, Sym
from gradlab.glassbox.layered import (
    LossFunction,
    LossInfo,
    Pass,
    batch_steps,
    layer_summaries,
    network_view,
    pass_steps,
    run_pass,
)
from gradlab.glassbox.loss_formula import LOSS_OPS, entries, reduce
from gradlab.glassbox.options import ExplainOptions
from gradlab.glassbox.trace import Step, Trace
from gradlab.glassbox.update import Update, gradient_descent
from gradlab.graph.data import prepare_data
from gradlab.graph.naming import Entry, NetworkLabels, dense_entries, network_labels
from gradlab.graph.structure import DenseLayer
from gradlab.nn.module import Module


def _target_row(y: Array, n_out: int) -> Array:
    """The targets of one sample as numbers (class indices become one-hot rows)."""
    if y.ndim == 1 and y.dtype.kind in "iu":
        row = np.zeros(n_out)
        row[int(y[0])] = 1.0
        return row
    return y[0].astype(np.float64)


@dataclass(frozen=True)
class _Network:
    """The layered model with its labels and parameters, as every step of the build reads it."""

    model: Module
    layers: list[DenseLayer]
    labels: NetworkLabels
    params: list[Tensor]
    by_layer: list[tuple[DenseLayer, str, list[Entry]]]

    @property
    def entries(self) -> list[Entry]:
        """Every trainable number, in the model's order."""
        return [e for _, _, group in self.by_layer for e in group]

    @property
    def output_first(self) -> list[Entry]:
        """Every trainable number, the output layer's first (the order of the update rows)."""
        return [e for _, _, group in _output_first(self.by_layer) for e in group]

    @property
    def n_parameters(self) -> int:
        return sum(p.size for p in self.params)


@dataclass(frozen=True)
class _Runs:
    """The engine runs: one per sample (only for the full view) and one over the batch."""

    per_sample: list[Pass]
    batch: Pass

    @property
    def first(self) -> Pass:
        """The run the network picture shows: the first sample's, else the batch's."""
        return self.per_sample[0] if self.per_sample else self.batch

    @property
    def n_samples(self) -> int:
        return int(self.batch.layers[0][0].shape[0])


def explain_network(
    model: Module,
    layers: list[DenseLayer],
    *,
    x: Any,
    y: Any,
    loss_fn: LossFunction,
    names: Mapping[str, Any] | None,
    options: ExplainOptions,
) -> Trace:
    """Build the trace of one gradient-descent step of a layered network (see `explain`)."""
    xs, ys_given = prepare_data(layers, x, y)
    assert ys_given is not None
    ys = ys_given
    labels = network_labels(layers, names)
    net = _Network(model, layers, labels, list(model.parameters()), dense_entries(layers, labels))
    n = xs.shape[0]
    full = options.full
    if full is None:
        full = net.n_parameters <= options.max_parameters and n <= options.max_samples
    old = {id(p): p.data.copy() for p in net.params}
    runs = _run_passes(net, xs, ys, loss_fn, full)
    n_out = layers[-1].linear.out_features
    first_targets = _target_row(ys[:1], n_out)
    info = _loss_info(loss_fn, runs.per_sample or [runs.batch], runs.batch, labels, first_targets)
    steps = _pass_and_batch_steps(net, runs, ys, info)
    grads = {id(p): runs.batch.gradients[id(p)] for p in net.params}
    update = Update(old, grads, gradient_descent(net.params, options.lr, keep=options.step))
    if full:
        steps += update.steps(net.output_first, options.lr, Label("L", "L"))
    trace = _trace(net, runs, steps, info, update, options)
    if not full:
        trace.summary = layer_summaries(runs.batch, layers, old, update.new)
        trace.message = (
            f"This network is too large to print number by number ({net.n_parameters} "
            f"parameters, {n} sample(s); the limits are max_parameters={options.max_parameters} "
            f"and max_samples={options.max_samples}). Showing a per-layer summary instead; pass "
            f"detail='full' to see every number."
        )
    return trace


def _run_passes(net: _Network, xs: Array, ys: Array, loss_fn: LossFunction, full: bool) -> _Runs:
    """One engine run per sample for the full view, and the batch run (the same one for a
    single sample)."""
    n = xs.shape[0]
    per_sample = (
        [run_pass(net.layers, xs[s : s + 1], ys[s : s + 1], loss_fn, net.params) for s in range(n)]
        if full
        else []
    )
    if n == 1 and per_sample:
        return _Runs(per_sample, per_sample[0])
    return _Runs(per_sample, run_pass(net.layers, xs, ys, loss_fn, net.params))


def _pass_and_batch_steps(net: _Network, runs: _Runs, ys: Array, info: LossInfo) -> list[Step]:
    """Each sample's forward, loss, backward and gradient rows, then the batch combination."""
    n = len(ys)
    n_out = net.layers[-1].linear.out_features
    steps = []
    for s, run in enumerate(runs.per_sample):
        targets = _target_row(ys[s : s + 1], n_out)
        steps += pass_steps(run, net.layers, net.labels, targets, info, s + 1 if n > 1 else None)
    if runs.per_sample and n > 1:
        steps += batch_steps(runs.per_sample, runs.batch, net.output_first, info.reduction)
    return steps


def _trace(
    net: _Network,
    runs: _Runs,
    steps: list[Step],
    info: LossInfo,
    update: Update,
    options: ExplainOptions,
) -> Trace:
    """The Trace of the step: its rows, the batch loss and gradients, the network picture."""
    entries_all = net.entries
    dtype = net.layers[0].linear.weight.dtype
    return Trace(
        title=_title(net.layers, runs.n_samples, info, options.lr),
        steps=steps,
        loss=float(runs.batch.loss.data),
        lr=options.lr,
        n_samples=runs.n_samples,
        reduction=info.reduction,
        gradients=update.gradients(entries_all),
        new_values=update.new_values(entries_all),
        decimals=options.decimals,
        network=network_view(
            runs.first, runs.batch, net.layers, net.labels, per_sample=bool(runs.per_sample)
        ),
        graph=runs.batch.loss,
        node_labels=_node_labels(runs.batch, net.model),
        tolerance=1e-9 if dtype == np.float64 else 1e-4,
    )


def _output_first(groups: list[tuple[DenseLayer, str, list[Any]]]) -> list[Any]:
    order: dict[int, list[Any]] = {}
    for item in groups:
        order.setdefault(item[0].number, []).append(item)
    return [item for number in sorted(order, reverse=True) for item in order[number]]


def _loss_info(
    loss_fn: LossFunction, runs: Sequence[Pass], batch: Pass, labels: Any, targets: Array
) -> LossInfo:
    """The loss op and reduction. A plain callable has no ``reduction``: it is the one whose
    written formula gives the first sample's loss and that combines the samples' losses into
    the batch loss (mean of means, or sum of sums)."""
    op = runs[0].loss.op
    delta = getattr(loss_fn, "delta", None)
    delta = None if delta is None else float(delta)
    reduction = getattr(loss_fn, "reduction", None)
    if isinstance(reduction, str):
        return LossInfo(op, reduction, delta)
    if op not in LOSS_OPS or runs[0].layers[0][0].shape[0] != 1:
        return LossInfo(op, None, delta)
    out = runs[0].layers[-1][2]
    predictions = [Sym(lab, float(out.data[0, j])) for j, lab in enumerate(labels.layers[-1].a)]
    ys = [Sym(lab, float(targets[j])) for j, lab in enumerate(labels.targets)]
    terms = entries(op, predictions, ys, delta)
    losses = [float(r.loss.data) for r in runs]
    combined = {"mean": float(np.mean(losses)), "sum": float(np.sum(losses))}
    for name in ("mean", "sum", "half_sum"):
        written = reduce(terms, name).evaluate()
        batch_value = combined["mean" if name == "mean" else "sum"]
        if (
            written is not None
            and np.isclose(written, losses[0], rtol=1e-9, atol=1e-12)
            and np.isclose(batch_value, float(batch.loss.data), rtol=1e-9, atol=1e-12)
        ):
            return LossInfo(op, name, delta)
    return LossInfo(op, None, delta)


def _title(layers: Sequence[DenseLayer], n: int, info: LossInfo, lr: float) -> str:
    arch = " → ".join(
        f"Linear({layer.linear.in_features}→{layer.linear.out_features}) + {layer.activation_name}"
        for layer in layers
    )
    how = f"{info.op}" + (f", reduction {info.reduction!r}" if info.reduction else "")
    samples = "1 sample" if n == 1 else f"{n} samples"
    return f"One gradient-descent step of {arch}, on {samples}; loss {how}; lr {lr:g}"


def _node_labels(batch: Pass, model: Module) -> dict[int, str]:
    """Names of the batch graph's tensors for the DOT picture."""
    names: dict[int, str] = {id(batch.loss): "L"}
    for dotted, parameter in model.named_parameters():
        names[id(parameter)] = dotted
    for k, (h, z, a) in enumerate(batch.layers, start=1):
        names.setdefault(id(z), f"layer {k}: z")
        names.setdefault(id(a), f"layer {k}: a")
        if k == 1:
            names.setdefault(id(h), "x")
    return names
