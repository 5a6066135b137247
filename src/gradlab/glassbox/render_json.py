"""A trace as JSON-ready data: the records, each row's LaTeX, grouped into titled blocks.

What the playground's page shows: every number of the step with its formula written with names
and with numbers (for KaTeX), the engine's value at full precision, and which neuron or
parameter the row belongs to, so that a click on a weight finds its rows.
"""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Any

from gradlab.glassbox.formula import format_number
from gradlab.glassbox.render_latex import step_latex
from gradlab.glassbox.render_records import records

if TYPE_CHECKING:
    from gradlab.glassbox.trace import Trace


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such values become their text ("nan", "inf")."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def render_json(trace: Trace, decimals: int | None) -> dict[str, Any]:
    """The trace as a dict of lists, strings and numbers (``json.dumps`` takes it as is)."""
    fmt = partial(format_number, decimals=decimals)
    rows = records(trace, decimals)
    blocks: list[dict[str, Any]] = []
    if trace.steps:
        by_step = dict(zip(map(id, trace.steps), rows, strict=True))
        for title, steps in trace.blocks():
            block_rows = []
            for step in steps:
                relation, equation = step_latex(step, fmt)
                row = {key: _finite(value) for key, value in by_step[id(step)].items()}
                row["latex"] = {"name": step.name("latex"), "relation": relation, "rhs": equation}
                block_rows.append(row)
            blocks.append({"title": title, "rows": block_rows})
    report = trace.check()
    return {
        "title": trace.title,
        "loss": _finite(trace.loss),
        "lr": trace.lr,
        "n_samples": trace.n_samples,
        "message": trace.message,
        "blocks": blocks,
        "summary": None
        if trace.summary is None
        else [{key: _finite(value) for key, value in row.items()} for row in rows]
        if not trace.steps
        else None,
        "gradients": {k: _finite(v) for k, v in trace.gradients.items()},
        "new_values": {k: _finite(v) for k, v in trace.new_values.items()},
        "check": str(report) if report.checked else None,
        "checked": report.passed if report.checked else None,
    }
