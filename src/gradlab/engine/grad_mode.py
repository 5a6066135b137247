"""Switching gradient recording on and off (`no_grad`, `enable_grad`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# A one-element list so that the tensor module reads the live value without a function call.
_enabled = [True]


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for backpropagation."""
    return _enabled[0]


class _GradMode:
    """Context manager and decorator that sets gradient recording for its block."""

    mode = True

    def __enter__(self) -> None:
        self._previous = _enabled[0]
        _enabled[0] = self.mode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _enabled[0] = self._previous

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Do not record operations: results have ``requires_grad=False``.

    Use it for inference and for parameter updates.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.Tensor([1.0, 2.0], requires_grad=True)
    >>> with gl.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block."""

    mode = True
