"""Serving the playground: uvicorn in a background thread, started and stopped from Python."""

from __future__ import annotations

import socket
import threading
import time

from gradlab.playground.app import create_app, require_server_packages


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(
                f"cannot listen on {host}:{port} ({error.strerror}); choose another --port"
            ) from None


class PlaygroundServer:
    """A running playground: its ``url``; `stop` ends it.

    Parameters
    ----------
    host : str
        The address to bind, loopback by default.
    port : int
        0 picks a free port.

    Examples
    --------
    >>> server = PlaygroundServer().start()
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        if port:
            _check_free(host, port)
        require_server_packages()
        import uvicorn

        config = uvicorn.Config(
            create_app(host), host=host, port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{shown}:{self.port}/"

    def start(self, timeout: float = 10.0) -> PlaygroundServer:
        """Serve in a daemon thread; return once the server accepts connections."""
        self._thread = threading.Thread(target=self._server.run, name="gradlab-playground",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the playground could not start on {self.url}")
            time.sleep(0.02)
        return self

    def serve(self) -> None:
        """Serve in this thread until interrupted (Ctrl+C)."""
        self._server.run()

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _repr_html_(self) -> str:
        return (
            f'<iframe src="{self.url}" width="100%" height="820" style="border:1px solid #ccc">'
            f'</iframe><p>gradlab playground at <a href="{self.url}" target="_blank">{self.url}'
            "</a></p>"
        )

    def __repr__(self) -> str:
        return f"<gradlab playground at {self.url}>"
