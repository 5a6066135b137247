"""``gradlab explain``: every number of one training step of a small network, in the terminal.

The network, input, target, loss and learning rate come from a small TOML or JSON file, or from
flags (which override the file). With no arguments it walks through the 2-2-1 ReLU network
worked by hand, its weights typed in. A file looks like::

    input = [1, 0]
    target = [2]
    loss = "mse"
    lr = 0.01
    input_names = ["x1", "x2"]

    [[layers]]
    weight = [[1, 0.5], [1, -0.5]]     # (inputs, neurons): row i holds the weights from input i
    bias = [0.5, 0]
    activation = "relu"
    weight_names = [["w1", "w2"], ["w3", "w4"]]
    bias_names = ["bias1", "bias2"]
    neurons = ["1", "2"]

    [[layers]]
    weight = [[1], [1]]
    bias = [0.5]
    activation = "relu"

Instead of ``layers``, ``sizes = [2, 3, 1]`` with ``activation``, ``output_activation`` and
``seed`` builds a randomly initialised MLP.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

from gradlab.cli import options
from gradlab.cli.main import UsageError

EXAMPLES = """\
examples:
  gradlab explain                               # the 2-2-1 ReLU network worked by hand
  gradlab explain net.toml --decimals 4
  gradlab explain --sizes 2,3,1 --activation sigmoid --input 2,9 --target 0.92 --seed 0
  gradlab explain net.json --input "1,0; 0,1" --target "2; 1"   # a batch of two samples
  gradlab explain net.toml --format markdown > step.md
  gradlab explain net.toml --plot network.png --dot graph.dot
"""


def worked_example(name: str) -> dict[str, Any]:
    """A worked example of `gradlab.playground.worked_examples` as the settings of a file."""
    from gradlab.playground.worked_examples import EXAMPLES

    example = EXAMPLES[name]
    layers = []
    for k, (weight, bias, activation) in enumerate(example.layers()):
        layer: dict[str, Any] = {"weight": weight, "bias": bias, "activation": activation}
        for option, suffix in (
            ("weight_names", "weight"),
            ("bias_names", "bias"),
            ("neurons", "neurons"),
        ):
            if f"{2 * k}.{suffix}" in example.names:
                layer[option] = example.names[f"{2 * k}.{suffix}"]
        layers.append(layer)
    one = len(example.X) == 1
    config: dict[str, Any] = {
        "input": example.X[0] if one else example.X,
        "target": example.y[0] if one else example.y,
        "loss": example.loss,
        "lr": example.lr,
        "layers": layers,
    }
    if "inputs" in example.names:
        config["input_names"] = example.names["inputs"]
    return config


#: The 2-2-1 ReLU network worked by hand: one sample, squared error, lr 0.01.
RELU_2_2_1: dict[str, Any] = worked_example("relu_2_2_1")

_TOP_KEYS = {
    "input",
    "target",
    "loss",
    "lr",
    "decimals",
    "layers",
    "input_names",
    "target_names",
    "sizes",
    "activation",
    "output_activation",
    "seed",
    "detail",
}
_LAYER_KEYS = {"weight", "bias", "activation", "weight_names", "bias_names", "neurons"}
FORMATS = ("text", "ascii", "markdown", "latex", "html", "json")


def add_parser(subparsers: Any) -> None:
    """Register ``gradlab explain`` and its options."""
    parser = subparsers.add_parser(
        "explain",
        help="show every forward value, chain-rule product and update of one training step",
        description=(
            "Explain one gradient-descent step of a small network: each weighted sum and "
            "activation, the loss, every dL/da, da/dz and delta, each weight's chain-rule "
            "product and its update, checked against the engine. Without arguments: the "
            "2-2-1 ReLU network worked by hand."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "config", nargs="?", metavar="FILE", help="network and data (.toml or .json)"
    )
    parser.add_argument("--input", help='one sample "1,0", or samples "1,0; 0,1"')
    parser.add_argument("--target", help='targets, as --input ("2" or "2; 1")')
    parser.add_argument(
        "--loss", help="mse, sse, half_sse, bce, bce_with_logits, cross_entropy, ..."
    )
    parser.add_argument("--lr", type=options.positive_float, help="learning rate")
    parser.add_argument(
        "--sizes",
        type=options.hidden_sizes,
        help="random MLP: layer sizes with inputs first, e.g. 2,3,1",
    )
    parser.add_argument("--activation", help="hidden activation of --sizes (default sigmoid)")
    parser.add_argument("--output-activation", help="output activation of --sizes")
    parser.add_argument("--seed", type=options.seed, help="seed of the random weights")
    parser.add_argument("--decimals", type=options.seed, help="decimals shown (display only)")
    parser.add_argument("--format", choices=FORMATS, default=None, help="output format")
    parser.add_argument("--detail", choices=("auto", "full", "summary"), default=None)
    parser.add_argument(
        "--dot", metavar="FILE", help="also write the graph (.dot, or .svg/.png with Graphviz)"
    )
    parser.add_argument("--plot", metavar="FILE", help="also draw the network (.png, .svg, .pdf)")
    options.one_line_errors(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Explain the configured step and print it; return the exit status."""
    config = _settings(args)
    model, names = build_model(config)
    trace = _explain(model, names, config)
    _print_trace(trace, args.format or "text")
    if args.dot:
        _write_graph(trace, args.dot)
    if args.plot:
        _write_plot(trace, args.plot)
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The file's settings (the built-in walk-through without a file or --sizes), overridden
    by the flags; --sizes replaces the file's layers."""
    config = dict(RELU_2_2_1) if args.config is None and not args.sizes else {}
    if args.config is not None:
        config = read_config(args.config)
    flags = _flag_values(args)
    if "sizes" in flags:
        config.pop("layers", None)
    config.update(flags)
    return config


