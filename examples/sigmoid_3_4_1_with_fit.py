"""The vectorised 3-4-1 sigmoid network with one call to `gradlab.fit`, 1000 full-batch steps.

From "The Maths behind Neural Networks" by Alex Punnen, chapter 6, "A Simple NeuralNet with
Back Propagation".

Same network, data and numbers as ``sigmoid_3_4_1_vectorised.py`` (which spells out the loop with
the engine): the tutorial's own initial weights (``np.random.seed(1)``, then
``np.random.random((3, 4))`` and ``np.random.random((4, 1))``, drawn here from a local
``RandomState(1)``, the same stream) typed into two bias-free layers, the half-sum squared
error C = 1/2 sum (y - a2)^2, plain gradient descent with learning rate 1, 1000 epochs of one
full batch.

The tutorial prints the outputs of its last step, computed before that step's update; a callback
records them here. Its text says the target is [0, 1, 0, 1], but its code trains on
[0, 1, 1, 0], which we use so the published figures match.

    python examples/sigmoid_3_4_1_with_fit.py
"""

import numpy as np

import gradlab as gl

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
Y = np.array([[0, 1, 1, 0]], dtype=float).T
EPOCHS = 1000


class LastStepOutputs(gl.training.Callback):
    """Keeps the outputs that the final epoch's (single) step computed, before its update."""

    def on_epoch_begin(self, epoch, logs):
        if epoch == self.trainer.epochs - 1:
            self.outputs = gl.predict(self.model, X)


def build_model() -> gl.nn.Sequential:
    rng = np.random.RandomState(1)
    weight1, weight2 = rng.random_sample((3, 4)), rng.random_sample((4, 1))
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(weight1, bias=None),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values(weight2, bias=None),
        gl.nn.Sigmoid(),
    )


def main() -> None:
    model = build_model()
    print("initial output:          ", np.round(gl.predict(model, X).ravel(), 3))
    last = LastStepOutputs()
    history = gl.fit(
        model,
        X,
        Y,
        loss="half_sse",
        optimizer="sgd",
        lr=1.0,
        epochs=EPOCHS,
        batch_size=None,
        callbacks=[last],
        verbose=0,
    )
    print("output of the last step: ", np.round(last.outputs.ravel(), 3))
    print("prediction for [1, 0, 1]:", np.round(gl.predict(model, [[1, 0, 1]]).ravel(), 3))
    print(f"loss after {len(history.epoch)} epochs: {history.history['loss'][-1]:.5f}")
    print("the tutorial publishes:    0.758 0.771 0.791 0.801 -> 0.028 0.925 0.925 0.090 -> 0.925")


if __name__ == "__main__":
    main()
