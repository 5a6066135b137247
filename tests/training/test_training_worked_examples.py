"""The vectorised 3-4-1 sigmoid network and the generic MLP class trained with `gradlab.fit`;
the oracles are the figures their tutorials publish."""

from __future__ import annotations

import numpy as np
import pytest

import gradlab as gl

# The vectorised 3-4-1 sigmoid network: the tutorial's code trains on [0, 1, 1, 0] (its text
# says [0, 1, 0, 1]).
X3 = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
Y3 = np.array([[0, 1, 1, 0]], dtype=float).T


def sigmoid_3_4_1_model() -> gl.nn.Sequential:
    # np.random.seed(1); np.random.random((3, 4)); np.random.random((4, 1)) - same stream.
    rng = np.random.RandomState(1)
    weight1, weight2 = rng.random_sample((3, 4)), rng.random_sample((4, 1))
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(weight1, bias=None),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values(weight2, bias=None),
        gl.nn.Sigmoid(),
    )


class OutputsSeenByEachEpoch(gl.training.Callback):
    def __init__(self) -> None:
        self.outputs: list[np.ndarray] = []

    def on_epoch_begin(self, epoch, logs):
        self.outputs.append(gl.predict(self.model, X3).ravel())


def test_sigmoid_3_4_1_published_outputs():
    model = sigmoid_3_4_1_model()
    seen = OutputsSeenByEachEpoch()
    history = gl.fit(
        model,
        X3,
        Y3,
        loss="half_sse",
        optimizer="sgd",
        lr=1.0,
        epochs=1000,
        batch_size=None,
        callbacks=[seen],
        verbose=0,
    )
    assert history.stop_reason == "max_epochs"
    assert history.epoch == list(range(1000))
    # "Intial Ouput": 0.758 0.771 0.791 0.801
    np.testing.assert_array_equal(np.round(seen.outputs[0], 3), [0.758, 0.771, 0.791, 0.801])
    # "New ouput" (the forward pass of the last of the 1000 steps): 0.028 0.925 0.925 0.090
    np.testing.assert_array_equal(np.round(seen.outputs[-1], 3), [0.028, 0.925, 0.925, 0.090])
    # "Ouput after Training is": 0.925
    prediction = gl.predict(model, [[1, 0, 1]])
    assert prediction.shape == (1, 1)
    assert round(float(prediction[0, 0]), 3) == 0.925


def test_sigmoid_3_4_1_optimizer_instance_gives_the_same_figures():
    model = sigmoid_3_4_1_model()
    gl.fit(
        model,
        X3,
        Y3,
        loss=gl.losses.SquaredError(reduction="half_sum"),
        optimizer=gl.optim.SGD(model.parameters(), lr=1.0),
        epochs=1000,
        verbose=0,
    )
    assert np.round(gl.predict(model, X3).ravel(), 3).tolist() == [0.028, 0.925, 0.925, 0.090]


# The generic MLP class (MyNeuralNetwork): ten training points, three test points whose classes
# the tutorial publishes as [1, 0, 1].
X4 = np.array(
    [[1.2, 1.6], [7.6, 6.8], [3.4, 4.4], [6.9, 8.8], [3.0, 3.2],
     [5.6, 6.8], [2.2, 1.8], [5.8, 5.2], [1.8, 2.2], [6.5, 4.8]]
)  # fmt: skip
Y4 = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
X4_TEST = np.array([[5.2, 6.2], [2.1, 2.0], [7.1, 6.5]])


@pytest.mark.parametrize("seed", range(20))
def test_mlp_2_2_2_predicts_the_published_classes(seed):
    # Settings of examples/mlp_2_2_2.py: half-sum squared error, SGD lr 0.5, 500 epochs.
    model = gl.nn.MLP(2, [2], 2, activation="sigmoid", output_activation="sigmoid", rng=seed)
    history = gl.fit(
        model,
        X4,
        np.eye(2)[Y4],
        loss="half_sse",
        optimizer="sgd",
        lr=0.5,
        epochs=500,
        metrics=["accuracy"],
        verbose=0,
    )
    assert gl.predict(model, X4_TEST).argmax(axis=1).tolist() == [1, 0, 1]
    assert gl.predict(model, X4).argmax(axis=1).tolist() == Y4.tolist()
    assert history.history["loss"][-1] < history.history["loss"][0]
