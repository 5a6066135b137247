"""The training record stored with a model is checked as a whole when a folder is read.

Every field of a real record, deleted or replaced by a value of another type, gives
``gradlab info`` and ``gradlab predict`` either their normal output or one line on stderr and
exit status 2: never a traceback.
"""

from __future__ import annotations

import copy
import json

import pytest
from cli_helpers import assert_one_line_error_text

import gradlab as gl
from gradlab.cli.main import main

WRONG = ["x", 1.5, None, [], {}, True, 10**400]


def leaf_paths(value, prefix=()):
    """Paths to every value of the record (the first item of each list only)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += leaf_paths(item, (*prefix, key))
    elif isinstance(value, list) and value:
        found += leaf_paths(value[0], (*prefix, 0))
    return found


def mutated(record, path, value, delete):
    record = copy.deepcopy(record)
    parent = record
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return record


def with_record(payload, record):
    """The model file ``payload`` with its stored metadata replaced (no fsync, unlike gl.save)."""
    n = int.from_bytes(payload[:8], "little")
    header = json.loads(payload[8 : 8 + n])
    header["__metadata__"]["metadata"] = json.dumps(record)
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + payload[8 + n :]


def run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err


def test_every_field_deleted_or_of_another_type(classifier_run, tmp_path, capsys):
    original = classifier_run.model / "model.safetensors"
    payload, record = original.read_bytes(), gl.io.load_with_metadata(original)[1]
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "rows.csv").write_text(classifier_run.frame.head(3).to_csv(index=False))
    paths = [p for p in leaf_paths(record) if p[:2] != ("training", "history")]
    refused = 0
    for path in paths:
        # Each path gets a deletion and half of the wrong values (alternating by depth).
        for delete, value in [(True, None), *((False, v) for v in WRONG[len(path) % 2 :: 2])]:
            changed = with_record(payload, mutated(record, path, value, delete))
            (folder / "model.safetensors").write_bytes(changed)
            code, err = run(["info", str(folder)], capsys)
            if code != 0:
                assert_one_line_error_text(code, err, "info")
                refused += 1
            if path[0] != "preprocessing":
                continue  # predict reads the record as info does, and uses the preprocessing
            code, err = run(
                ["predict", str(folder), str(tmp_path / "rows.csv"), "--out", "-"], capsys
            )
            if code != 0:
                assert_one_line_error_text(code, err, "predict")
    assert refused > len(paths)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("training",), None, "training is missing"),
        (("training", "rows"), None, "training.rows is missing"),
        (("training", "rows", "read"), "3", "training.rows.read must be an integer; got '3'"),
        (("training", "settings", "lr"), "fast", "training.settings.lr must be a finite number"),
        (("training", "seconds"), 10**400, "training.seconds must be a finite number"),
        (
            ("training", "scores", "training", "accuracy"),
            None,
            "scores.training.accuracy is missing",
        ),
        (("training", "scores", "per_class", "f1"), [0.5], "scores.per_class.f1 does not have one"),
        (("gradlab_version",), 3, "gradlab_version must be text; got 3"),
    ],
)
def test_a_bad_record_is_named(classifier_run, tmp_path, capsys, path, value, message):
    model, record = gl.io.load_with_metadata(classifier_run.model / "model.safetensors")
    folder = tmp_path / "model"
    folder.mkdir()
    delete = value is None
    gl.save(model, folder / "model.safetensors", metadata=mutated(record, path, value, delete))
    code, err = run(["info", str(folder)], capsys)
    assert message in assert_one_line_error_text(code, err, "info")
