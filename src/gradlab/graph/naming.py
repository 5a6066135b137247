"""Names of every number in a trace: the user's, or one default scheme (layer, input, neuron).

Defaults for a layered network: inputs ``x[i]``; Linear layer ``l`` (counted from 1) has
weights ``Wl[i,j]`` (from input i into neuron j, LaTeX ``w^{(l)}_{i,j}``), biases ``bl[j]``,
weighted sums ``zl[j]``, activations ``al[j]`` and deltas ``δl[j]``; targets ``y`` (or
``y[j]``) and the loss ``L``.

The user overrides any of them with ``names``, keyed like the model's parameters::

    names = {
        "inputs": ["x1", "x2"],
        "0.weight": [["w1", "w2"], ["w3", "w4"]],   # shape (in_features, out_features)
        "0.bias": ["bias1", "bias2"],
        "0.neurons": ["1", "2"],                    # z1, a1, δ1 and z2, a2, δ2
        "2.weight": [["w5"], ["w6"]], "2.bias": ["bias3"], "2.neurons": ["3"],
        "targets": ["y"],
    }
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.graph.labels import Label
from gradlab.graph.structure import DenseLayer

_LETTERS_DIGITS = re.compile(r"^([A-Za-z]+)_?(\d+)$")
_LETTERS_UNDERSCORE = re.compile(r"^([A-Za-z]+)_([A-Za-z0-9]+)$")
_GREEK = {"delta": r"\delta", "eta": r"\eta", "sigma": r"\sigma", "theta": r"\theta"}


def latex_name(text: str) -> str:
    """A LaTeX spelling of a user's name: ``w13`` -> ``w_{13}``, ``bias1`` -> ``bias_{1}`` in
    upright letters."""
    match = _LETTERS_DIGITS.match(text) or _LETTERS_UNDERSCORE.match(text)
    if match:
        return f"{_latex_word(match.group(1))}_{{{match.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]+", text):
        return _latex_word(text)
    escaped = re.sub(r"([_#%&$])", r"\\\1", text)
    return rf"\mathrm{{{escaped}}}"


def _latex_word(word: str) -> str:
    if len(word) == 1:
        return word
    return _GREEK.get(word, rf"\mathrm{{{word}}}")


def user_label(text: str) -> Label:
    """The label of a name the user chose."""
    return Label(text, latex_name(text))


@dataclass(frozen=True)
class LayerLabels:
    """Names in one dense layer: ``weight[i][j]``, ``bias[j]``, and per neuron z, a, δ."""

    weight: list[list[Label]]
    bias: list[Label] | None
    z: list[Label]
    a: list[Label]
    delta: list[Label]


@dataclass(frozen=True)
class NetworkLabels:
    """Every name of a layered network."""

    inputs: list[Label]
    layers: list[LayerLabels]
    targets: list[Label]
    loss: Label


@dataclass(frozen=True)
class Entry:
    """One number of one parameter: its label, the tensor and the index inside it."""

    label: Label
    tensor: Tensor
    index: tuple[int, ...]
    key: str

    @property
    def value(self) -> float:
        return float(self.tensor.data[self.index])

    @property
    def grad(self) -> float:
        grad = self.tensor.grad
        return 0.0 if grad is None else float(grad[self.index])


def _check_keys(names: Mapping[str, Any], valid: Sequence[str]) -> None:
    unknown = [k for k in names if k not in valid]
    if unknown:
        raise ValueError(
            f"names has unknown keys {unknown}; valid keys for this model are {list(valid)}."
        )


def _flat_names(value: Any, length: int, key: str) -> list[str]:
    items = list(value) if isinstance(value, list | tuple) else None
    if items is None or len(items) != length or not all(isinstance(v, str) for v in items):
        raise ValueError(f"names[{key!r}] must be a list of {length} strings; got {value!r}.")
    return items


def _matrix_names(value: Any, shape: tuple[int, int], key: str) -> list[list[str]]:
    rows = list(value) if isinstance(value, list | tuple) else None
    ok = rows is not None and len(rows) == shape[0]
    if ok and rows is not None:
        ok = all(
            isinstance(r, list | tuple)
            and len(r) == shape[1]
            and all(isinstance(v, str) for v in r)
            for r in rows
        )
    if not ok or rows is None:
        raise ValueError(
            f"names[{key!r}] must be a nested list of strings of shape {shape} (in_features, "
            f"out_features), row i for input i, column j for neuron j; got {value!r}."
        )
    return [list(r) for r in rows]


def network_labels(
    layers: Sequence[DenseLayer], names: Mapping[str, Any] | None, n_targets: int | None = None
) -> NetworkLabels:
    """The labels of a layered network, from ``names`` where given, else the default scheme.

    Raises
    ------
    ValueError
        For unknown keys, lists of the wrong shape and names used twice.
    """
    names = dict(names or {})
    valid = ["inputs", "targets", "loss"]
    for layer in layers:
        valid += [layer.prefix + s for s in ("weight", "bias", "neurons")]
    _check_keys(names, valid)
    n_in = layers[0].linear.in_features
    n_out = layers[-1].linear.out_features if n_targets is None else n_targets
    if "inputs" in names:
        inputs = [user_label(s) for s in _flat_names(names["inputs"], n_in, "inputs")]
    else:
        inputs = [Label(f"x[{i}]", f"x_{{{i}}}") for i in range(n_in)]
    result = []
    for layer in layers:
        result.append(_layer_labels(layer, names))
    if "targets" in names:
        targets = [user_label(s) for s in _flat_names(names["targets"], n_out, "targets")]
    elif n_out == 1:
        targets = [Label("y", "y")]
    else:
        targets = [Label(f"y[{j}]", f"y_{{{j}}}") for j in range(n_out)]
    loss = user_label(names["loss"]) if "loss" in names else Label("L", "L")
    labels = NetworkLabels(inputs, result, targets, loss)
    _check_unique(labels)
    return labels


def _layer_labels(layer: DenseLayer, names: Mapping[str, Any]) -> LayerLabels:
    n_in, n_out, k = layer.linear.in_features, layer.linear.out_features, layer.number
    key = layer.prefix + "weight"
    if key in names:
        weight = [
            [user_label(s) for s in row] for row in _matrix_names(names[key], (n_in, n_out), key)
        ]
    else:
        weight = [
            [Label(f"W{k}[{i},{j}]", f"w^{{({k})}}_{{{i},{j}}}") for j in range(n_out)]
            for i in range(n_in)
        ]
    bias = None
    key = layer.prefix + "bias"
    if layer.linear.bias is not None:
        if key in names:
            bias = [user_label(s) for s in _flat_names(names[key], n_out, key)]
        else:
            bias = [Label(f"b{k}[{j}]", f"b^{{({k})}}_{{{j}}}") for j in range(n_out)]
    elif key in names:
        raise ValueError(f"names[{key!r}] is given but layer {k} has no bias.")
    key = layer.prefix + "neurons"
    if key in names:
        tags = _flat_names(names[key], n_out, key)
        z = [Label(f"z{t}", f"z_{{{t}}}") for t in tags]
        a = [Label(f"a{t}", f"a_{{{t}}}") for t in tags]
        delta = [Label(f"δ{t}", rf"\delta_{{{t}}}") for t in tags]
    else:
        z = [Label(f"z{k}[{j}]", f"z^{{({k})}}_{{{j}}}") for j in range(n_out)]
        a = [Label(f"a{k}[{j}]", f"a^{{({k})}}_{{{j}}}") for j in range(n_out)]
        delta = [Label(f"δ{k}[{j}]", rf"\delta^{{({k})}}_{{{j}}}") for j in range(n_out)]
    return LayerLabels(weight, bias, z, a, delta)


def _check_unique(labels: NetworkLabels) -> None:
    seen: dict[str, str] = {}
    groups: list[tuple[str, list[Label]]] = [("inputs", labels.inputs)]
    for k, layer in enumerate(labels.layers, start=1):
        groups.append((f"layer {k} weights", [w for row in layer.weight for w in row]))
        groups.append((f"layer {k} biases", layer.bias or []))
        groups.append((f"layer {k} neurons", layer.z + layer.a))
    for where, group in groups:
        for label in group:
            if label.text in seen:
                raise ValueError(
                    f"the name {label.text!r} is used twice ({seen[label.text]} and {where}); "
                    "give every number its own name."
                )
            seen[label.text] = where


def dense_entries(
    layers: Sequence[DenseLayer], labels: NetworkLabels
) -> list[tuple[DenseLayer, str, list[Entry]]]:
    """Per layer, its weight entries and then its bias entries, labelled, in reading order."""
    result = []
    for layer, names in zip(layers, labels.layers, strict=True):
        weight = layer.linear.weight
        entries = [
            Entry(names.weight[i][j], weight, (i, j), f"{layer.prefix}weight[{i},{j}]")
            for i in range(weight.shape[0])
            for j in range(weight.shape[1])
        ]
        result.append((layer, "weight", entries))
        if layer.linear.bias is not None and names.bias is not None:
            bias = layer.linear.bias
            entries = [
                Entry(names.bias[j], bias, (j,), f"{layer.prefix}bias[{j}]")
                for j in range(bias.shape[0])
            ]
            result.append((layer, "bias", entries))
    return result


def tensor_entries(name: str, tensor: Tensor) -> list[Entry]:
    """The entries of a tensor called ``name``: the name itself for one number, else
    ``name[i]`` / ``name[i,j]``."""
    if tensor.size == 1:
        index = (0,) * tensor.ndim
        return [Entry(user_label(name), tensor, index, name)]
    entries = []
    for index in np.ndindex(*tensor.shape):
        text = f"{name}[{','.join(str(i) for i in index)}]"
        latex = f"{latex_name(name)}_{{{','.join(str(i) for i in index)}}}"
        entries.append(Entry(Label(text, latex), tensor, tuple(index), text))
    return entries


def parameter_entries(model: Any, names: Mapping[str, Any] | None = None) -> list[Entry]:
    """Every trainable number of a `Module`, labelled: the layered scheme for a dense network,
    the dotted parameter names (``"3.weight[0,1]"``) for any other module."""
    from gradlab.graph.structure import dense_layers

    layers = dense_layers(model)
    if layers is not None:
        labels = network_labels(layers, names)
        return [e for _, _, entries in dense_entries(layers, labels) for e in entries]
    if names:
        raise ValueError(
            "names= is only understood for Sequential networks of Linear layers and "
            "activations; for other models name the tensors themselves (tensor.name = ...)."
        )
    entries = []
    for dotted, parameter in model.named_parameters():
        entries += tensor_entries(dotted, parameter)
    return entries
