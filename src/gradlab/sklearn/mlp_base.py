"""`BaseMLP`: the parameters and network that both MLP estimators share, and their training.

Training runs through gradlab's loop (`gradlab.training.Trainer`, the one behind
``gl.fit``) with scikit-learn's semantics plugged in: its loss (`MLPObjective`) and L2
penalty (`L2Penalty`), its epoch order (`Reshuffle`), its ``tol`` / ``n_iter_no_change``
rule on the training loss or on the validation score of ``early_stopping`` (a `Plateau`
that the estimator keeps between ``warm_start`` and ``partial_fit`` runs), its
``learning_rate`` schedules and its verbose lines. What stays here is scikit-learn's own
bookkeeping: ``n_iter_``, ``t_``, ``loss_curve_``, the ConvergenceWarning and the
held-out split of ``early_stopping``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import column_or_1d, validate_data

import gradlab as gl
from gradlab.sklearn.flat_parameters import FlatParameters, PackedOptimizer
from gradlab.sklearn.large_data import estimator_batches, is_out_of_core, validate_out_of_core
from gradlab.sklearn.objective import MLPObjective
from gradlab.sklearn.parameters import (
    BOOLEAN,
    VERBOSE,
    FloatDtype,
    Infinity,
    Interval,
    IntSequence,
    LiveOptions,
    NoneValue,
    Options,
    RandomStateLike,
    validate_params,
)
from gradlab.sklearn.solvers import (
    SCHEDULED_SOLVERS,
    LearningRateSchedule,
    ScheduleStep,
    make_optimizer,
    solvers,
)
from gradlab.sklearn.validation import (
    Reshuffle,
    check_sample_weight,
    random_state_of,
    validation_split,
)
from gradlab.training import DivergenceError, Trainer
from gradlab.training.penalty import L2Penalty
from gradlab.training.progress import IterationLines
from gradlab.training.stopping import Plateau
from gradlab.training.streams import is_dask
from gradlab.training.threads import blas_threads
from gradlab.training.validation import Score


def hidden_activations() -> list[str]:
    """Hidden-layer activations: scikit-learn's four ('identity', 'logistic', 'tanh', 'relu')
    and every other registered activation with a useful gradient, aliases included."""
    return gl.nn.activations.names(hidden=True, aliases=True)


RULES = {
    "hidden_layer_sizes": (IntSequence(), Interval(1, None, integer=True)),
    "activation": (LiveOptions(hidden_activations),),
    "solver": (LiveOptions(solvers),),
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
    "threads": (Interval(1, None, integer=True), NoneValue()),
}


class TrainingSet(NamedTuple):
    """The samples one fit trains on: inputs, the loss's targets, sample weights or None."""

    X: Any
    targets: NDArray[Any]
    sample_weight: NDArray[Any] | None
    rows: NDArray[np.intp] | None = None

    def take(self, index: NDArray[np.intp], gather: bool = True) -> TrainingSet:
        """The samples at ``index``: copied, or (``gather=False``) as rows of the same X."""
        weights = None if self.sample_weight is None else self.sample_weight[index]
        if gather:
            return TrainingSet(np.asarray(self.X[index]), self.targets[index], weights)
        return TrainingSet(self.X, self.targets[index], weights, index)


