"""`MLPRegressor`: a gradlab MLP trained on half squared error, as a scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

import gradlab as gl
from gradlab.sklearn.mlp_base import RULES, BaseMLP
from gradlab.sklearn.mlp_docs import ATTRIBUTES, PARAMETERS
from gradlab.sklearn.parameters import Options


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = (
        r"""Multi-layer perceptron regressor: a `gradlab.nn.MLP` trained on squared error.

    The drop-in counterpart of ``sklearn.neural_network.MLPRegressor`` (same parameters,
    fitted attributes and messages; no 'lbfgs' solver, no sparse input, squared error only).
    ``model_`` maps ``X`` to :math:`z`. With ``loss='squared_error'`` the prediction is
    :math:`\hat y = z` and each sample's loss :math:`\ell_i = \frac12 \sum_k (\hat y_{ik} -
    y_{ik})^2`; with ``loss='poisson'``, :math:`\hat y = e^z` (``out_activation_ = 'exp'``) and
    :math:`\ell_i` is half the Poisson deviance, :math:`\sum_k y \ln(y / \hat y) - y + \hat y`.
    Either way the gradient on :math:`z` is :math:`\hat y_i - y_i`, averaged over the batch as
    scikit-learn does. ``y`` may have several columns (multi-output regression).

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        Half squared error, or half Poisson deviance with a log link (needs ``y >= 0``). The
        first positional parameter, as in scikit-learn (>= 1.7).
    """
        + PARAMETERS.replace("    Parameters\n    ----------\n", "", 1)
        + """
    Attributes
    ----------"""
        + ATTRIBUTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from gradlab.sklearn import MLPRegressor
    >>> X = np.linspace(-1, 1, 20).reshape(-1, 1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(), solver="gd", learning_rate_init=0.5,
    ...                    momentum=0.0, max_iter=500, random_state=0).fit(X, 3 * X[:, 0] + 1)
    >>> np.round(reg.predict([[0.5]]), 2)  # 3 * 0.5 + 1
    array([2.5])
    """
    )

    _rules = {**RULES, "loss": (Options(("squared_error", "poisson")),)}  # noqa: RUF012

    def __init__(
        self,
        loss: str = "squared_error",
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int | float = 10,
        dtype: Any = np.float64,
        threads: int | None = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            dtype=dtype,
            threads=threads,
        )
        self.loss = loss

    def partial_fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> MLPRegressor:
        """Run one epoch over ``X``, ``y`` (online learning), keeping the optimizer's state.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array_like of shape (n_samples,), optional

        Returns
        -------
        self : MLPRegressor
        """
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y: NDArray[Any], first_pass: bool, incremental: bool) -> Any:
        if self.loss == "poisson":
            if np.any(y < 0):
                raise ValueError(
                    "Some value(s) of y are negative which is not allowed for Poisson "
                    "regression; use loss='squared_error' or shift y."
                )
            self.out_activation_ = "exp"
        else:
            self.out_activation_ = "identity"
        return y.astype(np.dtype(self.dtype)).reshape(len(y), -1)

    def _output(self, X: NDArray[Any]) -> NDArray[Any]:
        z = self._forward(X)
        if self.out_activation_ == "exp":
            with gl.no_grad():
                return gl.exp(gl.Tensor(z)).data
        return z

    def _validation_score(
        self, X: NDArray[Any], y: NDArray[Any], sample_weight: NDArray[Any] | None
    ) -> float:
        prediction = self._output(X)
        if not np.all(np.isfinite(prediction)):
            return float("nan")
        return float(r2_score(y, prediction.reshape(y.shape), sample_weight=sample_weight))

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The network's output.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) for one output, else (n_samples, n_outputs)
        """
        check_is_fitted(self)
        prediction = self._output(self._validate_X(X))
        return prediction[:, 0] if prediction.shape[1] == 1 else prediction
