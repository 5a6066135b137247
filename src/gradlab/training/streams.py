"""Training data that is not one array in memory: memory-mapped files, Dask arrays, batches.

Each class here is a `Batches` (the loop asks for ``epoch()``, ``steps``, ``n`` and
``batch_size`` only) that reads its data as the epoch goes, so memory holds a batch or a
chunk, never the whole set:

- `LazyBatches`: an array that stays where it is (an ``np.memmap``, or a float32 array for a
  float64 model); each batch gathers its rows and converts them to the model's dtype.
- `DaskBatches`: a Dask array, read one row chunk at a time.
- `BatchStream`: the user's own ``(X, y)`` batches, from a callable or a re-iterable object.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.training.data import Batch, Batches, _check_finite, schedule

#: Checks one batch's raw (X, y) and returns them as the loss takes them.
Prepare = Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]


def is_dask(data: Any) -> bool:
    """Whether ``data`` is a Dask array (tested without importing Dask).

    Examples
    --------
    >>> is_dask([[1.0]])
    False
    """
    return type(data).__module__.startswith("dask.") and hasattr(data, "chunks")


def is_batch_source(data: Any) -> bool:
    """Whether ``data`` gives batches: a callable, or an iterable that is not array-like.

    Examples
    --------
    >>> is_batch_source(lambda: iter([])), is_batch_source([[1.0, 2.0]])
    (True, False)
    """
    if isinstance(data, np.ndarray | list | tuple | str | bytes | Tensor) or is_dask(data):
        return False
    if hasattr(data, "__array__") or hasattr(data, "to_numpy"):
        return False
    return callable(data) or isinstance(data, Iterable)


def _as_batch(xb: np.ndarray, yb: np.ndarray, size: int) -> Batch:
    # Float targets become tensors; integer class indices stay arrays for the loss.
    return Tensor(xb), (Tensor(yb) if yb.dtype.kind == "f" else yb), None, size


def _convert(block: np.ndarray, dtype: np.dtype[Any], name: str) -> np.ndarray:
    """A block of rows in ``dtype`` (a copy only when the dtype differs), checked finite."""
    if block.dtype == dtype or block.dtype.kind not in "biuf" or dtype.kind != "f":
        return block
    with np.errstate(over="ignore"):
        converted = block.astype(dtype)
    if converted.dtype.itemsize < block.dtype.itemsize:
        _check_finite(converted, name)  # a narrower dtype may overflow to inf
    return converted


class LazyBatches(Batches):
    """The batches of ``X`` and ``y`` (or of their ``rows``), gathered and converted per batch.

    The same batches, in the same order, as `Batches` over ``X.astype(dtype)``, without that
    copy: ``X`` may be an ``np.memmap`` larger than memory, or float32 data for a float64
    model. ``X`` must already be checked (2-D, numeric, finite).

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Read-only access suffices.
    y : ndarray
        Targets as the loss takes them, already in their final dtype.
    batch_size, shuffle, rng, sample_weight, order
        As in `Batches`.
    dtype : numpy dtype
        The model's dtype; each batch of X is converted to it.
    rows : ndarray of int, optional
        Train on these rows of X only (y and sample_weight then hold one entry per row).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> b = LazyBatches(X, np.zeros((3, 1)), 2, False, None, dtype=np.dtype(np.float64))
    >>> [xb.data.dtype.name for xb, *_ in b.epoch()], b.steps
    (['float64', 'float64'], 2)
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator | None,
        *,
        dtype: np.dtype[Any],
        sample_weight: np.ndarray | None = None,
        order: Callable[[int], np.ndarray] | None = None,
        rows: np.ndarray | None = None,
    ) -> None:
        self.rows = rows
        n = X.shape[0] if rows is None else len(rows)
        self.n, self.batch_size, steps, self._order = schedule(n, batch_size, shuffle, rng, order)
        self.steps = steps
        self.shuffle = self._order is not None
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.dtype = dtype
        self._fixed = None

    def _batch(self, index: Any) -> Batch:
        rows = index if self.rows is None else self.rows[index]
        xb = _convert(np.asarray(self.X[rows]), self.dtype, "X")
        yb = self.y[index]
        wb = None if self.sample_weight is None else self.sample_weight[index]
        return Tensor(xb), (Tensor(yb) if yb.dtype.kind == "f" else yb), wb, len(yb)

    def epoch(self) -> Iterator[Batch]:
        """The (inputs, targets, sample weights or None, size) of each batch of the next epoch."""
        k = self.batch_size
        if self._order is None:
            for start in range(0, self.n, k):
                yield self._batch(slice(start, start + k))
            return
        order = self._order(self.n)
        for start in range(0, self.n, k):
            yield self._batch(order[start : start + k])


