"""The CSV data sets and the record of a training run that the CLI tests share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pandas as pd


@dataclass
class Run:
    folder: Path  # the working directory of the run
    model: Path  # the model folder it wrote
    frame: pd.DataFrame  # the training data as written to the CSV
    result: CompletedProcess[str]


def points_frame(n_per_class: int = 40, seed: int = 0) -> pd.DataFrame:
    """Three separable clouds in two numeric features; the label is text."""
    rng = np.random.default_rng(seed)
    centres = {"circle": (0.0, 0.0), "square": (4.0, 0.0), "star": (2.0, 30.0)}
    rows = []
    for label, (cx, cy) in centres.items():
        xs = rng.normal(cx, 1.0, n_per_class)
        ys = rng.normal(cy, 10.0, n_per_class)
        rows += [(round(x, 4), round(y, 4), label) for x, y in zip(xs, ys, strict=True)]
    return pd.DataFrame(rows, columns=["x1", "x2", "label"])


def mixed_frame(seed: int = 1) -> pd.DataFrame:
    """Numeric, categorical and a text label that depends on both."""
    rng = np.random.default_rng(seed)
    n = 90
    height = rng.normal(170, 10, n).round(1)
    colour = rng.choice(["red", "green", "blue"], n)
    weight = rng.normal(70, 8, n).round(1)
    score = (height - 170) / 10 + np.where(colour == "red", 1.5, 0.0) - (weight - 70) / 8
    kind = np.where(score > 0.5, "big", np.where(score < -0.5, "small", "mid"))
    return pd.DataFrame({"height": height, "colour": colour, "weight": weight, "kind": kind})


def regression_frame(seed: int = 2) -> pd.DataFrame:
    """A smooth target of two numeric features."""
    rng = np.random.default_rng(seed)
    n = 80
    a = rng.uniform(-2, 2, n).round(3)
    b = rng.uniform(0, 10, n).round(3)
    price = (100 + 5 * a + 0.5 * b + rng.normal(0, 0.2, n)).round(3)
    return pd.DataFrame({"a": a, "b": b, "price": price})


def replace_cell(line: str, column: int, value: str) -> str:
    cells = line.split(";")
    cells[column] = value
    return ";".join(cells)
