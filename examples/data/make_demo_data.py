"""Write the demo CSV files the README's commands use, from data scikit-learn ships.

Run from anywhere: ``python examples/data/make_demo_data.py``. Nothing is downloaded and the
output is the same on every run (fixed seeds), so the committed files can be checked against it.

- ``iris.csv``: Fisher's iris (150 rows), the species as text, and 5 numeric cells left empty
  (at seeded random places) to show how missing values are handled.
- ``diabetes.csv``: the diabetes data in its original units (the first 422 of 442 rows), a
  regression target ``progression`` (disease progression one year after baseline).
- ``diabetes_new.csv``: the other 20 rows, without the target: patients to predict.
- ``moons.csv``: two interleaving half circles (``make_moons``, 200 rows, noise 0.2), two numeric
  features, for the decision-region picture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes, load_iris, make_moons

HERE = Path(__file__).resolve().parent
MISSING_IRIS_CELLS = 5
NEW_PATIENTS = 20


def iris_frame() -> pd.DataFrame:
    """Iris with readable column names, the species as text and a few empty cells."""
    iris = load_iris()
    columns = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    frame = pd.DataFrame(iris.data, columns=columns)
    frame["species"] = np.asarray(iris.target_names)[iris.target]
    rng = np.random.default_rng(0)
    rows = rng.choice(len(frame), size=MISSING_IRIS_CELLS, replace=False)
    cols = rng.integers(0, len(columns), size=MISSING_IRIS_CELLS)
    for row, col in zip(rows, cols, strict=True):
        frame.iloc[row, col] = np.nan
    return frame


def diabetes_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The diabetes table in original units: training rows with the target, new rows without."""
    diabetes = load_diabetes(scaled=False, as_frame=True)
    frame = diabetes.frame.rename(columns={"target": "progression"})
    whole = [name for name in frame if (frame[name] % 1 == 0).all()]
    frame[whole] = frame[whole].astype(int)
    train = frame.iloc[:-NEW_PATIENTS]
    new = frame.iloc[-NEW_PATIENTS:].drop(columns="progression")
    return train, new


def moons_frame() -> pd.DataFrame:
    """scikit-learn's two moons, rounded to 4 decimals to keep the file small."""
    points, moon = make_moons(n_samples=200, noise=0.2, random_state=0)
    frame = pd.DataFrame(points.round(4), columns=["x1", "x2"])
    frame["moon"] = moon
    return frame


def main(folder: Path = HERE) -> list[Path]:
    """Write the demo files into ``folder`` and return their paths."""
    diabetes, new_patients = diabetes_frames()
    frames = {
        "iris.csv": iris_frame(),
        "diabetes.csv": diabetes,
        "diabetes_new.csv": new_patients,
        "moons.csv": moons_frame(),
    }
    paths = []
    for name, frame in frames.items():
        path = folder / name
        frame.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in main():
        print(f"wrote {written} ({written.stat().st_size:,} bytes)")
