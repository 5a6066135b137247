"""`TabularModel`: a trained network with the preprocessing of its table and its record."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from gradlab.tabular.errors import DataError
from gradlab.tabular.preprocessing import CLASSIFICATION, Preprocessing


class TabularModel:
    """A network trained on a table, with what turns new rows into its inputs.

    Made by `gradlab.tabular.fit` or `gradlab.tabular.load`; ``gradlab train`` saves one and
    ``gradlab predict`` loads one.

    Parameters
    ----------
    network : gradlab.nn.Module
        The trained network (its inputs are `input_names`).
    preprocessing : Preprocessing
        The columns' encoding learned from the training rows.
    metadata : dict
        The record stored in ``model.safetensors`` (``"preprocessing"``, ``"training"``, ...).
    confusion : numpy.ndarray, optional
        The confusion matrix of the rows the report describes (classification).
    evaluation : Evaluation, optional
        The scores and compared rows, when the model was just trained.
    """

    def __init__(
        self,
        network: Any,
        preprocessing: Preprocessing,
        metadata: dict[str, Any],
        confusion: np.ndarray | None = None,
        evaluation: Any = None,
    ) -> None:
        self.network = network
        self.preprocessing = preprocessing
        self.metadata = metadata
        self.confusion = confusion
        self.evaluation = evaluation

    def __repr__(self) -> str:
        prep = self.preprocessing
        return (
            f"TabularModel(target={prep.target!r}, task={prep.task!r}, "
            f"inputs={len(prep.input_names)}, outputs={prep.n_outputs})"
        )

    def _repr_html_(self) -> str:
        """The scores of `report` as a table (Jupyter shows it as the cell's value)."""
        from gradlab.display import html_table
        from gradlab.tabular.report import loss_label, score_rows

        prep = self.preprocessing
        caption = f"TabularModel: {prep.target!r} ({prep.task}) from {len(prep.input_names)} inputs"
        if "scores" not in self.metadata.get("training", {}):
            return html_table([], [], caption=caption)
        header, *rows = score_rows(self.metadata)
        return html_table(
            ["part", *header[1:]],
            rows,
            caption=caption,
            footer=f"loss: {loss_label(self.metadata)}; report() has the rest.",
        )

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return self.preprocessing.task

    @property
    def target(self) -> str:
        """The column the model predicts."""
        return self.preprocessing.target

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the order of `predict_proba`'s columns."""
        self._require_classifier("classes_")
        return np.asarray(self.preprocessing.classes, dtype=object)

    @property
    def input_names(self) -> list[str]:
        """The network's inputs: a numeric column's name, or ``column=category``."""
        return self.preprocessing.input_names

    # ----------------------------------------------------------------------- predicting
    def transform(
        self, data: Any, drop_na: bool = False, warn: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The network inputs of ``data``'s rows (float64), and the positions of those rows.

        Parameters
        ----------
        data : pandas.DataFrame, str or os.PathLike
            Rows with the training feature columns (in any order; the target may be present).
        drop_na : bool, default False
            Skip rows with a missing cell instead of filling it in.
        warn : bool, default True
            Warn (UserWarning) when cells hold categories unseen in training.
        """
        from gradlab.tabular.tables import as_table

        table = as_table(data)
        X, kept = self.preprocessing.transform(table, drop_na=drop_na)
        unseen = self.preprocessing.unseen(table.take(kept)) if warn else {}
        if unseen:
            where = ", ".join(f"{name}: {n}" for name, n in unseen.items())
            warnings.warn(
                f"{sum(unseen.values())} cell(s) hold a category unseen in training ({where}); "
                "they count as no known category",
                UserWarning,
                stacklevel=3,
            )
        return X, kept

    def outputs(
        self, data: Any, drop_na: bool = False, warn: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """The network's outputs (float64) for ``data``'s rows, and the positions of those rows."""
        import gradlab as gl

        X, kept = self.transform(data, drop_na=drop_na, warn=warn)
        dtype = self.network.dtype if self.network.dtype is not None else np.float64
        return gl.predict(self.network, X.astype(dtype)).astype(np.float64), kept

    def predict(self, data: Any) -> np.ndarray:
        """The predicted class label (classification) or value (regression) of each row.

        Parameters
        ----------
        data : pandas.DataFrame, str or os.PathLike
            The rows to predict.

        Returns
        -------
        numpy.ndarray
            Labels (object array of the class labels, as text) or float64 values.
        """
        outputs, _ = self.outputs(data)
        return self.decode(outputs)

    def decode(self, outputs: np.ndarray) -> np.ndarray:
        """Outputs to predictions: the class of the largest, or the value in the target's units."""
        if self.task == CLASSIFICATION:
            return self.classes_[outputs.argmax(axis=1)]
        return self.preprocessing.decode_regression(outputs[:, 0])

    def predict_proba(self, data: Any) -> np.ndarray:
        """Each row's probability of each class (columns in the order of `classes_`)."""
        self._require_classifier("predict_proba")
        outputs, _ = self.outputs(data)
        return probabilities(outputs)

    def score(self, data: Any) -> float:
        """Accuracy (classification) or R² (regression) on rows that hold the target.

        Computed with `sklearn.metrics.accuracy_score` or `sklearn.metrics.r2_score`.
        """
        from sklearn.metrics import accuracy_score, r2_score

        from gradlab.tabular.cells import read_cells
        from gradlab.tabular.preprocessing import class_labels
        from gradlab.tabular.tables import as_table

        table = as_table(data)
        if self.target not in table.columns:
            raise DataError(f"score needs the target column {self.target!r} in the data")
        predicted = self.predict(table)
        cells = read_cells(table, self.target, self.preprocessing.target_format)
        if self.task == CLASSIFICATION:
            truth = class_labels(cells, numeric=self.preprocessing.target_is_numeric)
            return float(accuracy_score(np.asarray(truth, dtype=object), predicted))
        return float(r2_score(cells.numbers, predicted))

    # ------------------------------------------------------------------------ reporting
    def report(self) -> str:
        """The scores and the per-class table ``gradlab train`` prints, as text."""
        from gradlab.tabular.report import terminal_report

        return terminal_report(self.metadata)

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Write ``model.safetensors`` (network, preprocessing and record as JSON; no pickle),
        ``evaluation.safetensors`` (classification) and ``report.md`` into ``folder``.

        ``gradlab.load(folder / "model.safetensors")`` reads the network alone;
        `gradlab.tabular.load` reads it all back.
        """
        from gradlab.tabular.folder import save_model

        save_model(self, folder)

    def explain(self, row: Any, **options: Any) -> Any:
        """The glass box (`gradlab.explain`) of one training step on one real row.

        Parameters
        ----------
        row : pandas.DataFrame (one row), pandas.Series or dict
            A row of the table; with its target, the step's loss is against it, otherwise
            against the model's own prediction.
        **options
            Passed to `gradlab.explain` (``lr``, ``decimals``, ``detail``, ...).

        Returns
        -------
        gradlab.glassbox.Trace
            Its inputs are named by their columns and categories (``island=Dream``).
        """
        import pandas

        import gradlab as gl
        from gradlab.tabular.tables import as_table

        if isinstance(row, dict):
            row = pandas.DataFrame([row])
        table = as_table(row)
        if len(table.frame) != 1:
            raise DataError(f"explain takes one row; got {len(table.frame)}")
        X, _ = self.preprocessing.transform(table)
        x = X.astype(self.network.dtype if self.network.dtype is not None else np.float64)
        if self.target in table.columns:
            y = self.preprocessing.encode_target(table)
        else:
            y = self._target_of(gl.predict(self.network, x).astype(np.float64))
        loss = "cross_entropy" if self.task == CLASSIFICATION else "mse"
        if self.task != CLASSIFICATION:
            y = np.asarray(y, dtype=x.dtype).reshape(1, 1)
        names = {"inputs": self.input_names, **options.pop("names", {})}
        return gl.explain(self.network, x, y, loss=loss, names=names, **options)

    def _target_of(self, outputs: np.ndarray) -> np.ndarray:
        if self.task == CLASSIFICATION:
            return outputs.argmax(axis=1)
        return outputs[:, 0]

    def _require_classifier(self, what: str) -> None:
        if self.task != CLASSIFICATION:
            raise AttributeError(f"{what} is for classification; this model predicts a number")


def probabilities(outputs: np.ndarray) -> np.ndarray:
    """The softmax of the network's outputs, row by row, in float64."""
    import gradlab as gl

    return gl.softmax(gl.Tensor(np.asarray(outputs, dtype=np.float64)), axis=1).data
