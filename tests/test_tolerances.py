"""The tolerance rule, read from every test file: no relative-only comparison near zero.

``np.testing.assert_allclose`` and ``math.isclose`` default to an absolute tolerance of 0, so an
entry that is zero to rounding (a bias, a gradient, a difference) fails on another CPU or BLAS
kernel whose rounding differs. Every ``assert_allclose`` therefore names its ``atol`` and every
``math.isclose`` its ``abs_tol``; a literal zero absolute tolerance, in any comparison helper, needs
an entry in ``ALLOWED_ZERO`` saying why the expected values are bounded away from zero.
(``pytest.approx`` keeps its 1e-12 absolute floor when only ``rel`` is given, and ``np.allclose``,
``np.isclose`` and ``engine_oracles.assert_close`` have non-zero defaults, so only an explicit 0
counts for them.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent

# (file under tests/, enclosing function) -> why a zero absolute tolerance is right there.
ALLOWED_ZERO = {
    (
        "engine/test_engine_stability.py",
        "test_binary_cross_entropy_on_certain_probabilities_is_finite",
    ): (
        "the expected values are -log1p(-eps) ~ eps of the dtype, fixed positive constants: "
        "the check is their relative accuracy, which any absolute floor above rtol * eps voids"
    ),
    (
        "losses/test_loss_classes.py",
        "test_binary_cross_entropy_clips_probabilities_by_the_dtype_eps",
    ): (
        "the expected values are -log(eps) and -log1p(-eps) ~ eps, fixed positive constants: "
        "the check is their relative accuracy, which any absolute floor above rtol * eps voids"
    ),
}

# The absolute-tolerance keyword of each comparison, and its position when passed positionally.
ABSOLUTE = {
    "assert_allclose": ("atol", 3),
    "allclose": ("atol", 3),
    "isclose": ("atol", 3),
    "assert_close": ("atol", 3),
    "approx": ("abs", 2),
}
# Comparisons whose default absolute tolerance is 0: the keyword must be written.
REQUIRED = {"assert_allclose"}


def _callee(call: ast.Call) -> tuple[str, str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        return (owner.id if isinstance(owner, ast.Name) else "", func.attr)
    return ("", func.id) if isinstance(func, ast.Name) else ("", "")


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if len(call.args) > position else None


def _is_zero(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and not isinstance(node.value, str) and node.value == 0


def problem(call: ast.Call) -> str | None:
    """What is wrong with one comparison call's absolute tolerance, or None."""
    owner, name = _callee(call)
    if any(item.arg is None for item in call.keywords):
        return None  # **options: checked where they are built
    if owner == "math" and name == "isclose":
        value = _argument(call, "abs_tol", 99)
        if value is None:
            return "math.isclose without abs_tol (its default is 0)"
        return "math.isclose with abs_tol=0" if _is_zero(value) else None
    if name not in ABSOLUTE:
        return None
    keyword, position = ABSOLUTE[name]
    value = _argument(call, keyword, position)
    if value is None and name in REQUIRED:
        return f"{name} without {keyword} (its default is 0)"
    return f"{name} with {keyword}=0" if _is_zero(value) else None


class _Finder(ast.NodeVisitor):
    """Collects (innermost enclosing function, line, problem) for every offending call."""

    def __init__(self) -> None:
        self.scope = ["<module>"]
        self.found: list[tuple[str, int, str]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        if message := problem(node):
            self.found.append((self.scope[-1], node.lineno, message))
        self.generic_visit(node)


def _findings(source: str, filename: str) -> list[tuple[str, int, str]]:
    finder = _Finder()
    finder.visit(ast.parse(source, filename))
    return finder.found


def _all_findings() -> list[tuple[str, str, int, str]]:
    rows = []
    for path in sorted(TESTS.rglob("*.py")):
        name = path.relative_to(TESTS).as_posix()
        for owner, line, message in _findings(path.read_text(), str(path)):
            rows.append((name, owner, line, message))
    return rows


def test_no_comparison_near_zero_is_relative_only() -> None:
    offending = [
        f"{name}:{line} ({owner}): {message}"
        for name, owner, line, message in _all_findings()
        if not (message.endswith("=0") and (name, owner) in ALLOWED_ZERO)
    ]
    assert not offending, "give these an absolute tolerance:\n" + "\n".join(offending)


def test_every_allowed_zero_tolerance_is_still_used() -> None:
    used = {(name, owner) for name, owner, _, message in _all_findings() if message.endswith("=0")}
    assert set(ALLOWED_ZERO) <= used, f"stale entries: {sorted(set(ALLOWED_ZERO) - used)}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("np.testing.assert_allclose(a, b, rtol=1e-12)", "assert_allclose without atol"),
        ("np.testing.assert_allclose(a, b)", "assert_allclose without atol"),
        ("assert_allclose(a, b, 1e-12, 0)", "assert_allclose with atol=0"),
        ("np.testing.assert_allclose(a, b, rtol=1e-12, atol=0.0)", "assert_allclose with atol=0"),
        ("math.isclose(a, b, rel_tol=1e-9)", "math.isclose without abs_tol"),
        ("math.isclose(a, b, abs_tol=0)", "math.isclose with abs_tol=0"),
        ("np.isclose(a, b, atol=0)", "isclose with atol=0"),
        ("np.allclose(a, b, 1e-9, 0)", "allclose with atol=0"),
        ("torch.testing.assert_close(a, b, rtol=1e-9, atol=0)", "assert_close with atol=0"),
        ("assert_close(a, b, 1e-12, 0)", "assert_close with atol=0"),
        ("pytest.approx(a, rel=1e-9, abs=0)", "approx with abs=0"),
        ("np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)", None),
        ("np.testing.assert_allclose(a, b, 1e-12, 1e-14)", None),
        ("np.testing.assert_allclose(a, b, **tolerances)", None),
        ("math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)", None),
        ("np.isclose(a, b, rtol=1e-9)", None),
        ("pytest.approx(a, rel=1e-9)", None),
        ("assert_close(a, b, rtol=1e-12)", None),
    ],
)
def test_the_rule_reads_each_form(line: str, expected: str | None) -> None:
    call = ast.parse(line).body[0].value  # type: ignore[attr-defined]
    message = problem(call)
    assert (message is None) if expected is None else (message or "").startswith(expected)


def test_findings_name_the_innermost_function() -> None:
    source = (
        "def outer():\n    def inner():\n        assert_allclose(a, b)\n    isclose(a, b, atol=0)\n"
    )
    assert _findings(source, "x.py") == [
        ("inner", 3, "assert_allclose without atol (its default is 0)"),
        ("outer", 4, "isclose with atol=0"),
    ]
