"""TensorFlow Playground's two-dimensional data sets, drawn from a seeded generator.

Four classification sets (labels +1 and -1: circle, exclusive or, two Gaussian clusters, a
two-armed spiral) and two regression sets (a tilted plane, a sum of Gaussian bumps), all in the
square [-6, 6]², with ``noise`` in [0, 0.5] as the page's 0-50 % slider.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
RADIUS = 5.0
#: Half the side of the square the sets (and the pictures of them) cover.
EXTENT = 6.0


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    inner = n // 2
    r = np.concatenate(
        [rng.uniform(0, 0.5 * RADIUS, inner), rng.uniform(0.7 * RADIUS, RADIUS, n - inner)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = X + rng.uniform(-RADIUS, RADIUS, X.shape) * noise
    # The label follows the noisy position, as TensorFlow Playground's does.
    y = np.where(np.hypot(shifted[:, 0], shifted[:, 1]) < 0.5 * RADIUS, 1.0, -1.0)
    return X, y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)  # keep points off the axes
    shifted = X + rng.uniform(-5, 5, X.shape) * noise
    y = np.where(shifted[:, 0] * shifted[:, 1] >= 0, 1.0, -1.0)
    return X, y


def _gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    spread = np.sqrt(0.5 + 3.5 * noise / 0.5)
    half = n // 2
    X = np.concatenate(
        [rng.normal(2.0, spread, (half, 2)), rng.normal(-2.0, spread, (n - half, 2))]
    )
    y = np.concatenate([np.ones(half), -np.ones(n - half)])
    return X, y


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    half = n // 2
    arms = []
    for k, delta in ((half, 0.0), (n - half, np.pi)):
        i = np.arange(k)
        r = i / max(k, 1) * RADIUS
        t = 1.75 * i / max(k, 1) * 2 * np.pi + delta
        arm = np.column_stack([r * np.sin(t), r * np.cos(t)])
        arms.append(arm + rng.uniform(-1, 1, arm.shape) * noise)
    y = np.concatenate([np.ones(half), -np.ones(n - half)])
    return np.concatenate(arms), y


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-EXTENT, EXTENT, (n, 2))
    y = (X[:, 0] + X[:, 1]) / (2 * EXTENT) + rng.uniform(-1, 1, n) * noise
    return X, y


def _bumps(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-EXTENT, EXTENT, (n, 2))
    centres = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    y = np.zeros(n)
    for cx, cy, sign in centres:
        y += sign * np.exp(-((X[:, 0] - cx) ** 2 + (X[:, 1] - cy) ** 2) / 2)
    return X, y + rng.uniform(-1, 1, n) * noise


#: The sets by name: (title, generator, task).
DATASETS: dict[str, tuple[str, Generator, str]] = {
    "circle": ("Circle", _circle, "classification"),
    "xor": ("Exclusive or", _xor, "classification"),
    "gaussian": ("Gaussian clusters", _gaussian, "classification"),
    "spiral": ("Spiral", _spiral, "classification"),
    "plane": ("Regression: plane", _plane, "regression"),
    "bumps": ("Regression: Gaussian bumps", _bumps, "regression"),
}


def generate(
    name: str, n: int = 500, noise: float = 0.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, str]:
    """The points, targets and task of the set ``name``.

    Parameters
    ----------
    name : {"circle", "xor", "gaussian", "spiral", "plane", "bumps"}
    n : int
        Number of points.
    noise : float
        In [0, 0.5]: how far the points (or, for regression, the targets) are jittered.
    seed : int
        Seed of the generator; the same seed gives the same points.

    Returns
    -------
    X : numpy.ndarray of shape (n, 2)
    y : numpy.ndarray of shape (n,)
        +1 / -1 for classification, a number in about [-1, 1] for regression.
    task : {"classification", "regression"}

    Examples
    --------
    >>> X, y, task = generate("xor", n=4, seed=0)
    >>> X.shape, sorted(set(y.tolist())), task
    ((4, 2), [-1.0, 1.0], 'classification')
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    _, make, task = DATASETS[name]
    X, y = make(n, noise, np.random.default_rng(seed))
    return X, y, task
