"""The steps of `gradlab.tabular.fit`: prepare the rows, train the network, record the run.

``gradlab train`` runs the same steps with its own printing and its resumable checkpoint
between them, so that the command and the Python API cannot drift apart.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gradlab.tabular.columns import ColumnChoices
from gradlab.tabular.csv_data import CsvTable
from gradlab.tabular.errors import DataError
from gradlab.tabular.preprocessing import CLASSIFICATION
from gradlab.tabular.training_data import TrainingData, prepare, row_weights

MIN_STEPS, MIN_EPOCHS, MAX_AUTO_EPOCHS = 1000, 30, 500
#: At most one checkpoint a second: a kill loses at most a second of training, and a run of
#: thousands of small epochs is not slowed by a disk flush after each.
CHECKPOINT_SECONDS = 1.0


@dataclass
class Options:
    """What `gradlab.tabular.fit` may be told; the defaults are ``gradlab train``'s."""

    task: str = "auto"
    hidden: Sequence[int] = (64,)
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float | None = None
    epochs: int | None = None
    batch_size: int = 32
    validation_split: float = 0.2
    seed: int = 0
    dtype: str = "float32"
    drop_na: bool = False
    early_stopping: bool = True
    patience: int = 10
    ignore: Sequence[str] = ()
    categorical: Sequence[str] = ()
    numeric: Sequence[str] = ()
    class_weight: str | None = None
    sample_weight: str | None = None


@dataclass
class Run:
    """One training run between its steps: the prepared rows, their weights (from the
    sample-weight column) and the settings in force."""

    data: TrainingData
    settings: dict[str, Any]
    started: float = field(default_factory=time.perf_counter)
    weights: np.ndarray | None = None


