"""The playground: TensorFlow Playground's page with the maths shown, computed by gradlab.

``gradlab playground`` (or ``gl.playground()`` from Python, shown inline in Jupyter) starts a
local web server. The page sends settings and commands; the server trains with gradlab's
engine and answers each step as JSON, with the step's trace (`Trace.to_json`). Needs
``pip install "gradlab[playground]"`` (Starlette and uvicorn).
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["playground"]


def playground(port: int = 0, host: str = "127.0.0.1", open_browser: bool = False) -> Any:
    """Start the playground in a background thread and return the running server.

    In Jupyter the returned object displays the page inline (an IFrame); ``.url`` is its
    address and ``.stop()`` ends it.

    Parameters
    ----------
    port : int, default 0
        0 picks a free port.
    host : str, default "127.0.0.1"
        The address to bind; the loopback address keeps it on this machine.
    open_browser : bool, default False
        Also open the page in the web browser.

    Returns
    -------
    gradlab.playground.server.PlaygroundServer

    Examples
    --------
    >>> import gradlab as gl
    >>> server = gl.playground()
    >>> server.url.startswith("http://127.0.0.1:")
    True
    >>> server.stop()
    """
    from gradlab.playground.server import PlaygroundServer

    server = PlaygroundServer(host, port).start()
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    return server


class _CallableModule(types.ModuleType):
    # ``gl.playground(...)`` is the function, while ``gradlab.playground`` is this package:
    # importing the package sets the attribute gl.playground to the module, so the module
    # itself must be callable.
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return playground(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
