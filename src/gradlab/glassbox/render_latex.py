"""A trace as LaTeX: an ``align*`` block per section (needs the amsmath package)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from gradlab.glassbox.formula import format_number, latex_number

if TYPE_CHECKING:
    from gradlab.glassbox.trace import Step, Trace


def _escape(text: str) -> str:
    for char, replacement in (
        ("\\", r"\textbackslash{}"),
        ("&", r"\&"),
        ("%", r"\%"),
        ("$", r"\$"),
        ("#", r"\#"),
        ("_", r"\_"),
        ("{", r"\{"),
        ("}", r"\}"),
    ):
        text = text.replace(char, replacement)
    return (
        text.replace("θ", r"$\theta$")
        .replace("←", r"$\leftarrow$")
        .replace("∂", r"$\partial$")
        .replace("·", r"$\cdot$")
        .replace("‖", r"$\|$")
        .replace("→", r"$\to$")
        .replace("✓", "")
        .replace("✗", "")
    )


def step_latex(step: Step, fmt: Callable[[float], str]) -> tuple[str, str]:
    """A row's relation (``=`` or ``\\leftarrow``) and its right-hand side in LaTeX: the
    formula with names, with numbers, and the value, each written once."""
    relation = r"\leftarrow" if step.relation == "←" else "="
    parts = [p for p in (step.symbolic("latex"), step.numbers(fmt, "latex")) if p]
    value = latex_number(fmt(step.value))
    if not parts or parts[-1] != value:
        parts.append(value)
    unique = [p for k, p in enumerate(parts) if k == 0 or p != parts[k - 1]]
    return relation, " = ".join(unique)


def render_latex(trace: Trace, decimals: int | None) -> str:
    """The whole trace as LaTeX."""
    fmt = partial(format_number, decimals=decimals)
    lines = [f"\\paragraph{{{_escape(trace.title)}}}", ""]
    if trace.summary is not None:
        lines += [_escape(trace.message or ""), ""]
        lines += [
            r"\begin{tabular}{lrrrr}",
            r"layer & shape & $\|a\|$ & $\|\partial L/\partial a\|$"
            r" & $\|\mathrm{update}\|$ \\ \hline",
        ]
        for r in trace.summary:
            grad = "" if r.activation_grad_norm is None else f"{r.activation_grad_norm:.4g}"
            update = "" if r.update_norm is None else f"{r.update_norm:.4g}"
            lines.append(
                f"{_escape(r.name)} & {r.shape} & {r.activation_norm:.4g} & {grad} & {update} \\\\"
            )
        lines += [r"\end{tabular}", ""]
    for title, steps in trace.blocks():
        lines += [f"\\subparagraph{{{_escape(title)}}}", r"\begin{align*}"]
        rows = []
        for step in steps:
            relation, equation = step_latex(step, fmt)
            note = f" && \\text{{{_escape(step.note)}}}" if step.note else ""
            rows.append(f"{step.name('latex')} &{relation} {equation}{note}")
        lines.append(" \\\\\n".join(rows))
        lines += [r"\end{align*}", ""]
    report = trace.check()
    if report.checked:
        lines.append(_escape(str(report)))
    return "\n".join(lines).rstrip() + "\n"
