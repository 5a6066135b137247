"""The update rows: θ ← θ - lr·∂L/∂θ, the new values taken from gradlab's own SGD optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.glassbox.formula import Label, Mul, Sub, Sym, partial
from gradlab.glassbox.trace import Step
from gradlab.graph.naming import Entry
from gradlab.optim.sgd import SGD

LR = Label("lr", r"\eta")


@dataclass(frozen=True)
class Update:
    """One gradient-descent step, by parameter id: the values before, the gradients it used
    and the values after."""

    old: dict[int, Array]
    grads: dict[int, Array]
    new: dict[int, Array]

    def gradients(self, entries: Sequence[Entry]) -> dict[str, float]:
        """∂L/∂θ of each entry, by label."""
        return {e.label.text: float(self.grads[id(e.tensor)][e.index]) for e in entries}

    def new_values(self, entries: Sequence[Entry]) -> dict[str, float]:
        """The value after the step of each entry, by label."""
        return {e.label.text: float(self.new[id(e.tensor)][e.index]) for e in entries}

    def steps(self, entries: Sequence[Entry], lr: float, loss: Label) -> list[Step]:
        """The update rows of ``entries`` (see `update_steps`)."""
        return update_steps(entries, self.old, self.new, self.grads, lr, loss)


def gradient_descent(params: Sequence[Tensor], lr: float, keep: bool) -> dict[int, Array]:
    """Run one `SGD` step on ``params`` (whose ``.grad`` is the batch gradient) and return the
    new values by parameter id; unless ``keep``, put the old values back afterwards."""
    old = {id(p): p.data.copy() for p in params}
    for p in params:
        if p.grad is None:
            p.grad = np.zeros_like(p.data)
    SGD(list(params), lr=lr).step()
    new = {id(p): p.data.copy() for p in params}
    if not keep:
        for p in params:
            p.data[...] = old[id(p)]
    return new


def update_steps(
    entries: Sequence[Entry],
    old: dict[int, Array],
    new: dict[int, Array],
    grads: dict[int, Array],
    lr: float,
    loss: Label,
) -> list[Step]:
    """One row per parameter entry: ``w5 ← w5 - lr·∂L/∂w5 = 1 - 0.01·1.5 = 0.985``."""
    steps = []
    for e in entries:
        key = id(e.tensor)
        before = float(old[key][e.index])
        grad = float(grads[key][e.index])
        formula = Sub(Sym(e.label, before), Mul((Sym(LR, lr), Sym(partial(loss, e.label), grad))))
        steps.append(
            Step(
                "update",
                "update",
                e.label,
                float(new[key][e.index]),
                formula,
                relation="←",
                parameter=e.key,
            )
        )
    return steps
