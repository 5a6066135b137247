"""`Label`: the name of a quantity in text (Unicode), ASCII and LaTeX.

The glass box writes its formulas with these names, and the symbolic view names its symbols
with them, so that both call every number of a model the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Style = Literal["text", "ascii", "latex"]

# Unicode -> ASCII for terminals that cannot print the text style.
_ASCII = str.maketrans(
    {
        "∂": "d",
        "δ": "delta",
        "σ": "sigmoid",
        "·": "*",
        "←": "<-",
        "−": "-",
        "η": "lr",
        "Σ": "sum",
        "′": "'",
        "²": "^2",
        "‖": "||",
        "→": "->",
        "✓": "ok",
        "✗": "MISMATCH",
        "◀": "<",
        "—": "-",
        "ŷ": "yhat",
        "θ": "theta",
    }
)
_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_PLAIN_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SAMPLE_INDEX = re.compile("⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾")


def to_ascii(text: str) -> str:
    """The ASCII spelling of a text-style string (``∂L/∂w1`` -> ``dL/dw1``)."""
    text = _SAMPLE_INDEX.sub(lambda m: "^(" + m.group(1).translate(_PLAIN_DIGITS) + ")", text)
    return text.translate(_ASCII)


def superscript(number: int) -> str:
    """``⁽¹²⁾`` for 12: the sample index written above a name."""
    return "⁽" + str(number).translate(_SUPERSCRIPT) + "⁾"


@dataclass(frozen=True)
class Label:
    """The name of a quantity in text (Unicode) and in LaTeX; ASCII is derived from the text."""

    text: str
    latex: str

    def render(self, style: Style) -> str:
        if style == "latex":
            return self.latex
        if style == "ascii":
            return to_ascii(self.text)
        return self.text
