"""``gradlab playground`` and ``gl.playground()``: a busy port is one line, the server starts
and stops, and in Jupyter it shows the page in an IFrame."""

from __future__ import annotations

import socket

import httpx

import gradlab as gl
from gradlab.cli.main import main


def test_a_busy_port_is_one_line_and_status_2(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["playground", "--port", str(port), "--no-browser"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "choose another --port" in err


def test_gl_playground_serves_the_page_and_stops():
    server = gl.playground()
    try:
        page = httpx.get(server.url, timeout=10)
        assert page.status_code == 200 and "<title>gradlab playground</title>" in page.text
        assert f'src="{server.url}"' in server._repr_html_()
        refused = httpx.post(server.url + "api/session", json={}, timeout=10)
        assert refused.status_code == 403
    finally:
        server.stop()
    assert not server._thread.is_alive()