class BaseMLP(BaseEstimator):
    """Shared parameters and training of `MLPClassifier` and `MLPRegressor` (see those).

    Subclasses define ``_encode_targets`` (labels or values to the loss's targets) and
    ``_validation_score`` (accuracy or R^2 for ``early_stopping``).
    """

    _rules = RULES
    model_: gl.nn.MLP
    _packed: FlatParameters
    _plateau: Plateau

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
        threads: int | None = None,
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
        self.threads = threads

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
        if is_out_of_core(X):
            Xv, yv = validate_out_of_core(self, X, y, dtype, not is_classifier(self), first_pass)
        else:
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
        self._fit_stochastic(TrainingSet(Xv, targets, weights), yv, rng, incremental)
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
        self.__dict__.pop("_optimizer", None)
        self._reset_stopping()

    def _reset_stopping(self) -> None:
        """A fresh stopping rule, and the records of ``early_stopping`` or of the loss."""
        if self.early_stopping:
            self._plateau = Plateau(
                float(self.tol), self.n_iter_no_change, "val_score", "max", restore_best=True
            )
            # Until a score improves, the best weights are the initial ones.
            self._plateau.best_weights = [p.data.copy() for p in self.model_.parameters()]
            self.validation_scores_: list[float] | None = []
            self.best_validation_score_: float | None = -np.inf
            self.best_loss_: float | None = None
        else:
            self._plateau = Plateau(float(self.tol), self.n_iter_no_change)
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

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
                stacklevel=6,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _prepare_optimizer(self, incremental: bool) -> None:
        """Pack the parameters and build the optimizer (kept across ``partial_fit`` calls)."""
        if incremental and hasattr(self, "_optimizer"):
            self._packed.bind()
            return
        self._packed = FlatParameters(self.model_.parameters())
        optimizer = make_optimizer(self, [self._packed.flat])
        self._optimizer = PackedOptimizer(optimizer, [self._packed])
        self._schedule = LearningRateSchedule(
            optimizer,
            self.learning_rate,
            self.learning_rate_init,
            self.power_t,
            active=self.solver in SCHEDULED_SOLVERS,
        )

    def _fit_stochastic(
        self,
        data: TrainingSet,
        labels: NDArray[Any],
        rng: np.random.RandomState,
        incremental: bool,
    ) -> None:
        """Train through gradlab's loop: one epoch for ``partial_fit``, else up to max_iter."""
        self._prepare_optimizer(incremental)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        validation = None
        if self.early_stopping:
            data, validation = self._hold_out(data, labels, rng)
        trainer = self._trainer(data, validation, rng, incremental)
        shapes = [p.shape for p in self.model_.parameters()]
        try:
            with blas_threads(self.threads, shapes, trainer.batches.batch_size):
                trainer.run()
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=4)
        except DivergenceError as error:
            raise DivergenceError(
                f"Training diverged at epoch {error.epoch + 1}, batch {error.batch + 1}: the "
                "loss or the weights became non-finite (NaN or inf), or the loss grew past a "
                "million times its best; the weights are left at finite values. The input data "
                "may contain large values and need to be preprocessed, or learning_rate_init "
                "may be too large.",
                error.epoch,
                error.batch,
                error.history,
            ) from None
        finally:
            self._record(trainer)
        if not incremental and trainer.history.stop_reason == "max_epochs":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _hold_out(
        self, data: TrainingSet, labels: NDArray[Any], rng: np.random.RandomState
    ) -> tuple[TrainingSet, Score]:
        """The training part of ``data``, and the score of ``early_stopping`` on the rest."""
        # Stratified for one output only (binary), as scikit-learn does.
        stratify = labels if is_classifier(self) and self.n_outputs_ == 1 else None
        if is_dask(data.X):
            raise ValueError(
                "early_stopping=True needs X in memory or in an np.memmap; with a Dask array, "
                "hold out a validation set yourself and score it between partial_fit calls."
            )
        train, val = validation_split(len(labels), self.validation_fraction, rng, stratify)
        held_out = data.take(val)
        X_val, labels_val, weights_val = held_out.X, labels[val], held_out.sample_weight
        if X_val.dtype != self.model_.dtype:
            X_val = X_val.astype(self.model_.dtype)
        score = Score("val_score", lambda: self._validation_score(X_val, labels_val, weights_val))
        # X out of core stays where it is: its batches gather the training rows.
        return data.take(train, gather=not is_out_of_core(data.X)), score

    def _trainer(
        self,
        data: TrainingSet,
        validation: Score | None,
        rng: np.random.RandomState,
        incremental: bool,
    ) -> Trainer:
        """One run of gradlab's loop with scikit-learn's objective, order and rules."""
        dtype = np.dtype(self.model_.dtype)
        n = len(data.targets)
        batches = estimator_batches(
            data.X,
            self._dense_targets(data.targets, dtype),
            self._batch_size(n),
            Reshuffle(rng) if self.shuffle else None,
            rng,
            data.sample_weight,
            dtype,
            data.rows,
        )
        weights = [layer.weight for layer in self._linear_layers()]
        return Trainer(
            self.model_,
            MLPObjective(self.out_activation_),
            self._optimizer,
            batches,
            epochs=1 if incremental else int(self.max_iter),
            validation=validation,
            callbacks=[ScheduleStep(self._schedule)],
            reporter=IterationLines() if self.verbose else None,
            plateau=self._stopping_rule(),
            penalty=L2Penalty(weights, self.alpha) if self.alpha else None,
            samples_seen=self.t_,
        )

    def _dense_targets(self, targets: NDArray[Any], dtype: np.dtype[Any]) -> NDArray[Any]:
        if targets.ndim == 1 and targets.size * self.n_outputs_ <= 2**24:
            # The fused cross-entropy is faster on one-hot rows than on class indices.
            return np.eye(self.n_outputs_, dtype=dtype)[targets]
        return targets

    def _stopping_rule(self) -> Plateau:
        """The estimator's `Plateau`, with today's ``tol`` and ``n_iter_no_change``."""
        if (self._plateau.monitor == "val_score") != bool(self.early_stopping):
            self._reset_stopping()  # early_stopping was switched between warm-start fits
        plateau = self._plateau
        plateau.tol, plateau.n_iter_no_change = float(self.tol), self.n_iter_no_change
        plateau.on_plateau = self._on_plateau
        return plateau

    def _on_plateau(self) -> bool:
        """scikit-learn's reaction to a stall: lower the learning rate ("adaptive"), or stop."""
        if self.verbose:
            watched = "Validation score" if self.early_stopping else "Training loss"
            print(
                f"{watched} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs."
            )
        return self._schedule.stalled()

    def _record(self, trainer: Trainer) -> None:
        """scikit-learn's records of the run: ``n_iter_``, ``t_``, curves and best values."""
        history = trainer.history.history
        self.n_iter_ = len(trainer.history.epoch)
        self.t_ = trainer.samples_seen
        self.loss_curve_.extend(history.get("loss", []))
        if self.loss_curve_:
            self.loss_ = self.loss_curve_[-1]
        if self.early_stopping:
            assert self.validation_scores_ is not None
            self.validation_scores_.extend(history.get("val_score", []))
            self.best_validation_score_ = self._plateau.best
        else:
            self.best_loss_ = self._plateau.best

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
