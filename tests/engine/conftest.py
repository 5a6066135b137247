"""Fixtures of the engine tests."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pytest


@pytest.fixture
def strict_numerics() -> Iterator[None]:
    """Make every NumPy floating-point condition except underflow, and every warning, an error.

    Underflow is exempt because flushing to zero is the correctly rounded answer (sigmoid(-1e4)
    is 0 in float32 and float64), as gradlab/engine/activations.py documents, and it is the one
    condition NumPy itself ignores by default.
    """
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
