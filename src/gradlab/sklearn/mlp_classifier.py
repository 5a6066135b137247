"""`MLPClassifier`: a gradlab MLP trained on cross-entropy, as a scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted

import gradlab as gl
from gradlab.sklearn.mlp_base import BaseMLP
from gradlab.sklearn.mlp_docs import ATTRIBUTES, PARAMETERS
from gradlab.sklearn.validation import check_partial_fit_first_call

_MULTILABEL = "multilabel-indicator"


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = (
        r"""Multi-layer perceptron classifier: a `gradlab.nn.MLP` trained on cross-entropy.

    The drop-in counterpart of ``sklearn.neural_network.MLPClassifier`` (same parameters,
    fitted attributes and messages; no 'lbfgs' solver, no sparse input). ``model_`` maps
    ``X`` to logits :math:`z`. Two classes: one logit, :math:`P(\text{classes\_}[1]) =
    \sigma(z)`, binary cross-entropy. More: one logit per class, softmax probabilities,
    softmax cross-entropy. Multilabel (``y`` a 0/1 indicator matrix): one logit per label,
    independent sigmoids, binary cross-entropy summed over labels. Each loss is one fused,
    stable engine op whose gradient on the logits is :math:`p - y`.
    """
        + PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The sorted class labels (``arange(n_labels)`` for multilabel)."""
        + ATTRIBUTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from gradlab.sklearn import MLPClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> clf = MLPClassifier((8,), activation="tanh", solver="adam", learning_rate_init=0.1,
    ...                     max_iter=300, random_state=0).fit(X, [0, 1, 1, 0])
    >>> clf.predict(X)
    array([0, 1, 1, 0])
    >>> clf.predict_proba(X).shape
    (4, 2)
    """
    )

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        assert tags.classifier_tags is not None
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------------ fitting
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        classes: ArrayLike | None = None,
    ) -> MLPClassifier:
        """Run one epoch over ``X``, ``y`` (online learning), keeping the optimizer's state.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_labels)
        sample_weight : array_like of shape (n_samples,), optional
        classes : array_like of shape (n_classes,), optional
            Every class of the whole stream; required on the first call (it is ignored for
            multilabel ``y``, whose classes are its columns).

        Returns
        -------
        self : MLPClassifier
        """
        if check_partial_fit_first_call(self, classes):
            multilabel = type_of_target(y) == _MULTILABEL
            if multilabel:
                self.classes_ = np.arange(np.shape(y)[1])
            self._multilabel = multilabel
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y: NDArray[Any], first_pass: bool, incremental: bool) -> Any:
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass", _MULTILABEL):
            raise ValueError(
                f"MLPClassifier supports binary, multiclass and multilabel targets; got {kind}."
            )
        multilabel = kind == _MULTILABEL
        found = np.arange(y.shape[1]) if multilabel else unique_labels(y)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self.classes_ = found
            self._multilabel = multilabel
        elif multilabel != self._multilabel:
            raise ValueError(
                f"y is {'multilabel' if multilabel else 'not multilabel'} but the earlier "
                "training data was not; fit a new estimator instead."
            )
        elif self.warm_start and not incremental:
            if set(found) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {found}"
                )
        elif len(np.setdiff1d(found, self.classes_)):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                f"'y' has {found}."
            )
        dtype = np.dtype(self.dtype)
        if self._multilabel:
            self.out_activation_ = "logistic"
            return y.astype(dtype)
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) > 2:
            self.out_activation_ = "softmax"
            return index
        self.out_activation_ = "logistic"
        return index.reshape(-1, 1).astype(dtype)

    def _validation_score(
        self, X: NDArray[Any], y: NDArray[Any], sample_weight: NDArray[Any] | None
    ) -> float:
        proba = self._proba(self._forward(X))
        if not np.all(np.isfinite(proba)):
            return float("nan")
        return float(accuracy_score(y, self._labels(proba), sample_weight=sample_weight))

    # ---------------------------------------------------------------------- predicting
    def _proba(self, logits: NDArray[Any]) -> NDArray[Any]:
        with gl.no_grad():
            z = gl.Tensor(logits)
            if self._multilabel:
                return gl.sigmoid(z).data
            if len(self.classes_) == 1:
                return np.ones((len(logits), 1), logits.dtype)
            if len(self.classes_) == 2:
                return np.column_stack([gl.sigmoid(-z).data[:, 0], gl.sigmoid(z).data[:, 0]])
            return gl.softmax(z, axis=1).data

    def _labels(self, proba: NDArray[Any]) -> NDArray[Any]:
        if self._multilabel:
            return (proba > 0.5).astype(int)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_proba(self, X: ArrayLike) -> NDArray[Any]:
        """Class probabilities, columns in the order of ``classes_``.

        Binary: :math:`[\\sigma(-z), \\sigma(z)]` (that is, :math:`1 - \\sigma(z)` without
        its rounding); multiclass: softmax(z); multilabel: the
        independent :math:`\\sigma(z_k)` of each label.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), in the estimator's dtype
        """
        check_is_fitted(self)
        return self._proba(self._forward(self._validate_X(X)))

    def predict_log_proba(self, X: ArrayLike) -> NDArray[Any]:
        """The logarithm of `predict_proba`, computed stably from the logits.

        Binary: :math:`[-\\mathrm{softplus}(z), -\\mathrm{softplus}(-z)]`; multiclass:
        log_softmax(z); multilabel: :math:`-\\mathrm{softplus}(-z_k)`.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        logits = self._forward(self._validate_X(X))
        with gl.no_grad():
            z = gl.Tensor(logits)
            if self._multilabel:
                return -gl.softplus(-z).data
            if len(self.classes_) == 1:
                return np.zeros((len(logits), 1), logits.dtype)
            if len(self.classes_) == 2:
                return np.column_stack([-gl.softplus(z).data[:, 0], -gl.softplus(-z).data[:, 0]])
            return gl.log_softmax(z, axis=1).data

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class, ``classes_[argmax(predict_proba(X))]``.

        Multilabel: the 0/1 indicator matrix of the labels with probability above 1/2.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        return self._labels(self.predict_proba(X))
