"""The vectorised 3-4-1 sigmoid network, trained for 1000 full-batch steps with gradlab's engine.

From "The Maths behind Neural Networks" by Alex Punnen, chapter 6, "A Simple NeuralNet with
Back Propagation".

The tutorial builds its weights with ``np.random.seed(1)`` then ``np.random.random((3, 4))`` and
``np.random.random((4, 1))``. We draw the same numbers from a local ``RandomState(1)`` (the same
stream, without touching NumPy's global state) and pass them in explicitly.

Note: the tutorial's text says the target is [0, 1, 0, 1] but its code trains on [0, 1, 1, 0]
(XOR of the first two inputs). We train on what the code uses, so the published outputs match.

    python examples/sigmoid_3_4_1_vectorised.py
"""

import numpy as np

import gradlab as gl

X = gl.Tensor([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
Y = gl.Tensor([[0, 1, 1, 0]]).T
LEARNING_RATE, STEPS = 1.0, 1000


def main() -> None:
    rng = np.random.RandomState(1)
    w1 = gl.Tensor(rng.random_sample((3, 4)), requires_grad=True, name="w1")
    w2 = gl.Tensor(rng.random_sample((4, 1)), requires_grad=True, name="w2")

    def forward(x: gl.Tensor) -> gl.Tensor:
        return ((x @ w1).sigmoid() @ w2).sigmoid()

    for step in range(STEPS):
        output = forward(X)
        if step == 0:
            print("initial output:      ", np.round(output.data.ravel(), 3))
        # C = 1/2 * sum (y - a2)^2, so that dC/da2 = a2 - y as in the tutorial.
        loss = gl.squared_error(output, Y, reduction="half_sum")
        w1.grad = w2.grad = None
        loss.backward()
        with gl.no_grad():
            w1.data -= LEARNING_RATE * w1.grad
            w2.data -= LEARNING_RATE * w2.grad
    print("output of last step: ", np.round(output.data.ravel(), 3), f"(loss {loss.item():.5f})")
    with gl.no_grad():
        prediction = forward(gl.Tensor([[1, 0, 1]])).data.ravel()
    print("prediction for [1, 0, 1]:", np.round(prediction, 3))
    print("the tutorial publishes: 0.758 0.771 0.791 0.801 -> 0.028 0.925 0.925 0.090 -> 0.925")


if __name__ == "__main__":
    main()
