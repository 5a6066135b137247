"""Training one model across processes or machines: `fit`, data-parallel on Ray.

Ray is imported only when `fit` runs (``pip install "gradlab[ray]"``).
"""

from gradlab.distributed.ray_fit import fit

__all__ = ["fit"]
