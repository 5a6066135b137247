"""``gradlab train --threads N``: N BLAS threads are in force while the network trains."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_in_process
from threadpoolctl import threadpool_info

from gradlab.training import loop

ROWS = "a,b,y\n" + "".join(f"{i},{i % 3 * 1.5},{'ab'[i % 2]}\n" for i in range(20))


@pytest.mark.parametrize(("option", "expected"), [(["--threads", "1"], {1}), ([], {1})])
def test_train_runs_on_the_threads_asked_for(
    option: list[str],
    expected: set[int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[set[int]] = []
    run = loop.Trainer.run

    def recording(self):
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        return run(self)

    monkeypatch.setattr(loop.Trainer, "run", recording)
    (tmp_path / "d.csv").write_text(ROWS)
    args = ["train", "d.csv", "--target", "y", "--epochs", "2", *option]
    code, _, err = run_in_process(args, tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert seen == [expected]  # automatic: 2 x 32 x 2 x 64 flops, one thread
