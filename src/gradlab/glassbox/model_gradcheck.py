"""`check_gradients`: autograd vs finite differences vs SymPy, one row per parameter entry."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from gradlab.engine import no_grad
from gradlab.graph.objective import objective

if TYPE_CHECKING:
    import pandas


@dataclass(frozen=True)
class GradientRow:
    """One parameter entry: the three derivatives and how far autograd is from the others.

    ``error`` is the largest |autograd - other| over the available columns and ``relative`` the
    same divided by max(1, |autograd|).
    """

    name: str
    parameter: str
    autograd: float
    finite_difference: float
    symbolic: float | None
    error: float
    relative: float


@dataclass(frozen=True)
class GradientCheck:
    """The table of `check_gradients`, with the worst row marked when printed.

    ``repr`` is one line (count, verdict, worst entry); a notebook shows the table as HTML with
    the worst row highlighted (the first 40 rows and the worst of a larger model).
    """

    rows: list[GradientRow]
    eps: float

    @property
    def worst(self) -> GradientRow:
        """The row with the largest relative error."""
        return self.rows[self._worst_index()]

    def _worst_index(self) -> int:
        return max(range(len(self.rows)), key=lambda k: self.rows[k].relative)

    def passed(self, atol: float = 1e-6, rtol: float = 1e-4) -> bool:
        """True when every row agrees: error <= atol + rtol·|autograd|."""
        return all(r.error <= atol + rtol * abs(r.autograd) for r in self.rows)

    def to_records(self) -> list[dict[str, Any]]:
        return [asdict(r) for r in self.rows]

    def to_frame(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (needs ``pip install "gradlab[data]"``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                'GradientCheck.to_frame needs pandas; install it with pip install "gradlab[data]".'
            ) from None
        return pandas.DataFrame(self.to_records())

    def _table(self) -> tuple[list[str], list[list[str]]]:
        """The header and one row of cells per entry, as `__str__` and the HTML show them."""
        has_symbolic = any(r.symbolic is not None for r in self.rows)
        header = ["parameter", "autograd", f"finite diff (eps={self.eps:g})"]
        header += ["symbolic"] if has_symbolic else []
        header.append("|error|")
        table = []
        for r in self.rows:
            row = [r.name, f"{r.autograd:.10g}", f"{r.finite_difference:.10g}"]
            if has_symbolic:
                row.append("" if r.symbolic is None else f"{r.symbolic:.10g}")
            row.append(f"{r.error:.2e}")
            table.append(row)
        return header, table

    def _verdict(self) -> str:
        worst = self.worst
        verdict = "all agree" if self.passed() else "DISAGREEMENT"
        return (
            f"{len(self.rows)} parameters; {verdict}; worst {worst.name} "
            f"(|error| {worst.error:.2e})."
        )

    def __str__(self) -> str:
        header, rows = self._table()
        worst = self._worst_index()
        table = [[*header, ""]] + [
            [*row, "◀ worst" if k == worst else ""] for k, row in enumerate(rows)
        ]
        widths = [max(len(t[k]) for t in table) for k in range(len(header) + 1)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(t, widths, strict=True)).rstrip() for t in table
        ]
        lines.insert(1, "  ".join("-" * w for w in widths[:-1]))
        lines.append(self._verdict())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradientCheck: {self._verdict()[:-1]}, eps={self.eps:g}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # IPython's plain-text display: the table, as print() gives it.
        printer.text(repr(self) if cycle else str(self))

    def _repr_html_(self, max_rows: int = 40) -> str:
        """The table as HTML, the worst row highlighted; beyond ``max_rows`` entries the first
        ones, then the worst."""
        from gradlab.display import html_table

        header, rows = self._table()
        worst = self._worst_index()
        shown: list[int | None] = list(range(min(len(rows), max_rows)))
        if len(rows) > max_rows:
            shown += [None] + ([worst] if worst >= max_rows else [])
        footer = self._verdict()
        if len(rows) > max_rows:
            footer += f" {len(rows) - max_rows} rows left out; print() or to_frame() has all."
        return html_table(
            header,
            [None if k is None else rows[k] for k in shown],
            caption=f"Gradient check: autograd vs finite differences (eps={self.eps:g})",
            footer=footer,
            marked=shown.index(worst) if worst in shown else None,
        )


def check_gradients(
    model: Any,
    x: Any = None,
    y: Any = None,
    loss: Any = "mse",
    *,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    eps: float = 1e-6,
    symbolic: bool | str = "auto",
) -> GradientCheck:
    """Compare, for every parameter entry, autograd's dL/dθ with central finite differences
    and (with SymPy) the symbolic derivative evaluated at the current values.

    The finite difference is (L(θ + eps) - L(θ - eps)) / (2 eps), each L a forward pass of the
    engine with the entry moved; its error is O(eps²) plus rounding O(1e-16/eps), so use a
    float64 model. The parameters are left as they were.

    Parameters
    ----------
    model, x, y, loss, names, params
        As for `gradlab.glassbox`.
    eps : float, default 1e-6
    symbolic : bool or "auto", default "auto"
        Add the SymPy column; "auto" does when SymPy is installed.

    Returns
    -------
    GradientCheck
        ``rows`` (one per entry), ``worst``, ``passed()``; printing gives the table with the
        worst row marked.

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.Sequential(gl.nn.Linear.from_values([[0.5], [-0.2]], [0.1]),
    ...                          gl.nn.Sigmoid())
    >>> check = gl.glassbox.check_gradients(model, [1.0, 2.0], [1.0], loss="bce")
    >>> check.passed()
    True
    """
    goal = objective(model, x, y, loss, names, params)
    tensors = {id(e.tensor): e.tensor for e in goal.entries}
    for t in tensors.values():
        t.grad = None
    root, _ = goal.evaluate()
    if root.size != 1:
        raise ValueError(f"the objective must be one number; it has shape {root.shape}.")
    root.backward()
    autograd = [e.grad for e in goal.entries]
    numeric = []
    with no_grad():
        for e in goal.entries:
            flat = e.tensor.data
            original = flat[e.index]
            flat[e.index] = original + eps
            upper = float(goal.evaluate()[0].data.reshape(-1)[0])
            flat[e.index] = original - eps
            lower = float(goal.evaluate()[0].data.reshape(-1)[0])
            flat[e.index] = original
            numeric.append((upper - lower) / (2 * eps))
    symbolic_values: list[float | None] = [None] * len(goal.entries)
    if symbolic is True or (symbolic == "auto" and _have_sympy()):
        from gradlab.symbolic import build

        model_sym = build(model, x, y, loss=loss, names=names, params=params)
        symbolic_values = [model_sym.gradient_value(e.label.text) for e in goal.entries]
    rows = []
    for e, a, n, s in zip(goal.entries, autograd, numeric, symbolic_values, strict=True):
        error = max(abs(a - n), 0.0 if s is None else abs(a - s))
        rows.append(GradientRow(e.label.text, e.key, a, n, s, error, error / max(1.0, abs(a))))
    if not rows:
        raise ValueError("the model has no parameters to check.")
    if any(not math.isfinite(r.autograd) for r in rows):
        bad = [r.name for r in rows if not math.isfinite(r.autograd)]
        raise FloatingPointError(f"autograd gave non-finite gradients for {bad}.")
    return GradientCheck(rows, eps)


def _have_sympy() -> bool:
    try:
        import sympy  # noqa: F401
    except ImportError:
        return False
    return True
