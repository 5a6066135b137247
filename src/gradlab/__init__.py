"""gradlab: neural networks in which every number of backpropagation can be seen and checked.

The engine (`Tensor`, its operations, `no_grad`, `gradcheck`) is available at the top level::

    import gradlab as gl
    w = gl.Tensor([[0.5, -0.2]], requires_grad=True)
"""

import importlib
from typing import Any

from gradlab import io, losses, nn, optim, training
from gradlab.checking import gradcheck
from gradlab.engine import *  # noqa: F403
from gradlab.engine import __all__ as _engine_all
from gradlab.io import load, save
from gradlab.training import fit, predict

__version__ = "0.1.0"
__all__ = [
    *_engine_all,
    "__version__",
    "explain",  # noqa: F405 - loaded lazily by __getattr__
    "fit",
    "gradcheck",
    "io",
    "load",
    "losses",
    "nn",
    "optim",
    "predict",
    "save",
    "symbolic",  # noqa: F405 - loaded lazily by __getattr__
    "training",
]


def __getattr__(name: str) -> Any:
    # The glass-box views load on first use, keeping `import gradlab` quick.
    if name in ("explain", "symbolic"):
        return importlib.import_module(f"gradlab.{name}")
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")
