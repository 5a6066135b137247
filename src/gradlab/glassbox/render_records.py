"""A trace as records: one dict per row, for pandas or any table tool."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import TYPE_CHECKING, Any

from gradlab.glassbox.formula import format_number

if TYPE_CHECKING:
    from gradlab.glassbox.trace import Trace


def records(trace: Trace, decimals: int | None) -> list[dict[str, Any]]:
    """One dict per step (or per summary row when the trace is a summary)."""
    if trace.summary is not None and not trace.steps:
        return [asdict(row) for row in trace.summary]
    fmt = partial(format_number, decimals=decimals)
    return [
        {
            "section": step.section,
            "sample": step.sample,
            "layer": step.layer,
            "neuron": step.neuron,
            "parameter": step.parameter,
            "kind": step.kind,
            "name": step.name(),
            "relation": step.relation,
            "formula": step.symbolic(),
            "numbers": step.numbers(fmt),
            "value": step.value,
            "written": step.written(),
            "note": step.note,
        }
        for step in trace.steps
    ]
