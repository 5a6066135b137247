"""`Optimizer`, the base of every optimizer: parameter groups, per-parameter state, checkpoints.

The layout follows ``torch.optim.Optimizer``: ``param_groups`` is a list of dicts, each with
``"params"`` (a list of tensors) and that group's hyper-parameters; ``state`` maps a parameter to
a dict of its buffers. Subclasses define ``_check_group`` (validation) and ``_update`` (the
algorithm for one parameter), and update ``p.data`` in place without touching ``p.grad``.
They may also define ``_kernels``, the same update as NumPy kernels on fixed arrays: when two
steps in a row see the same parameter and gradient arrays (a replayed training step), the
next steps run those kernels while nothing they read changes (`gradlab.optim.update_plan`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from gradlab.engine import Tensor, enable_grad
from gradlab.engine.kernels import Kernel, inline
from gradlab.engine.packing import merge, sibling
from gradlab.engine.tensor import Array
from gradlab.optim.update_plan import UpdatePlan

ParamGroup = dict[str, Any]
Params = Iterable[Tensor] | Iterable[Mapping[str, Any]]


# Plans kept for arrays that may come back (see `Optimizer.step`).
_KEPT_PLANS = 4


class Optimizer:
    """Base class of the optimizers, with PyTorch's ``param_groups`` and ``state_dict`` layout.

    Parameters
    ----------
    params : iterable of Tensor, or iterable of dict
        The tensors to optimise (e.g. ``model.parameters()``), or parameter groups: dicts with a
        ``"params"`` list and any hyper-parameters that override ``defaults`` for that group.
    defaults : dict
        The hyper-parameters of groups that do not set their own.

    Attributes
    ----------
    param_groups : list of dict
        One dict per group: ``"params"`` and the hyper-parameters (``"lr"``, ...). Schedules
        change ``group["lr"]``; each ``step()`` reads the current values.
    state : dict
        Parameter -> dict of its buffers (``"step"``, ``"exp_avg"``, ...), filled lazily.
    defaults : dict
    """

    def __init__(self, params: Params, defaults: Mapping[str, Any]) -> None:
        self.defaults: dict[str, Any] = dict(defaults)
        self.param_groups: list[ParamGroup] = []
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._scratch: dict[Tensor, tuple[Array, Array]] = {}
        self._work: dict[int, tuple[Array, Array]] = {}
        self._tiles: dict[str, dict[int, tuple[Array, Array]]] = {}
        # Arrays that the kernels of all parameters share while a plan is being built.
        self._shared: dict[Any, Any] = {}
        self._plan: UpdatePlan | None = None
        self._kept: list[UpdatePlan] = []  # the latest plans, most recent first
        self._seen: list[tuple[int, int, int]] = []
        for group in _as_groups(params, type(self).__name__):
            self.add_param_group(group)

    # ------------------------------------------------------------------------- groups
    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters, with hyper-parameters that override the defaults.

        Parameters
        ----------
        param_group : dict
            ``{"params": [tensors...], "lr": ..., ...}``.
        """
        name = type(self).__name__
        if not isinstance(param_group, Mapping) or "params" not in param_group:
            raise TypeError(
                f"{name}: a parameter group must be a dict with a 'params' entry; "
                f"got {type(param_group).__name__}."
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set | frozenset):
            raise TypeError(
                f"{name}: parameters must be given in a fixed order (a list, a tuple or "
                "model.parameters()), not a set."
            )
        params = list(params)
        if not params:
            raise ValueError(f"{name} got an empty parameter list; pass model.parameters().")
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name} can only optimise gradlab Tensors (Parameters); got "
                    f"{type(p).__name__}."
                )
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids) or seen.intersection(ids):
            raise ValueError(
                f"{name}: a parameter appears more than once (in one group or in several "
                "groups); list each parameter once."
            )
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        self._check_group(group)
        group["params"] = params
        self.param_groups.append(group)
        self._forget_plans()  # the new group's parameters are not in them

    def _check_group(self, group: ParamGroup) -> None:
        """Raise a ValueError naming any invalid hyper-parameter of ``group``."""

    # ---------------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter.

        Parameters
        ----------
        set_to_none : bool, default True
            Set ``p.grad`` to None (as PyTorch does); otherwise to a new array of zeros.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = np.zeros_like(p.data)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place; skip those whose grad is None.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with gradients enabled).

        Returns
        -------
        The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        plan = self._plan
        if plan is not None:
            if plan.holds(self):
                plan.run()
                return loss
            self._plan = None
        # A plan of other arrays that hold again (an epoch's full batches after its smaller
        # last one) is taken up again rather than built anew.
        for plan in self._kept:
            if plan.holds(self):
                self._plan = plan
                plan.run()
                return loss
        all_state = self.state
        entries = []
        for group in self.param_groups:
            settings = self._settings(group)
            for p in group["params"]:
                grad = p.grad
                entries.append((p, p.data, grad))
                if grad is None:
                    continue
                if grad.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}: a parameter of shape {p.data.shape} has a "
                        f"gradient of shape {grad.shape}; gradients must match their parameter."
                    )
                state = all_state.get(p)
                if state is None:
                    state = all_state[p] = {}
                self._update(p, grad, state, settings)
        self._remember(entries)
        return loss

    @property
    def planned(self) -> bool:
        """Whether the latest `step` left an update plan: its kernels are the next step while
        nothing they read changes (`gradlab.optim.update_plan`), and `repeat_step` runs them
        (never for a subclass with a `step` of its own, which must run)."""
        return self._plan is not None and self._plan.repeatable

    def repeat_step(self) -> bool:
        """`step` again, right after a `step` that left a plan (`planned`), when only the
        values of the parameters and of their gradients changed since, not their arrays: the
        plan's kernels without its checks. False, having done nothing, without a plan.

        `gradlab.fit` uses it between two replayed batches, where no other code runs.

        Examples
        --------
        >>> import numpy as np
        >>> import gradlab as gl
        >>> w = gl.nn.Parameter([1.0])
        >>> opt = gl.optim.SGD([w], lr=0.5)
        >>> w.grad = np.array([1.0])
        >>> opt.step(); opt.step()  # the same arrays twice: a plan for the next steps
        >>> w.grad[...] = 2.0
        >>> opt.planned, opt.repeat_step(), w.data
        (True, True, array([-1.]))
        """
        plan = self._plan
        if plan is None or not plan.repeatable:
            return False
        plan.run()
        return True

    def _remember(self, entries: list[tuple[Tensor, Array, Array | None]]) -> None:
        """Plan the next steps when this one updated the same arrays from the same gradient
        arrays as the previous one (a replayed training step), and each update has kernels."""
        seen = [(id(p), id(data), id(grad)) for p, data, grad in entries]
        repeated, self._seen = seen == self._seen, seen
        if not repeated or not _plans_its_update(type(self)):
            return
        per_parameter: list[list[Kernel]] = []
        self._shared = {}
        try:
            for group in self.param_groups:
                settings = self._settings(group)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    built = self._kernels(p, p.grad, self.state[p], settings)
                    if built is None:
                        return
                    per_parameter.append(inline(built))
        finally:
            self._shared = {}
        # Parameters packed in one buffer, with their gradients and work arrays in theirs:
        # an elementwise update runs once over the buffers.
        kernels = merge(per_parameter) or [k for built in per_parameter for k in built]
        self._plan = UpdatePlan(self, entries, kernels, repeatable=_own_step(type(self)))
        self._kept = [self._plan, *self._kept[: _KEPT_PLANS - 1]]

    def _forget_plans(self) -> None:
        self._plan = None
        self._kept = []

    def _kernels(
        self, p: Tensor, grad: Array, state: dict[str, Any], group: Any
    ) -> list[Kernel] | None:
        """The next ``_update`` of ``p`` as kernels on its arrays, valid while ``group``'s
        settings, ``state`` and both arrays stay as they are; None (the default) keeps the
        Python update."""
        return None

    def _settings(self, group: ParamGroup) -> Any:
        """What ``_update`` reads of ``group``, read once per group and step (the built-in
        optimizers return their hyper-parameters as floats); the group itself by default."""
        return group

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: Any) -> None:
        raise NotImplementedError

    def _state_zeros(self, data: Array, key: str) -> Array:
        """Zeros shaped like ``data`` for the state entry ``key``: for a packed parameter
        (`gradlab.nn.pack_parameters`), its place in one buffer per entry, so that a plan may
        update every parameter's entry in one call (`gradlab.engine.packing.merge`)."""
        array = sibling(data, self._tiles.setdefault(key, {}))
        if array is None:
            return np.zeros_like(data)
        array[...] = 0
        return array

    def _buffer(self, p: Tensor) -> Array:
        """A work array shaped like ``p.data``, reused across steps (never part of the state)."""
        data = p.data
        kept = self._scratch.get(p)
        # Keyed on the parameter's array itself: comparing shapes and dtypes every step costs
        # more than the update of a small parameter.
        if kept is not None and kept[0] is data:
            return kept[1]
        # A packed parameter's work array lies at its place in a packed work buffer.
        buffer = sibling(data, self._work)
        if buffer is None:
            buffer = np.empty_like(data)
        self._scratch[p] = (data, buffer)
        return buffer

    # -------------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        """A copy of the state and hyper-parameters, with parameters named by their index.

        Returns
        -------
        dict
            ``{"state": {index: {name: array or number}}, "param_groups": [{..., "params":
            [indices]}]}``, as in PyTorch; indices count parameters across groups in order.
            Arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore state and hyper-parameters saved by `state_dict` over the same parameters.

        Parameters
        ----------
        state_dict : dict
            As returned by `state_dict` of an optimizer of the same kind whose groups hold the
            same number of parameters of the same shapes. Arrays are copied.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict expects a dict with 'state' and 'param_groups', as "
                "returned by state_dict()."
            )
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"the saved state has {len(saved_groups)} parameter groups but this {name} has "
                f"{len(self.param_groups)}; load it into an optimizer built the same way."
            )
        by_index: dict[int, Tensor] = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"parameter group {i} of the saved state has {len(saved['params'])} "
                    f"parameters but this {name}'s has {len(group['params'])}."
                )
            by_index.update(zip(saved["params"], group["params"], strict=True))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for key, entries in state_dict["state"].items():
            if key not in by_index:
                raise ValueError(f"the saved state names parameter {key!r}, which no group holds.")
            p = by_index[key]
            restored = {}
            for field, value in entries.items():
                if isinstance(value, np.ndarray):
                    if value.shape != p.data.shape:
                        raise ValueError(
                            f"saved state {field!r} of parameter {key} has shape {value.shape} "
                            f"but the parameter has shape {p.data.shape}."
                        )
                    value = np.array(value, dtype=p.data.dtype)
                restored[field] = copy.deepcopy(value)
            new_state[p] = restored
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            restored_group = {k: copy.deepcopy(v) for k, v in saved.items() if k != "params"}
            self._check_group({**self.defaults, **restored_group})
            restored_group["params"] = group["params"]
            new_groups.append(restored_group)
        self.state = new_state
        self.param_groups = new_groups
        self._forget_plans()  # recorded over the replaced state and groups

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join([*lines, ")"])


