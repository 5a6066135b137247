"""The playground's fixtures: the app through Starlette's TestClient, and a real server
(uvicorn in a thread on a free port) with Debian's chromium through Playwright."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("starlette", reason="the playground needs starlette (gradlab[playground])")
pytest.importorskip("uvicorn", reason="the playground needs uvicorn (gradlab[playground])")

BASE = "http://127.0.0.1:8000"
ORIGIN = {"Origin": BASE}


@pytest.fixture
def client():
    import warnings

    from gradlab.playground.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette asks for httpx2, not yet on PyPI mirrors
        from starlette.testclient import TestClient

        with TestClient(create_app(), base_url=BASE) as test_client:
            yield test_client


@pytest.fixture(scope="session")
def server():
    from gradlab.playground.server import PlaygroundServer

    running = PlaygroundServer().start()
    yield running
    running.stop()


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium on PATH (apt-get install chromium); the browser tests need it")
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()