def options_from(values: dict[str, Any]) -> Options:
    """`Options` from keyword arguments, refusing an unknown name with the known ones."""
    known = set(Options.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise TypeError(
            f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return Options(**values)


def start(table: CsvTable, target: str, options: Options) -> Run:
    """Check and encode ``table`` and choose the settings: everything before training.

    Parameters
    ----------
    table : CsvTable
        The rows (see `gradlab.tabular.tables.as_table`).
    target : str
        The column to predict.
    options : Options

    Returns
    -------
    Run
    """
    started = time.perf_counter()
    if not 0 <= options.validation_split < 1:
        raise DataError(
            f"validation_split must be at least 0 and below 1; got {options.validation_split!r}"
        )
    if options.class_weight not in (None, "balanced"):
        raise DataError(f"class_weight must be 'balanced' or None; got {options.class_weight!r}")
    rng = np.random.default_rng([options.seed, 0])
    choices = ColumnChoices(
        tuple(options.ignore),
        tuple(options.categorical),
        tuple(options.numeric),
        options.sample_weight,
    )
    data = prepare(
        table, target, options.task, options.validation_split, options.drop_na, rng, choices
    )
    if options.class_weight and data.preprocessing.task != CLASSIFICATION:
        raise DataError(
            "class_weight='balanced' weighs classes, but the target is a number (regression); "
            "leave it out, or set task='classification'"
        )
    weights = None
    if options.sample_weight is not None:
        weights = row_weights(data.table, options.sample_weight)
    epochs = options.epochs
    if epochs is None:
        steps = math.ceil(data.train.size / options.batch_size)
        epochs = min(MAX_AUTO_EPOCHS, max(MIN_EPOCHS, math.ceil(MIN_STEPS / steps)))
    settings = {
        "hidden": [int(size) for size in options.hidden],
        "activation": options.activation,
        "optimizer": options.optimizer,
        "lr": options.lr,
        "epochs": epochs,
        "batch_size": options.batch_size,
        "validation_split": options.validation_split,
        "seed": options.seed,
        "dtype": options.dtype,
        "early_stopping": bool(options.early_stopping and data.validation.size > 0),
        "patience": int(options.patience),
        "loss": "cross_entropy" if data.preprocessing.task == CLASSIFICATION else "mse",
        "class_weight": options.class_weight,
        "sample_weight": options.sample_weight,
    }
    return Run(data, settings, started, weights)


def train(
    run: Run,
    *,
    callbacks: Sequence[Any] = (),
    verbose: int = 0,
    checkpoint: str | Path | None = None,
    threads: int | None = None,
) -> tuple[Any, Any, float]:
    """Build the network and fit it on the run's training rows.

    ``threads`` is `gradlab.fit`'s: BLAS threads, None for the automatic choice.

    With ``early_stopping`` in the settings (the default when there are validation rows),
    training stops after ``patience`` epochs without a lower validation loss and the weights of
    the best epoch are restored (`gradlab.training.EarlyStopping`).

    Returns
    -------
    network : gradlab.nn.MLP
    history : gradlab.training.History
    seconds : float
        The time spent in `gradlab.fit`.
    """
    import gradlab as gl

    data, settings = run.data, run.settings
    prep = data.preprocessing
    dtype = np.dtype(settings["dtype"])
    network = gl.nn.MLP(
        len(prep.input_names),
        settings["hidden"],
        prep.n_outputs,
        activation=settings["activation"],
        rng=np.random.default_rng([settings["seed"], 1]),
        dtype=dtype,
    )
    X = data.X.astype(dtype)
    y = data.y if data.y.dtype.kind == "i" else data.y.astype(dtype)
    validation = None
    if data.validation.size:
        validation = (X[data.validation], y[data.validation])
    stopping = []
    if settings.get("early_stopping"):
        stopping = [
            gl.training.EarlyStopping(
                monitor="val_loss", patience=settings["patience"], restore_best_weights=True
            )
        ]
    begun = time.perf_counter()
    history = gl.fit(
        network,
        X[data.train],
        y[data.train],
        loss=settings["loss"],
        optimizer=settings["optimizer"],
        lr=settings["lr"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        rng=np.random.default_rng([settings["seed"], 2]),
        validation_data=validation,
        metrics=["accuracy"] if settings["loss"] == "cross_entropy" else [],
        callbacks=[*stopping, *callbacks],
        verbose=verbose,
        checkpoint=checkpoint,
        checkpoint_interval=CHECKPOINT_SECONDS,
        sample_weight=None if run.weights is None else run.weights[data.train],
        class_weight=settings.get("class_weight"),
        threads=threads,
    )
    return network, history, time.perf_counter() - begun


def finish(
    run: Run, network: Any, history: Any, seconds: float, data_name: str, command: str
) -> Any:
    """Score the trained network and gather its record into a `TabularModel`."""
    import gradlab as gl
    from gradlab.tabular.evaluation import evaluate
    from gradlab.tabular.files import FORMAT, FORMAT_VERSION
    from gradlab.tabular.model import TabularModel

    data = run.data
    evaluation = evaluate(network, data, run.settings["loss"])
    training = {
        "data": data_name,
        "command": command,
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "settings": run.settings,
        "rows": {
            "read": len(data.table.frame) + data.dropped,
            "dropped": data.dropped,
            "training": int(data.train.size),
            "validation": int(data.validation.size),
        },
        "notes": data.notes,
        "history": {name: list(values) for name, values in history.history.items()},
        "epochs_run": len(history.epoch),
        "best_epoch": _best_epoch(history, run.settings),
        "stop_reason": history.stop_reason,
        "stop_message": getattr(history, "stop_message", ""),
        "scores": evaluation.record,
        "total_seconds": time.perf_counter() - run.started,
    }
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "gradlab_version": gl.__version__,
        "preprocessing": data.preprocessing.to_dict(),
        "training": training,
    }
    return TabularModel(network, data.preprocessing, metadata, evaluation.confusion, evaluation)


def _best_epoch(history: Any, settings: dict[str, Any]) -> int | None:
    """The 1-based epoch whose weights were kept (the lowest validation loss), or None."""
    losses = history.history.get("val_loss")
    if not settings.get("early_stopping") or not losses:
        return None
    return int(np.nanargmin(np.asarray(losses, dtype=np.float64))) + 1


def python_command(data: Any, target: str, options: Options) -> str:
    """The call that trained a model from Python, for its record."""
    where = repr(str(data)) if isinstance(data, str | Path) else "<DataFrame>"
    changed = [
        f"{name}={getattr(options, name)!r}"
        for name, default in Options.__dataclass_fields__.items()
        if getattr(options, name) != default.default
    ]
    return f"gl.tabular.fit({', '.join([where, f'target={target!r}', *changed])})"
