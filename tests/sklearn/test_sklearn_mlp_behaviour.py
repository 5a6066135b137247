"""MLPClassifier and MLPRegressor as scikit-learn users meet them: outputs, warnings, errors,
sample weights, dtypes, online learning, DataFrames and the model inside."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import gradlab as gl
from gradlab.sklearn import MLPClassifier, MLPRegressor
from gradlab.sklearn.parameters import InvalidParameterError


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def iris(labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    return StandardScaler().fit_transform(X), (names[y] if labels else y)


FAST = dict(hidden_layer_sizes=(8,), learning_rate_init=0.05, max_iter=40, random_state=0)


# ------------------------------------------------------------------------------ outputs
@pytest.mark.parametrize("n_classes", [2, 3])
def test_predict_is_the_most_probable_class(n_classes: int) -> None:
    X, y = iris(labels=True)
    keep = np.isin(y, ["setosa", "versicolor", "virginica"][:n_classes])
    X, y = X[keep], y[keep]
    clf = MLPClassifier(**FAST).fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-10, atol=1e-300)
    assert clf.score(X, y) > 0.9


def test_multilabel_outputs() -> None:
    X, Y = make_multilabel_classification(120, 8, n_classes=4, random_state=0)
    clf = MLPClassifier(**FAST).fit(X, Y)
    np.testing.assert_array_equal(clf.classes_, np.arange(4))
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and clf.n_outputs_ == 4
    np.testing.assert_array_equal(clf.predict(X), (proba > 0.5).astype(int))


def test_multi_output_regression() -> None:
    X, Y = make_regression(100, 5, n_targets=3, random_state=0)
    reg = MLPRegressor(**FAST).fit(X, Y / 100)
    assert reg.predict(X).shape == (100, 3) and reg.n_outputs_ == 3
    assert reg.score(X, Y / 100) > 0.8
    single = MLPRegressor(**FAST).fit(X, Y[:, 0] / 100)
    assert single.predict(X).shape == (100,)


def test_fitted_attributes_and_model() -> None:
    X, y = iris()
    clf = MLPClassifier((6, 5), max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(4, 6), (6, 5), (5, 3)]
    assert [b.shape for b in clf.intercepts_] == [(6,), (5,), (3,)]
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (4, 3, "softmax")
    assert (clf.n_iter_, clf.t_, len(clf.loss_curve_)) == (5, 750, 5)
    assert clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.n_features_in_ == 4 and not hasattr(clf, "feature_names_in_")
    assert isinstance(clf.model_, gl.nn.MLP)
    for coef, layer in zip(clf.coefs_, clf.model_[::2], strict=True):
        assert coef is layer.weight.data  # the network's own parameters, not copies
    assert "Linear" in clf.model_.summary(print_fn=None)


def test_explain_a_fitted_estimator() -> None:
    from sklearn.metrics import log_loss

    from gradlab.glassbox import explain

    X, y = iris()
    clf = MLPClassifier((3,), max_iter=5, random_state=0).fit(X, y)
    trace = explain(clf.model_, X[:2], y[:2], loss="cross_entropy")
    assert trace.check().passed
    expected = log_loss(y[:2], clf.predict_proba(X[:2]), labels=clf.classes_)
    assert trace.loss == pytest.approx(expected, rel=1e-10)


# ------------------------------------------------------------------ warnings and errors
def test_convergence_warning_as_sklearn() -> None:
    X, y = iris()
    message = "Stochastic Optimizer: Maximum iterations (3) reached"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for estimator in (MLPClassifier(max_iter=3), sk.MLPClassifier(max_iter=3)):
            with pytest.raises(ConvergenceWarning, match=re.escape(message)):
                estimator.fit(X, y)


def sklearn_message(estimator: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ValueError) as info:
        estimator.fit(*args, **kwargs)
    return str(info.value)


BAD_DATA = {
    "nan": lambda X, y: (np.where(X > 1.5, np.nan, X), y),
    "inf": lambda X, y: (np.where(X > 1.5, -np.inf, X), y),
    "1d": lambda X, y: (X[:, 0], y),
    "3d": lambda X, y: (X[:, :, None], y),
    "empty rows": lambda X, y: (X[:0], y[:0]),
    "empty columns": lambda X, y: (X[:, :0], y),
    "lengths": lambda X, y: (X, y[:-1]),
    "nan target": lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y)),
    "complex": lambda X, y: (X + 1j, y),
}


@pytest.mark.parametrize("case", sorted(BAD_DATA))
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_data_errors_match_sklearn(case: str, kind: str) -> None:
    X, y = iris()
    args = BAD_DATA[case](X, y.astype(float))
    ours, theirs = (
        (MLPClassifier(), sk.MLPClassifier())
        if kind == "classifier"
        else (MLPRegressor(), sk.MLPRegressor())
    )
    expected = sklearn_message(theirs, *args)
    with pytest.raises(ValueError, match=re.escape(expected)):
        ours.fit(*args)


def test_predict_errors_match_sklearn() -> None:
    X, y = iris()
    ours, theirs = MLPClassifier(max_iter=2).fit(X, y), sk.MLPClassifier(max_iter=2).fit(X, y)
    for bad in (X[:, :3], X[0], np.where(X > 1, np.nan, X)):
        with pytest.raises(ValueError) as expected:
            theirs.predict(bad)
        with pytest.raises(ValueError, match=re.escape(str(expected.value))):
            ours.predict(bad)


@pytest.mark.parametrize(
    "params",
    [
        {"alpha": -1.0},
        {"max_iter": 0},
        {"batch_size": 0},
        {"learning_rate_init": 0.0},
        {"momentum": 1.5},
        {"validation_fraction": 1.0},
        {"learning_rate": "fast"},
        {"n_iter_no_change": 0},
        {"shuffle": "yes"},
    ],
)
def test_parameter_errors_match_sklearn(params: dict[str, Any]) -> None:
    def options_sorted(message: str) -> str:  # sklearn lists a set: its order varies by run
        return re.sub(r"\{(.*?)\}", lambda m: str(sorted(m.group(1).split(", "))), message)

    X, y = iris()
    with pytest.raises(ValueError) as expected:
        sk.MLPClassifier(**params).fit(X, y)
    with pytest.raises(InvalidParameterError) as ours:
        MLPClassifier(**params).fit(X, y)
    assert options_sorted(str(ours.value)) == options_sorted(str(expected.value))


def test_gradlab_options_and_their_errors() -> None:
    X, y = iris()
    for activation in ("leaky_relu", "softplus", "sigmoid"):
        clf = MLPClassifier(activation=activation, **FAST).fit(X, y)
        assert clf.score(X, y) > 0.9
    with pytest.raises(InvalidParameterError, match="'activation' parameter"):
        MLPClassifier(activation="step").fit(X, y)  # its derivative is 0: nothing would train
    with pytest.raises(InvalidParameterError, match="'solver' parameter"):
        MLPClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(InvalidParameterError, match="'dtype' parameter"):
        MLPClassifier(dtype=np.int64).fit(X, y)


@pytest.mark.parametrize("solver", ["sgd", "gd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_solver_learns(solver: str) -> None:
    X, y = iris()
    clf = MLPClassifier((8,), solver=solver, learning_rate_init=0.05, max_iter=60, random_state=0)
    clf.fit(X, y)
    assert clf.loss_curve_[-1] < 0.6 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85


def test_divergence_is_one_clear_error() -> None:
    X, y = make_regression(50, 3, random_state=0)
    reg = MLPRegressor(
        hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e3, max_iter=50, random_state=0
    )
    with pytest.raises(ValueError, match=r"non-finite|training loss became"):
        reg.fit(X * 1e3, y * 1e3)


def test_batch_size_larger_than_the_data_warns() -> None:
    X, y = iris()
    with pytest.warns(UserWarning, match="It is going to be clipped"):
        MLPClassifier(batch_size=1000, max_iter=2).fit(X, y)


# ---------------------------------------------------------------------- sample weights
def test_integer_weights_equal_repeated_samples_under_full_batch_gd() -> None:
    X, y = iris()
    counts = np.random.RandomState(0).randint(0, 4, len(X))
    kw = dict(hidden_layer_sizes=(5,), solver="gd", learning_rate_init=0.1, max_iter=20)
    weighted = MLPClassifier(**kw, random_state=0).fit(X, y, sample_weight=counts)
    repeated = MLPClassifier(**kw, random_state=0).fit(X.repeat(counts, 0), y.repeat(counts))
    for a, b in zip(weighted.coefs_, repeated.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-9, atol=1e-12)


def test_sample_weight_errors() -> None:
    X, y = iris()
    with pytest.raises(
        ValueError, match=re.escape("sample_weight.shape == (3,), expected (150,)!")
    ):
        MLPClassifier().fit(X, y, sample_weight=[1, 2, 3])
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero"):
        MLPClassifier().fit(X, y, sample_weight=np.zeros(150))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        MLPClassifier().fit(X, y, sample_weight=-np.ones(150))


# ----------------------------------------------------------------------------- dtypes
def test_float32_stays_float32() -> None:
    X, y = iris()
    ours32 = MLPClassifier(**FAST, dtype=np.float32).fit(X, y)
    ours64 = MLPClassifier(**FAST).fit(X, y)
    assert ours32.model_.dtype == np.float32
    assert all(c.dtype == np.float32 for c in ours32.coefs_ + ours32.intercepts_)
    assert ours32.predict_proba(X).dtype == np.float32
    assert ours64.predict_proba(X.astype(np.float32)).dtype == np.float64
    np.testing.assert_allclose(ours32.predict_proba(X), ours64.predict_proba(X), atol=1e-3)
    reg = MLPRegressor(**FAST, dtype="float32").fit(X, y.astype(float))
    assert reg.predict(X).dtype == np.float32


# ----------------------------------------------------------------------- online learning
def test_partial_fit_rules() -> None:
    X, y = iris()
    clf = MLPClassifier((5,), random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:10], y[:10], classes=[0, 1, 2])  # the first rows: one class only
    assert clf.n_outputs_ == 3 and clf.n_iter_ == 1
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in `self.classes_`")):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        MLPRegressor(early_stopping=True).partial_fit(X, y.astype(float))


def test_verbose_prints_the_loss(capsys: pytest.CaptureFixture[str]) -> None:
    X, y = iris()
    MLPClassifier(max_iter=2, verbose=True, early_stopping=True).fit(X, y)
    out = capsys.readouterr().out
    assert "Iteration 1, loss = " in out and "Validation score: " in out


# ------------------------------------------------------------------------ optional import
def test_import_gradlab_does_not_import_sklearn() -> None:
    code = "import sys, gradlab; sys.exit('sklearn' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_copied_estimator_keeps_learning_like_the_original() -> None:
    # A copy (as pickling or joblib make) gets separate arrays for the packed parameters and
    # their views; partial_fit must re-link them, keeping the optimizer's state.
    import copy

    X, y = iris()
    clf = MLPClassifier((5,), solver="adam", random_state=0)
    clf.partial_fit(X[:75], y[:75], classes=[0, 1, 2])
    twin = copy.deepcopy(clf)
    for model in (clf, twin):
        model.partial_fit(X[75:], y[75:])
    for a, b in zip(clf.coefs_ + clf.intercepts_, twin.coefs_ + twin.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)
    for coef, layer in zip(twin.coefs_, twin.model_[::2], strict=True):
        assert coef is layer.weight.data
    twin.set_params(dtype=np.float32, warm_start=True).fit(X, y)  # a dtype change re-packs
    assert all(c.dtype == np.float32 for c in twin.coefs_)


def test_model_is_an_ordinary_gradlab_network(tmp_path: Any) -> None:
    X, y = iris()
    reg = MLPRegressor(hidden_layer_sizes=(6,), activation="tanh", max_iter=5, random_state=0)
    reg.fit(X, y.astype(float))
    path = tmp_path / "mlp.safetensors"
    gl.save(reg.model_, path)
    restored = gl.load(path)
    np.testing.assert_allclose(
        gl.predict(restored, X)[:, 0], reg.predict(X), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("make", [MLPClassifier, MLPRegressor, gl.sklearn.Perceptron])
def test_random_state_none_leaves_numpys_global_generator_alone(make: Any) -> None:
    # GUIDE: randomness through a seed or a generator, never NumPy's global state. The oracle
    # is NumPy's own record of its global generator, before and after the fit.
    X, y = load_iris(return_X_y=True)
    target = y if make is not MLPRegressor else X[:, 0]
    before = np.random.get_state()  # noqa: NPY002 - the global generator is what is checked
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make(random_state=None, max_iter=3).fit(X, target)
    after = np.random.get_state()  # noqa: NPY002
    assert before[2:] == after[2:] and np.array_equal(before[1], after[1])


def test_an_interrupt_keeps_the_epochs_done_like_sklearn(monkeypatch: pytest.MonkeyPatch) -> None:
    # As scikit-learn: Ctrl-C warns and fit returns. The weights are those of the last
    # complete epoch, so they equal scikit-learn's fit of that many epochs (the oracle).
    from gradlab.sklearn import objective

    X, y = iris()
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", batch_size=50, random_state=0)
    calls = {"n": 0}
    original = objective.MLPObjective.recorded  # called once per batch, before its update

    def interrupt_in_epoch_four(self: Any, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3 * 3 + 2:  # three batches an epoch
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(objective.MLPObjective, "recorded", interrupt_in_epoch_four)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        ours = MLPClassifier(**kw, max_iter=10).fit(X, y)
    theirs = sk.MLPClassifier(**kw, max_iter=3).fit(X, y)
    assert (ours.n_iter_, ours.t_, len(ours.loss_curve_)) == (3, 3 * 150, 3)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-12, atol=1e-14)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
