"""Functional forms of the layers: ``linear(x, W, b) = x @ W + b`` (an engine op)."""

from gradlab.engine.linear import as_input, linear

__all__ = ["as_input", "linear"]