class DaskBatches(Batches):
    """The batches of a Dask array, reading one chunk of rows at a time.

    Batches are cut from the rows in order, across chunk boundaries, so that without
    shuffling they are those of `Batches` over the whole array. With shuffling, each epoch
    visits the chunks in a random order and the rows of each chunk in a random order
    (``rng.permutation``): a random order that reads each chunk once.

    Parameters
    ----------
    X : dask.array.Array of shape (n, d)
    y : dask.array.Array or ndarray
        Raw targets, one row per sample.
    batch_size, shuffle, rng
        As in `Batches`.
    prepare : callable
        ``prepare(X_chunk, y_chunk)`` checks one chunk and returns it as the loss takes it.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> X = da.from_array(np.arange(10.0).reshape(5, 2), chunks=(2, 2))
    >>> b = DaskBatches(X, np.arange(5.0), 3, False, None, prepare=lambda x, y: (x, y))
    >>> [size for *_, size in b.epoch()]
    [3, 2]
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        shuffle: bool,
        rng: Any,
        *,
        prepare: Prepare,
        sample_weight: None = None,
    ) -> None:
        self.n = int(X.shape[0])
        self.batch_size = min(batch_size, self.n)
        self.steps = -(-self.n // self.batch_size)
        self.shuffle = bool(shuffle) and self.steps > 1
        self.X, self.y, self.rng, self.prepare = X, y, rng, prepare
        self.sample_weight = None
        self._fixed = None
        bounds = np.cumsum((0, *X.chunks[0]))
        self.bounds = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))

    def _chunk(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        import dask

        y = self.y[start:stop]
        xc, yc = dask.compute(self.X[start:stop], y)
        xc, yc = self.prepare(np.asarray(xc), np.asarray(yc))
        if self.shuffle:
            index = self.rng.permutation(len(xc))
            xc, yc = xc[index], yc[index]
        return xc, yc

    def epoch(self) -> Iterator[Batch]:
        """The (inputs, targets, None, size) of each batch of the next epoch."""
        chunks = self.bounds
        if self.shuffle:
            chunks = [chunks[i] for i in self.rng.permutation(len(chunks))]
        k = self.batch_size
        carry: list[tuple[np.ndarray, np.ndarray]] = []
        held = 0
        for start, stop in chunks:
            xc, yc = self._chunk(start, stop)
            at = 0
            if held:  # complete the batch begun in the previous chunk
                at = min(k - held, len(xc))
                carry.append((xc[:at], yc[:at]))
                held += at
                if held < k:
                    continue
                xb = np.concatenate([x for x, _ in carry])
                yb = np.concatenate([y for _, y in carry])
                yield _as_batch(xb, yb, k)
                carry, held = [], 0
            while len(xc) - at >= k:
                yield _as_batch(xc[at : at + k], yc[at : at + k], k)
                at += k
            if at < len(xc):
                carry, held = [(xc[at:], yc[at:])], len(xc) - at
        if held:
            xb = np.concatenate([x for x, _ in carry])
            yb = np.concatenate([y for _, y in carry])
            yield _as_batch(xb, yb, held)


class BatchStream(Batches):
    """The user's batches: a fresh iterator of ``(X_batch, y_batch)`` pairs each epoch.

    Parameters
    ----------
    source : callable or iterable
        ``source()`` (a callable) or ``iter(source)`` (a re-iterable object, such as a list
        or a class with ``__iter__``) gives the next epoch's batches. A one-shot iterator (a
        generator) serves one epoch only.
    epochs : int
        The number of epochs the run asks for; more than one is refused for a one-shot
        iterator.
    prepare : callable
        ``prepare(X_batch, y_batch)`` checks one batch and returns it as the loss takes it.

    Attributes
    ----------
    steps, n : int
        ``len(source)`` and 0 until the first epoch has counted them (with no ``len``).
    batch_size : int
        The size of the first batch.

    Examples
    --------
    >>> import numpy as np
    >>> pairs = [(np.ones((2, 1)), np.ones(2)), (np.ones((1, 1)), np.ones(1))]
    >>> stream = BatchStream(pairs, 3, prepare=lambda x, y: (x, y))
    >>> [size for *_, size in stream.epoch()], stream.steps, stream.n
    ([2, 1], 2, 3)
    """

    def __init__(self, source: Any, epochs: int, *, prepare: Prepare) -> None:
        self.source, self.prepare = source, prepare
        self.sample_weight = None
        self._fixed, self.shuffle = None, False
        one_shot = not callable(source) and iter(source) is source
        if one_shot and epochs > 1:
            raise ValueError(
                f"X is a one-shot iterator ({type(source).__name__}): it gives its batches "
                f"once, but epochs={epochs} needs them {epochs} times. Pass a function that "
                "returns a fresh iterator each epoch (e.g. lambda: make_batches()), a "
                "re-iterable object (a list, or a class with __iter__), or epochs=1."
            )
        self._pending: Iterator[Any] | None = None
        first = self._first()
        self.X = self.prepare(*self._pair(first, 0))[0]
        self.batch_size = len(self.X)
        try:
            self.steps = len(source)
        except TypeError:
            self.steps = 0
        self.n = 0

    def _open(self) -> Iterator[Any]:
        return iter(self.source()) if callable(self.source) else iter(self.source)

    def _first(self) -> Any:
        """Open the first epoch's iterator and peek at its first batch (kept for the epoch)."""
        iterator = self._open()
        try:
            first = next(iterator)
        except StopIteration:
            raise ValueError("X gave no batches; each epoch needs at least one.") from None
        self._pending = itertools.chain([first], iterator)
        return first

    @staticmethod
    def _pair(item: Any, index: int) -> tuple[Any, Any]:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValueError(
                f"batch {index + 1} of X is a {type(item).__name__}, not an (X, y) pair; "
                "each batch must be a pair (X_batch, y_batch)."
            )
        return item[0], item[1]

    def epoch(self) -> Iterator[Batch]:
        """The (inputs, targets, None, size) of each batch of the next epoch."""
        iterator, self._pending = self._pending, None
        if iterator is None:
            iterator = self._open()
        steps = n = 0
        for steps, item in enumerate(iterator, 1):
            xb, yb = self.prepare(*self._pair(item, steps - 1))
            n += len(xb)
            yield _as_batch(xb, yb, len(xb))
        self.steps, self.n = steps, n