def _explain(model: Any, names: dict[str, Any] | None, config: dict[str, Any]) -> Any:
    """The trace of the configured step, or UsageError naming the setting at fault."""
    import gradlab.glassbox as glassbox

    x = config.get("input")
    y = config.get("target")
    if x is None or y is None:
        raise UsageError(
            "give the input and the target (input = [...] and target = [...] in the file, "
            "or --input and --target)"
        )
    lr = config.get("lr", 0.01)
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) or lr < 0:
        raise UsageError(f"lr must be a number >= 0; got {lr!r}")
    decimals = config.get("decimals")
    if decimals is not None and (
        isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0
    ):
        raise UsageError(f"decimals must be a whole number >= 0; got {decimals!r}")
    try:
        return glassbox.explain(
            model,
            x,
            y,
            loss=config.get("loss", "mse"),
            lr=float(lr),
            names=names,
            decimals=decimals,
            detail=config.get("detail", "auto"),
        )
    except (ValueError, TypeError, KeyError) as error:
        raise UsageError(_one_line(error)) from None


def _print_trace(trace: Any, fmt: str) -> None:
    """Write the trace to stdout in ``fmt`` (plain text falls back to ASCII on a terminal
    that cannot show ∂, δ, σ, ...)."""
    if fmt == "text" and not _can_print("∂δσ·←θ²"):
        fmt = "ascii"
    if fmt in ("text", "ascii"):
        sys.stdout.write(trace.to_text(ascii=fmt == "ascii"))
    elif fmt == "markdown":
        sys.stdout.write(trace.to_markdown())
    elif fmt == "latex":
        sys.stdout.write(trace.to_latex())
    elif fmt == "html":
        sys.stdout.write(trace.to_html() + "\n")
    else:
        json.dump(trace.to_records(), sys.stdout, indent=1)
        sys.stdout.write("\n")


def _one_line(error: BaseException) -> str:
    text = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return " ".join(text.split())


