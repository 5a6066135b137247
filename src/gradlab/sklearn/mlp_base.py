"""`BaseMLP`: the parameters, network and training loop that both MLP estimators share.

The loop follows scikit-learn's ``MLPClassifier``/``MLPRegressor`` epoch by epoch (batches,
``t_``, ``loss_curve_``, the ``tol``/``n_iter_no_change`` rule, early stopping on a held-out
score, the ``learning_rate`` schedules, the ConvergenceWarning), but every gradient comes
from gradlab's engine (``loss.backward()``) and every update from a `gradlab.optim`
optimizer. ``gl.fit`` is not used because those semantics (per-batch sample weights, an
epoch that ``partial_fit`` can run alone, scikit-learn's stopping rules) are not its own.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import column_or_1d, validate_data

import gradlab as gl
from gradlab.sklearn.flat_parameters import FlatParameters
from gradlab.sklearn.objective import l2_penalty, mlp_objective
from gradlab.sklearn.parameters import (
    BOOLEAN,
    VERBOSE,
    FloatDtype,
    Infinity,
    Interval,
    IntSequence,
    LiveOptions,
    Options,
    RandomStateLike,
    validate_params,
)
from gradlab.sklearn.solvers import (
    SCHEDULED_SOLVERS,
    SOLVERS,
    LearningRateSchedule,
    make_optimizer,
)
from gradlab.sklearn.validation import check_sample_weight, random_state_of, validation_split


def hidden_activations() -> list[str]:
    """Hidden-layer activations: scikit-learn's four ('identity', 'logistic', 'tanh', 'relu')
    and every other registered activation with a useful gradient, aliases included."""
    return gl.nn.activations.names(hidden=True, aliases=True)


RULES = {
    "hidden_layer_sizes": (IntSequence(), Interval(1, None, integer=True)),
    "activation": (LiveOptions(hidden_activations),),
    "solver": (Options(SOLVERS),),
    "alpha": (Interval(0, None),),
    "batch_size": (Options(("auto",)), Interval(1, None, integer=True)),
    "learning_rate": (Options(("constant", "invscaling", "adaptive")),),
    "learning_rate_init": (Interval(0, None, "neither"),),
    "power_t": (Interval(0, None),),
    "max_iter": (Interval(1, None, integer=True),),
    "shuffle": BOOLEAN,
    "random_state": (RandomStateLike(),),
    "tol": (Interval(0, None),),
    "verbose": VERBOSE,
    "warm_start": BOOLEAN,
    "momentum": (Interval(0, 1, "both"),),
    "nesterovs_momentum": BOOLEAN,
    "early_stopping": BOOLEAN,
    "validation_fraction": (Interval(0, 1),),
    "beta_1": (Interval(0, 1),),
    "beta_2": (Interval(0, 1),),
    "epsilon": (Interval(0, None, "neither"),),
    "n_iter_no_change": (Interval(1, None, integer=True), Infinity()),
    "dtype": (FloatDtype(),),
}


class BaseMLP(BaseEstimator):
    """Shared parameters and training of `MLPClassifier` and `MLPRegressor` (see those).

    Subclasses define ``_encode_targets`` (labels or values to the loss's targets) and
    ``_validation_score`` (accuracy or R^2 for ``early_stopping``).
    """

    _rules = RULES
    model_: gl.nn.MLP
    _packed: tuple[FlatParameters, FlatParameters]

    def __init__(
        self,
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
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ subclass hooks
    def _encode_targets(self, y: NDArray[Any], first_pass: bool, incremental: bool) -> Any:
        """Set ``out_activation_`` (and ``classes_``); return the loss's targets."""
        raise NotImplementedError

    def _validation_score(
        self, X: NDArray[Any], y: NDArray[Any], sample_weight: NDArray[Any] | None
    ) -> float:
        raise NotImplementedError

    # ------------------------------------------------------------------------ fitting
    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None) -> Any:
        """Train the network on ``X``, ``y`` for at most ``max_iter`` epochs.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (a 0/1 indicator matrix for multilabel) or target values.
        sample_weight : array_like of shape (n_samples,), optional
            Non-negative weights; each sample's loss counts this many times.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool) -> Any:
        validate_params(self, self._rules)
        dtype = np.dtype(self.dtype)
        first_pass = not hasattr(self, "model_") or (not self.warm_start and not incremental)
        Xv, yv = validate_data(
            self,
            X,
            y,
            multi_output=True,
            dtype=dtype,
            y_numeric=not is_classifier(self),
            reset=first_pass,
        )
        if yv.ndim == 2 and yv.shape[1] == 1:
            yv = column_or_1d(yv, warn=True)
        targets = self._encode_targets(yv, first_pass, incremental)
        n_outputs = 1 if targets.ndim == 1 else targets.shape[1]
        if self.out_activation_ == "softmax":
            n_outputs = len(self.classes_)
        weights = check_sample_weight(sample_weight, len(Xv), dtype)
        rng = random_state_of(self.random_state)
        if first_pass:
            self._initialize(Xv.shape[1], n_outputs, dtype, rng)
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}; warm_start and partial_fit need the same outputs."
            )
        elif self.model_.dtype != dtype:
            self.model_.astype(dtype)
            self.__dict__.pop("_optimizer", None)  # its state and packing had the old dtype
        # Overflow is reported once, as a non-finite loss or weights, not as NumPy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            self._fit_stochastic(Xv, yv, targets, weights, rng, incremental)
        if not all(np.isfinite(p.data).all() for p in self.model_.parameters()):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may contain "
                "large values and need to be preprocessed."
            )
        self._publish()
        return self

    def _initialize(
        self, n_features: int, n_outputs: int, dtype: np.dtype[Any], rng: np.random.RandomState
    ) -> None:
        """A fresh network with scikit-learn's (Glorot) initialisation, and fresh records."""
        sizes = self.hidden_layer_sizes
        hidden = [int(sizes)] if isinstance(sizes, int | np.integer) else [int(n) for n in sizes]
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(hidden) + 2
        self.model_ = gl.nn.MLP(
            n_features,
            hidden,
            n_outputs,
            activation=self.activation,
            output_activation="identity",
            init=None,
            bias_init=None,
            dtype=dtype,
        )
        # U(-b, b) with b = sqrt(factor / (fan_in + fan_out)), weights then biases, layer by
        # layer: scikit-learn's draws, so that the same random_state starts from the same net.
        factor = 2.0 if self.activation in ("logistic", "sigmoid") else 6.0
        for layer in self._linear_layers():
            fan_in, fan_out = layer.weight.shape
            bound = math.sqrt(factor / (fan_in + fan_out))
            layer.weight.data[...] = rng.uniform(-bound, bound, (fan_in, fan_out))
            layer.bias.data[...] = rng.uniform(-bound, bound, fan_out)
        self.loss_curve_: list[float] = []
        self._no_improvement_count = 0
        self.__dict__.pop("_optimizer", None)
        if self.early_stopping:
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
        self._best_state = [p.data.copy() for p in self.model_.parameters()]

    def _linear_layers(self) -> list[Any]:
        return [layer for layer in self.model_ if isinstance(layer, gl.nn.Linear)]

    def _batch_size(self, n_samples: int) -> int:
        if self.solver == "gd":
            return n_samples
        if self.batch_size == "auto":
            return min(200, n_samples)
        assert isinstance(self.batch_size, int | np.integer)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going to be "
                "clipped",
                stacklevel=5,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _prepare_optimizer(self, incremental: bool) -> None:
        """Pack the parameters and build the optimizer (kept across ``partial_fit`` calls).

        Two groups: the weight matrices, whose weight decay carries the L2 penalty, and the
        biases, not penalised.
        """
        if incremental and hasattr(self, "_optimizer"):
            for packed in self._packed:
                packed.bind()
            return
        linears = self._linear_layers()
        self._packed = (
            FlatParameters(layer.weight for layer in linears),
            FlatParameters(layer.bias for layer in linears),
        )
        groups = [{"params": [packed.flat], "weight_decay": 0.0} for packed in self._packed]
        self._optimizer = make_optimizer(self, groups)
        self._schedule = LearningRateSchedule(
            self._optimizer,
            self.learning_rate,
            self.learning_rate_init,
            self.power_t,
            active=self.solver in SCHEDULED_SOLVERS,
        )

    def _fit_stochastic(
        self,
        X: NDArray[Any],
        labels: NDArray[Any],
        targets: NDArray[Any],
        sample_weight: NDArray[Any] | None,
        rng: np.random.RandomState,
        incremental: bool,
    ) -> None:
        self._prepare_optimizer(incremental)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        early = self.early_stopping
        if early:
            # Stratified for one output only (binary), as scikit-learn does.
            stratify = labels if is_classifier(self) and self.n_outputs_ == 1 else None
            train, val = validation_split(len(X), self.validation_fraction, rng, stratify)
            X_val, labels_val = X[val], labels[val]
            weights_val = None if sample_weight is None else sample_weight[val]
            X, targets = X[train], targets[train]
            sample_weight = None if sample_weight is None else sample_weight[train]
        n_samples = len(X)
        batch_size = self._batch_size(n_samples)
        sample_idx = np.arange(n_samples)
        if targets.ndim == 1 and targets.size * self.n_outputs_ <= 2**24:
            # The fused cross-entropy is faster on one-hot rows than on class indices.
            targets = np.eye(self.n_outputs_, dtype=X.dtype)[targets]
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                X_epoch, targets_epoch, weights_epoch = X, targets, sample_weight
                if self.shuffle:
                    # sklearn.utils.shuffle's draw, without its per-call validation cost.
                    order = np.arange(n_samples)
                    rng.shuffle(order)
                    sample_idx = sample_idx[order]
                    X_epoch, targets_epoch = X[sample_idx], targets[sample_idx]
                    if sample_weight is not None:
                        weights_epoch = sample_weight[sample_idx]
                accumulated = 0.0
                for start in range(0, n_samples, batch_size):  # sklearn's gen_batches
                    batch = slice(start, min(start + batch_size, n_samples))
                    loss = self._step(
                        X_epoch[batch],
                        targets_epoch[batch],
                        None if weights_epoch is None else weights_epoch[batch],
                    )
                    accumulated += loss * (batch.stop - batch.start)
                self.n_iter_ += 1
                self.loss_ = accumulated / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                if early:
                    self._track_validation(X_val, labels_val, weights_val)
                else:
                    self._track_loss()
                self._schedule.epoch_end(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    watched = "Validation score" if early else "Training loss"
                    if self.verbose:
                        print(
                            f"{watched} did not improve more than tol={self.tol:f} for "
                            f"{self.n_iter_no_change} consecutive epochs."
                        )
                    if self._schedule.stalled():
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                        "and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=4,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=4)
        if early:
            for p, best in zip(self.model_.parameters(), self._best_state, strict=True):
                p.data[...] = best

    def _step(
        self, X: NDArray[Any], target: NDArray[Any], sample_weight: NDArray[Any] | None
    ) -> float:
        """One forward pass, backward pass and optimizer step on a batch; its loss."""
        if sample_weight is None:
            total = float(len(X))
        else:
            total = float(sample_weight.sum())
            if total == 0:
                return 0.0
        weights, biases = self._packed
        loss, value = mlp_objective(self.model_(X), target, self.out_activation_, sample_weight)
        alpha = float(self.alpha)
        if alpha:
            value += l2_penalty((weights.flat.data,), alpha, total)
        if not math.isfinite(value):
            raise ValueError(
                f"The training loss became {value} at epoch {self.n_iter_ + 1}; the weights "
                "are left as they were before that batch. The input data may contain large "
                "values and need to be preprocessed, or learning_rate_init may be too large."
            )
        for p in weights.params:
            p.grad = None
        for p in biases.params:
            p.grad = None
        loss.backward()
        weights.gather_grad()
        biases.gather_grad()
        self._optimizer.param_groups[0]["weight_decay"] = alpha / total
        self._optimizer.step()
        return value

    def _track_loss(self) -> None:
        last = self.loss_curve_[-1]
        assert self.best_loss_ is not None
        if last > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, last)

    def _track_validation(
        self, X: NDArray[Any], y: NDArray[Any], sample_weight: NDArray[Any] | None
    ) -> None:
        score = self._validation_score(X, y, sample_weight)
        assert self.validation_scores_ is not None and self.best_validation_score_ is not None
        self.validation_scores_.append(score)
        if self.verbose:
            print(f"Validation score: {score:f}")
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            self._best_state = [p.data.copy() for p in self.model_.parameters()]

    def _publish(self) -> None:
        """Expose the network's parameters as scikit-learn's ``coefs_`` and ``intercepts_``.

        The arrays are the parameters' own (not copies), in the (n_in, n_out) layout.
        """
        layers = self._linear_layers()
        self.coefs_ = [layer.weight.data for layer in layers]
        self.intercepts_ = [layer.bias.data for layer in layers]

    # ---------------------------------------------------------------------- predicting
    def _validate_X(self, X: ArrayLike) -> NDArray[Any]:
        return validate_data(self, X, dtype=self.model_.dtype, reset=False)

    def _forward(self, X: NDArray[Any]) -> NDArray[Any]:
        """The network's outputs (logits for a classifier) for validated ``X``."""
        with gl.no_grad():
            return self.model_(X).data
