"""Argument types shared by the sub-commands: each turns bad text into argparse's one-line error."""

from __future__ import annotations

import argparse
import math
from typing import NoReturn


def hidden_sizes(text: str) -> list[int]:
    """``"16,16"`` -> ``[16, 16]``; ``""`` or ``"none"`` -> ``[]`` (no hidden layer).

    Examples
    --------
    >>> hidden_sizes("64"), hidden_sizes("16, 8"), hidden_sizes("none")
    ([64], [16, 8], [])
    """
    if text.strip().lower() in ("", "none"):
        return []
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of layer sizes; write them like 16,16"
        ) from None
    if any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(f"layer sizes must be positive; got {text!r}")
    return sizes


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1; got {text!r}")
    return value


def seed(text: str) -> int:
    """A non-negative whole number."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more; got {value}")
    return value


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` report a bad option as one line on stderr (exit status 2), not usage text.

    Examples
    --------
    >>> import argparse
    >>> parser = one_line_errors(argparse.ArgumentParser(prog="gradlab train"))
    >>> _ = parser.add_argument("--epochs", type=positive_int)
    >>> try:
    ...     parser.parse_args(["--epochs", "0"])
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    setattr(parser, "error", error)  # noqa: B010
    return parser
