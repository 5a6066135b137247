"""gl.fit(checkpoint=PATH): a run interrupted after any epoch and called again ends bit for
bit where the uninterrupted run ends (weights, optimizer state, history, callback state).

The oracle is the uninterrupted run itself: the same call without a checkpoint."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import gradlab as gl


def data():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    # Noisy enough that the validation loss turns up and EarlyStopping fires.
    y = np.tanh(X @ np.array([1.0, -2.0, 0.5])) + 0.5 * rng.normal(size=40)
    return X, y


class Interrupt(Exception):
    pass


class InterruptAt(gl.training.Callback):
    """Stops the run as a kill would, at the start of one epoch (after the previous was saved)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs):
        if epoch == self.epoch:
            raise Interrupt


def run(optimizer_name, checkpoint=None, interrupt=None):
    """One run: a fresh model, optimizer, schedule and callbacks, as a new process would make."""
    X, y = data()
    model = gl.nn.MLP(3, [16], 1, activation="tanh", rng=0)
    optimizer = gl.optim.get(optimizer_name, model.parameters(), lr=0.05)
    schedule = gl.optim.StepLR(optimizer, step_size=3, gamma=0.9)
    stop = gl.training.EarlyStopping(patience=3, restore_best_weights=True)
    callbacks = [stop, gl.training.LearningRateSchedule(schedule)]
    if interrupt is not None:
        callbacks.append(InterruptAt(interrupt))
    elif checkpoint is not None:
        callbacks.append(InterruptAt(-1))  # the same callbacks as the interrupted call
    history = gl.fit(
        model, X, y, optimizer=optimizer, epochs=40, batch_size=8, rng=3,
        validation_split=0.25, callbacks=callbacks, checkpoint=checkpoint, verbose=0,
    )  # fmt: skip
    return model, optimizer, history, stop


