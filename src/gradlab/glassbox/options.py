"""The options of one `explain` call, checked once and handed to the trace builders."""

from __future__ import annotations

import math
from dataclasses import dataclass

DETAILS = ("auto", "full", "summary")


@dataclass(frozen=True)
class ExplainOptions:
    """How to build a trace: the step to take and how much of it to write out.

    Attributes
    ----------
    lr : float
        Learning rate of the gradient-descent update shown (finite, >= 0).
    decimals : int or None
        Default decimals of the renderings (display only; the trace keeps full values).
    full : bool or None
        True writes every number, False gives the per-layer (per-operation) summary, None
        decides from the limits below.
    step : bool
        Also apply the update to the parameters (a real training step).
    max_parameters, max_samples : int
        Largest layered network (parameters, samples) written in full when ``full`` is None.
    max_nodes : int
        Most operations of a graph written in full when ``full`` is None.
    """

    lr: float = 0.01
    decimals: int | None = None
    full: bool | None = None
    step: bool = False
    max_parameters: int = 64
    max_samples: int = 8
    max_nodes: int = 200

    @classmethod
    def checked(
        cls,
        *,
        lr: float,
        detail: str,
        decimals: int | None,
        step: bool,
        max_parameters: int,
        max_samples: int,
        max_nodes: int,
    ) -> ExplainOptions:
        """The options of `explain`'s keyword arguments, or ValueError naming the bad one."""
        if (
            isinstance(lr, bool)
            or not isinstance(lr, int | float)
            or not math.isfinite(lr)
            or lr < 0
        ):
            raise ValueError(f"lr must be a finite number >= 0; got {lr!r}.")
        if detail not in DETAILS:
            raise ValueError(f"detail must be one of {DETAILS}; got {detail!r}.")
        if decimals is not None and (
            isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0
        ):
            raise ValueError(f"decimals must be None or an integer >= 0; got {decimals!r}.")
        return cls(
            lr=float(lr),
            decimals=decimals,
            full={"auto": None, "full": True, "summary": False}[detail],
            step=step,
            max_parameters=max_parameters,
            max_samples=max_samples,
            max_nodes=max_nodes,
        )
