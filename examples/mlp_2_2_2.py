"""The generic MLP class, MyNeuralNetwork(2, [2], 2), with gradlab: `MLP(2, [2], 2)` and `fit`.

From "Introduction to Deep Learning - Part 3" by Bhaskar S (PolarSPARC, 06/18/2023), which
builds a Perceptron class and a generic ``MyNeuralNetwork`` class with fit / predict.

Two inputs, one hidden layer of two sigmoid neurons, two sigmoid outputs (one per class),
trained on the tutorial's ten points by full-batch gradient descent on the half-sum squared error
C = 1/2 sum_samples sum_outputs (a - y)^2 (the tutorial's loss, divided by 2 "so that the factor 2
cancels"), against one-hot targets. The predicted class is the argmax of the two outputs.

Settings: learning rate 0.5, 500 epochs. Chosen on the training data only, by trying lr in
{0.5, 1, 2} and epochs in {200, 500, 1000} over rng seeds 0..19: the smallest epoch count at which
every seed classified all ten training points correctly. lr 1 and 2 leave some seeds stuck on
a plateau at 1000 epochs; lr 0.5 with 500 epochs also gives [1, 0, 1] for seeds 0..99.

Where the tutorial's own network differs:

- Its ``fit`` sums dL/da over the epoch's samples but back-propagates that sum through the
  activations of the last sample only (``back_propagation`` reads the layers' state, which holds
  the last ``feed_forward``); gradlab back-propagates each sample's error through its own
  activations (the true gradient of the summed loss).
- It maps class 1 to output 0 (``probabilities_of_target(1)`` is [0.95, 0.05]) while
  ``predict`` returns the argmax index, so a predicted 0 means class 1. gradlab maps class k to
  output k, so the index is the class.
- It trains against 0.05 / 0.95 rather than 0 / 1, with lr 0.05 and 100 epochs.

    python examples/mlp_2_2_2.py
"""

import numpy as np

import gradlab as gl

X = np.array(
    [[1.2, 1.6], [7.6, 6.8], [3.4, 4.4], [6.9, 8.8], [3.0, 3.2],
     [5.6, 6.8], [2.2, 1.8], [5.8, 5.2], [1.8, 2.2], [6.5, 4.8]]
)  # fmt: skip
y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
X_TEST = np.array([[5.2, 6.2], [2.1, 2.0], [7.1, 6.5]])
Y_TEST = np.array([1, 0, 1])
LEARNING_RATE, EPOCHS, SEEDS = 0.5, 500, range(20)


def train(seed: int) -> tuple[gl.nn.MLP, gl.training.History]:
    model = gl.nn.MLP(2, [2], 2, activation="sigmoid", output_activation="sigmoid", rng=seed)
    history = gl.fit(
        model,
        X,
        np.eye(2)[y],  # class k -> output k
        loss="half_sse",
        optimizer="sgd",
        lr=LEARNING_RATE,
        epochs=EPOCHS,
        batch_size=None,
        metrics=["accuracy"],
        verbose=0,
    )
    return model, history


def main() -> None:
    settings = f"SGD lr={LEARNING_RATE}, {EPOCHS} full-batch epochs"
    print(f"MLP(2, [2], 2), sigmoid outputs, half-sum squared error; {settings}")
    print("seed  final loss  train accuracy  predicted for the test points (actual [1, 0, 1])")
    for seed in SEEDS:
        model, history = train(seed)
        predicted = gl.predict(model, X_TEST).argmax(axis=1)
        print(
            f"{seed:4d}  {history.history['loss'][-1]:10.5f}  "
            f"{history.history['accuracy'][-1]:14.2f}  {predicted.tolist()}"
        )


if __name__ == "__main__":
    main()
