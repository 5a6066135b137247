"""``gradlab explain``: the 2-2-1 ReLU network without arguments, TOML / JSON files, flags,
one-line errors."""

import json
import subprocess
import sys

import pytest

from gradlab.cli.main import main

NETWORK_TOML = """
input = [2, 9]
target = [0.92]
loss = "mse"
lr = 0.1
decimals = 4

[[layers]]
weight = [[0.15, 0.5, 0.05], [0.23, 0.8, -0.05]]
bias = [0.5, 0.5, 0.5]
activation = "sigmoid"

[[layers]]
weight = [[0.9], [-0.5], [0.08]]
bias = [0.2]
activation = "sigmoid"
"""


def run(capsys, *args):
    try:
        code = main(["explain", *map(str, args)])
    except SystemExit as stop:  # argparse rejects a bad option value itself
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *args):
    code, _, err = run(capsys, *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gradlab explain: error:"), err
    assert "Traceback" not in err
    return lines[0]


def test_no_arguments_walks_through_the_relu_2_2_1_network():
    # A real subprocess: the installed entry point, stdout a pipe.
    result = subprocess.run(
        [sys.executable, "-m", "gradlab.cli.main", "explain"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    # The tutorial's figures: node outputs, loss, and the updates it computes.
    assert "z1 = x1·w1 + x2·w3 + bias1 = 1·1 + 0·1 + 0.5 = 1.5" in text
    assert "a3 = relu(z3) = relu(2.5) = 2.5" in text
    assert "L = (a3 - y)² = (2.5 - 2)² = 0.25" in text
    for update in (
        "w5 ← w5 - lr · ∂L/∂w5 = 1 - 0.01·1.5 = 0.985",
        "bias2 ← bias2",
        "= 0 - 0.01·1 = -0.01",
    ):
        assert update in text


def test_toml_file_at_four_decimals(tmp_path, capsys):
    path = tmp_path / "net.toml"
    path.write_text(NETWORK_TOML)
    code, out, _ = run(capsys, path)
    assert code == 0
    text = " ".join(out.split())
    assert "2·0.15 + 9·0.23 + 0.5 = 2.87" in text  # the 2-3-1 sigmoid network's z0
    assert "σ(0.5948) = 0.6445" in text  # the 2-3-1 sigmoid network's O3


def test_json_file_with_flags_overriding_it(tmp_path, capsys):
    path = tmp_path / "net.json"
    path.write_text(
        json.dumps(
            {
                "input": [1, 0],
                "target": [2],
                "layers": [
                    {
                        "weight": [[1], [1]],
                        "bias": [0],
                        "activation": "identity",
                        "weight_names": [["u"], ["v"]],
                    }
                ],
            }
        )
    )
    code, out, _ = run(
        capsys, path, "--input", "1,0; 0,1", "--target", "2; 1", "--lr", "0.5", "--format", "ascii"
    )
    assert code == 0 and out.isascii()
    text = " ".join(out.split())
    # Two samples: a = u*x1 + v*x2; L = mean of (a - y)^2 over the samples.
    assert "Sample 2 of 2" in text
    assert "dL/du = (dL^(1)/du + dL^(2)/du)/2 = (-2 + 0)/2 = -1" in text
    assert "u <- u - lr * dL/du = 1 - 0.5*(-1) = 1.5" in text


def test_random_mlp_from_flags_in_markdown(capsys):
    code, out, _ = run(
        capsys,
        "--sizes",
        "2,3,1",
        "--activation",
        "tanh",
        "--input",
        "1,2",
        "--target",
        "0.5",
        "--seed",
        "3",
        "--format",
        "markdown",
    )
    assert code == 0
    assert "| quantity | formula | with numbers | value |" in out
    assert r"\tanh" in out


def test_json_records_and_written_pictures(tmp_path, capsys):
    code, out, _ = run(
        capsys, "--format", "json", "--dot", tmp_path / "graph.dot", "--plot", tmp_path / "net.png"
    )
    assert code == 0
    records = json.loads(out)
    assert any(
        r["name"] == "w5" and r["section"] == "update" and r["value"] == pytest.approx(0.985)
        for r in records
    )
    assert (tmp_path / "graph.dot").read_text().startswith("digraph gradlab {")
    assert (tmp_path / "net.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("input = [1, 0", ".toml", "not valid TOML"),
        ('{"input": [1, 0],', ".json", "not valid JSON"),
        ('{"inputs": [1, 0]}', ".json", "unknown settings ['inputs']"),
        (
            '{"input": [1, 0], "target": [2], "layers": [{"weight": [[1], [1]], '
            '"activation": "relux"}]}',
            ".json",
            "unknown activation 'relux'",
        ),
        (
            '{"input": [1, 0], "target": [2], "layers": [{"weight": [[1, 2], [3, 4]]}, '
            '{"weight": [[1], [2], [3]]}]}',
            ".json",
            "weight has 3 rows but layer 1 has 2 neurons",
        ),
        (
            '{"input": [1, 0, 5], "target": [2], "layers": [{"weight": [[1], [1]]}]}',
            ".json",
            "x has 3 features per sample but the first Linear layer expects 2",
        ),
        (
            '{"input": [1, 0], "target": [2, 3], "layers": [{"weight": [[1], [1]]}]}',
            ".json",
            "y has shape (2,)",
        ),
        (
            '{"input": [1, 0], "target": [2], "layers": [{"weight": [1, 1]}]}',
            ".json",
            "weight must be a table",
        ),
        (
            "input = [1, 0]\ntarget = [2]\nloss = 'msee'\n[[layers]]\nweight = [[1], [1]]\n",
            ".toml",
            "unknown loss 'msee'",
        ),
        ("[1, 2]", ".json", "must hold a table"),
        ("input = 1", ".yaml", "must end in .toml or .json"),
    ],
)
def test_bad_input_gets_one_line_and_status_2(tmp_path, capsys, content, suffix, message):
    path = tmp_path / f"net{suffix}"
    path.write_text(content)
    assert message in one_line_error(capsys, path)


def test_bad_flags_get_one_line_and_status_2(tmp_path, capsys):
    assert "no such file" in one_line_error(capsys, tmp_path / "missing.toml")
    assert "not a list of numbers" in one_line_error(capsys, "--input", "1,a")
    assert "--lr" in one_line_error(capsys, "--lr", "-1")
    assert "--plot" in one_line_error(capsys, "--plot", tmp_path / "net.gif")
