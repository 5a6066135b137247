"""The training report, as terminal text and as ``report.md``, rendered from the stored metadata.

Rendering reads only the JSON metadata saved with the model, so ``gradlab info`` shows the same
record ``gradlab train`` printed.
"""

from __future__ import annotations

import shlex
from typing import Any

from gradlab.tabular.preprocessing import CATEGORICAL, CLASSIFICATION, NUMERIC, WORDS

PICTURE_TITLES = {
    "loss.png": "Training and validation loss per epoch",
    "confusion.png": "Confusion matrix",
    "parity.png": "Predicted against true values",
    "decision_boundary.png": "The model over the plane of the two features",
}


def _number(value: float | None, digits: int = 4) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if abs(value) < 1e6 else f"{value:.{digits}g}"


def loss_label(metadata: dict[str, Any]) -> str:
    """What the loss measures, e.g. ``"cross-entropy"`` or ``"MSE of the standardised target"``."""
    if metadata["preprocessing"]["task"] == CLASSIFICATION:
        return "cross-entropy"
    return "MSE of the standardised target"


def score_rows(metadata: dict[str, Any]) -> list[list[str]]:
    """The overall score table: a header row, then one row per part (training, validation)."""
    scores = metadata["training"]["scores"]
    classification = metadata["preprocessing"]["task"] == CLASSIFICATION
    header = (
        ["", "rows", "loss", "accuracy"] if classification else ["", "rows", "loss", "RMSE", "R²"]
    )
    rows = [header]
    for part in ("training", "validation"):
        part_scores = scores.get(part)
        if part_scores is None:
            continue
        row = [part, str(part_scores["rows"]), _number(part_scores["loss"])]
        if classification:
            row.append(_number(part_scores["accuracy"]))
        else:
            row += [_number(part_scores["rmse"]), _number(part_scores["r2"])]
        rows.append(row)
    return rows


def class_rows(metadata: dict[str, Any]) -> list[list[str]]:
    """Per-class precision, recall, F1 and support: a header row, then one row per class."""
    per_class = metadata["training"]["scores"]["per_class"]
    rows = [["class", "precision", "recall", "F1", "support"]]
    for index, label in enumerate(per_class["classes"]):
        rows.append(
            [
                str(label),
                _number(per_class["precision"][index], 3),
                _number(per_class["recall"][index], 3),
                _number(per_class["f1"][index], 3),
                str(per_class["support"][index]),
            ]
        )
    return rows


