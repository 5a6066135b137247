"""Count the CPU instructions of 1000 steps of the vectorised 3-4-1 sigmoid network, with valgrind.

Times on a shared machine move with its load; instruction counts do not, so they show what a
change to the engine did. Each contestant of ``bench_sigmoid_3_4_1.py`` runs under callgrind
twice, for 1 and for 1001 steps, and the difference is reported (start-up and imports cancel out).
BLAS is held to one thread, whose idle workers would otherwise add noise.

    python benchmarks/instructions_sigmoid_3_4_1.py    # needs valgrind (apt install valgrind)
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = "import sys, bench_sigmoid_3_4_1 as b; b.STEPS = int(sys.argv[1]); b.train_{name}()"


def instructions(name: str, steps: int) -> int:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["PYTHONHASHSEED"] = "0"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}",
            sys.executable,
            "-c",
            RUN.format(name=name),
            str(steps),
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    match = re.search(r"refs:\s+([\d,]+)", done.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(match.group(1).replace(",", ""))


def main() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt install valgrind).")
    names = ["gradlab_fit", "gradlab", "numpy"]
    if importlib.util.find_spec("torch"):
        names.append("torch")
    counts = {name: instructions(name, 1001) - instructions(name, 1) for name in names}
    print("3-4-1 sigmoid network: instructions for 1000 full-batch steps (valgrind callgrind)")
    for name, count in counts.items():
        ratio = count / counts["numpy"]
        print(f"  {name:<12} {count / 1e6:7.0f} M   {ratio:5.2f}x handwritten NumPy")


if __name__ == "__main__":
    main()
