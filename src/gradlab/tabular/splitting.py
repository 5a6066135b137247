"""The validation split of ``gradlab train``: seeded, stratified by class for classification."""

from __future__ import annotations

import math

import numpy as np

from gradlab.tabular.errors import DataError


def split_rows(
    n_rows: int,
    fraction: float,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the rows and hold out ``fraction`` of them for validation.

    With ``labels`` (classification) each class is split on its own, so that both parts keep the
    class proportions: class :math:`c` with :math:`n_c` rows gives
    :math:`\\min(n_c - 1, \\lfloor f n_c + 1/2 \\rfloor)` rows to validation, so every class keeps
    at least one training row. Without labels, :math:`\\lfloor f n + 1/2 \\rfloor` rows go to
    validation.

    Parameters
    ----------
    n_rows : int
        The number of rows.
    fraction : float
        The validation fraction, in [0, 1). Zero means no validation part.
    rng : numpy.random.Generator
        The source of the shuffle.
    labels : numpy.ndarray of int, optional
        Class indices, to stratify by.

    Returns
    -------
    train, validation : numpy.ndarray of int
        Sorted row positions.

    Raises
    ------
    DataError
        When the validation part would be empty although ``fraction`` > 0.

    Examples
    --------
    >>> import numpy as np
    >>> train, val = split_rows(10, 0.2, np.random.default_rng(0))
    >>> len(train), len(val)
    (8, 2)
    """
    if fraction == 0:
        return np.arange(n_rows), np.arange(0)
    if labels is None:
        groups = [np.arange(n_rows)]
    else:
        groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    validation = []
    for group in groups:
        shuffled = rng.permutation(group)
        n_val = min(group.size - 1, math.floor(fraction * group.size + 0.5))
        validation.append(shuffled[:n_val])
    val = np.sort(np.concatenate(validation)).astype(np.int64)
    if val.size == 0:
        needed = max(2, math.ceil(0.5 / fraction))
        where = "some class needs" if labels is not None else "it needs"
        raise DataError(
            f"{n_rows} rows are too few for --validation-split {fraction:g}: the validation part "
            f"would be empty ({where} at least {needed} rows); add rows, or pass "
            "--validation-split 0 to train without validation"
        )
    train = np.setdiff1d(np.arange(n_rows), val).astype(np.int64)
    return train, val
