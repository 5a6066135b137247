"""`gl.tabular.fit` and `gradlab train` against a scikit-learn pipeline, on real tables.

For each table and target: the rows with a target, split once with
``train_test_split(test_size=0.25, stratify=y, random_state=seed)``. The oracle is the pipeline
a practitioner writes: SimpleImputer + StandardScaler for numbers, SimpleImputer +
OneHotEncoder(handle_unknown="ignore") for text (dates as their year), then
MLPClassifier(hidden_layer_sizes=(64,), max_iter=1000), scikit-learn's defaults otherwise.
gradlab gets the raw table (text, dates, empty cells and all) through ``gl.tabular.fit`` and
through the command (``gradlab train`` then ``gradlab predict`` on the held-out rows); all
three are scored on the same held-out rows. The figures are the mean and the median accuracy
over ``--seeds`` splits (5 by default: on wine's 45 held-out rows one row is 0.022).

Tables: palmerpenguins (species, sex), scikit-learn's wine and breast cancer, vega_datasets'
cars (Origin) and statsmodels' anes96 (vote). Needs ``pip install palmerpenguins
vega_datasets statsmodels``.

    python benchmarks/bench_tabular_accuracy.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import gradlab as gl


def _penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def _cars() -> pd.DataFrame:
    from vega_datasets import data

    return data.cars()


def _anes96() -> pd.DataFrame:
    import statsmodels.api as sm

    frame = sm.datasets.anes96.load_pandas().data
    return frame.assign(vote=frame["vote"].map({0.0: "Clinton", 1.0: "Dole"}))


def _sklearn(load: Callable[..., object], target: str) -> Callable[[], pd.DataFrame]:
    def frame() -> pd.DataFrame:
        bunch = load(as_frame=True)
        table = bunch.frame.copy()  # type: ignore[attr-defined]
        names = bunch.target_names  # type: ignore[attr-defined]
        table[target] = [str(names[i]) for i in table["target"]]
        return table.drop(columns="target")

    return frame


TABLES: list[tuple[str, Callable[[], pd.DataFrame], str]] = [
    ("penguins", _penguins, "species"),
    ("penguins", _penguins, "sex"),
    ("wine", _sklearn(load_wine, "cultivar"), "cultivar"),
    ("breast cancer", _sklearn(load_breast_cancer, "diagnosis"), "diagnosis"),
    ("cars", _cars, "Origin"),
    ("anes96", _anes96, "vote"),
]


def pipeline_accuracy(train: pd.DataFrame, test: pd.DataFrame, target: str, seed: int) -> float:
    """The practitioner's scikit-learn pipeline on the same split."""
    numbers = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    text = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    columns = ColumnTransformer(
        [
            ("numbers", numbers, make_column_selector(dtype_include="number")),
            ("text", text, make_column_selector(dtype_exclude="number")),
        ]
    )
    model = make_pipeline(
        columns,
        MLPClassifier(hidden_layer_sizes=(64,), max_iter=1000, random_state=seed),
    )
    X_train = _as_features(train.drop(columns=target))
    X_test = _as_features(test.drop(columns=target))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, train[target].astype(str))
    return float(model.score(X_test, test[target].astype(str)))


def _as_features(frame: pd.DataFrame) -> pd.DataFrame:
    # A pipeline cannot take datetimes; a practitioner turns them into numbers first.
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.year
        elif not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].astype(object).where(out[name].notna(), np.nan)
    return out


def api_accuracy(train: pd.DataFrame, test: pd.DataFrame, target: str, seed: int) -> float:
    """``gl.tabular.fit`` on the raw training rows, scored on the held-out rows."""
    model = gl.tabular.fit(train, target=target, seed=seed)
    return float(model.score(test))


def command_accuracy(train: pd.DataFrame, test: pd.DataFrame, target: str, seed: int) -> float:
    """``gradlab train`` then ``gradlab predict``, from CSV files, as a user runs them."""
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        train.to_csv(where / "train.csv", index=False)
        test.drop(columns=target).to_csv(where / "test.csv", index=False)
        gradlab = [sys.executable, "-m", "gradlab.cli.main"]
        subprocess.run(
            [*gradlab, "train", "train.csv", "--target", target, "--seed", str(seed)],
            cwd=where, check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [*gradlab, "predict", "gradlab-model", "test.csv", "--out", "p.csv"],
            cwd=where, check=True, capture_output=True,
        )  # fmt: skip
        predicted = pd.read_csv(where / "p.csv")["prediction"].astype(str)
    return float(np.mean(predicted.to_numpy() == test[target].astype(str).to_numpy()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    print("mean (median) accuracy on the held-out rows")
    print(f"{'table':14} {'target':10} {'pipeline':>14} {'gl.tabular':>14} {'command':>14}")
    for name, load, target in TABLES:
        frame = load()
        frame = frame[frame[target].notna()].reset_index(drop=True)
        scores: dict[str, list[float]] = {"pipeline": [], "api": [], "command": []}
        for seed in range(args.seeds):
            train, test = train_test_split(
                frame, test_size=0.25, stratify=frame[target], random_state=seed
            )
            scores["pipeline"].append(pipeline_accuracy(train, test, target, seed))
            scores["api"].append(api_accuracy(train, test, target, seed))
            scores["command"].append(command_accuracy(train, test, target, seed))
        shown = {
            k: f"{statistics.mean(v):.3f} ({statistics.median(v):.3f})" for k, v in scores.items()
        }
        print(
            f"{name:14} {target:10} {shown['pipeline']:>14} {shown['api']:>14} "
            f"{shown['command']:>14}",
            flush=True,
        )


if __name__ == "__main__":
    main()