def _own_step(cls: type) -> bool:
    """Whether ``cls`` steps with `Optimizer.step` (a plan may then stand for its step)."""
    return _defining(cls, "step") is Optimizer


def _plans_its_update(cls: type) -> bool:
    """Whether ``cls``'s `_kernels` are its `_update`'s: both come from one class (a subclass
    that overrides `_update` alone keeps its own Python update)."""
    return _defining(cls, "_kernels") is _defining(cls, "_update")


_DEFINING: dict[tuple[type, str], type] = {}


def _defining(cls: type, name: str) -> type:
    """The class in ``cls``'s MRO that defines ``name``, found once per class (it runs on
    every step that could plan or repeat)."""
    found = _DEFINING.get((cls, name))
    if found is None:
        found = _DEFINING[cls, name] = next(k for k in cls.__mro__ if name in vars(k))
    return found


def _as_groups(params: Any, name: str) -> list[Mapping[str, Any]]:
    if isinstance(params, Tensor):
        raise TypeError(
            f"{name} expects an iterable of Tensors or of parameter-group dicts, got a single "
            "Tensor; wrap it in a list: [tensor]."
        )
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(
            f"{name} expects parameters, got the {type(params).__name__} module itself; "
            "pass model.parameters()."
        )
    if isinstance(params, Mapping) or not isinstance(params, Iterable):
        raise TypeError(
            f"{name} expects an iterable of Tensors or of parameter-group dicts; got "
            f"{type(params).__name__}."
        )
    items = list(params)
    if not items:
        raise ValueError(f"{name} got an empty parameter list; pass model.parameters().")
    dicts = [isinstance(item, Mapping) for item in items]
    if all(dicts):
        return items
    if any(dicts):
        raise TypeError(f"{name}: give either Tensors or parameter-group dicts, not a mixture.")
    return [{"params": items}]


