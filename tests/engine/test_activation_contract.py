"""The contract every registered activation keeps: each facet of its description agrees with
the others and with independent oracles (central finite differences and SymPy).

A failure names the activation and the facet, so a new activation that forgets or misstates a
facet is caught here. The oracles: finite differences of the NumPy forward for the derivative,
SymPy's own evaluation (and differentiation) of the SymPy form for the forward and derivative.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

import gradlab as gl
from gradlab.engine.activation_op import ACTIVATION_OPS
from gradlab.engine.special import NUMPY, SympyMath
from gradlab.glassbox.activation_formula import FORMULA
from gradlab.glassbox.formula import Expr, Label, Sym

OPS = ACTIVATION_OPS.values()
IDS = [op.name for op in OPS]
# Away from the kinks of the piecewise activations (at 0), where a derivative is a convention.
POINTS = np.array([-3.1, -1.7, -0.45, -0.013, 0.021, 0.37, 1.2, 2.9])
EXTREMES = np.array([-1e4, -88.0, -30.0, 30.0, 88.0, 1e4])


def _params(op):
    return {k: (0.37 if isinstance(v, float) else v) for k, v in op.params.items()}


def _sympy_params(op):
    return {k: (sp.Float(v) if isinstance(v, float) else v) for k, v in _params(op).items()}


def _central_difference(forward, z, params, h=1e-6):
    return (forward(z + h, **params) - forward(z - h, **params)) / (2 * h)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_the_layer_class_and_the_engine_function_exist(op):
    cls = getattr(gl.nn, op.class_name)
    assert cls.op is op, f"{op.name}: gl.nn.{op.class_name} is not its layer"
    layer = cls(**_params(op))
    rebuilt = gl.nn.build_layer(gl.nn.layer_spec(layer))
    assert type(rebuilt) is cls and rebuilt.get_config() == layer.get_config(), op.name
    assert gl.nn.activations.get(op.name).op is op, f"{op.name}: not found by name"
    for alias in op.aliases:
        assert gl.nn.activations.get(alias).op is op, f"{op.name}: alias {alias!r} not found"
    assert op.class_name in cls.__doc__ and op.formula in cls.__doc__, op.name


@pytest.mark.parametrize("op", [op for op in OPS if op.elementwise], ids=lambda op: op.name)
def test_derivative_agrees_with_finite_differences(op):
    params = _params(op)
    a = op.forward(POINTS, **params)
    slope = op.slope(POINTS, a, **params)
    expected = _central_difference(op.forward, POINTS, params)
    np.testing.assert_allclose(
        slope, expected, rtol=1e-6, atol=1e-8, err_msg=f"{op.name}: derivative"
    )


@pytest.mark.parametrize("op", [op for op in OPS if not op.elementwise], ids=lambda op: op.name)
def test_vector_jacobian_product_agrees_with_finite_differences(op):
    params = _params(op)
    z = POINTS.reshape(2, 4)
    g = np.array([[0.3, -1.2, 0.7, 2.0], [1.1, 0.4, -0.6, 0.2]])
    a = op.forward(z, **params)
    numeric = np.zeros_like(z)
    for index in np.ndindex(*z.shape):
        step = np.zeros_like(z)
        step[index] = 1e-6
        diff = op.forward(z + step, **params) - op.forward(z - step, **params)
        numeric[index] = np.sum(g * diff) / 2e-6
    np.testing.assert_allclose(
        op.vjp(g, z, a, **params), numeric, rtol=1e-6, atol=1e-8, err_msg=f"{op.name}: vjp"
    )


def _sympy_values(op, points):
    z = sp.Symbol("z", real=True)
    if op.elementwise:
        expr = op.sympy(sp, z, **_sympy_params(op))
        return expr, z, np.array([float(expr.subs(z, sp.Float(p, 30)).evalf(30)) for p in points])
    symbols = np.array(sp.symbols(f"z0:{points.size}", real=True), dtype=object)
    exprs = op.sympy(sp, symbols, **_params(op))
    at = {s: sp.Float(p, 30) for s, p in zip(symbols, points, strict=True)}
    return exprs, symbols, np.array([float(e.subs(at).evalf(30)) for e in exprs])


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_sympy_form_agrees_with_the_forward(op):
    _, _, expected = _sympy_values(op, POINTS)
    np.testing.assert_allclose(
        op.forward(POINTS, **_params(op)), expected, rtol=1e-12, atol=1e-14,
        err_msg=f"{op.name}: the SymPy form and the forward disagree",
    )  # fmt: skip


@pytest.mark.parametrize("op", [op for op in OPS if op.elementwise], ids=lambda op: op.name)
def test_derivative_agrees_with_sympy(op):
    expr, z, _ = _sympy_values(op, POINTS[:1])
    derivative = sp.diff(expr, z)
    expected = [float(derivative.subs(z, sp.Float(p, 30)).evalf(30)) for p in POINTS]
    params = _params(op)
    slope = op.slope(POINTS, op.forward(POINTS, **params), **params)
    np.testing.assert_allclose(
        slope, expected, rtol=1e-12, atol=1e-14, err_msg=f"{op.name}: derivative vs SymPy's"
    )
    if op.written:
        a = sp.Symbol("a", real=True)
        written = op.derivative(SympyMath(sp), z, a, **_sympy_params(op))
        substituted = sp.simplify(written.subs(a, expr) - derivative)
        assert substituted == 0, f"{op.name}: its derivative line in SymPy is not d/dz of its form"


# Far into the tails, where σ(z) or tanh(z) rounds to ±1 and a derivative written with 1 - a
# would round to 0; each true value there is a normal float64, so its relative error is bounded.
TAILS = np.array([-700.0, -88.0, -36.0, -12.0, 12.0, 36.0, 88.0, 700.0])
SMOOTH = [op for op in OPS if op.elementwise and op.written]


@pytest.mark.parametrize("op", SMOOTH, ids=lambda op: op.name)
def test_derivative_is_accurate_in_relative_terms_in_the_tails(op):
    expr, z, _ = _sympy_values(op, POINTS[:1])
    derivative = sp.diff(expr, z)
    exact = sp.lambdify(z, derivative, "mpmath")
    # 1 - tanh(700)² is 1e-608: it needs some 700 digits before its first one is right.
    with mpmath.workdps(900):
        expected = np.array([float(exact(mpmath.mpf(int(p)))) for p in TAILS])
    params = _params(op)
    with np.errstate(under="ignore"):
        slope = op.slope(TAILS, op.forward(TAILS, **params), **params)
    tiny = np.finfo(np.float64).tiny
    np.testing.assert_allclose(
        slope, expected, rtol=1e-12, atol=tiny, err_msg=f"{op.name}: derivative in the tails"
    )


# The others are piecewise: the trace writes relu′(z) and evaluates it with the engine's slope.
WRITTEN = [op for op in OPS if op.elementwise and op.written]


@pytest.mark.parametrize("op", WRITTEN, ids=lambda op: op.name)
def test_written_derivative_evaluates_to_the_engine_slope(op):
    params = _params(op)
    for value in POINTS:
        a_value = float(op.forward(np.array([value]), **params)[0])
        z, a = Sym(Label("z", "z"), float(value)), Sym(Label("a", "a"), a_value)
        written = op.derivative(FORMULA, z, a, **params)
        assert isinstance(written, Expr), f"{op.name}: its derivative does not write itself"
        text = written.render("text", False, str)
        engine = float(op.slope(np.array([value]), np.array([a_value]), **params)[0])
        assert written.evaluate() == pytest.approx(engine, rel=1e-12, abs=1e-14), (
            f"{op.name}: the written derivative {text} evaluates differently from the engine"
        )


FUSED = [op for op in OPS if op.fused is not None]
EVERYWHERE = np.concatenate([POINTS, EXTREMES, TAILS, np.linspace(-40.0, 40.0, 801)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", FUSED, ids=lambda op: op.name)
def test_fused_value_is_the_forward_and_its_slope_the_written_derivative(op, dtype):
    params = _params(op)
    z = EVERYWHERE.astype(dtype)
    with np.errstate(under="ignore"):
        a, slope = op.fused(z, **params)
        out, into = np.empty_like(z), np.empty_like(z)
        written_a, written_slope = op.fused(z, out, into, **params)
        forward = op.forward(z, **params)
        derivative = np.asarray(op.derivative(NUMPY, z, forward, **params))
    assert a.dtype == slope.dtype == dtype, f"{op.name}: fused does not keep {dtype}"
    np.testing.assert_array_equal(a, forward, err_msg=f"{op.name}: fused value is not forward's")
    assert written_a is out and written_slope is into, f"{op.name}: fused ignores its buffers"
    np.testing.assert_array_equal(out, a, err_msg=f"{op.name}: into buffers it computes otherwise")
    np.testing.assert_array_equal(into, slope, err_msg=f"{op.name}: a slope into a buffer differs")
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(
        slope, derivative, rtol=512 * eps, atol=np.finfo(dtype).tiny,
        err_msg=f"{op.name}: fused slope vs the written derivative",
    )  # fmt: skip


@pytest.mark.parametrize("op", FUSED, ids=lambda op: op.name)
def test_fused_slope_is_accurate_in_float32_where_the_value_rounds_to_one(op):
    # z in [5, 80]: σ(z) is within a few ulps of 1 in float32, where σ(z)(1 - σ(z)) would be
    # off by up to 1%; the exact slope is a normal float32 number throughout.
    expr, z, _ = _sympy_values(op, POINTS[:1])
    exact = sp.lambdify(z, sp.diff(expr, z), "mpmath")
    points = np.linspace(5.0, 80.0, 151).astype(np.float32)
    with mpmath.workdps(60):
        expected = np.array([float(exact(mpmath.mpf(float(p)))) for p in [*points, *-points]])
    slope = op.fused(np.concatenate([points, -points]), **_params(op))[1]
    np.testing.assert_allclose(
        slope, expected, rtol=1e-5, atol=np.finfo(np.float32).tiny,
        err_msg=f"{op.name}: float32 tails",
    )  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_finite_and_dtype_preserving_at_extreme_inputs(op, dtype):
    x = gl.Tensor(EXTREMES.astype(dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = getattr(gl.nn, op.class_name)()(x)
        out.backward(np.linspace(0.5, 1.5, x.size).astype(dtype))
    assert out.dtype == dtype and x.grad.dtype == dtype, f"{op.name}: dtype not kept"
    assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad)), f"{op.name}: not finite"


def test_numpy_namespace_computes_what_sympy_namespace_builds():
    z = sp.Symbol("z", real=True)
    for name in ("sigmoid", "exp", "tanh", "Phi", "phi"):
        expr = getattr(SympyMath(sp), name)(z)
        for p in POINTS:
            expected = float(expr.subs(z, sp.Float(p, 30)).evalf(30))
            got = float(getattr(NUMPY, name)(np.array([p]))[0])
            assert got == pytest.approx(expected, rel=1e-13, abs=1e-15), name


def _broken(**changes):
    base = dict(
        name="broken", class_name="Broken", forward=np.tanh,
        derivative=lambda f, z, a: 1 - a**2, sympy=lambda sp, z: sp.tanh(z),
        text="broken", latex=r"\operatorname{broken}", formula="tanh(z)",
        derivative_formula="1 - a²",
    )  # fmt: skip
    return gl.ActivationOp(**{**base, **changes})


def test_the_contract_names_the_op_and_the_facet_it_catches():
    # The same checks, on unregistered ops with one facet wrong each: every one must fail.
    with pytest.raises(AssertionError, match="broken: derivative"):
        test_derivative_agrees_with_finite_differences(_broken(derivative=lambda f, z, a: 1 - a))
    with pytest.raises(AssertionError, match="broken: the SymPy form"):
        test_sympy_form_agrees_with_the_forward(_broken(sympy=lambda sp, z: sp.sinh(z)))
    with pytest.raises(AssertionError, match="broken: derivative vs SymPy"):
        test_derivative_agrees_with_sympy(_broken(derivative=lambda f, z, a: 1 - 0.5 * a**2))
    with pytest.raises(ValueError, match="needs a derivative or a vjp"):
        _broken(derivative=None)
