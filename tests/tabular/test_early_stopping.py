"""Early stopping on by default: training stops on the validation loss, the best weights kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

import gradlab as gl
from gradlab.tabular.splitting import split_rows


def _small_noisy_table() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 40
    x = rng.normal(size=(n, 3))
    y = np.where(x[:, 0] + rng.normal(scale=1.5, size=n) > 0, "yes", "no")
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": y})


def test_the_best_epochs_weights_are_kept() -> None:
    frame = _small_noisy_table()
    model = gl.tabular.fit(frame, target="y", epochs=300, dtype="float64", hidden=[32])
    training = model.metadata["training"]
    val_loss = training["history"]["val_loss"]
    assert training["epochs_run"] < 300
    assert training["best_epoch"] == int(np.argmin(val_loss)) + 1
    # The kept weights give the lowest validation loss (scikit-learn's log_loss as the oracle).
    codes = (frame["y"] == "yes").to_numpy().astype(np.int64)
    _, val = split_rows(len(frame), 0.2, np.random.default_rng([0, 0]), codes)
    proba = model.predict_proba(frame.iloc[val])
    assert abs(log_loss(codes[val], proba, labels=[0, 1]) - min(val_loss)) < 1e-9
    assert "the weights of epoch" in model.report()


def test_early_stopping_can_be_turned_off() -> None:
    model = gl.tabular.fit(_small_noisy_table(), target="y", epochs=15, early_stopping=False)
    assert model.metadata["training"]["epochs_run"] == 15
    assert model.metadata["training"]["best_epoch"] is None
