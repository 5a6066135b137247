"""The page's settings, checked: every field a known name or a number in range, sizes capped.

The page sends its settings as JSON (and keeps them in the link it shares). `normalise` returns
them complete, with defaults filled in, absurd sizes capped (each cap named in a note the page
shows) and anything unreadable refused with one `SettingsError` naming the field.
"""

from __future__ import annotations

import math
from typing import Any

from gradlab.nn import activations
from gradlab.optim.registry import OPTIMIZERS
from gradlab.playground.datasets import DATASETS
from gradlab.playground.worked_examples import EXAMPLES
from gradlab.training.penalty import PENALTIES

MAX_POINTS = 2000
MAX_HIDDEN_LAYERS = 6
MAX_WIDTH = 32
MAX_STEPS_PER_REQUEST = 200
REGULARIZATIONS = ("none", *PENALTIES)


class SettingsError(ValueError):
    """A setting the page sent that cannot be used; the message names it and the fix."""


def number(value: Any, key: str, low: float, high: float, integer: bool = False) -> float:
    """``value`` (a number or its text) as a float in [low, high], or SettingsError."""
    if isinstance(value, bool):
        raise SettingsError(f"{key} must be a number; got {value!r}")
    try:
        result = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a number; got {str(value)[:40]!r}") from None
    if not math.isfinite(result):
        raise SettingsError(f"{key} must be a finite number; got {value!r}")
    if integer and result != int(result):
        raise SettingsError(f"{key} must be a whole number; got {value!r}")
    if not low <= result <= high:
        raise SettingsError(f"{key} must be between {low:g} and {high:g}; got {result:g}")
    return result


def _capped(value: Any, key: str, high: int, notes: list[str]) -> int:
    count = int(number(value, key, 1, 1e12, integer=True))
    if count > high:
        notes.append(f"{key} {count} is more than the playground draws; capped at {high}")
        return high
    return count


def _choice(value: Any, key: str, known: list[str]) -> str:
    if not isinstance(value, str) or value.lower() not in known:
        raise SettingsError(f"{key} must be one of {', '.join(known)}; got {str(value)[:40]!r}")
    return value.lower()


def _data(data: Any, notes: list[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise SettingsError("data must be a table: {source: dataset | example | csv, ...}")
    source = _choice(data.get("source", "dataset"), "data source", ["dataset", "example", "csv"])
    if source == "example":
        return {"source": source, "name": _choice(data.get("name"), "example", list(EXAMPLES))}
    ratio = number(data.get("train_ratio", 0.5), "train ratio", 0.1, 0.9)
    if source == "csv":
        text, target = data.get("text"), data.get("target")
        if not isinstance(text, str) or not isinstance(target, str):
            raise SettingsError("a CSV needs its text and the name of its target column")
        name = str(data.get("filename", "data.csv"))[:100]
        return {"source": source, "text": text, "target": target, "filename": name,
                "train_ratio": ratio}  # fmt: skip
    return {
        "source": source,
        "name": _choice(data.get("name", "circle"), "data set", list(DATASETS)),
        "noise": number(data.get("noise", 0), "noise", 0, 0.5),
        "train_ratio": ratio,
        "points": _capped(data.get("points", 500), "points", MAX_POINTS, notes),
        "seed": int(number(data.get("seed", 0), "data seed", 0, 2**32 - 1, integer=True)),
    }


def _hidden(hidden: Any, notes: list[str]) -> list[dict[str, Any]]:
    if not isinstance(hidden, list):
        raise SettingsError("hidden must be a list of layers, each {units, activation}")
    if len(hidden) > MAX_HIDDEN_LAYERS:
        notes.append(f"{len(hidden)} hidden layers capped at {MAX_HIDDEN_LAYERS}")
        hidden = hidden[:MAX_HIDDEN_LAYERS]
    layers = []
    for k, layer in enumerate(hidden, start=1):
        if not isinstance(layer, dict):
            raise SettingsError(f"hidden layer {k} must be {{units, activation}}")
        units = _capped(layer.get("units", 4), f"hidden layer {k} width", MAX_WIDTH, notes)
        act = _choice(layer.get("activation", "tanh"), f"hidden layer {k} activation",
                      activations.names())  # fmt: skip
        layers.append({"units": units, "activation": act})
    return layers


def example_settings(name: str) -> dict[str, Any]:
    """The settings of worked example ``name``: its layers, loss, lr and whole-batch SGD."""
    example = EXAMPLES[name]
    layers = example.layers()
    return {
        "hidden": [{"units": len(w[0]), "activation": a} for w, _, a in layers[:-1]],
        "output_activation": layers[-1][2],
        "loss": example.loss,
        "optimizer": "sgd",
        "lr": example.lr,
        "batch_size": len(example.X),
        "regularization": "none",
        "reg_rate": 0.0,
        "weights": [{"weight": w, "bias": b} for w, b, _ in layers],
    }


def normalise(state: Any) -> tuple[dict[str, Any], list[str]]:
    """The settings complete and checked, and the notes on what was capped.

    Examples
    --------
    >>> settings, notes = normalise({"data": {"source": "example", "name": "relu_2_2_1"}})
    >>> settings["lr"], settings["weights"][1]["weight"], notes
    (0.01, [[1], [1]], [])
    """
    if not isinstance(state, dict):
        raise SettingsError("the settings must be a JSON object")
    notes: list[str] = []
    data = _data(state.get("data", {}), notes)
    if data["source"] == "example" and state.get("example_defaults", True):
        state = {**state, **example_settings(data["name"]), "example_defaults": False}
    losses = _known_losses()
    result = {
        "data": data,
        "hidden": _hidden(state.get("hidden", [{"units": 4, "activation": "tanh"}] * 2), notes),
        "output_activation": _choice(
            state.get("output_activation", "tanh"), "output activation", activations.names()
        ),
        "loss": _choice(state.get("loss", "mse"), "loss", losses),
        "optimizer": _choice(state.get("optimizer", "sgd"), "optimizer", OPTIMIZERS.names()),
        "lr": number(state.get("lr", 0.03), "learning rate", 0, 100),
        "batch_size": int(number(state.get("batch_size", 10), "batch size", 1, 1e9, True)),
        "regularization": _choice(
            state.get("regularization", "none"), "regularization", list(REGULARIZATIONS)
        ),
        "reg_rate": number(state.get("reg_rate", 0), "regularization rate", 0, 100),
        "seed": int(number(state.get("seed", 0), "seed", 0, 2**32 - 1, integer=True)),
        "example_defaults": False,
        "weights": state.get("weights"),
    }
    return result, notes


def _known_losses() -> list[str]:
    from gradlab.losses.registry import names

    return names()
