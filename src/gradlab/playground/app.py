"""The playground's web app: the page, its files and a small JSON API over `Session`.

Every request that changes something is a POST whose Origin must be the page's own, on a
loopback host (or the host the server was told to bind), so another site open in the same
browser cannot drive the computation; bad input is answered with 400 and one message.
"""

from __future__ import annotations

import json
import math
import secrets
from collections import OrderedDict
from importlib import resources
from typing import Any

from gradlab.playground.session import Session
from gradlab.playground.state import SettingsError

MAX_BODY_BYTES = 8 * 1024**2
MAX_SESSIONS = 16
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def require_server_packages() -> None:
    """ImportError naming the extra when Starlette or uvicorn is missing."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        raise ImportError(
            "the playground needs Starlette and uvicorn; install them with "
            'pip install "gradlab[playground]"'
        ) from None


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _json(payload: Any, status: int = 200) -> Any:
    from starlette.responses import Response

    try:
        body = json.dumps(payload, allow_nan=False)
    except ValueError:
        body = json.dumps(_clean(payload), allow_nan=False)
    return Response(body, status_code=status, media_type="application/json")


def _error(message: str, status: int = 400) -> Any:
    return _json({"error": " ".join(str(message).split())[:500]}, status)


def _hostname(host: str) -> str:
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


class Playground:
    """The app's state: the sessions, the host it serves, the routes.

    Parameters
    ----------
    host : str
        The address the server binds; requests must name it (or a loopback name) as their
        Host, and POSTs must come from the page itself (Origin ``http://<Host>``).
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.sessions: OrderedDict[str, Session] = OrderedDict()

    # ------------------------------------------------------------------ checks
    def allowed_host(self, host: str) -> bool:
        if self.host in ("0.0.0.0", "::", ""):
            return True
        return _hostname(host) in LOOPBACK | {self.host, f"[{self.host}]"}

    def refusal(self, request: Any) -> Any | None:
        """A 403 response for a request from elsewhere, or None."""
        host = request.headers.get("host", "")
        if not self.allowed_host(host):
            return _error(f"requests must be addressed to this machine, not {host[:60]!r}", 403)
        if request.method == "POST":
            origin = request.headers.get("origin")
            if origin != f"http://{host}":
                return _error(
                    f"refused: a request changing the playground must come from its own page "
                    f"(Origin http://{host}); got Origin {str(origin)[:80]!r}",
                    403,
                )
        return None

    async def body(self, request: Any) -> dict[str, Any]:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            raise SettingsError(
                f"the request is larger than {MAX_BODY_BYTES // 1024**2} MB; choose a smaller file"
            )
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise SettingsError(f"the request is larger than {MAX_BODY_BYTES // 1024**2} MB")
            chunks.append(chunk)
        try:
            data = json.loads(b"".join(chunks) or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise SettingsError("the request is not valid JSON") from None
        if not isinstance(data, dict):
            raise SettingsError("the request must be a JSON object")
        return data

    def session(self, data: dict[str, Any]) -> tuple[str, Session]:
        key = data.get("session")
        if not isinstance(key, str) or key not in self.sessions:
            raise SettingsError("this page's session has ended (the server restarted); reload")
        self.sessions.move_to_end(key)
        return key, self.sessions[key]

    def add(self, session: Session) -> str:
        key = secrets.token_urlsafe(12)
        self.sessions[key] = session
        while len(self.sessions) > MAX_SESSIONS:
            self.sessions.popitem(last=False)
        return key


def create_app(host: str = "127.0.0.1") -> Any:
    """The Starlette app of the playground, for uvicorn or Starlette's TestClient.

    Examples
    --------
    >>> app = create_app()
    >>> [route.path for route in app.routes][:3]
    ['/', '/api/options', '/api/session']
    """
    require_server_packages()
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from gradlab.playground import api

    app_state = Playground(host)
    static = resources.files("gradlab.playground") / "static"

    def guarded(handler: Any) -> Any:
        async def endpoint(request: Any) -> Any:
            refused = app_state.refusal(request)
            if refused is not None:
                return refused
            try:
                data = await app_state.body(request) if request.method == "POST" else {}
                result = handler(app_state, data)
            except (SettingsError, ValueError, TypeError, KeyError, OverflowError) as error:
                text = error.args[0] if isinstance(error, KeyError) and error.args else error
                return _error(str(text))
            except FloatingPointError as error:
                return _error(f"the numbers overflowed ({error}); lower the learning rate")
            if isinstance(result, Response):
                return result
            return _json(result)

        return endpoint

    async def index(request: Any) -> Any:
        refused = app_state.refusal(request)
        if refused is not None:
            return refused
        return FileResponse(str(static / "index.html"))

    routes = [
        Route("/", index),
        Route("/api/options", guarded(api.options), methods=["GET"]),
        *(
            Route(f"/api/{name}", guarded(getattr(api, name.replace("/", "_"))), methods=["POST"])
            for name in ("session", "step", "state", "reset", "weight", "columns", "export")
        ),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.playground = app_state
    return app
