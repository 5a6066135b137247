"""The playground's JSON API through Starlette's TestClient.

Oracles: the worked examples' published figures (w5 = 0.985, w6 = 0.995, bias3 = 0.49), PyTorch
in float64 for one step of every worked example, geometry for the generated sets, and
``float(text)`` for typed-in values.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from gradlab.playground.datasets import generate
from gradlab.playground.worked_examples import EXAMPLES

from .conftest import ORIGIN


def post(client, path, body, status=200):
    response = client.post(path, json=body, headers=ORIGIN)
    assert response.status_code == status, response.text
    return (
        response.json()
        if response.headers["content-type"].startswith("application/json")
        else response
    )


def example(client, name="relu_2_2_1"):
    return post(client, "/api/session", {"state": {"data": {"source": "example", "name": name}}})


def weights_of(view):
    return [(layer["weight"], layer["bias"]) for layer in view["network"]["layers"]]


def test_the_options_come_from_the_registries(client):
    import gradlab as gl

    options = client.get("/api/options").json()
    assert options["activations"] == gl.nn.activations.names()
    assert {"mse", "cross_entropy", "bce"} <= set(options["losses"])
    assert {"sgd", "adam"} <= set(options["optimizers"])
    assert [e["title"] for e in options["examples"]][:2] == [
        "2-2-1 ReLU network by hand",
        "2-2-1 sigmoid network with a shared bias (SymPy)",
    ]


def test_one_step_of_the_relu_example_gives_the_published_updates(client):
    view = example(client)
    assert weights_of(view)[1][0] == [[1], [1]]
    view = post(client, "/api/step", {"session": view["session"]})
    layers = weights_of(view)
    # The tutorial's new w5, w6, bias3, w1, w2 and w3.
    assert layers[1] == ([[0.985], [0.995]], [0.49])
    assert layers[0][0][0] == [0.99, 0.49]
    assert layers[0][0][1][0] == 1.0
    rows = [row for block in view["trace"]["blocks"] for row in block["rows"]]
    update = next(r for r in rows if r["kind"] == "update" and r["name"] == "w5")
    assert update["parameter"] == "2.weight[0,0]"
    assert update["value"] == 0.985
    assert update["latex"]["rhs"].endswith("= 0.985")
    assert view["network"]["labels"]["2.weight[0,0]"] == "w5"
    assert view["trace"]["checked"] is True


def _torch_step(name):
    torch = pytest.importorskip("torch")
    case = EXAMPLES[name]
    layers = case.layers()
    params, acts = [], []
    for weight, bias, activation in layers:
        w = torch.tensor(weight, dtype=torch.float64, requires_grad=True)
        b = None if bias is None else torch.tensor(bias, dtype=torch.float64, requires_grad=True)
        params.append((w, b))
        acts.append({"relu": torch.relu, "sigmoid": torch.sigmoid}[activation])
    h = torch.tensor(case.X, dtype=torch.float64)
    for (w, b), act in zip(params, acts, strict=True):
        h = act(h @ w + (0 if b is None else b))
    y = torch.tensor(case.y, dtype=torch.float64)
    loss = {
        "mse": lambda: ((h - y) ** 2).mean(),
        "half_sse": lambda: 0.5 * ((h - y) ** 2).sum(),
        "bce": lambda: torch.nn.functional.binary_cross_entropy(h, y),
    }[case.loss]()
    loss.backward()
    with torch.no_grad():
        return [
            (w - case.lr * w.grad, None if b is None else b - case.lr * b.grad) for w, b in params
        ]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_a_step_of_every_worked_example_matches_pytorch(client, name):
    view = example(client, name)
    assert view["state"]["batch_size"] == len(EXAMPLES[name].X)
    view = post(client, "/api/step", {"session": view["session"]})
    for (weight, bias), (w, b) in zip(weights_of(view), _torch_step(name), strict=True):
        assert_allclose(weight, w.numpy(), rtol=1e-12, atol=1e-14)
        if b is not None:
            assert_allclose(bias, b.numpy(), rtol=1e-12, atol=1e-14)
    assert view["trace"]["blocks"], "a worked example is small enough to write out"


def test_the_generated_sets_follow_their_geometry():
    X, y, task = generate("circle", n=400, noise=0.0, seed=3)
    r = np.hypot(X[:, 0], X[:, 1])
    assert task == "classification" and X.shape == (400, 2)
    assert np.array_equal(y, np.where(r < 2.5, 1.0, -1.0))
    X, y, _ = generate("xor", n=300, seed=1)
    assert np.array_equal(y, np.where(X[:, 0] * X[:, 1] >= 0, 1.0, -1.0))
    X, y, task = generate("plane", n=200, seed=2)
    assert task == "regression"
    assert_allclose(y, (X[:, 0] + X[:, 1]) / 12, rtol=0, atol=1e-12)
    again, _, _ = generate("spiral", n=100, noise=0.3, seed=7)
    assert np.array_equal(again, generate("spiral", n=100, noise=0.3, seed=7)[0])
    for name in ("gaussian", "bumps"):
        X, y, _ = generate(name, n=50, noise=0.2, seed=0)
        assert X.shape == (50, 2) and np.isfinite(y).all()


def test_a_dataset_session_has_maps_points_and_a_split(client):
    state = {"data": {"name": "xor", "points": 200, "train_ratio": 0.7, "noise": 0.1}}
    view = post(client, "/api/session", {"state": state})
    assert len(view["points"]["train"]) == 140 and len(view["points"]["test"]) == 60
    maps = view["maps"]
    assert [len(layer) for layer in maps["neurons"]] == [2, 4, 4, 1]
    assert len(maps["output"]) == math.ceil(maps["output_grid"] ** 2 / 3) * 4  # base64
    view = post(client, "/api/step", {"session": view["session"], "steps": 20, "explain": False})
    assert view["steps"] == 20 and view["trace"] is None
    assert view["loss"]["train"] > 0 and view["loss"]["test"] > 0


def test_reset_returns_to_the_same_initial_weights(client):
    view = post(client, "/api/session", {"state": {"data": {"name": "circle"}, "seed": 5}})
    first = weights_of(view)
    stepped = post(client, "/api/step", {"session": view["session"], "steps": 5})
    assert weights_of(stepped) != first
    again = post(client, "/api/reset", {"session": view["session"]})
    assert weights_of(again) == first and again["steps"] == 0
    # Same settings, same seed: the same weights in another session.
    other = post(client, "/api/session", {"state": {"data": {"name": "circle"}, "seed": 5}})
    assert weights_of(other) == first


def test_a_weight_typed_in_keeps_every_digit(client):
    view = example(client)
    text = "0.1234567890123456789"
    view = post(client, "/api/weight", {"session": view["session"], "key": "2.weight[0,0]",
                                        "value": text})  # fmt: skip
    assert weights_of(view)[1][0][0][0] == float(text)


def test_the_shared_state_rebuilds_the_same_network(client):
    view = post(client, "/api/session", {"state": {"data": {"name": "gaussian"}, "seed": 2}})
    view = post(client, "/api/step", {"session": view["session"], "steps": 7})
    copy = post(client, "/api/session", {"state": view["state"]})
    assert weights_of(copy) == weights_of(view)
    assert copy["state"]["data"] == view["state"]["data"]


def test_exports(client):
    import gradlab as gl

    view = example(client)
    session = view["session"]
    post(client, "/api/step", {"session": session})
    code = post(client, "/api/export", {"session": session, "format": "python"})["text"]
    namespace: dict = {}
    exec(compile(code.replace("print(", "str("), "network.py", "exec"), namespace)
    model = namespace["model"]
    assert model[2].weight.data.tolist() == [[0.985], [0.995]]
    assert (
        "0.985" in post(client, "/api/export", {"session": session, "format": "markdown"})["text"]
    )
    assert (
        r"\begin{align*}"
        in post(client, "/api/export", {"session": session, "format": "latex"})["text"]
    )
    response = client.post("/api/export", json={"session": session, "format": "model"},
                           headers=ORIGIN)  # fmt: skip
    assert response.status_code == 200
    pytest.importorskip("safetensors")
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".safetensors") as file:
        file.write(response.content)
        file.flush()
        loaded = gl.load(file.name)
    assert loaded[2].weight.data.tolist() == [[0.985], [0.995]]


CSV = "a,b,kind\n" + "".join(f"{i % 7},{(i * 3) % 5},{'abc'[i % 3]}\n" for i in range(60))


def test_a_csv_with_three_classes_trains_with_cross_entropy(client):
    pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    assert post(client, "/api/columns", {"text": CSV})["columns"] == ["a", "b", "kind"]
    state = {"data": {"source": "csv", "text": CSV, "target": "kind", "filename": "t.csv"},
             "loss": "cross_entropy", "output_activation": "identity"}  # fmt: skip
    view = post(client, "/api/session", {"state": state})
    assert view["network"]["sizes"] == [2, 4, 4, 3]
    assert view["network"]["inputs"] == ["a", "b"]
    view = post(client, "/api/step", {"session": view["session"], "steps": 3})
    assert view["loss"]["train"] is not None


# ---------------------------------------------------------------- refusals


def test_a_post_from_another_origin_is_refused(client):
    body = {"state": {}}
    assert client.post("/api/session", json=body).status_code == 403
    evil = {"Origin": "http://evil.example"}
    response = client.post("/api/session", json=body, headers=evil)
    assert response.status_code == 403 and "refused" in response.json()["error"]
    rebinding = {"Host": "evil.example:8000", "Origin": "http://evil.example:8000"}
    assert client.post("/api/session", json=body, headers=rebinding).status_code == 403
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 403


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ({"lr": "fast"}, "learning rate must be a number"),
        ({"lr": "nan"}, "finite"),
        ({"batch_size": 2.5}, "whole number"),
        ({"loss": "quadratic"}, "loss must be one of"),
        ({"hidden": [{"units": 4, "activation": "wiggle"}]}, "activation must be one of"),
        ({"data": {"name": "moons"}}, "data set must be one of"),
        ({"data": {"source": "csv", "text": "a,b\n1,2\n3\n", "target": "b"}}, "line 3"),
        ({"data": {"source": "csv", "text": "a,b\n", "target": "b"}}, "no data rows"),
        ({"data": {"source": "csv", "text": "a,b\n1,2\n", "target": "c"}}, "c"),
        ({"weights": [{"weight": "heavy"}, {}, {}]}, "table of numbers"),
        ("not a table", "JSON object"),
    ],
)
def test_bad_settings_get_a_message_and_400(client, state, words):
    error = post(client, "/api/session", {"state": state}, status=400)["error"]
    assert words in error and "Traceback" not in error


def test_absurd_sizes_are_capped_with_a_note(client):
    state = {"data": {"name": "circle", "points": 10**9},
             "hidden": [{"units": 10**6, "activation": "relu"}] * 50}  # fmt: skip
    view = post(client, "/api/session", {"state": state})
    assert view["network"]["sizes"] == [2, *[32] * 6, 1]
    assert len(view["points"]["train"]) + len(view["points"]["test"]) == 2000
    assert any("capped" in note for note in view["notes"])


def test_bad_requests(client):
    view = example(client)
    response = client.post("/api/step", content=b"{oops", headers=ORIGIN)
    assert response.status_code == 400 and "JSON" in response.json()["error"]
    assert "session" in post(client, "/api/step", {"session": "gone"}, status=400)["error"]
    too_many = {"session": view["session"], "steps": 10**6}
    assert "steps" in post(client, "/api/step", too_many, status=400)["error"]
    bad_key = {"session": view["session"], "key": "9.weight[0,0]", "value": 1}
    assert "no weight" in post(client, "/api/weight", bad_key, status=400)["error"]
    outside = {"session": view["session"], "key": "2.weight[5,0]", "value": 1}
    assert "outside" in post(client, "/api/weight", outside, status=400)["error"]
    huge = "a,b\n" + "1,2\n" * (6 * 1024**2 // 4)
    assert "MB" in post(client, "/api/columns", {"text": huge}, status=400)["error"]
    early = {"session": view["session"], "format": "latex"}
    assert "Step first" in post(client, "/api/export", early, status=400)["error"]


def test_a_diverging_run_answers_valid_json(client):
    state = {"data": {"name": "plane"}, "lr": 90, "hidden": [{"units": 8, "activation": "relu"}],
             "output_activation": "identity"}  # fmt: skip
    view = post(client, "/api/session", {"state": state})
    for _ in range(5):
        view = post(client, "/api/step", {"session": view["session"], "steps": 20,
                                          "explain": False})  # fmt: skip
    assert view["loss"]["train"] is None or math.isfinite(view["loss"]["train"])
    assert io.StringIO(str(view)).read()


@pytest.mark.parametrize("regularization", ["none", "l1", "l2"])
def test_an_adam_step_with_a_penalty_shows_the_optimizers_update(client, regularization):
    torch = pytest.importorskip("torch")
    state = {
        "data": {"source": "example", "name": "relu_2_2_1"},
        "example_defaults": False,
        **_relu_settings(),
        "optimizer": "adam",
        "regularization": regularization,
        "reg_rate": 0.1,
    }
    view = post(client, "/api/session", {"state": state})
    view = post(client, "/api/step", {"session": view["session"]})
    # PyTorch: one Adam step on mse + 0.1/S·R(W) over the weights (S = 1 sample).
    case = EXAMPLES["relu_2_2_1"]
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True)
              for w, b, _ in case.layers() for v in (w, b)]  # fmt: skip
    h = torch.relu(torch.tensor(case.X, dtype=torch.float64) @ params[0] + params[1])
    loss = ((torch.relu(h @ params[2] + params[3]) - torch.tensor(case.y)) ** 2).mean()
    terms = {"none": lambda W: 0, "l1": lambda W: 0.1 * W.abs().sum(),
             "l2": lambda W: 0.05 * (W**2).sum()}  # fmt: skip
    loss = loss + terms[regularization](params[0]) + terms[regularization](params[2])
    optimizer = torch.optim.Adam(params, lr=case.lr)
    loss.backward()
    optimizer.step()
    rows = [row for block in view["trace"]["blocks"] for row in block["rows"]]
    w5 = [r for r in rows if r["parameter"] == "2.weight[0,0]" and r["section"] == "update"]
    kinds = [r["kind"] for r in w5]
    assert kinds[-3:] == ["optimizer_state", "optimizer_state", "update"]
    assert (kinds[0] == "penalized_gradient") == (regularization != "none")
    expected = params[2].detach().numpy()[0, 0]
    assert_allclose(w5[-1]["value"], expected, rtol=1e-14, atol=1e-15)
    assert_allclose(weights_of(view)[1][0][0][0], expected, rtol=1e-14, atol=1e-15)
    assert view["trace"]["checked"] is True
    assert view["trace"]["title"].startswith("One Adam step")


def _relu_settings():
    from gradlab.playground.state import example_settings

    return example_settings("relu_2_2_1")


def test_a_frame_of_play_is_the_same_training_as_single_steps(client):
    # The oracle is a replay: a second session with the same settings, stepped one at a time.
    state = {"data": {"source": "dataset", "name": "xor", "points": 60}, "optimizer": "adam",
             "regularization": "l1", "reg_rate": 0.01, "batch_size": 5}  # fmt: skip
    played = post(client, "/api/session", {"state": state})["session"]
    frame = post(client, "/api/step", {"session": played, "steps": 3, "frame": True})
    assert set(frame) == {"steps", "epoch", "maps", "loss", "weights"}
    stepped = post(client, "/api/session", {"state": state})["session"]
    views = [post(client, "/api/step", {"session": stepped, "explain": False}) for _ in range(3)]
    assert frame["steps"] == views[-1]["steps"] == 3
    assert frame["weights"] == [list(w) for w in weights_of(views[-1])]
    assert frame["loss"] == views[-1]["loss"]
    assert frame["maps"] == views[-1]["maps"]
    # On Pause the page asks for the whole view; it changes nothing.
    whole = post(client, "/api/state", {"session": played})
    assert whole["steps"] == 3 and weights_of(whole) == weights_of(views[-1])
    assert whole["network"]["labels"] and whole["state"]["optimizer"] == "adam"