def _can_print(text: str) -> bool:
    try:
        text.encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def read_config(path: str) -> dict[str, Any]:
    """The settings in a .toml or .json file, as a dict; UsageError for a file that cannot be
    read or parsed, naming the line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {_one_line(error)}") from None
    suffix = file.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise UsageError(f"{path}: the file must end in .toml or .json")
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{path} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path} is not valid TOML: {_one_line(error)}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} must hold a table of settings (input, target, layers, ...)")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise UsageError(f"{path}: unknown settings {unknown}; known are {sorted(_TOP_KEYS)}")
    return data


def _numbers(text: str, flag: str) -> list[Any]:
    """``"1,0"`` -> [1.0, 0.0]; ``"1,0; 0,1"`` -> [[1.0, 0.0], [0.0, 1.0]]."""
    try:
        rows = [[float(v) for v in row.split(",")] for row in text.split(";")]
    except ValueError:
        raise UsageError(
            f'{flag} {text!r} is not a list of numbers; write them like 1,0 or "1,0; 0,1"'
        ) from None
    return rows[0] if len(rows) == 1 else rows


def _flag_values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if args.input is not None:
        values["input"] = _numbers(args.input, "--input")
    if args.target is not None:
        values["target"] = _numbers(args.target, "--target")
    for key in ("loss", "lr", "decimals", "activation", "output_activation", "seed", "detail"):
        if getattr(args, key) is not None:
            values[key] = getattr(args, key)
    if args.sizes is not None:
        values["sizes"] = args.sizes
    return values


def build_model(config: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """The network described by ``config`` and the names it gives, or UsageError."""
    if "sizes" in config:
        return _random_mlp(config), _top_names(config)
    return _typed_in_network(config)


def _random_mlp(config: dict[str, Any]) -> Any:
    """``sizes`` (inputs first) with ``activation``, ``output_activation`` and ``seed``."""
    import gradlab as gl

    sizes = config["sizes"]
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes)
    ):
        raise UsageError(
            f"sizes must list at least two positive whole numbers (inputs first); got {sizes!r}"
        )
    try:
        return gl.nn.MLP(
            sizes[0],
            sizes[1:-1],
            sizes[-1],
            activation=config.get("activation", "sigmoid"),
            output_activation=config.get("output_activation", "identity"),
            rng=config.get("seed", 0),
        )
    except (ValueError, TypeError, KeyError) as error:
        raise UsageError(_one_line(error)) from None


def _typed_in_network(config: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """A Sequential of the ``layers`` listed (Linear then activation each), with their names."""
    import gradlab as gl

    layers = config.get("layers")
    if not isinstance(layers, list) or not layers:
        raise UsageError(
            "describe the network: a list of layers (weight, bias, activation) or sizes = [...]"
        )
    modules: list[Any] = []
    names: dict[str, Any] = _top_names(config) or {}
    previous = None
    for number, layer in enumerate(layers, start=1):
        weight, bias = _layer_values(number, layer, previous)
        try:
            linear = gl.nn.Linear.from_values(weight, bias)
            activation = gl.nn.activations.get(layer.get("activation", "identity"))
        except (ValueError, TypeError, KeyError) as error:
            raise UsageError(f"layer {number}: {_one_line(error)}") from None
        key = str(len(modules))
        modules += [linear, activation]
        for option, suffix in (
            ("weight_names", "weight"),
            ("bias_names", "bias"),
            ("neurons", "neurons"),
        ):
            if option in layer:
                names[f"{key}.{suffix}"] = layer[option]
        previous = weight.shape[1]
    return gl.nn.Sequential(*modules), names or None


def _layer_values(number: int, layer: Any, previous: int | None) -> tuple[Any, Any]:
    """Layer ``number``'s weight and bias as arrays, checked against the layer before it
    (``previous`` neurons), or UsageError."""
    import numpy as np

    if not isinstance(layer, dict):
        raise UsageError(f"layer {number} must be a table with weight, bias and activation")
    unknown = sorted(set(layer) - _LAYER_KEYS)
    if unknown:
        raise UsageError(
            f"layer {number}: unknown settings {unknown}; known are {sorted(_LAYER_KEYS)}"
        )
    if "weight" not in layer:
        raise UsageError(f"layer {number} has no weight")
    try:
        weight = np.asarray(layer["weight"], dtype=np.float64)
        bias = None if layer.get("bias") is None else np.asarray(layer["bias"], dtype=np.float64)
    except (ValueError, TypeError):
        raise UsageError(
            f"layer {number}: weight and bias must be numbers in nested lists"
        ) from None
    if weight.ndim != 2:
        raise UsageError(
            f"layer {number}: weight must be a table of rows (inputs) and columns "
            f"(neurons); got shape {weight.shape}"
        )
    if previous is not None and weight.shape[0] != previous:
        raise UsageError(
            f"layer {number}: weight has {weight.shape[0]} rows but layer {number - 1} has "
            f"{previous} neurons; the shapes do not fit"
        )
    return weight, bias


def _top_names(config: dict[str, Any]) -> dict[str, Any] | None:
    names = {}
    if "input_names" in config:
        names["inputs"] = config["input_names"]
    if "target_names" in config:
        names["targets"] = config["target_names"]
    return names or None


def _write_graph(trace: Any, path: str) -> None:
    from gradlab.glassbox.graph_dot import render_graph

    source = trace.to_dot()
    if Path(path).suffix.lower() in (".svg", ".png", ".pdf"):
        try:
            render_graph(source, path)
        except (RuntimeError, OSError, ValueError) as error:
            raise UsageError(_one_line(error)) from None
        return
    _atomic_write(path, source.encode())


def _write_plot(trace: Any, path: str) -> None:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise UsageError(f"--plot {path}: the file must end in .png, .svg or .pdf")
    try:
        figure = trace.plot_network()
    except ImportError as error:
        raise UsageError(_one_line(error)) from None
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise UsageError(f"--plot {path}: the folder {folder} does not exist")
    from gradlab.io.atomic import atomic_path

    with atomic_path(path) as temporary:
        figure.savefig(temporary, format=suffix)


def _atomic_write(path: str, payload: bytes) -> None:
    from gradlab.io.atomic import write_atomic

    try:
        write_atomic(path, payload)
    except OSError as error:
        raise UsageError(_one_line(error)) from None
