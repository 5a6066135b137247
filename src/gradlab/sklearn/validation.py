"""Checks of the data handed to the estimators, with scikit-learn's messages.

``X`` and ``y`` themselves go through ``sklearn.utils.validation.validate_data``; this module
adds what scikit-learn keeps private: sample weights, the ``classes`` of ``partial_fit``, and
the validation split of ``early_stopping``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray


def check_sample_weight(
    sample_weight: ArrayLike | float | None, n_samples: int, dtype: DTypeLike
) -> NDArray[Any] | None:
    """Validate ``sample_weight``: None, a number, or non-negative numbers, one per sample.

    Parameters
    ----------
    sample_weight : array_like of shape (n_samples,), number or None
    n_samples : int
    dtype : float dtype of the result

    Returns
    -------
    ndarray of shape (n_samples,) or None
        None when ``sample_weight`` is None (every sample weighs 1).

    Raises
    ------
    ValueError
        With scikit-learn's wording for a wrong shape, NaN or inf, negative weights, or
        weights that are all zero.

    Examples
    --------
    >>> check_sample_weight([1, 2], 2, float)
    array([1., 2.])
    """
    from sklearn.utils import check_array
    from sklearn.utils.validation import check_non_negative

    if sample_weight is None:
        return None
    if np.isscalar(sample_weight):
        weights = np.full(n_samples, sample_weight, dtype=dtype)
    else:
        weights = check_array(
            sample_weight, ensure_2d=False, dtype=dtype, order="C", input_name="sample_weight"
        )
        if weights.ndim != 1:
            raise ValueError(
                f"Sample weights must be 1D array or scalar, got {weights.ndim}D array. "
                f"Expected either a scalar value or a 1D array of length {n_samples}."
            )
        if weights.shape != (n_samples,):
            raise ValueError(f"sample_weight.shape == {weights.shape}, expected {(n_samples,)}!")
    if not np.all(np.isfinite(weights)):
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if np.all(weights == 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    check_non_negative(weights, "`sample_weight`")
    return weights


def check_partial_fit_first_call(estimator: Any, classes: ArrayLike | None) -> bool:
    """True on the first ``partial_fit`` of a classifier, which then sets ``classes_``.

    Raises scikit-learn's ValueError when ``classes`` is missing on the first call or differs
    from the classes of an earlier call.

    Examples
    --------
    >>> class Clf: ...
    >>> clf = Clf()
    >>> check_partial_fit_first_call(clf, classes=[1, 0]), clf.classes_
    (True, array([0, 1]))
    """
    from sklearn.utils.multiclass import unique_labels

    known = getattr(estimator, "classes_", None)
    if known is None and classes is None:
        raise ValueError("classes must be passed on the first call to partial_fit.")
    if classes is None:
        return False
    if known is not None:
        if not np.array_equal(known, unique_labels(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to partial_fit, "
                f"was: {known!r}"
            )
        return False
    estimator.classes_ = unique_labels(classes)
    return True


def validation_split(
    n_samples: int,
    fraction: float,
    random_state: int | np.random.RandomState,
    stratify: NDArray[Any] | None,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of the training and validation samples for ``early_stopping``.

    ``train_test_split`` of the sample indices, holding out ``fraction`` of them, stratified by
    ``stratify`` (the labels of a single-output classifier) when given, as scikit-learn's MLP.

    Raises
    ------
    ValueError
        "The validation set is too small..." when fewer than 2 samples are held out.

    Examples
    --------
    >>> train, val = validation_split(10, 0.2, random_state=0, stratify=None)
    >>> len(train), len(val)
    (8, 2)
    """
    from sklearn.model_selection import train_test_split

    train, val = train_test_split(
        np.arange(n_samples), test_size=fraction, random_state=random_state, stratify=stratify
    )
    if len(val) < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            "your dataset."
        )
    return train, val


def random_state_of(random_state: int | np.random.RandomState | None) -> np.random.RandomState:
    """The generator behind ``random_state``, as ``sklearn.utils.check_random_state`` gives it,
    except that None means a fresh generator seeded by the operating system rather than NumPy's
    global one: fitting never advances (or depends on) anyone else's random stream.

    Examples
    --------
    >>> import numpy as np
    >>> before = np.random.get_state()[1].copy()
    >>> _ = random_state_of(None).random_sample(3)
    >>> bool((np.random.get_state()[1] == before).all())
    True
    >>> random_state_of(0).randint(100) == np.random.RandomState(0).randint(100)
    True
    """
    from sklearn.utils import check_random_state

    if random_state is None:
        return np.random.RandomState()
    return check_random_state(random_state)


class Reshuffle:
    """scikit-learn's epoch order: each epoch shuffles the previous epoch's order.

    ``sklearn.utils.shuffle(sample_idx, random_state=rng)``'s draw (``rng.shuffle`` of
    ``arange(n)``, then indexing), without its per-call validation cost. Called once per
    epoch with n, as the training loop's ``order``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils import shuffle
    >>> order, idx = Reshuffle(np.random.RandomState(0)), np.arange(5)
    >>> theirs = np.random.RandomState(0)
    >>> all(np.array_equal(order(5), idx := shuffle(idx, random_state=theirs)) for _ in range(3))
    True
    """

    def __init__(self, rng: np.random.RandomState) -> None:
        self.rng = rng
        self.order: NDArray[np.intp] | None = None

    def __call__(self, n: int) -> NDArray[np.intp]:
        permutation = np.arange(n)
        self.rng.shuffle(permutation)
        self.order = permutation if self.order is None else self.order[permutation]
        return self.order
