"""GELU, SiLU and ELU against PyTorch (float64, 1e-10), and each one reachable everywhere an
activation is named: the layer, MLP, the estimators, the command line, the trace, the symbolic
view. A user-defined activation and a user-defined loss, each registered in its own script,
work in all the same places."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import gradlab as gl

NEW = [
    ("gelu", gl.nn.GELU(), lambda t: torch.nn.functional.gelu(t)),
    ("silu", gl.nn.SiLU(), torch.nn.functional.silu),
    ("elu", gl.nn.ELU(), torch.nn.functional.elu),
    ("elu", gl.nn.ELU(alpha=0.3), lambda t: torch.nn.functional.elu(t, alpha=0.3)),
]
VALUES = np.concatenate(
    [np.random.default_rng(5).standard_normal(40) * 4, [0.0, -1e-8, 1e-8, -40.0, 40.0, -1e4, 1e4]]
)


@pytest.mark.parametrize(("name", "module", "reference"), NEW, ids=[repr(c[1]) for c in NEW])
def test_value_and_gradient_agree_with_pytorch(name, module, reference):
    weights = np.random.default_rng(1).standard_normal(VALUES.shape)
    xt = torch.tensor(VALUES, requires_grad=True)
    (reference(xt) * torch.tensor(weights)).sum().backward()
    x = gl.Tensor(VALUES, requires_grad=True)
    out = module(x)
    (out * weights).sum().backward()
    np.testing.assert_allclose(
        out.data, reference(torch.tensor(VALUES)).numpy(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert module.name == name


@pytest.mark.parametrize("name", ["gelu", "silu", "elu"])
def test_named_in_mlp_estimator_trace_and_symbolic_view(name, tmp_path):
    model = gl.nn.MLP(2, [3], 1, activation=name, rng=0)
    path = tmp_path / "model.safetensors"
    gl.save(model, path)
    loaded = gl.load(path)
    x = np.array([[0.3, -1.2], [1.5, 0.4]])
    np.testing.assert_array_equal(loaded(x).data, model(x).data)

    trace = gl.explain(model, x[:1], [[1.0]], loss="mse", lr=0.1)
    assert trace.check().passed
    text = trace.to_text()
    assert f"{name}(" in text or f"{name}′(" in text

    check = gl.gradcheck(model, x[:1], [[1.0]], loss="mse")
    assert check.passed()
    sym = gl.symbolic.build(model, x[:1], [[1.0]], loss="mse")
    assert f"{name}" not in str(sym.output)  # written out in SymPy, not as an opaque call
    for row in sym.check():
        assert abs(row.symbolic - row.autograd) <= 1e-10 + 1e-8 * abs(row.autograd), row

    from gradlab.sklearn import MLPClassifier

    X = np.random.default_rng(0).standard_normal((40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    clf = MLPClassifier(hidden_layer_sizes=(4,), activation=name, max_iter=5, random_state=0)
    with pytest.warns(Warning):  # ConvergenceWarning after 5 iterations
        clf.fit(X, y)
    assert clf.predict(X).shape == (40,)


def test_offered_by_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "gradlab.cli.main", "train", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for name in ("gelu", "silu", "elu"):
        assert name in result.stdout


USER_ACTIVATION = textwrap.dedent(
    """
    import numpy as np, pickle, tempfile, pathlib, warnings
    import gradlab as gl

    # Mish, a(z) = z tanh(softplus(z)), declared once in the user's own code.
    def forward(z):
        return z * np.tanh(np.logaddexp(z, 0))

    def derivative(f, z, a):
        t = np.tanh(np.logaddexp(z, 0))
        return t + z * f.sigmoid(z) * (1 - t * t)

    gl.register_activation(gl.ActivationOp(
        name="mish", class_name="Mish", forward=forward, derivative=derivative, written=False,
        sympy=lambda sp, z: z * sp.tanh(sp.log(1 + sp.exp(z))), text="mish",
        latex=r"\\operatorname{mish}", formula="z·tanh(softplus(z))",
        derivative_formula="tanh(sp) + z·σ(z)·(1 - tanh(sp)²)",
    ))
    model = gl.nn.MLP(2, [3], 1, activation="mish", rng=0)
    assert type(model[1]) is gl.nn.Mish
    assert "Mish" in model.summary(print_fn=None)
    folder = pathlib.Path(tempfile.mkdtemp())
    gl.save(model, folder / "m.safetensors")
    loaded = gl.load(folder / "m.safetensors")
    x = np.array([[0.3, -1.2]])
    assert np.array_equal(loaded(x).data, model(x).data)
    trace = gl.explain(model, x, [[1.0]], loss="mse")
    assert trace.check().passed and "mish′(" in trace.to_text()
    assert gl.gradcheck(model, x, [[1.0]], loss="mse").passed()
    sym = gl.symbolic.build(model, x, [[1.0]], loss="mse")
    for row in sym.check():
        assert abs(row.symbolic - row.autograd) <= 1e-10 + 1e-8 * abs(row.autograd), row
    from gradlab.sklearn import MLPRegressor
    X = np.random.default_rng(0).standard_normal((30, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = MLPRegressor(hidden_layer_sizes=(3,), activation="mish", max_iter=3)
        reg.fit(X, X[:, 0])
    pickle.loads(pickle.dumps(reg)).predict(X)
    print("ok")
    """
)


def run_user_script(folder, source: str) -> None:
    """Run a user's script in its own process, so its registrations stay out of this suite."""
    script = folder / "user_script.py"
    script.write_text(source)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_user_defined_activation_works_everywhere(tmp_path):
    run_user_script(tmp_path, USER_ACTIVATION)


USER_LOSS = textwrap.dedent(
    """
    import numpy as np
    import gradlab as gl

    # log-cosh, declared once in the user's own code.
    gl.losses.register(gl.LossOp(
        name="log_cosh", text="logcosh", latex=r"\\operatorname{logcosh}",
        entry=lambda f, p, y: f.log((f.exp(p - y) + f.exp(y - p)) / 2),
        derivative=lambda f, p, y: f.tanh(p - y),
        values=lambda p, y: np.logaddexp(p - y, y - p) - np.log(2),
        slope=lambda p, y: np.tanh(p - y),
    ))
    model = gl.nn.MLP(2, [3], 1, activation="tanh", rng=0)
    x = np.array([[0.3, -1.2], [1.0, 0.5]])
    y = np.array([[1.0], [-0.5]])
    trace = gl.explain(model, x[:1], y[:1], loss="log_cosh", lr=0.1)
    assert trace.check().passed, trace.check()
    assert "∂L/∂a2[0]     = tanh(a2[0] - y)" in trace.to_text()
    assert gl.gradcheck(model, x, y, loss="log_cosh").passed()
    sym = gl.symbolic.build(model, x, y, loss="log_cosh")
    for row in sym.check():
        assert abs(row.symbolic - row.autograd) <= 1e-10 + 1e-8 * abs(row.autograd), row
    history = gl.fit(model, x, y, loss="log_cosh", epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    print("ok")
    """
)


def test_a_user_defined_loss_works_everywhere(tmp_path):
    run_user_script(tmp_path, USER_LOSS)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfc_without_scipy_agrees_with_pytorch(dtype):
    # GELU's erfc comes from SciPy when installed, else from math.erfc entry by entry.
    from gradlab.engine.special import stdlib_erfc

    x = (VALUES / 3).astype(dtype)
    out = stdlib_erfc(x)
    assert out.dtype == dtype
    expected = torch.special.erfc(torch.tensor(x.astype(np.float64))).numpy()
    tol = 1e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out, expected, rtol=tol, atol=tol)
