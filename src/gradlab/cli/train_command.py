"""``gradlab train``: train a network on a CSV file (or the built-in digits) and write a folder."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gradlab.cli import options
from gradlab.cli.main import UsageError
from gradlab.cli.run_file import RunFile, resumable
from gradlab.nn.activations import names as activation_names
from gradlab.optim.registry import OPTIMIZERS
from gradlab.tabular.fitting import MAX_AUTO_EPOCHS, MIN_EPOCHS, MIN_STEPS

if TYPE_CHECKING:
    from gradlab.tabular.csv_data import CsvTable
    from gradlab.tabular.fitting import Run
    from gradlab.tabular.model import TabularModel
    from gradlab.tabular.training_data import TrainingData

DEFAULT_OUT = "gradlab-model"

EXAMPLES = """\
examples:
  gradlab train                                   # scikit-learn's digits, nothing downloaded
  gradlab train examples/data/iris.csv --target species   # writes gradlab-model/
  gradlab train examples/data/diabetes.csv --target progression --hidden 32,16 --out runs/diabetes

The folder holds model.safetensors (the network, its preprocessing and training record),
evaluation.safetensors (classification: the confusion matrix), report.md, loss.png,
confusion.png (classification) or parity.png (regression), and decision_boundary.png when
the data has two numeric feature columns.
"""


def add_parser(subparsers: Any) -> None:
    """Register ``gradlab train`` and its options."""
    parser = subparsers.add_parser(
        "train",
        help="train a network on a CSV file and write a model folder",
        description=(
            "Train a multilayer perceptron on a CSV file: numeric columns are standardised, "
            "text columns one-hot encoded, the target's classes detected. Without DATA, train "
            "on scikit-learn's digits dataset (shipped with scikit-learn)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("data", nargs="?", metavar="DATA.csv", help="the CSV file (a header line)")
    parser.add_argument("--target", metavar="COLUMN", help="the column to predict")
    parser.add_argument(
        "--hidden",
        type=options.hidden_sizes,
        default=[64],
        metavar="SIZES",
        help="hidden layer sizes, comma-separated, or none (default: 64)",
    )
    parser.add_argument(
        "--activation",
        choices=activation_names(hidden=True),
        default="relu",
        help="hidden activation (default: relu)",
    )
    parser.add_argument(
        "--epochs",
        type=options.positive_int,
        default=None,
        metavar="N",
        help=f"passes over the data (default: {MIN_EPOCHS}, or more on small data so that "
        f"training makes at least {MIN_STEPS} steps, at most {MAX_AUTO_EPOCHS} epochs)",
    )
    parser.add_argument(
        "--lr",
        type=options.positive_float,
        default=None,
        metavar="X",
        help="learning rate (default: the optimizer's, 0.001 for adam)",
    )
    parser.add_argument(
        "--batch-size",
        type=options.positive_int,
        default=32,
        metavar="K",
        help="rows per step (default: 32)",
    )
    parser.add_argument(
        "--optimizer", choices=OPTIMIZERS.names(), default="adam", help="default: adam"
    )
    parser.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="default: auto (text or few whole numbers: classification; other numbers: regression)",
    )
    parser.add_argument(
        "--validation-split",
        type=options.fraction,
        default=0.2,
        metavar="F",
        help="fraction of rows held out for validation, 0 for none (default: 0.2)",
    )
    parser.add_argument(
        "--seed",
        type=options.seed,
        default=0,
        metavar="S",
        help="seed of the split, the initial weights and the shuffling (default: 0)",
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default="float32", help="default: float32"
    )
    parser.add_argument(
        "--drop-na",
        action="store_true",
        help="drop rows with empty, missing (nan, NA) or infinite cells",
    )
    for flag, what in (
        ("--ignore", "leave COLUMN out"),
        ("--categorical", "read COLUMN as categories, even if it holds numbers"),
        ("--numeric", "read COLUMN as numbers (every cell must be one)"),
    ):
        parser.add_argument(
            flag, action="append", default=[], metavar="COLUMN", help=f"{what}; may be repeated"
        )
    parser.add_argument(
        "--class-weight",
        choices=("balanced", "none"),
        default="none",
        help="balanced: weigh each class by n / (classes x its rows), so rare classes count as "
        "much as common ones in the loss (default: none)",
    )
    parser.add_argument(
        "--sample-weight",
        metavar="COLUMN",
        help="weigh each row by the number in COLUMN (not used as an input)",
    )
    parser.add_argument(
        "--patience",
        type=options.positive_int,
        default=10,
        metavar="N",
        help="stop after N epochs without a lower validation loss, keeping the best epoch's "
        "weights (default: 10)",
    )
    parser.add_argument(
        "--no-early-stopping",
        action="store_true",
        help="train every epoch and keep the last weights",
    )
    parser.add_argument(
        "--threads",
        type=options.positive_int,
        default=None,
        metavar="N",
        help="BLAS threads while training (default: automatic, one for small matrices, every "
        "core for large ones)",
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"the model folder to write (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace DIR even if it is not empty and not a gradlab model folder",
    )
    options.one_line_errors(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train, evaluate, and write the model folder; return the exit status."""
    from gradlab.cli.model_dir import claimed

    with claimed(Path(args.out), args.force):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from gradlab.cli.model_dir import staged_folder
    from gradlab.tabular import fitting

    started = getattr(args, "started", None) or time.perf_counter()
    _require_io()
    out = Path(args.out)
    if args.data is not None and out.resolve() in Path(args.data).resolve().parents:
        raise UsageError(f"--out {out} holds the data file {args.data}; choose another folder")
    table, data_name, target = _load_table(args)
    run = fitting.start(table, target, _options(args))
    run.started = started
    _describe(run)
    checkpoint = RunFile(out)
    with staged_folder(out) as staging:
        network, history, seconds = _train(run, checkpoint, args.threads)
        command = _command(args, run)
        model = fitting.finish(run, network, history, seconds, data_name, command)
        written = _write(staging, model, run)
    checkpoint.remove()
    model.metadata["training"]["total_seconds"] = time.perf_counter() - started  # the end
    _finish(out, model.metadata, written, data_name)
    return 0


