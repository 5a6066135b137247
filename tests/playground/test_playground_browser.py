"""End to end in Debian's chromium: the page, the server and gradlab's engine together.

The 2-2-1 ReLU network worked by hand publishes w5's update, 0.985 (its tutorial's figure:
w5 - lr·∂L/∂w5 = 1 - 0.01·1.5). Other expected numbers are worked out by hand below.
"""

from __future__ import annotations

import re
from pathlib import Path

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "playground.png"
W5 = 'input[data-label="w5"]'


def open_page(page, server, hash_: str = "") -> None:
    page.goto(server.url + hash_)
    page.wait_for_selector("body[data-ready=yes]")


def pick_relu_example(page) -> None:
    page.select_option("#data", "example:relu_2_2_1")
    page.wait_for_selector(W5)
    assert page.input_value(W5) == "1"


def steps_shown(page) -> int:
    return int(re.search(r"step (\d+)", page.inner_text("#status")).group(1))


def test_step_on_the_relu_example_shows_the_published_w5(page, server):
    open_page(page, server)
    pick_relu_example(page)
    page.click("button#step")
    page.wait_for_function(f"document.querySelector('{W5}').value === '0.985'")
    # The formula panel typesets the update row with the same number.
    row = page.locator('#formulas .row[data-name="w5"]')
    assert row.get_attribute("data-value") == "0.985"
    assert "0.985" in row.inner_text()
    page.click('path[data-label="w5"]', force=True)
    assert "0.985" in page.inner_text("#detail")
    assert page.input_value("#detail input.detail-edit") == "0.985"


def test_play_pause_and_reset(page, server):
    open_page(page, server)
    first = page.input_value('input[data-key="0.weight[0,0]"]')
    page.click("button#play")
    assert page.inner_text("button#play") == "Pause"
    page.wait_for_function(
        "/step ([6-9]|\\d\\d+)/.test(document.getElementById('status').textContent)"
    )
    page.click("button#play")
    assert page.inner_text("button#play") == "Play"
    page.wait_for_timeout(150)  # a step in flight when Pause was pressed lands
    paused = steps_shown(page)
    page.wait_for_timeout(300)
    assert steps_shown(page) == paused > 5
    assert page.input_value('input[data-key="0.weight[0,0]"]') != first
    page.click("button#reset")
    page.wait_for_function("/^step 0 /.test(document.getElementById('status').textContent)")
    assert page.input_value('input[data-key="0.weight[0,0]"]') == first
    if not SCREENSHOT.exists():
        take_screenshot(page, server)


def take_screenshot(page, server) -> None:
    """The README's picture: the circle, trained a while, one weight's step written out."""
    import base64
    import json

    state = {
        "data": {"source": "dataset", "name": "circle", "points": 300, "noise": 0.05},
        "hidden": [{"units": 4, "activation": "tanh"}, {"units": 2, "activation": "tanh"}],
        "batch_size": 2,
        "lr": 0.1,
        "seed": 1,
    }
    link = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    page = page.context.new_page()
    open_page(page, server, f"#s={link}")
    page.click("button#play")
    page.wait_for_function("/step (\\d{3,})/.test(document.getElementById('status').textContent)")
    page.click("button#play")
    page.click("button#step")
    page.click('path[data-key="2.weight[1,0]"]', force=True)
    page.wait_for_selector("#detail .row")
    page.screenshot(path=str(SCREENSHOT))


def test_upload_a_csv_and_choose_its_target(page, server):
    open_page(page, server)
    page.select_option("#data", "csv:")
    rows = "".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}\n" for i in range(40))
    page.set_input_files(
        "#csv-file",
        files=[
            {"name": "mine.csv", "mimeType": "text/csv", "buffer": ("a,b,kind\n" + rows).encode()}
        ],
    )
    page.wait_for_function("document.querySelectorAll('#csv-target option').length === 3")
    assert page.eval_on_selector_all("#csv-target option", "o => o.map(x => x.value)") == [
        "a", "b", "kind",
    ]  # fmt: skip
    # Two inputs a, b and a binary target: the network 2-4-4-1 and its heat maps.
    page.wait_for_function("document.querySelector('.neuron .act').textContent === 'a'")
    assert page.locator(".neuron").count() == 11
    page.click("button#step")
    page.wait_for_function("/^step 1 /.test(document.getElementById('status').textContent)")
    # A ragged file gets a message in the page, naming the line.
    page.set_input_files(
        "#csv-file",
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"a,b,kind\n1,2,yes\n3,no\n"}],
    )
    page.wait_for_function("document.getElementById('message').textContent.includes('line')")


def test_edit_a_weight_then_step(page, server):
    open_page(page, server)
    pick_relu_example(page)
    page.fill(W5, "0.123456789012345678")
    page.press(W5, "Enter")
    # float("0.123456789012345678") is 0.12345678901234568: kept to the last digit.
    page.wait_for_function(f"document.querySelector('{W5}').value === '0.12345678901234568'")
    page.click("button#step")
    # By hand: a1 = 1.5, a2 = 0.5, z3 = 1.5·w5 + 0.5·1 + 0.5, dL/dw5 = 2·(z3 - 2)·a1.
    w5 = 0.12345678901234568
    z3 = 1.5 * w5 + 0.5 * 1 + 0.5
    expected = w5 - 0.01 * (2 * (z3 - 2) * 1.5)
    page.wait_for_function(f"document.querySelector('{W5}').value !== '0.12345678901234568'")
    assert abs(float(page.input_value(W5)) - expected) < 1e-15
    page.fill(W5, "one")
    page.press(W5, "Enter")
    page.wait_for_function("document.getElementById('message').textContent.includes('number')")


def test_a_shared_link_reproduces_the_state(page, server, browser):
    open_page(page, server)
    pick_relu_example(page)
    page.click("button#step")
    page.wait_for_function(f"document.querySelector('{W5}').value === '0.985'")
    link = page.url
    assert "#s=" in link
    other = page.context.new_page()
    other.goto(link)
    other.wait_for_selector("body[data-ready=yes]")
    assert other.input_value(W5) == "0.985"
    assert other.input_value('input[data-label="bias3"]') == "0.49"
    assert other.input_value("#data") == "example:relu_2_2_1"
    other.close()