def _text_table(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent
        + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _markdown_table(rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return lines


def describe_inputs(preprocessing: dict[str, Any]) -> list[str]:
    """How the columns became inputs: the standardised and the one-hot encoded columns."""
    numeric = [f["name"] for f in preprocessing["features"] if f["kind"] == NUMERIC]
    categorical = [f for f in preprocessing["features"] if f["kind"] == CATEGORICAL]
    lines = []
    if numeric:
        lines.append(f"{len(numeric)} numeric column(s) standardised: {_shorten(numeric)}")
    flagged = [f["name"] for f in preprocessing["features"] if f.get("indicator")]
    if flagged:
        lines.append(f"an input saying the value was missing for: {_shorten(flagged)}")
    for feature in categorical:
        names = [f"{feature['name']}={category}" for category in feature["categories"]]
        if feature.get("infrequent"):
            names.append(f"{feature['name']}=(other: {len(feature['infrequent'])} rare categories)")
        lines.append(f"categorical column {feature['name']!r} one-hot encoded as {_shorten(names)}")
    for feature in preprocessing["features"]:
        if feature["kind"] == WORDS:
            words = _shorten(feature["words"])
            lines.append(f"text column {feature['name']!r} read as its words: {words}")
    target = preprocessing["target"]
    if preprocessing["task"] == CLASSIFICATION:
        classes = preprocessing["classes"]
        lines.append(f"target {target!r}: {len(classes)} classes, {_shorten(classes)}")
    else:
        lines.append(f"target {target!r}: a number (regression)")
    return lines


def _shorten(names: list[str], limit: int = 12) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[: limit - 2]) + f", ... ({len(names) - limit + 2} more), " + names[-1]


def terminal_report(metadata: dict[str, Any]) -> str:
    """The report printed at the end of ``gradlab train``.

    Parameters
    ----------
    metadata : dict
        The metadata stored with the model (``"preprocessing"`` and ``"training"``).

    Returns
    -------
    str
        Scores per part, per-class scores for classification, and the time taken.
    """
    training = metadata["training"]
    lines = [f"Scores (loss: {loss_label(metadata)})", *_text_table(score_rows(metadata))]
    if "per_class" in training["scores"]:
        part = training["scores"]["per_class"]["part"]
        lines += ["", f"Per class ({part} rows)", *_text_table(class_rows(metadata))]
    lines += ["", _timing(training, "for the whole command")]
    return "\n".join(lines)


def _timing(training: dict[str, Any], total: str) -> str:
    epochs = training["epochs_run"]
    stop = training.get("stop_message") or training.get("stop_reason") or ""
    stopped = f"; {stop}" if stop and training.get("stop_reason") != "max_epochs" else ""
    if training.get("best_epoch"):
        stopped += f"; the weights of epoch {training['best_epoch']} kept"
    return (
        f"Time: {_duration(training['seconds'])} training ({epochs} epochs{stopped}), "
        f"{_duration(training['total_seconds'])} {total}"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def settings_line(settings: dict[str, Any]) -> str:
    """The hyper-parameters in one line, as command options (no ``--lr``: the optimizer's)."""
    hidden = ",".join(str(size) for size in settings["hidden"]) or "none"
    lr = "" if settings["lr"] is None else f" --lr {settings['lr']:g}"
    return (
        f"--hidden {hidden} --activation {settings['activation']} --optimizer "
        f"{settings['optimizer']}{lr} --epochs {settings['epochs']} "
        f"--batch-size {settings['batch_size']} "
        f"--validation-split {settings['validation_split']:g} --seed {settings['seed']} "
        f"--dtype {settings['dtype']}{_stopping(settings)}{_weights(settings)}"
    )


def _weights(settings: dict[str, Any]) -> str:
    line = ""
    if settings.get("class_weight"):
        line += f" --class-weight {settings['class_weight']}"
    if settings.get("sample_weight"):
        line += f" --sample-weight {shlex.quote(settings['sample_weight'])}"
    return line


def _stopping(settings: dict[str, Any]) -> str:
    if settings.get("early_stopping") is False:
        return " --no-early-stopping"
    if settings.get("early_stopping") and "patience" in settings:
        return f" --patience {settings['patience']}"
    return ""


def markdown_report(metadata: dict[str, Any], pictures: list[str]) -> str:
    """The ``report.md`` written into the model folder.

    Parameters
    ----------
    metadata : dict
        The metadata stored with the model.
    pictures : list of str
        The PNG files written next to the report.

    Returns
    -------
    str
        Markdown: data, settings, preprocessing, scores, time and the pictures.
    """
    training = metadata["training"]
    rows = training["rows"]
    lines = [
        "# gradlab training report",
        "",
        f"- Data: {training['data']}",
        f"- Command: `{training['command']}`",
        f"- Finished: {training['finished']} with gradlab {metadata['gradlab_version']}",
        f"- Rows: {rows['read']} read, {rows['dropped']} dropped, {rows['training']} for "
        f"training, {rows['validation']} for validation",
        f"- Settings: `{settings_line(training['settings'])}`",
        f"- {_timing(training, 'from the start of the command to saving the model')}",
        "",
        "## Inputs",
        "",
        *[f"- {line}" for line in describe_inputs(metadata["preprocessing"])],
        *[f"- {note}" for note in training["notes"]],
        "",
        "## Scores",
        "",
        f"Loss: {loss_label(metadata)}.",
        "",
        *_markdown_table(score_rows(metadata)),
    ]
    if "per_class" in training["scores"]:
        part = training["scores"]["per_class"]["part"]
        lines += ["", f"### Per class ({part} rows)", "", *_markdown_table(class_rows(metadata))]
    if pictures:
        lines += ["", "## Pictures"]
        for picture in pictures:
            title = PICTURE_TITLES.get(picture, picture)
            lines += ["", f"### {title}", "", f"![{title}]({picture})"]
    return "\n".join(lines) + "\n"