def _options(args: argparse.Namespace) -> Any:
    from gradlab.tabular.fitting import Options

    return Options(
        task=args.task,
        hidden=args.hidden,
        activation=args.activation,
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        validation_split=args.validation_split,
        seed=args.seed,
        dtype=args.dtype,
        drop_na=args.drop_na,
        early_stopping=not args.no_early_stopping,
        patience=args.patience,
        ignore=args.ignore,
        categorical=args.categorical,
        numeric=args.numeric,
        class_weight=None if args.class_weight == "none" else args.class_weight,
        sample_weight=args.sample_weight,
    )


def _require_io() -> None:
    import importlib.util

    if importlib.util.find_spec("safetensors") is None:
        raise UsageError('saving the model needs safetensors: pip install "gradlab[io]"')


def _load_table(args: argparse.Namespace) -> tuple[CsvTable, str, str]:
    from gradlab.cli.digits import DESCRIPTION, TARGET, digits_table
    from gradlab.tabular.csv_data import DELIMITERS, read_csv
    from gradlab.tabular.preprocessing import quoted

    if args.data is None:
        if args.target not in (None, TARGET):
            raise UsageError(
                f"--target {args.target} needs DATA: gradlab train DATA.csv --target {args.target}"
            )
        print(f"No DATA given: training on {DESCRIPTION}.")
        return digits_table(), "scikit-learn's digits dataset (built in)", TARGET
    table = read_csv(args.data)
    if args.target is None:
        raise UsageError(
            f"--target COLUMN is required: the column of {table.source} to predict; its "
            f"columns are {quoted(table.columns, quote=False, limit=30)}"
        )
    if table.delimiter != ",":
        print(f"Read {table.source} as {DELIMITERS[table.delimiter]}-separated.")
    return table, str(args.data), args.target


def _describe(run: Run) -> None:
    from gradlab.tabular.report import describe_inputs

    data, settings = run.data, run.settings
    prep = data.preprocessing
    for note in data.notes:
        print(note[0].upper() + note[1:] + ".")
    for line in describe_inputs(prep.to_dict()):
        print(line[0].upper() + line[1:] + ".")
    sizes = [len(prep.input_names), *settings["hidden"], prep.n_outputs]
    print(
        f"Rows: {data.train.size} for training, {data.validation.size} for validation. "
        f"Network: {' -> '.join(map(str, sizes))} ({settings['activation']}), "
        f"{settings['optimizer']}, {settings['epochs']} epochs, batch size "
        f"{settings['batch_size']}, {settings['dtype']}."
    )


def _train(run: Run, checkpoint: RunFile, threads: int | None) -> tuple[Any, Any, float]:
    import gradlab as gl
    from gradlab.cli.progress import epoch_lines
    from gradlab.tabular import fitting

    on_terminal = sys.stdout.isatty()
    callbacks = [] if on_terminal else [epoch_lines(run.settings["epochs"])]

    def fit() -> Any:
        return fitting.train(
            run,
            callbacks=callbacks,
            verbose=1 if on_terminal else 0,
            checkpoint=checkpoint.path,
            threads=threads,
        )

    try:
        return resumable(fit, checkpoint)
    except gl.training.DivergenceError as error:
        checkpoint.remove()
        raise UsageError(f"{error} Nothing was written; set a smaller rate with --lr.") from error
    except KeyboardInterrupt:
        checkpoint.remove()  # an interrupt asked for leaves nothing behind; a kill can't ask
        raise


