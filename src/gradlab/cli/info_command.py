"""``gradlab info``: a model folder's network, preprocessing and training record."""

from __future__ import annotations

import argparse
import json
from typing import Any

from gradlab.cli import options

EXAMPLES = """\
examples:
  gradlab info gradlab-model
  gradlab info runs/diabetes --json    # the whole stored record, as JSON
"""


def add_parser(subparsers: Any) -> None:
    """Register ``gradlab info`` and its options."""
    parser = subparsers.add_parser(
        "info",
        help="show a model folder's summary and training record",
        description="Show the network, its inputs and the record of its training.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", metavar="MODEL_DIR", help="a folder written by gradlab train")
    parser.add_argument(
        "--json", action="store_true", help="print the stored metadata as JSON instead"
    )
    options.one_line_errors(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the summary of a model folder; return the exit status."""
    from gradlab.cli.model_dir import load_model_folder
    from gradlab.tabular.report import describe_inputs, settings_line, terminal_report

    folder = load_model_folder(args.model)
    metadata = folder.metadata
    if args.json:
        print(json.dumps(metadata, indent=2))
        return 0
    training = metadata["training"]
    rows = training["rows"]
    lines = [
        f"Model folder: {folder.path}",
        f"Trained: {training['finished']} with gradlab {metadata['gradlab_version']}",
        f"Data: {training['data']}",
        f"Command: {training['command']}",
        f"Settings: {settings_line(training['settings'])}",
        f"Rows: {rows['read']} read, {rows['dropped']} dropped, {rows['training']} for training, "
        f"{rows['validation']} for validation",
        "",
        folder.model.summary(print_fn=None),
        "",
        "Inputs:",
        *[f"  {line}" for line in describe_inputs(metadata["preprocessing"])],
        *[f"  {note}" for note in training["notes"]],
        "",
        terminal_report(metadata),
    ]
    print("\n".join(lines))
    return 0
