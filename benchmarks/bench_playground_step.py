"""The playground's Play loop: 2-8-8-1 on 500 points, the server's answers and the page's frames.

What a frame of Play costs on the server: a training step (batch 10, tanh, SGD), the train and
test losses over the 500 points, each neuron's heat map over a 16 x 16 grid and the output over
32 x 32 (bytes in base64), the weights, as the JSON of one frame (``api/step`` with
``frame: true``); measured in-process, through the real HTTP server (uvicorn on 127.0.0.1, one
keep-alive connection), for the step alone next to the same step handwritten in NumPy, and for
the answer to the Step button (the whole view with the step's trace). Then the page itself:
Play for 3 s in headless chromium (Playwright), counting the frames it drew and the steps the
server took. The issue asks for under 20 ms per answer and 20 frames per second or more.

    python benchmarks/bench_playground_step.py [--repeats 200] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

from gradlab.playground.server import PlaygroundServer
from gradlab.playground.session import Session
from gradlab.playground.view import frame, view

STATE = {
    "data": {"source": "dataset", "name": "spiral", "points": 500, "train_ratio": 0.5},
    "hidden": [{"units": 8, "activation": "tanh"}, {"units": 8, "activation": "tanh"}],
    "output_activation": "tanh",
    "batch_size": 10,
    "lr": 0.03,
}


def median_ms(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def numpy_step(session: Session):
    """The same step handwritten in NumPy (forward, backward of the mean squared error, SGD)."""
    W = [p.data.copy() for p in session.model.parameters()]
    X, y = session.data.X[:10], session.data.targets(np.arange(10), "mse")

    def run() -> None:
        h, cache = X, []
        for k in range(0, len(W), 2):
            z = h @ W[k] + W[k + 1]
            cache.append((h, z))
            h = np.tanh(z)
        grad = 2 * (h - y) / y.size
        for k in range(len(W) - 2, -1, -2):
            h_in, z = cache[k // 2]
            delta = grad * (1 - np.tanh(z) ** 2)
            grad = delta @ W[k].T
            W[k] -= 0.03 * h_in.T @ delta
            W[k + 1] -= 0.03 * delta.sum(axis=0)

    return run


def page_frames_per_second(url: str, seconds: float = 3.0) -> tuple[float, float] | None:
    """Play in headless chromium for ``seconds``: frames drawn per second, steps per second."""
    import base64
    import shutil

    path = shutil.which("chromium")
    if path is None:
        return None
    from playwright.sync_api import sync_playwright

    link = base64.urlsafe_b64encode(json.dumps(STATE).encode()).decode().rstrip("=")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.goto(f"{url}#s={link}")
        page.wait_for_selector("body[data-ready=yes]")
        read = (
            "[Number(document.body.dataset.frames || 0),"
            " Number(/step (\\d+)/.exec(document.getElementById('status').textContent)[1])]"
        )
        page.click("button#play")
        page.wait_for_timeout(500)
        start, started = page.evaluate(read), time.perf_counter()
        page.wait_for_timeout(1000 * seconds)
        end = page.evaluate(read)
        seconds = time.perf_counter() - started
        page.click("button#play")
        browser.close()
    return (end[0] - start[0]) / seconds, (end[1] - start[1]) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    repeats = args.repeats
    session = Session(STATE)
    step_only = median_ms(lambda: session.step(explain=False), repeats)
    handwritten = median_ms(numpy_step(session), repeats)
    in_process = median_ms(
        lambda: (session.step(explain=False), json.dumps(frame(session))), repeats
    )
    whole_view = median_ms(
        lambda: (session.step(explain=True), json.dumps(view(session, "s"))), repeats // 4
    )

    import httpx

    server = PlaygroundServer().start()
    try:
        origin = {"Origin": server.url.rstrip("/")}
        with httpx.Client(base_url=server.url, headers=origin) as client:
            key = client.post("/api/session", json={"state": STATE}).json()["session"]
            body = {"session": key, "steps": 1, "frame": True}
            over_http = median_ms(lambda: client.post("/api/step", json=body).json(), repeats)
            size = len(client.post("/api/step", json=body).content)
            traced = {"session": key, "steps": 1, "explain": True}
            step_http = median_ms(
                lambda: client.post("/api/step", json=traced).json(), repeats // 4
            )
            step_size = len(client.post("/api/step", json=traced).content)
        fps = page_frames_per_second(server.url, args.seconds)
    finally:
        server.stop()
    print(f"2-8-8-1 on 500 points, batch 10; median of {repeats} steps")
    print(f"  step alone (gradlab engine + losses)      {step_only:7.2f} ms")
    print(f"  the same step handwritten in NumPy        {handwritten:7.2f} ms (no losses)")
    print(f"  step + frame JSON, in process             {in_process:7.2f} ms")
    print(f"  Play's step answer over HTTP (keep-alive) {over_http:7.2f} ms  -> "
          f"{1000 / over_http:5.0f} answers/s, {size / 1024:.1f} KiB each")  # fmt: skip
    print(f"  target: < 20 ms per answer: {'met' if over_http < 20 else 'NOT met'}")
    print(f"  Step button: traced step + whole view     {whole_view:7.2f} ms in process, "
          f"{step_http:.2f} ms over HTTP, {step_size / 1024:.1f} KiB")  # fmt: skip
    if fps is None:
        print("  page: no chromium found, frames per second not measured")
    else:
        verdict = "met" if fps[0] >= 20 else "NOT met"
        print(f"  page in chromium, Play for {args.seconds:g} s: {fps[0]:5.1f} frames drawn/s "
              f"({verdict}: >= 20), {fps[1]:5.1f} steps/s")  # fmt: skip
    load = os.getloadavg()[0]
    print(f"  (load average of this machine now: {load:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
