"""The validation split: scikit-learn's `train_test_split`, stratified by class for
classification, seeded."""

from __future__ import annotations

import math

import numpy as np

from gradlab.tabular.errors import DataError
from gradlab.tabular.spelling import option


def split_rows(
    n_rows: int,
    fraction: float,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out :math:`\\lfloor f n + 1/2 \\rfloor` shuffled rows for validation.

    With ``labels`` (classification) the rows of a class with a single row stay in training, and
    `sklearn.model_selection.train_test_split` splits the others with ``stratify=labels``, so
    both parts keep the class proportions (when the validation part has at least one row per
    class and leaves one per class for training; otherwise unstratified).

    Parameters
    ----------
    n_rows : int
        The number of rows.
    fraction : float
        The validation fraction, in [0, 1). Zero means no validation part.
    rng : numpy.random.Generator
        The source of the split's seed.
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
    from sklearn.model_selection import train_test_split

    if fraction == 0:
        return np.arange(n_rows), np.arange(0)
    rows = np.arange(n_rows)
    pool, stratify = rows, None
    if labels is not None:
        pool = rows[np.bincount(labels)[labels] >= 2]
        stratify = labels[pool]
    n_val = math.floor(fraction * pool.size + 0.5)
    n_classes = 1 if stratify is None else np.unique(stratify).size
    if n_val == 0 or n_val >= pool.size:
        needed = max(2, math.ceil(0.5 / fraction))
        where = "some class needs" if labels is not None else "it needs"
        raise DataError(
            f"{n_rows} rows are too few for {option('validation_split', f'{fraction:g}')}: the "
            f"validation part would be empty ({where} at least {needed} rows); add rows, or "
            f"pass {option('validation_split', 0)} to train without validation"
        )
    if stratify is not None and not n_classes <= n_val <= pool.size - n_classes:
        stratify = None
    seed = int(rng.integers(2**31))
    _, val = train_test_split(pool, test_size=n_val, random_state=seed, stratify=stratify)
    val = np.sort(val).astype(np.int64)
    return np.setdiff1d(rows, val).astype(np.int64), val
