"""Everything in README.md runs as written, from a fresh clone.

- Every ```python block, pasted in order into one interpreter, runs (in a temporary folder, with
  matplotlib's Agg backend), and the first one prints the lines the README shows after it.
- Every ``gradlab ...`` command of a ```bash / ```sh block exits 0, run from a copy of the
  repository's root holding the shipped demo files (``examples/data/``); each block in its own
  copy, its commands in order.
- In a ```console block, each ``$ gradlab ...`` line prints what follows it, with exit status 2
  for an ``error:`` line (these are the README's examples of bad input) and 0 otherwise.
- The demo files are small and are exactly what ``examples/data/make_demo_data.py`` writes.

The README's other commands are not gradlab commands; each is skipped for the reason in
``NOT_RUN``, and any command the test does not know fails it, so a new one must be looked at.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import gradlab

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEMO_DATA = ROOT / "examples" / "data"
DEMO_FILE_LIMIT = 50_000  # bytes

NOT_RUN = {
    "python -m pip install": "installs packages; the test environment has them installed already",
    "python -m pytest": "runs this test suite, which would run itself again",
    "python benchmarks/": "a benchmark measures speed for minutes (GUIDE §7: no test times "
    "anything); the benchmark scripts are not gradlab commands",
}

FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    language: str
    line: int  # README line of the block's first line of content
    text: str


def readme_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    return [
        Block(match[1], text.count("\n", 0, match.start(2)) + 1, match[2])
        for match in FENCE.finditer(text)
    ]


BLOCKS = readme_blocks()
PYTHON_BLOCKS = [block for block in BLOCKS if block.language == "python"]
SHELL_BLOCKS = [block for block in BLOCKS if block.language in ("bash", "sh")]
CONSOLE_BLOCKS = [block for block in BLOCKS if block.language == "console"]


def block_id(block: Block) -> str:
    return f"README.md:{block.line}"


def environment() -> dict[str, str]:
    """This interpreter's gradlab first on the path, matplotlib off screen, output not a tty."""
    source = str(Path(gradlab.__file__).resolve().parents[1])
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "MPLBACKEND": "Agg", "COLUMNS": "100"}


#: A guard against a hang, not a measure of speed: on a machine loaded by other work the
#: README's blocks together have taken over two minutes.
HANG_SECONDS = 600


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        check=False,
    )


def fresh_clone(folder: Path) -> Path:
    """What a command run from a clone's root sees: the demo files under examples/data/."""
    shutil.copytree(DEMO_DATA, folder / "examples" / "data", ignore=shutil.ignore_patterns("*.py"))
    return folder


def commands(line: str) -> list[str]:
    """The commands of one shell line: its ``&&`` parts, a trailing ``# comment`` removed."""
    code = " ".join(shlex.split(line, comments=True))
    return [part.strip() for part in code.split("&&") if part.strip()]


def gradlab_command(command: str) -> list[str] | str:
    """``python -m gradlab ARGS`` for a gradlab command; the reason not to run any other."""
    if command.startswith("gradlab ") or command == "gradlab":
        return [sys.executable, "-m", "gradlab", *shlex.split(command)[1:]]
    for prefix, reason in NOT_RUN.items():
        if command.startswith(prefix):
            return reason
    raise AssertionError(f"the README runs {command!r}, which this test neither runs nor skips")


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


RUNNER = """\
import json
import sys

namespace = {"__name__": "__main__"}
for line, code in json.load(open(sys.argv[1], encoding="utf-8")):
    exec(compile("\\n" * (line - 1) + code, "README.md", "exec"), namespace)
"""


def test_the_readme_has_blocks_of_each_kind() -> None:
    assert len(PYTHON_BLOCKS) >= 4
    assert len(SHELL_BLOCKS) >= 3
    assert len(CONSOLE_BLOCKS) >= 1


def test_python_blocks_run_in_order_in_one_namespace(tmp_path: Path) -> None:
    import json

    blocks = tmp_path / "blocks.json"
    blocks.write_text(json.dumps([[block.line, block.text] for block in PYTHON_BLOCKS]))
    runner = tmp_path / "run_readme.py"
    runner.write_text(RUNNER)
    work = tmp_path / "work"
    work.mkdir()
    result = run([sys.executable, str(runner), str(blocks)], cwd=work)
    assert result.returncode == 0, describe(result)
    assert "Traceback" not in result.stderr
    (work / "xor.safetensors").unlink()  # written by the README's gl.save example


def test_first_python_block_prints_what_the_readme_shows(tmp_path: Path) -> None:
    first = BLOCKS.index(PYTHON_BLOCKS[0])
    shown = BLOCKS[first + 1]
    assert shown.language == "text"
    result = run([sys.executable, "-c", PYTHON_BLOCKS[0].text], cwd=tmp_path)
    assert result.returncode == 0, describe(result)
    printed = iter(result.stdout.splitlines())
    for expected in shown.text.splitlines():
        if expected.strip() != "...":
            assert expected in printed, f"{expected!r} not printed in order:\n{result.stdout}"


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=block_id)
def test_gradlab_commands_exit_0(block: Block, tmp_path: Path) -> None:
    root = fresh_clone(tmp_path)
    ran, not_run = 0, []
    for line in block.text.splitlines():
        for command in commands(line):
            args = gradlab_command(command)
            if isinstance(args, str):
                not_run.append(command)
                continue
            result = run(args, cwd=root)
            assert result.returncode == 0, f"{command}\n{describe(result)}"
            assert "Traceback" not in result.stderr, command
            ran += 1
    if ran == 0:
        reasons = dict.fromkeys(str(gradlab_command(command)) for command in not_run)
        pytest.skip(f"no gradlab command; not run: {', '.join(not_run)} ({'; '.join(reasons)})")


def console_examples(block: Block) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` line of a console block with the lines it is shown to print."""
    examples: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        else:
            assert examples, f"README.md:{block.line}: a console block starts with '$ '"
            examples[-1][1].append(line)
    return examples


@pytest.mark.parametrize("block", CONSOLE_BLOCKS, ids=block_id)
def test_console_examples_print_what_is_shown(block: Block, tmp_path: Path) -> None:
    root = fresh_clone(tmp_path)
    for command, shown in console_examples(block):
        args = gradlab_command(command)
        assert not isinstance(args, str), f"{command}: a console example must run gradlab"
        result = run(args, cwd=root)
        expected_status = 2 if any("error:" in line for line in shown) else 0
        assert result.returncode == expected_status, f"{command}\n{describe(result)}"
        printed = (result.stdout + result.stderr).splitlines()
        assert printed == shown, f"{command}\n{describe(result)}"


def load_generator():
    spec = importlib.util.spec_from_file_location("make_demo_data", DEMO_DATA / "make_demo_data.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_files_are_small_and_regenerated_identically(tmp_path: Path) -> None:
    written = load_generator().main(tmp_path)
    assert sorted(path.name for path in written) == sorted(
        path.name for path in DEMO_DATA.glob("*.csv")
    )
    for path in written:
        shipped = DEMO_DATA / path.name
        assert shipped.stat().st_size < DEMO_FILE_LIMIT, path.name
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{path.name} differs from the generator's"
        )
