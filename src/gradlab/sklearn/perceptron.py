"""`Perceptron`: Rosenblatt's perceptron (the worked example's ``MyPerceptron``) in scikit-learn."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

import gradlab as gl
from gradlab.sklearn.parameters import (
    BOOLEAN,
    VERBOSE,
    Interval,
    NoneValue,
    RandomStateLike,
    validate_params,
)
from gradlab.sklearn.rosenblatt import rosenblatt_epoch
from gradlab.sklearn.validation import (
    check_partial_fit_first_call,
    random_state_of,
    validation_split,
)

_FLOATS = (np.float64, np.float32)


class Perceptron(ClassifierMixin, BaseEstimator):
    r"""Rosenblatt's perceptron: a linear layer, a step activation and the perceptron rule.

    The model is :math:`\hat y = \mathrm{step}(x W + b)` (1 where :math:`z > 0`, else 0), held
    in ``model_`` as ``gl.nn.Sequential(gl.nn.Linear, gl.nn.Step)`` so it can be summarised
    and inspected. Training visits the samples one at a time and applies the perceptron rule
    :math:`W \leftarrow W + \eta_0\, x^\top (t - \hat y)`, :math:`b \leftarrow b +
    \eta_0 (t - \hat y)`, with 0/1 targets :math:`t`. No gradient is involved: the step's
    derivative is 0, so backpropagation could not train it. Weights start at 0, as in
    scikit-learn. More than two classes are learned one-vs-all, one output column per class,
    all columns seeing the samples in the same order; ``predict`` takes the largest score.

    The parameters are scikit-learn's where the idea is the same.

    Parameters
    ----------
    eta0 : float, default=1.0
        The learning rate :math:`\eta_0`.
    max_iter : int, default=1000
        The maximum number of passes over the training data (epochs).
    tol : float or None, default=1e-3
        Training stops when the epoch's perceptron criterion (the sum of :math:`|z|` over
        misclassified samples, see below) is not below the best so far minus
        ``tol * n_samples`` for ``n_iter_no_change`` epochs in a row. None: run ``max_iter``.
    shuffle : bool, default=True
        Shuffle the samples before each epoch.
    verbose : int, default=0
        Print the average criterion after each epoch.
    random_state : int, RandomState instance or None, default=0
        Seeds the shuffling and the validation split.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified) and stop when its accuracy
        does not improve by ``tol`` for ``n_iter_no_change`` epochs.
    validation_fraction : float, default=0.1
        The held-out fraction for ``early_stopping``.
    n_iter_no_change : int, default=5
        Patience of the stopping rules.
    fit_intercept : bool, default=True
        Learn the bias :math:`b`; otherwise it stays 0.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights, in scikit-learn's layout (``model_[0].weight.data.T``).
    intercept_ : ndarray of shape (1,) or (n_classes,)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
        Epochs run by the last ``fit``.
    t_ : int
        1 + the number of samples visited (sample updates attempted), as in scikit-learn.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when ``X`` had string column names (a pandas DataFrame).
    model_ : gradlab.nn.Sequential
        ``Sequential(Linear(n_features, n_outputs), Step())``.

    Examples
    --------
    >>> import numpy as np
    >>> from gradlab.sklearn import Perceptron
    >>> X = np.array([[-2.0, -1.0], [-1.0, -2.0], [1.0, 2.0], [2.0, 1.0]])
    >>> clf = Perceptron().fit(X, [0, 0, 1, 1])
    >>> clf.predict([[3.0, 3.0], [-3.0, -3.0]])
    array([1, 0])
    """

    classes_: NDArray[Any]
    model_: gl.nn.Sequential

    _rules = {  # noqa: RUF012
        "eta0": (Interval(0, None, "neither"),),
        "max_iter": (Interval(1, None, integer=True),),
        "tol": (Interval(0, None), NoneValue()),
        "shuffle": BOOLEAN,
        "verbose": VERBOSE,
        "random_state": (RandomStateLike(),),
        "early_stopping": BOOLEAN,
        "validation_fraction": (Interval(0, 1, "neither"),),
        "n_iter_no_change": (Interval(1, None, integer=True),),
        "fit_intercept": BOOLEAN,
        "warm_start": BOOLEAN,
    }

    def __init__(
        self,
        *,
        eta0: float = 1.0,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        shuffle: bool = True,
        verbose: int = 0,
        random_state: int | np.random.RandomState | None = 0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        fit_intercept: bool = True,
        warm_start: bool = False,
    ) -> None:
        self.eta0 = eta0
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.fit_intercept = fit_intercept
        self.warm_start = warm_start

    # ------------------------------------------------------------------------------ fitting
    def fit(self, X: ArrayLike, y: ArrayLike) -> Perceptron:
        """Learn the weights with the perceptron rule, for at most ``max_iter`` epochs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : Perceptron
        """
        validate_params(self, self._rules)
        warm = self.warm_start and hasattr(self, "model_")
        Xv, yv = validate_data(self, X, y, dtype=_FLOATS, reset=not warm)
        check_classification_targets(yv)
        classes = np.unique(yv)
        if warm and not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes as in the "
                f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
            )
        self.classes_ = classes
        if not warm:
            self._build(Xv.shape[1], Xv.dtype)
        self._run(Xv, yv, random_state_of(self.random_state), self.max_iter, stopping=True)
        return self

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, classes: ArrayLike | None = None
    ) -> Perceptron:
        """Run one epoch of the perceptron rule over ``X`` (online learning).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
        classes : array_like of shape (n_classes,), optional
            Every class of the whole stream; required on the first call.

        Returns
        -------
        self : Perceptron
        """
        validate_params(self, self._rules)
        first_call = getattr(self, "classes_", None) is None
        Xv, yv = validate_data(self, X, y, dtype=_FLOATS, reset=first_call)
        check_classification_targets(yv)
        check_partial_fit_first_call(self, classes)
        unknown = np.setdiff1d(np.unique(yv), self.classes_)
        if len(unknown):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                f"'y' has {np.unique(yv)}."
            )
        if not hasattr(self, "model_"):
            self._build(Xv.shape[1], Xv.dtype)
        self._run(Xv, yv, random_state_of(self.random_state), 1, stopping=False)
        return self

    def _build(self, n_features: int, dtype: np.dtype[Any]) -> None:
        if len(self.classes_) < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {len(self.classes_)} class"
            )
        n_outputs = 1 if len(self.classes_) == 2 else len(self.classes_)
        bias = np.zeros(n_outputs, dtype) if self.fit_intercept else None
        linear = gl.nn.Linear.from_values(np.zeros((n_features, n_outputs), dtype), bias)
        self.model_ = gl.nn.Sequential(linear, gl.nn.Step())
        self.t_ = 1

    def _targets(self, y: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return index.reshape(-1, 1).astype(dtype)
        return np.eye(len(self.classes_), dtype=dtype)[index]

    def _run(
        self,
        X: NDArray[Any],
        y: NDArray[Any],
        rng: np.random.RandomState,
        max_iter: int,
        stopping: bool,
    ) -> None:
        linear = self._linear()
        weight, dtype = linear.weight.data, linear.weight.dtype
        bias = None if linear.bias is None else linear.bias.data
        X = X.astype(dtype, copy=False)
        stopping = stopping and self.tol is not None
        early = stopping and self.early_stopping
        if early:
            train, val = validation_split(len(X), self.validation_fraction, rng, stratify=y)
            X, X_val, y, y_val = X[train], X[val], y[train], y[val]
        targets = self._targets(y, dtype)
        n = len(X)
        best_loss, best_score, stalled = np.inf, -np.inf, 0
        self.n_iter_ = 0
        history = gl.training.History({"epochs": max_iter, "steps": n})
        for epoch in range(max_iter):
            order = rng.permutation(n) if self.shuffle else range(n)
            start = (weight.copy(), None if bias is None else bias.copy())
            with np.errstate(over="ignore", invalid="ignore"):  # reported as one error below
                loss = rosenblatt_epoch(weight, bias, X, targets, order, self.eta0)
            _check_finite(epoch, n, weight, bias, start, history)
            history.record(epoch, {"loss": loss / n})
            self.n_iter_ += 1
            self.t_ += n
            if self.verbose:
                print(f"-- Epoch {self.n_iter_}, Avg. loss: {loss / n:.6f}")
            if not stopping:
                continue
            tol = float(self.tol)  # type: ignore[arg-type]
            if early:
                score = float(np.mean(self._predict_array(X_val) == y_val))
                stalled = stalled + 1 if score < best_score + tol else 0
                best_score = max(best_score, score)
            else:
                stalled = stalled + 1 if loss > best_loss - tol * n else 0
                best_loss = min(best_loss, loss)
            if stalled >= self.n_iter_no_change:
                break
        else:
            if stopping:
                warnings.warn(
                    "Maximum number of iteration reached before convergence. Consider "
                    "increasing max_iter to improve the fit.",
                    ConvergenceWarning,
                    stacklevel=3,
                )
        self.coef_ = weight.T
        self.intercept_ = np.zeros(weight.shape[1], dtype) if bias is None else bias

    # --------------------------------------------------------------------------- predicting
    def _linear(self) -> gl.nn.Linear:
        linear = self.model_[0]
        assert isinstance(linear, gl.nn.Linear)
        return linear

    def _scores(self, X: NDArray[Any]) -> NDArray[Any]:
        linear = self._linear()
        with gl.no_grad():
            return linear(gl.Tensor(X, dtype=linear.weight.dtype)).data

    def _predict_array(self, X: NDArray[Any]) -> NDArray[Any]:
        if len(self.classes_) == 2:
            with gl.no_grad():
                fires = self.model_(gl.Tensor(X, dtype=self._linear().weight.dtype)).data
            return self.classes_[fires[:, 0].astype(np.intp)]
        return self.classes_[np.argmax(self._scores(X), axis=1)]

    def decision_function(self, X: ArrayLike) -> NDArray[Any]:
        """The scores :math:`z = x W + b`, before the step.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for two classes (positive: ``classes_[1]``), else
        (n_samples, n_classes).
        """
        check_is_fitted(self)
        scores = self._scores(validate_data(self, X, dtype=_FLOATS, reset=False))
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The predicted classes: ``classes_[step(z)]`` for two classes, else the top score.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self._predict_array(validate_data(self, X, dtype=_FLOATS, reset=False))


def _check_finite(
    epoch: int,
    n: int,
    weight: NDArray[Any],
    bias: NDArray[Any] | None,
    start: tuple[NDArray[Any], NDArray[Any] | None],
    history: gl.training.History,
) -> None:
    """Put the epoch's starting weights back and raise if the epoch made any non-finite."""
    if np.isfinite(weight).all() and (bias is None or np.isfinite(bias).all()):
        return
    weight[...] = start[0]
    if bias is not None:
        bias[...] = start[1]
    raise gl.training.DivergenceError(
        f"Training diverged at epoch {epoch + 1}, batch {n} (the epoch's last sample): the "
        "weights became non-finite (NaN or inf); the weights of the epoch's start are kept. "
        "The input data may contain large values and need to be preprocessed, or eta0 may be "
        "too large.",
        epoch,
        n - 1,
        history,
    )