def _command(args: argparse.Namespace, run: Run) -> str:
    from gradlab.tabular.report import settings_line

    prep = run.data.preprocessing
    source = (
        ""
        if args.data is None
        else f"{shlex.quote(str(args.data))} --target {shlex.quote(prep.target)} "
    )
    task = f"--task {prep.task} "
    drop = "--drop-na " if args.drop_na else ""
    columns = "".join(
        f"--{flag} {shlex.quote(name)} "
        for flag in ("ignore", "categorical", "numeric")
        for name in getattr(args, flag)
    )
    return f"gradlab train {source}{task}{drop}{columns}{settings_line(run.settings)}"


def _write(staging: Path, model: TabularModel, run: Run) -> list[str]:
    from gradlab.tabular.folder import save_model
    from gradlab.tabular.report import markdown_report

    try:
        written = save_model(model, staging)
        pictures = _pictures(staging, model, run.data)
        (staging / "report.md").write_text(
            markdown_report(model.metadata, pictures), encoding="utf-8"
        )
    except ImportError as error:
        raise UsageError(f"{error}") from error
    except OSError as error:
        raise UsageError(f"cannot write the model folder: {error.strerror or error}") from error
    return [*written, *pictures]


def _pictures(staging: Path, model: TabularModel, data: TrainingData) -> list[str]:
    from gradlab.cli import plots
    from gradlab.tabular.preprocessing import NUMERIC
    from gradlab.tabular.report import loss_label

    prep = data.preprocessing
    metadata, evaluation = model.metadata, model.evaluation
    title = f"{evaluation.part} rows ({evaluation.y_true.size})"
    drawings: dict[str, Callable[[Path], None]] = {
        "loss.png": lambda path: plots.plot_loss(
            metadata["training"]["history"],
            path,
            loss_label(metadata),
            metadata["training"].get("best_epoch"),
        )
    }
    if evaluation.confusion is not None:
        matrix = evaluation.confusion
        drawings["confusion.png"] = lambda path: plots.plot_confusion(
            matrix, prep.classes, path, f"Confusion matrix, {title}"
        )
    else:
        drawings["parity.png"] = lambda path: plots.plot_parity(
            evaluation.y_true,
            evaluation.y_pred,
            path,
            f"{prep.target}: predicted against true, {title}",
        )
    if len(prep.input_names) == 2 and all(f.kind == NUMERIC for f in prep.features):
        drawings["decision_boundary.png"] = lambda path: _decision_boundary(
            path, model.network, data
        )
    written = []
    for name, draw in drawings.items():
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", UserWarning)
                draw(staging / name)
        except ImportError as error:
            print(f"Pictures skipped: {error}.")
            break
        except (ValueError, OverflowError) as error:
            # Extreme values (near the float64 maximum) can defeat matplotlib's axes.
            print(f"{name} skipped: could not draw these values ({error}).")
            continue
        written.append(name)
    return written


def _decision_boundary(path: Path, model: Any, data: TrainingData) -> None:
    import gradlab as gl
    from gradlab.cli import plots
    from gradlab.tabular.cells import read_cells
    from gradlab.tabular.preprocessing import CLASSIFICATION, standardise

    prep = data.preprocessing
    means = np.array([feature.mean for feature in prep.features])
    stds = np.array([feature.std for feature in prep.features])
    points = np.column_stack(
        [read_cells(data.table, f.name, f.number_format).numbers for f in prep.features]
    )
    dtype = model.dtype if model.dtype is not None else np.float64

    def predict(grid: np.ndarray) -> np.ndarray:
        outputs = gl.predict(model, standardise(grid, means, stds).astype(dtype))
        if prep.task == CLASSIFICATION:
            return outputs.argmax(axis=1)
        return prep.decode_regression(outputs[:, 0])

    if prep.task == CLASSIFICATION:
        values = data.y
        classes = prep.classes
    else:
        values = prep.decode_regression(data.y)
        classes = None
    names = [f.name for f in prep.features]
    plots.plot_decision_boundary(points, values, predict, names, path, classes=classes)


def _finish(out: Path, metadata: dict[str, Any], written: list[str], data_name: str) -> None:
    from gradlab.tabular.report import terminal_report

    print()
    print(terminal_report(metadata))
    print(f"Wrote {out}/: {', '.join(written)}.")
    example = "DATA.csv" if data_name.startswith("scikit-learn") else shlex.quote(data_name)
    print(f"Predict with: gradlab predict {shlex.quote(str(out))} {example}")
