"""A playground session: one network, its data and optimizer, trained step by step.

Everything numeric is gradlab's: the network is a `Sequential` of `Linear` layers and
activations, a step is the engine's forward and backward pass (through `gradlab.explain` when
the page wants the formulas, which records the same pass) and the optimizer's ``step()``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from gradlab.engine import Tensor, no_grad
from gradlab.losses.registry import get as get_loss
from gradlab.nn import Linear, Sequential, activations
from gradlab.optim.registry import get as get_optimizer
from gradlab.playground import data as data_module
from gradlab.playground.state import MAX_STEPS_PER_REQUEST, SettingsError, normalise
from gradlab.playground.worked_examples import EXAMPLES
from gradlab.training.penalty import PENALTIES

#: Networks up to this many parameters have every formula of the step written out.
MAX_EXPLAINED_PARAMETERS = 64
MAX_EXPLAINED_SAMPLES = 10


class Session:
    """The network, data and training state behind one page.

    Parameters
    ----------
    state : dict
        The page's settings (see `gradlab.playground.state.normalise`).

    Examples
    --------
    >>> session = Session({"data": {"source": "example", "name": "relu_2_2_1"}})
    >>> _ = session.step()
    >>> float(session.model[2].weight.data[0, 0])
    0.985
    """

    def __init__(self, state: Any) -> None:
        self.settings, self.notes = normalise(state)
        self.data = data_module.load(self.settings["data"], self.notes)
        self.loss_name = self.settings["loss"]
        try:
            self.loss_fn = get_loss(self.loss_name)
        except ValueError as error:
            raise SettingsError(str(error)) from None
        self.model = self._build()
        self.initial = [p.data.copy() for p in self.model.parameters()]
        self.names = self._names()
        #: Every parameter entry's label by key, filled in by the first view.
        self.labels: dict[str, str] | None = None
        self.reset()

    # ------------------------------------------------------------------ building
    def _sizes(self) -> list[int]:
        n_out = self.data.n_outputs(self.loss_name)
        return [self.data.X.shape[1], *(h["units"] for h in self.settings["hidden"]), n_out]

    def _activations(self) -> list[str]:
        return [*(h["activation"] for h in self.settings["hidden"]),
                self.settings["output_activation"]]  # fmt: skip

    def _build(self) -> Sequential:
        sizes, acts = self._sizes(), self._activations()
        weights = self._typed_in(sizes)
        modules: list[Any] = []
        for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
            if weights is not None:
                layer = weights[k]
                linear = Linear.from_values(layer["weight"], layer.get("bias"))
            else:
                linear = Linear(n_in, n_out, rng=np.random.default_rng([self.settings["seed"], k]))
            modules += [linear, activations.get(acts[k])]
        return Sequential(*modules)

    def _typed_in(self, sizes: list[int]) -> list[dict[str, Any]] | None:
        """The weights the settings give, if they fit the layers (else None, with a note)."""
        weights = self.settings.get("weights")
        if weights is None:
            return None
        fits = isinstance(weights, list) and len(weights) == len(sizes) - 1
        for k, layer in enumerate(weights if fits else []):
            if not isinstance(layer, dict):
                raise SettingsError(f"weights of layer {k + 1} must be {{weight, bias}}")
            w = _array(layer.get("weight"), f"layer {k + 1} weight", 2)
            b = layer.get("bias")
            b = None if b is None else _array(b, f"layer {k + 1} bias", 1)
            fits = fits and w.shape == (sizes[k], sizes[k + 1])
            fits = fits and (b is None or b.shape == (sizes[k + 1],))
        if not fits:
            self.notes.append(
                "the weights given do not fit these layers; drawn at random with seed "
                f"{self.settings['seed']}"
            )
            self.settings["weights"] = None
            return None
        return weights

    def _names(self) -> dict[str, Any] | None:
        source = self.settings["data"]
        if source["source"] != "example":
            return {"inputs": self.data.inputs} if self._plain(self.data.inputs) else None
        names = EXAMPLES[source["name"]].names
        # The tutorial's names describe its own layers only.
        sizes = [
            self.data.X.shape[1],
            *(len(w[0]) for w, _, _ in EXAMPLES[source["name"]].layers()),
        ]
        return dict(names) if sizes == self._sizes() else None

    @staticmethod
    def _plain(names: list[str]) -> bool:
        return all(name.isidentifier() for name in names) and len(set(names)) == len(names)

    def _optimizer(self) -> Any:
        try:
            return get_optimizer(self.settings["optimizer"], self.model.parameters(),
                                 lr=self.settings["lr"])  # fmt: skip
        except (ValueError, TypeError) as error:
            raise SettingsError(str(error)) from None

    # ------------------------------------------------------------------ training
    def reset(self) -> None:
        """Back to the initial weights, a fresh optimizer and the first batch."""
        for parameter, value in zip(self.model.parameters(), self.initial, strict=True):
            parameter.data[...] = value
            parameter.grad = None
        self.optimizer = self._optimizer()
        weights = [m.weight for m in self.model if isinstance(m, Linear)]
        name, rate = self.settings["regularization"], self.settings["reg_rate"]
        self.penalty = PENALTIES[name](weights, rate) if name in PENALTIES and rate > 0 else None
        self.rng = np.random.default_rng([self.settings["seed"], 2])
        self.order = np.empty(0, dtype=np.int64)
        self.steps = 0
        self.history: dict[str, list[float]] = {"train": [], "test": []}
        self.last_trace: Any = None
        self._record_losses()

    def _batch(self) -> np.ndarray:
        train = self.data.train
        size = min(self.settings["batch_size"], train.size)
        if self.order.size < size:
            self.order = np.concatenate([self.order, self.rng.permutation(train)])
        batch, self.order = self.order[:size], self.order[size:]
        return np.sort(batch)

    @property
    def n_parameters(self) -> int:
        return sum(p.size for p in self.model.parameters())

    def explainable(self, rows: int) -> bool:
        return (self.n_parameters <= MAX_EXPLAINED_PARAMETERS
                and rows <= MAX_EXPLAINED_SAMPLES)  # fmt: skip

    def step(self, count: int = 1, explain: bool = True) -> Any:
        """Train ``count`` steps; with ``explain`` the last one is traced (returned)."""
        if not 1 <= count <= MAX_STEPS_PER_REQUEST:
            raise SettingsError(f"steps must be between 1 and {MAX_STEPS_PER_REQUEST}")
        trace = None
        for k in range(count):
            rows = self._batch()
            x, y = self.data.X[rows], self.data.targets(rows, self.loss_name)
            self.optimizer.zero_grad()
            if explain and k == count - 1:
                trace = self._explained(x, y)
            else:
                loss = self.loss_fn(self.model(Tensor(x)), y)
                loss.backward()
                if self.penalty is not None:
                    self.penalty.add_gradient(total=float(len(rows)))
                self.optimizer.step()
            self.steps += 1
        self.last_trace = trace
        self._record_losses()
        return trace

    def _explained(self, x: np.ndarray, y: np.ndarray) -> Any:
        """The traced step: `gradlab.explain`'s pass, then the optimizer's step."""
        from gradlab.glassbox import explain
        from gradlab.glassbox.optimizer_update import optimizer_step

        detail = "auto" if self.explainable(len(x)) else "summary"
        trace = explain(self.model, x, y, loss=self.loss_name, lr=self.settings["lr"],
                        names=self.names, detail=detail, max_parameters=MAX_EXPLAINED_PARAMETERS,
                        max_samples=MAX_EXPLAINED_SAMPLES)  # fmt: skip
        # The optimizer's own step (with the penalty), its update rows written from it.
        return optimizer_step(trace, self.model, self.optimizer, names=self.names,
                              penalty=self.penalty, total=float(len(x)))  # fmt: skip

    def loss_of(self, rows: np.ndarray) -> float | None:
        if rows.size == 0:
            return None
        with no_grad():
            out = self.model(Tensor(self.data.X[rows]))
            value = float(self.loss_fn(out, self.data.targets(rows, self.loss_name)).item())
        return value if math.isfinite(value) else None

    def _record_losses(self) -> None:
        self.history["train"].append(_or_nan(self.loss_of(self.data.train)))
        self.history["test"].append(_or_nan(self.loss_of(self.data.test)))

    # ------------------------------------------------------------------ editing
    def set_value(self, key: str, value: Any) -> None:
        """Type in one weight or bias: ``key`` like ``"2.weight[0,0]"`` or ``"0.bias[1]"``."""
        from gradlab.playground.state import number

        parameters = dict(self.model.named_parameters())
        name, _, index_text = key.partition("[")
        if name not in parameters or not index_text.endswith("]"):
            raise SettingsError(f"no weight or bias called {key!r}")
        try:
            index = tuple(int(i) for i in index_text[:-1].split(","))
        except ValueError:
            raise SettingsError(f"no weight or bias called {key!r}") from None
        tensor = parameters[name]
        if len(index) != tensor.ndim or any(
            not 0 <= i < n for i, n in zip(index, tensor.shape, strict=False)
        ):
            raise SettingsError(f"{key} is outside {name}, of shape {tensor.shape}")
        tensor.data[index] = number(value, key, -1e6, 1e6)
        self._record_losses()

    def current_weights(self) -> list[dict[str, Any]]:
        """Every layer's weight and bias at full precision (JSON keeps a float exactly)."""
        result = []
        for module in self.model:
            if isinstance(module, Linear):
                bias = None if module.bias is None else module.bias.data.tolist()
                result.append({"weight": module.weight.data.tolist(), "bias": bias})
        return result

    def shared_state(self) -> dict[str, Any]:
        """The settings with the current weights: what a link reproduces."""
        return {**self.settings, "weights": self.current_weights()}


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def _array(value: Any, key: str, ndim: int) -> np.ndarray:
    """``value`` as a float array of ``ndim`` dimensions, all finite, or SettingsError."""
    what = "a table of numbers" if ndim == 2 else "a list of numbers"
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be {what}") from None
    if array.ndim != ndim or not np.isfinite(array).all():
        raise SettingsError(f"{key} must be {what}, all finite")
    return array
