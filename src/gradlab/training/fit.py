"""`fit`: train a model in one call, checking every argument at the edge."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradlab import losses, optim
from gradlab.engine import Tensor
from gradlab.nn.rng import as_generator
from gradlab.training import metrics as metric_registry
from gradlab.training import parallel
from gradlab.training.callbacks import Callback
from gradlab.training.checkpoint import RunCheckpoint, fingerprint
from gradlab.training.divergence import GROWTH_FACTOR
from gradlab.training.fit_data import training_data
from gradlab.training.history import History
from gradlab.training.loop import Trainer
from gradlab.training.metrics import Metric
from gradlab.training.progress import resolve_verbose
from gradlab.training.threads import blas_threads, check_threads


def fit(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    loss: str | Callable[..., Tensor] = "mse",
    optimizer: Any = "sgd",
    lr: float | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    rng: int | np.random.Generator | None = None,
    validation_data: tuple[Any, Any] | None = None,
    validation_split: float = 0.0,
    metrics: Sequence[str | Metric] | str = (),
    callbacks: Sequence[Callback] = (),
    verbose: int | str = "auto",
    tol: float | None = None,
    n_iter_no_change: int = 10,
    step_tol: float | None = None,
    divergence_factor: float | None = GROWTH_FACTOR,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_interval: float = 0.0,
    sample_weight: Any = None,
    class_weight: str | dict[int, float] | None = None,
    threads: int | None = None,
    replay: bool = True,
) -> History:
    """Train ``model`` on (X, y) by gradient descent and return the `History`.

    Each epoch visits every training sample once, in batches. For each batch B:
    prediction = model(X_B), L = loss(prediction, y_B), then the gradients dL/dθ of every
    parameter θ (by backpropagation) and one optimizer step, e.g. θ <- θ - lr dL/dθ for SGD.
    X and y are checked and converted once, to the model's dtype (float32 stays float32).

    Parameters
    ----------
    model : gradlab.nn.Module
        Maps X of shape (n, n_features) to predictions of shape (n, n_outputs).
    X : array_like of shape (n_samples, n_features), np.memmap, Dask array, or batches
        An array in memory is converted once, wholesale. An ``np.memmap`` stays on disk: each
        batch gathers its rows and converts them to the model's dtype (memory holds a batch,
        not X). A Dask array is read one row chunk at a time (with ``shuffle``, the chunks
        and the rows within each in a random order). With y omitted, X gives ``(X_batch,
        y_batch)`` pairs: a callable returning a fresh iterator each epoch, or a re-iterable
        object (a list, a class with ``__iter__``); a one-shot generator serves
        ``epochs=1`` only. Its batches are taken as they come (``batch_size`` and
        ``shuffle`` do not apply; ``validation_split`` needs ``validation_data`` instead).
    y : array_like of shape (n_samples,) or (n_samples, n_outputs), optional
        Targets (None when X gives batches). A vector is made a column when the model has
        one output; with ``loss="cross_entropy"`` integer labels stay class indices 0..k-1.
    loss : str or callable, default "mse"
        A name of `gradlab.losses.get` ("mse", "sse", "half_sse", "bce", "bce_with_logits",
        "cross_entropy", "hinge", "mae", "huber") or a loss object; it must reduce to one
        number ("mean", "sum" or "half_sum").
    optimizer : str or Optimizer, default "sgd"
        A name of `gradlab.optim.get` ("sgd", "adam", ...) built over ``model.parameters()``,
        or an optimizer already built over them.
    lr : float, optional
        The learning rate of a named optimizer (its default when None).
    epochs : int, default 100
        The maximum number of passes over the data.
    batch_size : None or int, default None
        None: one full batch per epoch (plain gradient descent, as in the vectorised 3-4-1
        sigmoid network and the generic MLP worked examples); k: batches of k samples (the last
        one smaller when k does not divide n); 1: one sample at a time.
    shuffle : bool, default True
        With more than one batch, visit the samples in the order ``rng.permutation(n)``, drawn
        anew each epoch.
    rng : None, int or numpy.random.Generator
        The source of the shuffling order, through ``numpy.random.default_rng(rng)``.
    validation_data : (X_val, y_val), optional
        Data on which "val_loss" and the "val_" metrics are measured after each epoch.
    validation_split : float, default 0.0
        Keep this fraction of the samples, the last ones (before shuffling), for validation.
    metrics : sequence of str or callable, default ()
        "accuracy", "mse", "mae" or functions ``f(prediction, target) -> float``, recorded
        per epoch on the training batches (as their size-weighted mean) and on validation.
    callbacks : sequence of Callback, default ()
        E.g. `EarlyStopping`, `ModelCheckpoint`.
    verbose : 0, 1, 2 or "auto", default "auto"
        0 silent, 1 progress bar, 2 one line per epoch; "auto" is 1 on a terminal, else 0.
    tol : float, optional
        Stop when the training loss has not improved on its best by at least ``tol`` for more
        than ``n_iter_no_change`` consecutive epochs (scikit-learn's MLP rule).
    n_iter_no_change : int, default 10
    step_tol : float, optional
        Stop when, in an epoch, every parameter moved by less than ``step_tol``:
        max |θ_after - θ_before| < step_tol (the criterion of the 2-2-1 sigmoid network
        derived with SymPy, with 0.001).
    divergence_factor : float or None, default 1e6
        Stop with a `DivergenceError` when an epoch's mean loss exceeds this factor times the
        lowest so far; None keeps only the non-finite rule (see Raises).
    checkpoint : str or os.PathLike, optional
        A file to which everything needed to continue is written, atomically, after every
        epoch (weights, optimizer state, the shuffling generator, history, callback and
        schedule state; see `gradlab.training.checkpoint`). When it exists, the same call
        resumes from it and ends bit for bit as the run would have without interruption; a
        finished run returns its history at once. A checkpoint of other data, settings, model
        or optimizer is refused (`gradlab.training.CheckpointMismatch`); a corrupt newest file
        falls back to the previous epoch's with a warning.
    checkpoint_interval : float, default 0.0
        Write the checkpoint at most once per this many seconds (and after the last epoch):
        each write is flushed to disk, which costs milliseconds; 0 writes every epoch.
    sample_weight : array_like of shape (n_samples,), optional
        How much each sample counts: a batch's loss is the weighted mean (or sum) of its
        samples' losses, sum_i w_i l_i / sum_i w_i, so dL/dl_i = w_i / sum_B w
        (`gradlab.training.weights`). Given for all of X; with ``validation_split`` the
        validation samples' weights are set aside (validation losses are unweighted, as in
        Keras).
    class_weight : "balanced" or dict, optional
        A weight per class multiplying ``sample_weight``: ``{class index: weight}``, or
        "balanced", n / (k n_c) for class c of n_c samples among n and k classes.
    threads : None or int, default None
        BLAS threads during training. None chooses: one thread when the largest matrix
        product of a step (2 x batch x fan_in x fan_out flops) is below
        `gradlab.training.threads.MIN_FLOPS_FOR_THREADS`, where threads cost more than they
        save, else every core (never above a limit already set, e.g. by
        ``OPENBLAS_NUM_THREADS``). The results agree to rounding whatever the count.
    replay : bool, default True
        Capture the forward pass and loss of each batch shape once and replay them
        (`gradlab.compile_step`): the same training bit for bit, with less Python per step.
        It applies to gradlab's own layers and losses, without batch callbacks; anything else
        (and ``replay=False``) runs the dynamic engine.

    Returns
    -------
    History
        ``history.history["loss"]`` etc. per epoch, ``history.stop_reason``.

    Raises
    ------
    DivergenceError
        (a FloatingPointError and a ValueError) when a batch's loss is NaN or infinite, a
        parameter is after an epoch, or an epoch's mean loss exceeds ``divergence_factor``
        times the lowest so far, the first batch's before its update included (floored at
        machine epsilon times that one; positive losses only; `gradlab.training.divergence`).
        The message names the epoch and batch; the model keeps finite weights: those before
        the failing batch for a non-finite loss, else those of the epoch's start, with the
        optimizer's state of then.

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0.0, 1.0, 1.0, 1.0])
    >>> model = gl.nn.MLP(2, [4], 1, activation="tanh", output_activation="sigmoid", rng=0)
    >>> history = gl.fit(model, X, y, loss="bce", optimizer="adam", lr=0.1, epochs=200,
    ...                  metrics=["accuracy"], verbose=0)
    >>> history.history["accuracy"][-1]
    1.0
    """
    _check_settings(epochs, batch_size, shuffle, validation_split, tol, n_iter_no_change, step_tol)
    _check_factor(divergence_factor)
    if not (
        isinstance(checkpoint_interval, int | float)
        and math.isfinite(checkpoint_interval)
        and checkpoint_interval >= 0
    ):
        raise ValueError(
            f"checkpoint_interval must be a number of seconds >= 0; got {checkpoint_interval!r}."
        )
    resolve_verbose(verbose, sys.stdout)
    check_threads(threads)
    parameters = _trainable(model)
    dtype = parameters[0].dtype
    loss_fn = losses.get(loss)
    if getattr(loss_fn, "reduction", "mean") == "none":
        raise ValueError(
            "fit needs a loss that reduces to one number; got reduction='none'. Use 'mean' or "
            "'sum'."
        )
    class_indices = isinstance(loss_fn, losses.CrossEntropy)
    generator = as_generator(rng)
    data = training_data(
        model, X, y, dtype, class_indices,
        validation_data=validation_data, validation_split=validation_split,
        batch_size=batch_size, shuffle=shuffle, generator=generator, epochs=int(epochs),
        sample_weight=sample_weight, class_weight=class_weight,
    )  # fmt: skip
    batches, validation = data.batches, data.validation
    plan = parallel.current()

    if isinstance(optimizer, str | type):
        optimizer = optim.get(optimizer, parameters, lr=lr)
    else:
        if lr is not None:
            raise ValueError(
                f"lr={lr} applies to an optimizer given by name; this {type(optimizer).__name__} "
                "is already built, so set its learning rate when building it."
            )
        _check_optimizer(optimizer, parameters)

    if isinstance(metrics, str):
        metrics = (metrics,)
    resolved = [metric_registry.get(m, loss_fn) for m in metrics]
    names = [name for name, _ in resolved]
    if len(set(names)) != len(names) or "loss" in names:
        raise ValueError(f"metric names must be distinct and not 'loss'; got {names}.")

    k = batches.n if batch_size is None else int(batch_size)
    run_checkpoint = None
    if checkpoint is not None:
        identity = fingerprint(
            [*data.identity, *(() if validation is None else _arrays(validation))],
            model=[[name, list(p.shape), str(p.dtype)] for name, p in model.named_parameters()],
            loss=f"{type(loss_fn).__name__}({getattr(loss_fn, 'reduction', '')})",
            optimizer=type(optimizer).__name__,
            epochs=int(epochs), batch_size=k, shuffle=bool(shuffle), tol=tol,
            n_iter_no_change=int(n_iter_no_change), step_tol=step_tol,
            divergence_factor=divergence_factor, metrics=names,
        )  # fmt: skip
        run_checkpoint = RunCheckpoint(checkpoint, generator, identity, checkpoint_interval)
    trainer = (Trainer if plan is None else plan.trainer)(
        model,
        loss_fn,
        optimizer,
        batches if plan is None else plan.batches(batches),
        epochs=int(epochs),
        validation=validation,
        metrics=resolved,
        callbacks=list(callbacks),
        verbose=verbose,
        tol=None if tol is None else float(tol),
        n_iter_no_change=int(n_iter_no_change),
        step_tol=None if step_tol is None else float(step_tol),
        divergence_factor=divergence_factor,
        checkpoint=run_checkpoint,
        replay=bool(replay),
    )
    with blas_threads(threads, [p.shape for p in parameters], min(k, batches.n)):
        return trainer.run()


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def _check_settings(
    epochs: Any,
    batch_size: Any,
    shuffle: Any,
    validation_split: Any,
    tol: Any,
    n_iter_no_change: Any,
    step_tol: Any,
) -> None:
    if not _is_int(epochs) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer; got {epochs!r}.")
    if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
        raise ValueError(
            f"batch_size must be None (full batch) or a positive integer; got {batch_size!r}."
        )
    if not isinstance(shuffle, bool | np.bool_):
        raise TypeError(f"shuffle must be True or False; got {shuffle!r}.")
    if not (isinstance(validation_split, int | float) and 0.0 <= validation_split < 1.0):
        raise ValueError(f"validation_split must be a number in [0, 1); got {validation_split!r}.")
    if tol is not None and not (isinstance(tol, int | float) and math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be None or a finite number >= 0; got {tol!r}.")
    if not _is_int(n_iter_no_change) or n_iter_no_change < 1:
        raise ValueError(f"n_iter_no_change must be a positive integer; got {n_iter_no_change!r}.")
    if step_tol is not None and not (
        isinstance(step_tol, int | float) and math.isfinite(step_tol) and step_tol > 0
    ):
        raise ValueError(f"step_tol must be None or a finite number > 0; got {step_tol!r}.")


def _arrays(batch: tuple[Tensor, Any]) -> list[np.ndarray]:
    return [v.data if isinstance(v, Tensor) else np.asarray(v) for v in batch]


def _check_factor(factor: Any) -> None:
    if factor is not None and not (
        isinstance(factor, int | float) and not isinstance(factor, bool) and factor > 1
    ):
        raise ValueError(
            f"divergence_factor must be None or a number > 1 (inf allowed); got {factor!r}."
        )


def _trainable(model: Any) -> list[Any]:
    if not callable(model) or not hasattr(model, "parameters"):
        raise TypeError(f"model must be a gradlab.nn.Module; got {type(model).__name__}.")
    parameters = list(model.parameters())
    if not parameters:
        raise ValueError(f"the model {type(model).__name__} has no parameters to train.")
    dtypes = {p.dtype for p in parameters}
    if len(dtypes) > 1:
        raise ValueError(
            f"the model's parameters mix dtypes {sorted(map(str, dtypes))}; convert it with "
            "model.astype(np.float32) or model.astype(np.float64)."
        )
    for name, p in model.named_parameters():
        if not np.isfinite(p.data).all():
            raise ValueError(
                f"parameter {name!r} holds NaN or inf before training; initialise it again."
            )
    return parameters


def _check_optimizer(optimizer: Any, parameters: list[Any]) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if groups is None or not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            "optimizer must be a name ('sgd', 'adam', ...) or a gradlab optimizer; got "
            f"{type(optimizer).__name__}."
        )
    held = {id(p) for group in groups for p in group["params"]}
    if not held.intersection(id(p) for p in parameters):
        raise ValueError(
            "the optimizer holds none of the model's parameters; build it over "
            "model.parameters() of this model."
        )
