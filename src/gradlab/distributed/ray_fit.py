"""`gradlab.distributed.fit`: synchronous data-parallel training on a Ray cluster."""

from __future__ import annotations

import math
import sys
import uuid
from typing import Any

import numpy as np

from gradlab.distributed.communication import SumActor, collective_available
from gradlab.distributed.worker import MemmapFile, Worker
from gradlab.training import History
from gradlab.training.callbacks import _overrides
from gradlab.training.progress import resolve_verbose

BACKENDS = ("ray",)
COMMUNICATIONS = ("auto", "collective", "object_store")


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(
            'gradlab.distributed.fit(backend="ray") needs Ray: pip install "gradlab[ray]"'
        ) from None
    return ray


def fit(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    num_workers: int = 2,
    backend: str = "ray",
    communication: str = "auto",
    threads_per_worker: int = 1,
    cpus_per_worker: float = 1.0,
    **fit_options: Any,
) -> History:
    r"""Train ``model`` as `gradlab.fit` would, data-parallel across ``num_workers`` Ray actors.

    Every worker holds a replica of the model and runs the same `gradlab.fit` call, so all
    draw the same global batches (``batch_size`` samples, in the order of ``rng``). Worker
    r of W trains on rows [r B / W, (r + 1) B / W) of each global batch of B, and the
    workers sum their weighted gradients every step over one flat buffer,

    .. math:: g = \sum_r \frac{b_r}{B} \nabla L_r = \nabla L_B \quad (\text{mean loss}),

    before each takes the same optimizer step: the weights are those of single-process
    `gradlab.fit` with the same global batches, to rounding. Rank 0 runs the callbacks, the
    progress lines (forwarded by Ray to this process) and the checkpoint writes; a callback's
    ``stop_training`` is shared with every worker.

    Parameters
    ----------
    model : gradlab.nn.Module
        Trained in place: it receives rank 0's weights at the end.
    X, y
        As in `gradlab.fit`. Arrays are put once in Ray's object store (each machine's
        workers share one copy); an ``np.memmap`` is sent by its file name, which every
        worker opens itself (on a cluster, the file must be at that path on every machine).
    num_workers : int, default 2
    backend : {"ray"}
        Ray must be running (``ray.init(...)``), or it is started on this machine.
    communication : {"auto", "collective", "object_store"}
        "collective": Ray's collective allreduce (GLOO, which needs torch); "object_store":
        the sum through one Ray actor; "auto": collective when available.
    threads_per_worker : int, default 1
        BLAS threads of each worker (threadpoolctl).
    cpus_per_worker : float, default 1.0
        The CPUs Ray reserves for each worker.
    **fit_options
        Any option of `gradlab.fit` (loss, optimizer, lr, epochs, batch_size, rng,
        validation_data, metrics, callbacks, verbose, tol, checkpoint, ...). Callbacks and
        checkpoint files act in rank 0's process (its machine's file system).

    Returns
    -------
    History
        Rank 0's, whose ``params["communication"]`` holds the figures of the gradient sum
        (rounds, bytes each worker sent per round, median milliseconds per round) and the
        thread counts of rank 0's BLAS and OpenMP libraries.

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> import gradlab.distributed
    >>> model = gl.nn.MLP(2, [4], 1, rng=0)
    >>> gradlab.distributed.fit(model, np.ones((8, 2)), np.ones(8), num_workers=2,
    ...                         epochs=2, batch_size=4, verbose=0)  # doctest: +SKIP
    """
    ray = _ray()
    _check(num_workers, backend, communication, threads_per_worker, cpus_per_worker)
    verbose = resolve_verbose(fit_options.get("verbose", "auto"), sys.stdout)
    # A live bar cannot be forwarded through Ray's log lines: one line per epoch instead.
    fit_options["verbose"] = 2 if verbose else 0
    callbacks = list(fit_options.get("callbacks", ()))
    hooks = any(_overrides(c, h) for c in callbacks for h in ("on_batch_begin", "on_batch_end"))
    team = Team(num_workers, communication, threads_per_worker, cpus_per_worker)
    try:
        job = ray.put((model, fit_options))
        data = [ray.put(MemmapFile(v) if _is_file(v) else v) for v in (X, y)]
        results = _gather(ray, [w.fit.remote(job, *data, hooks) for w in team.workers])
    finally:
        team.stop()
    first = results[0]
    model.load_state_dict(first["weights"])
    history: History = first["history"]
    history.params["communication"] = {
        "method": team.communication,
        "workers": num_workers,
        **first["communication"],
        "blas_threads": first["blas_threads"],
    }
    return history


class Team:
    """``num_workers`` `Worker` actors and the means to sum across them (started by Ray).

    Starts Ray on this machine when it is not running. `stop` ends every actor.
    """

    def __init__(self, num_workers: int, communication: str, threads: int, cpus: float) -> None:
        ray = self.ray = _ray()
        if not ray.is_initialized():
            ray.init(include_dashboard=False)
        if communication == "auto":
            communication = "collective" if collective_available() else "object_store"
        self.communication = communication
        self.actor = None
        if communication == "object_store":
            self.actor = ray.remote(num_cpus=0)(SumActor).remote(num_workers)
        group = f"gradlab-{uuid.uuid4().hex[:12]}"
        remote = ray.remote(num_cpus=cpus)(Worker)
        self.workers = [
            remote.remote(rank, num_workers, threads, communication, self.actor, group)
            for rank in range(num_workers)
        ]

    def stop(self) -> None:
        """Kill the actors (a worker waiting for a failed one's gradient waits no more)."""
        for worker in self.workers:
            self.ray.kill(worker)
        if self.actor is not None:
            self.ray.kill(self.actor)


def _gather(ray: Any, refs: list[Any]) -> list[Any]:
    """The workers' results; the first error is raised at once (the others would wait for
    the failed worker's next gradient forever, until their actors are killed)."""
    pending = list(refs)
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        ray.get(ready)
    return ray.get(refs)


def _is_file(value: Any) -> bool:
    return isinstance(value, np.memmap) and value.filename is not None


def _check(num_workers: Any, backend: Any, communication: Any, threads: Any, cpus: Any) -> None:
    if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 1:
        raise ValueError(f"num_workers must be a positive integer; got {num_workers!r}.")
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {list(BACKENDS)}; got {backend!r}.")
    if communication not in COMMUNICATIONS:
        raise ValueError(
            f"communication must be one of {list(COMMUNICATIONS)}; got {communication!r}."
        )
    if communication == "collective" and not collective_available():
        raise ImportError(
            "communication='collective' needs Ray's GLOO backend, which needs torch: "
            'pip install torch, or use communication="object_store".'
        )
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads_per_worker must be a positive integer; got {threads!r}.")
    if not (isinstance(cpus, int | float) and math.isfinite(cpus) and cpus >= 0):
        raise ValueError(f"cpus_per_worker must be a number >= 0; got {cpus!r}.")
