"""Random generators from a seed: gradlab never touches NumPy's global random state."""

from __future__ import annotations

import numbers

import numpy as np

RandomState = int | np.random.Generator | None


def check_seed(rng: object) -> None:
    """Raise as `as_generator` would for ``rng`` from a config (None or an int >= 0),
    without drawing entropy or seeding a generator."""
    if rng is None:
        return
    if not isinstance(rng, numbers.Integral) or isinstance(rng, bool):
        as_generator(rng)  # type: ignore[arg-type]
    elif rng < 0:
        raise ValueError(f"rng={rng!r:.100} is negative; a seed must be an integer >= 0.")


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
