"""``gradlab predict``: the training preprocessing, then predictions written as CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from gradlab.cli import options
from gradlab.cli.main import UsageError

EXAMPLES = """\
examples:
  gradlab predict gradlab-model new_rows.csv                      # writes predictions.csv
  gradlab predict runs/diabetes examples/data/diabetes_new.csv --out predictions.csv
  gradlab predict gradlab-model new_rows.csv --out -              # print to the terminal

The output has one row per input row: "row" (the 1-based data row of the input), the
--keep columns, "prediction", and for classification one "probability_<class>" column per
class. The input needs the training feature columns (in any order); other columns, the
target among them, are ignored. Missing cells are filled in as at training; a category unseen
in training is counted in a warning.
"""


def add_parser(subparsers: Any) -> None:
    """Register ``gradlab predict`` and its options."""
    parser = subparsers.add_parser(
        "predict",
        help="predict with a trained model folder on a CSV file",
        description="Apply the preprocessing learned by gradlab train, then predict each row.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL_DIR", help="a folder written by gradlab train")
    parser.add_argument("data", metavar="DATA.csv", help="rows to predict (a header line)")
    parser.add_argument(
        "--out",
        default="predictions.csv",
        metavar="FILE",
        help="the CSV file to write, or - for standard output (default: predictions.csv)",
    )
    parser.add_argument(
        "--drop-na",
        action="store_true",
        help="skip rows with empty, missing or infinite cells (default: fill missing ones in)",
    )
    parser.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="COLUMN",
        help="copy COLUMN (an id, say) of DATA.csv into the predictions; may be repeated",
    )
    options.one_line_errors(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Predict every row of DATA.csv with the model folder; return the exit status."""
    import pandas

    from gradlab.cli.model_dir import load_model_folder
    from gradlab.tabular.csv_data import read_csv
    from gradlab.tabular.model import probabilities
    from gradlab.tabular.preprocessing import CLASSIFICATION

    folder = load_model_folder(args.model)
    if args.out != "-" and Path(args.out).resolve() == Path(args.data).resolve():
        raise UsageError(f"--out {args.out} is the input file; choose another output file")
    table = read_csv(args.data)
    model = folder.tabular
    prep = model.preprocessing
    missing = [name for name in args.keep if name not in table.columns]
    if missing:
        raise UsageError(f"--keep {missing[0]}: {table.source} has no such column")
    outputs, kept = model.outputs(table, drop_na=args.drop_na, warn=False)
    _warn_unseen(model.preprocessing.unseen(table.take(kept)))
    dtype = model.network.dtype if model.network.dtype is not None else np.float64
    result = pandas.DataFrame({"row": kept + 1})
    for name in args.keep:
        result[name] = table.frame[name].to_numpy()[kept]
    result["prediction"] = model.decode(outputs)
    if prep.task == CLASSIFICATION:
        shares = probabilities(outputs)
        for index, label in enumerate(prep.classes):
            result[f"probability_{label}"] = shares[:, index]
    # float32 carries about 7 significant digits; print no more than that.
    float_format = "%.7g" if np.dtype(dtype) == np.float32 else None
    text = result.to_csv(index=False, lineterminator="\n", float_format=float_format)
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    _write_atomic(Path(args.out), text)
    skipped = len(table.frame) - kept.size
    note = f" ({skipped} row(s) with missing values skipped)" if skipped else ""
    print(f"Wrote {args.out}: {kept.size} predictions of {prep.target!r}{note}.")
    return 0


def _warn_unseen(counts: dict[str, int]) -> None:
    if counts:
        where = ", ".join(f"{name}: {n}" for name, n in counts.items())
        print(
            f"gradlab predict: warning: {sum(counts.values())} cell(s) hold a category unseen in "
            f"training ({where}); they count as no known category",
            file=sys.stderr,
        )


def _write_atomic(path: Path, text: str) -> None:
    from gradlab.io.atomic import write_atomic

    if path.is_dir():
        raise UsageError(f"--out {path} is a folder; give a file name such as predictions.csv")
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from error
