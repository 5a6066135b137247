"""The contract every registered fused loss keeps: its engine function, its written form, its
SymPy form and its written derivative agree, against SymPy and central finite differences.

A failure names the loss and the facet. Data for a loss whose inputs are constrained
(probabilities, labels of +-1, class rows) is drawn by its name below; any other loss gets real
predictions and targets.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import gradlab as gl
from gradlab.engine.loss_op import LOSS_OPS
from gradlab.engine.special import SympyMath
from gradlab.glassbox.formula import Expr, Label, Sym
from gradlab.glassbox.formula_math import FORMULA

OPS = LOSS_OPS.values()
RNG = np.random.default_rng(11)


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    if name == "binary_cross_entropy":
        return RNG.uniform(0.05, 0.95, 6), RNG.uniform(0, 1, 6)
    if name == "binary_cross_entropy_with_logits":
        return RNG.normal(0, 2, 6), RNG.uniform(0, 1, 6)
    if name == "hinge":
        return RNG.normal(0, 2, 6), np.array([1.0, -1, 1, -1, -1, 1])
    if name == "softmax_cross_entropy":
        return RNG.normal(0, 2, (3, 4)), np.eye(4)[[0, 3, 1]] * 0.8 + 0.05
    # Residuals away from the kinks of the absolute and Huber losses.
    y = RNG.normal(0, 1, 6)
    return y + np.array([-2.3, -0.7, -0.2, 0.3, 0.9, 1.8]), y


def _sympy_entries(op, p, y):
    f = SympyMath(sp)
    symbols = np.array(sp.symbols(f"p0:{p.size}", real=True), dtype=object).reshape(p.shape)
    params = {k: sp.Float(v) for k, v in op.params.items()}
    if op.rowwise:
        exprs = [
            op.entry(f, list(row), [sp.Float(v) for v in t])
            for row, t in zip(symbols, y, strict=True)
        ]
    elif op.sympy is not None:
        exprs = [
            op.sympy(sp, s, sp.Float(t), **params)
            for s, t in zip(symbols.flat, y.flat, strict=True)
        ]
    else:
        exprs = [
            op.entry(f, s, sp.Float(t), **params) for s, t in zip(symbols.flat, y.flat, strict=True)
        ]
    at = {s: sp.Float(v, 30) for s, v in zip(symbols.flat, p.flat, strict=True)}
    return exprs, symbols, at


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_engine_value_and_gradient_agree_with_the_sympy_form(op):
    p, y = _data(op.name)
    exprs, symbols, at = _sympy_entries(op, p, y)
    values = op.function(gl.Tensor(p), y, reduction="none").data
    expected = np.array([float(e.subs(at)) for e in exprs])
    np.testing.assert_allclose(values.ravel(), expected, rtol=1e-12, atol=1e-13,
                               err_msg=f"{op.name}: engine value vs SymPy form")  # fmt: skip
    x = gl.Tensor(p, requires_grad=True)
    op.function(x, y, reduction="sum").backward()
    total = sp.Add(*exprs)
    gradient = np.array([float(sp.diff(total, s).subs(at)) for s in symbols.flat])
    np.testing.assert_allclose(x.grad.ravel(), gradient, rtol=1e-10, atol=1e-12,
                               err_msg=f"{op.name}: engine gradient vs SymPy's")  # fmt: skip


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_engine_gradient_agrees_with_finite_differences(op):
    p, y = _data(op.name)
    x = gl.Tensor(p, requires_grad=True)
    op.function(x, y, reduction="mean").backward()
    numeric = np.zeros_like(p)
    for index in np.ndindex(*p.shape):
        h = np.zeros_like(p)
        h[index] = 1e-6
        up = op.function(gl.Tensor(p + h), y, reduction="mean").item()
        down = op.function(gl.Tensor(p - h), y, reduction="mean").item()
        numeric[index] = (up - down) / 2e-6
    np.testing.assert_allclose(x.grad, numeric, rtol=1e-6, atol=1e-9, err_msg=op.name)


def _syms(values, name):
    return [Sym(Label(f"{name}{k}", f"{name}_{k}"), float(v)) for k, v in enumerate(values)]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_written_forms_evaluate_to_the_engine(op):
    p, y = _data(op.name)
    x = gl.Tensor(p, requires_grad=True)
    values = op.function(x, y, reduction="none").data
    op.function(x, y, reduction="sum").backward()
    params = dict(op.params)
    if op.rowwise:
        for r in range(p.shape[0]):
            z, t = _syms(p[r], "z"), _syms(y[r], "y")
            written = op.entry(FORMULA, z, t)
            assert written.evaluate() == pytest.approx(values[r], rel=1e-12), op.name
            for j in range(p.shape[1]):
                slope = op.derivative(FORMULA, z, t, j)
                assert slope.evaluate() == pytest.approx(x.grad[r, j], rel=1e-10, abs=1e-13)
        return
    for k, (pk, yk) in enumerate(zip(_syms(p, "p"), _syms(y, "y"), strict=True)):
        written = op.entry(FORMULA, pk, yk, **params)
        slope = op.derivative(FORMULA, pk, yk, **params)
        assert isinstance(written, Expr) and isinstance(slope, Expr), op.name
        assert written.evaluate() == pytest.approx(values[k], rel=1e-12, abs=1e-14), (
            f"{op.name}: written entry {written.render('text', False, str)}"
        )
        assert slope.evaluate() == pytest.approx(x.grad[k], rel=1e-10, abs=1e-13), (
            f"{op.name}: written derivative {slope.render('text', False, str)}"
        )
        if op.half_derivative is not None:
            half = op.half_derivative(FORMULA, pk, yk)
            assert half.evaluate() == pytest.approx(x.grad[k] / 2, rel=1e-10, abs=1e-13)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_only_the_declared_reductions_are_accepted(op):
    p, y = _data(op.name)
    for reduction in op.reductions:
        op.function(gl.Tensor(p), y, reduction=reduction)
    for reduction in {"mean", "sum", "half_sum", "none", "average"} - set(op.reductions):
        with pytest.raises(ValueError, match="reduction must be one of"):
            op.function(gl.Tensor(p), y, reduction=reduction)


def test_each_op_is_named_as_its_engine_function():
    for op in OPS:
        assert getattr(gl, op.name) is op.function, op.name


def test_the_contract_names_the_loss_and_the_facet_it_catches():
    # A loss whose written derivative is off by a factor 2: the written-forms check must fail.
    wrong = gl.LossOp(
        name="squared_error", text="se", latex="se", entry=lambda f, p, y: (p - y) ** 2,
        derivative=lambda f, p, y: p - y,
        values=lambda p, y: (p - y) ** 2, slope=lambda p, y: 2 * (p - y),
    )  # fmt: skip
    with pytest.raises(AssertionError, match="squared_error: written derivative"):
        test_written_forms_evaluate_to_the_engine(wrong)