def assert_same_run(resumed, uninterrupted):
    (model, optimizer, history, stop), (model0, optimizer0, history0, stop0) = (
        resumed,
        uninterrupted,
    )
    for (name, p), (_, p0) in zip(model.named_parameters(), model0.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, p0.data, err_msg=name)
    state, state0 = optimizer.state_dict(), optimizer0.state_dict()
    assert state["param_groups"] == state0["param_groups"]
    for index, entry in state0["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(state["state"][index][key], value, err_msg=key)
    assert history.history == history0.history and history.epoch == history0.epoch
    assert history.stop_reason == history0.stop_reason
    assert (stop.best, stop.best_epoch, stop.wait) == (stop0.best, stop0.best_epoch, stop0.wait)


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
@pytest.mark.parametrize("interrupt", [1, 5])
def test_a_resumed_run_ends_bit_identical_to_the_uninterrupted_one(
    tmp_path, optimizer_name, interrupt
):
    reference = run(optimizer_name)
    path = tmp_path / "run.ckpt"
    with pytest.raises(Interrupt):
        run(optimizer_name, path, interrupt=interrupt)
    assert path.exists()
    resumed = run(optimizer_name, path)
    assert_same_run(resumed, reference)
    assert reference[2].stop_reason == "callback"  # EarlyStopping fired: its state mattered
    # A finished run's checkpoint gives its result at once.
    assert_same_run(run(optimizer_name, path), reference)


def test_a_checkpoint_of_another_run_is_refused(tmp_path):
    path = tmp_path / "run.ckpt"
    X, y = data()
    gl.fit(gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, checkpoint=path, verbose=0)
    with pytest.raises(gl.training.CheckpointMismatch, match="training data differ"):
        gl.fit(gl.nn.MLP(3, [5], 1, rng=0), X + 1, y, epochs=2, checkpoint=path, verbose=0)
    with pytest.raises(gl.training.CheckpointMismatch, match="batch_size"):
        gl.fit(gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, batch_size=4, checkpoint=path)
    with pytest.raises(gl.training.CheckpointMismatch, match="model"):
        gl.fit(gl.nn.MLP(3, [6], 1, rng=0), X, y, epochs=2, checkpoint=path, verbose=0)
    with pytest.raises(gl.training.CheckpointMismatch, match="optimizer"):
        gl.fit(
            gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, optimizer="adam", checkpoint=path,
            verbose=0,
        )  # fmt: skip
    with pytest.raises(gl.training.CheckpointMismatch, match="callbacks"):
        gl.fit(
            gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, checkpoint=path, verbose=0,
            callbacks=[gl.training.EarlyStopping(monitor="loss")],
        )  # fmt: skip


def test_a_corrupt_newest_checkpoint_falls_back_to_the_previous_with_a_warning(tmp_path):
    reference = run("adam")
    path = tmp_path / "run.ckpt"
    with pytest.raises(Interrupt):
        run("adam", path, interrupt=5)
    previous = Path(str(path) + ".previous")
    assert previous.exists()
    path.write_bytes(path.read_bytes()[:100])  # a torn write
    with pytest.warns(RuntimeWarning, match="previous one"):
        resumed = run("adam", path)
    assert_same_run(resumed, reference)
    path.write_bytes(b"junk")
    previous.write_bytes(b"junk")
    with pytest.raises(ValueError, match="no checkpoint can be read"):
        run("adam", path)


SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import gradlab as gl

    class Slow(gl.training.Callback):
        def on_epoch_end(self, epoch, logs):
            print(epoch, flush=True)
            if sys.argv[2] == "slow":
                time.sleep(0.05)

    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    y = np.tanh(X @ np.array([1.0, -2.0, 0.5]))
    model = gl.nn.MLP(3, [5], 1, activation="tanh", rng=0)
    optimizer = gl.optim.Adam(model.parameters(), lr=0.02)
    schedule = gl.optim.ExponentialLR(optimizer, gamma=0.98)
    gl.fit(
        model, X, y, optimizer=optimizer, epochs=60, batch_size=8, rng=3, verbose=0,
        callbacks=[Slow(), gl.training.LearningRateSchedule(schedule)],
        checkpoint=sys.argv[1],
    )
    gl.save(model, sys.argv[1] + ".model.safetensors")
    """
)


def test_a_run_killed_with_sigkill_resumes_to_the_same_weights(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    reference = tmp_path / "reference.ckpt"
    subprocess.run([sys.executable, str(script), str(reference), "fast"], env=env, check=True)
    killed = tmp_path / "killed.ckpt"
    child = subprocess.Popen(
        [sys.executable, str(script), str(killed), "slow"], env=env, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stdout is not None
    for line in child.stdout:  # wait until some epochs are done, then kill mid-run
        if int(line) >= 10:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    assert not Path(str(killed) + ".model.safetensors").exists()
    rerun = subprocess.run(
        [sys.executable, str(script), str(killed), "fast"], env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    first_epoch = int(rerun.stdout.split()[0])
    assert first_epoch >= 10  # it continued; it did not start again
    expected = gl.load(str(reference) + ".model.safetensors")
    resumed = gl.load(str(killed) + ".model.safetensors")
    for (name, p), (_, q) in zip(
        expected.named_parameters(), resumed.named_parameters(), strict=True
    ):
        np.testing.assert_array_equal(q.data, p.data, err_msg=name)


def test_a_checkpoint_with_parts_missing_is_refused_with_a_clear_message(tmp_path):
    from gradlab.training.state_codec import decode, encode

    path = tmp_path / "run.ckpt"
    X, y = data()
    gl.fit(gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, checkpoint=path, verbose=0)
    state = decode(path.read_bytes())
    del state["optimizer"]
    path.write_bytes(encode(state))
    with pytest.raises(ValueError, match="is damaged"):
        gl.fit(gl.nn.MLP(3, [5], 1, rng=0), X, y, epochs=2, checkpoint=path, verbose=0)
