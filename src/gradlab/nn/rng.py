"""Random generators from a seed: gradlab never touches NumPy's global random state."""

from __future__ import annotations

import numbers

import numpy as np

RandomState = int | np.random.Generator | None


def as_generator(rng: RandomState) -> np.random.Generator:
    """Turn ``rng`` into a `numpy.random.Generator`, in the manner of scikit-learn's
    ``check_random_state``.

    Parameters
    ----------
    rng : None, int or numpy.random.Generator
        None draws fresh entropy from the operating system; an int seeds a new generator
        (the same int gives the same numbers); a Generator is used as is (and advanced).

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> from gradlab.nn.rng import as_generator
    >>> float(as_generator(0).random()) == float(as_generator(0).random())
    True
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng={rng!r} cannot be used to seed a numpy.random.Generator; rng must be None, an "
        "integer seed or a numpy.random.Generator (e.g. numpy.random.default_rng(0))."
    )
