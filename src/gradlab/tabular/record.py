"""`check_record`: the training record of a model folder, checked as a whole when it is read.

``gradlab info`` and the report read the record that ``gradlab train`` stored in the model file's
metadata; a record that was altered (or written by another program) is refused with one line
naming the first field that is missing or of the wrong type, never a traceback.
"""

from __future__ import annotations

import math
from typing import Any

TEXT, INT, NUMBER, BOOL = "text", "an integer", "a finite number", "true or false"


class Nullable:
    """A field that may also be null."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema


PART = {"rows": INT, "loss": Nullable(NUMBER)}
CLASS_SCORES = {
    "part": TEXT,
    "classes": [TEXT],
    "precision": [Nullable(NUMBER)],
    "recall": [Nullable(NUMBER)],
    "f1": [Nullable(NUMBER)],
    "support": [INT],
}
#: What the readers use; a key ending in "?" may be absent. Other keys are allowed.
RECORD = {
    "gradlab_version": TEXT,
    "training": {
        "data": TEXT,
        "command": TEXT,
        "finished": TEXT,
        "seconds": NUMBER,
        "total_seconds": NUMBER,
        "settings": {
            "hidden": [INT],
            "activation": TEXT,
            "optimizer": TEXT,
            "lr": Nullable(NUMBER),
            "epochs": INT,
            "batch_size": INT,
            "validation_split": NUMBER,
            "seed": Nullable(INT),
            "dtype": TEXT,
            "early_stopping?": BOOL,
            "patience?": INT,
            "class_weight?": Nullable(TEXT),
            "sample_weight?": Nullable(TEXT),
        },
        "rows": {"read": INT, "dropped": INT, "training": INT, "validation": INT},
        "notes": [TEXT],
        "epochs_run": INT,
        "best_epoch?": Nullable(INT),
        "stop_reason?": Nullable(TEXT),
        "stop_message?": Nullable(TEXT),
        "scores": {
            "training?": Nullable(PART),
            "validation?": Nullable(PART),
            "per_class?": CLASS_SCORES,
        },
    },
}


def check_record(metadata: dict[str, Any], classification: bool) -> None:
    """Raise ValueError naming the first field of ``metadata`` that the readers cannot use.

    Parameters
    ----------
    metadata : dict
        The metadata ``gradlab train`` stored (its preprocessing is checked by
        `Preprocessing.from_dict`).
    classification : bool
        Whether the scores are a classifier's (accuracy) or a regressor's (RMSE and R²).

    Examples
    --------
    >>> check_record({"gradlab_version": "1", "training": {"data": 3}}, True)
    Traceback (most recent call last):
    ...
    ValueError: training.data must be text; got 3
    """
    _check(metadata, RECORD, "")
    scores = metadata["training"]["scores"]
    wanted = ("accuracy",) if classification else ("rmse", "r2")
    for part in ("training", "validation"):
        if scores.get(part) is not None:
            _check(scores[part], {key: Nullable(NUMBER) for key in wanted}, f"scores.{part}")
    per_class = scores.get("per_class")
    if per_class is not None:
        n = len(per_class["classes"])
        for key in ("precision", "recall", "f1", "support"):
            if len(per_class[key]) != n:
                raise ValueError(f"scores.per_class.{key} does not have one entry per class")


def _check(value: Any, schema: Any, where: str) -> None:
    if isinstance(schema, Nullable):
        if value is not None:
            _check(value, schema.schema, where)
    elif isinstance(schema, dict):
        _check_object(value, schema, where)
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list; got {value!r:.80}")
        for index, item in enumerate(value):
            _check(item, schema[0], f"{where}[{index}]")
    elif not _is(value, schema):
        raise ValueError(f"{where} must be {schema}; got {value!r:.80}")


def _check_object(value: Any, schema: dict[str, Any], where: str) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{where or 'the record'} must be an object; got {value!r:.80}")
    for key, item in schema.items():
        name = key.removesuffix("?")
        place = f"{where}.{name}" if where else name
        if name in value:
            _check(value[name], item, place)
        elif not key.endswith("?"):
            raise ValueError(f"{place} is missing")


def _is(value: Any, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if kind == INT:
        return isinstance(value, int)
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
