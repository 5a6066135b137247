"""The handlers of the playground's JSON API: each takes the request's JSON, returns JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradlab.nn import activations
from gradlab.optim.registry import OPTIMIZERS
from gradlab.playground import export as exporting
from gradlab.playground.data import csv_columns
from gradlab.playground.datasets import DATASETS
from gradlab.playground.session import MAX_EXPLAINED_PARAMETERS, Session
from gradlab.playground.state import (
    MAX_HIDDEN_LAYERS,
    MAX_POINTS,
    MAX_STEPS_PER_REQUEST,
    MAX_WIDTH,
    REGULARIZATIONS,
    SettingsError,
    number,
)
from gradlab.playground.view import frame, view
from gradlab.playground.worked_examples import EXAMPLES

if TYPE_CHECKING:
    from gradlab.playground.app import Playground


def options(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """The choices the page offers, from gradlab's registries."""
    from gradlab.losses.registry import names as loss_names

    return {
        "activations": activations.names(),
        "losses": loss_names(),
        "optimizers": OPTIMIZERS.names(),
        "regularizations": list(REGULARIZATIONS),
        "datasets": [{"name": k, "title": v[0], "task": v[2]} for k, v in DATASETS.items()],
        "examples": [{"name": k, "title": e.title, "note": e.note} for k, e in EXAMPLES.items()],
        "limits": {
            "points": MAX_POINTS,
            "hidden_layers": MAX_HIDDEN_LAYERS,
            "width": MAX_WIDTH,
            "steps": MAX_STEPS_PER_REQUEST,
            "explained_parameters": MAX_EXPLAINED_PARAMETERS,
        },
    }


def session(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """A new session from the page's settings (``state``)."""
    created = Session(data.get("state", {}))
    return view(created, app.add(created), full=True)


def step(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """Train ``steps`` steps (default 1); ``explain`` (default true) traces the last;
    ``frame`` (default false) answers only what a frame of Play redraws (`view.frame`)."""
    key, current = app.session(data)
    count = int(number(data.get("steps", 1), "steps", 1, MAX_STEPS_PER_REQUEST, integer=True))
    if data.get("frame", False):
        current.step(count, explain=False)
        return frame(current)
    current.step(count, explain=bool(data.get("explain", True)))
    return view(current, key)


def state(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """The session as it is, drawn in full (the page asks on Pause); changes nothing."""
    key, current = app.session(data)
    return view(current, key)


def reset(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """Back to the session's initial weights."""
    key, current = app.session(data)
    current.reset()
    return view(current, key, full=True)


def weight(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """Type in one weight or bias (``key`` like ``"2.weight[0,0]"``, ``value`` as text)."""
    key, current = app.session(data)
    current.set_value(str(data.get("key", "")), data.get("value"))
    current.last_trace = None
    return view(current, key)


def columns(app: Playground, data: dict[str, Any]) -> dict[str, Any]:
    """The column names of an uploaded CSV's header, to choose the target from."""
    return {"columns": csv_columns(data.get("text"))}


def export(app: Playground, data: dict[str, Any]) -> Any:
    """The network as Python code or a model file, or the last step's trace."""
    _, current = app.session(data)
    kind = data.get("format")
    if kind == "python":
        return {"text": exporting.python_code(current), "filename": "network.py"}
    if kind in ("markdown", "latex"):
        return {
            "text": exporting.trace_text(current, kind),
            "filename": f"step.{exporting.SUFFIX[kind]}",
        }
    if kind == "model":
        from starlette.responses import Response

        return Response(
            exporting.model_file(current),
            media_type="application/octet-stream",
            headers={"Content-Disposition": 'attachment; filename="network.safetensors"'},
        )
    raise SettingsError("format must be python, model, markdown or latex")