def followed_gradient(grad: Array, data: Array, maximize: bool, weight_decay: float) -> Array:
    """The gradient a step follows: g' = (-g if maximize else g) + weight_decay * theta.

    A new array whenever it differs from ``grad``: ``p.grad`` itself is never modified.

    Examples
    --------
    >>> import numpy as np
    >>> followed_gradient(np.array([1.0]), np.array([2.0]), maximize=True, weight_decay=0.5)
    array([0.])
    """
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * data
    return grad


# ---------------------------------------------------------------- hyper-parameter checks
def check_number(optimizer: str, key: str, value: Any) -> float:
    """``value`` as a float; a TypeError or ValueError unless it is a finite real number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{optimizer} got {key}={value!r}; {key} must be a number.")
    if not math.isfinite(value):
        raise ValueError(f"{optimizer} got {key}={value!r}; {key} must be finite.")
    return float(value)


def check_nonnegative(optimizer: str, group: ParamGroup, *keys: str) -> None:
    """Raise a ValueError unless each ``group[key]`` is a finite number >= 0."""
    for key in keys:
        if check_number(optimizer, key, group[key]) < 0:
            raise ValueError(f"{optimizer} got {key}={group[key]!r}; {key} must be >= 0.")


def check_fraction(optimizer: str, key: str, value: Any) -> None:
    """Raise a ValueError unless ``value`` lies in [0, 1)."""
    if not 0 <= check_number(optimizer, key, value) < 1:
        raise ValueError(f"{optimizer} got {key}={value!r}; {key} must lie in [0, 1).")


def check_flags(optimizer: str, group: ParamGroup, *keys: str) -> None:
    """Raise a TypeError unless each ``group[key]`` is a bool."""
    for key in keys:
        if not isinstance(group[key], bool | np.bool_):
            raise TypeError(f"{optimizer} got {key}={group[key]!r}; {key} must be True or False.")
