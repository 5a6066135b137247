"""The 2-2-1 ReLU network worked by hand, every number written out by gradlab.

From the tutorial notebook "Neural network, math experimentation" (author not named).

The tutorial types in w1..w6 and bias1..bias3, runs one forward pass on input (1, 0) with target 2,
squared error, and updates w5, w6, bias3, w1, w2 and w3 by hand with learning rate 0.01. It stops
there. gradlab's trace shows the same numbers (node outputs 1.5, 0.5, 2.5; loss 0.25; new w5
0.985, w6 0.995, bias3 0.49, w1 0.99, w2 0.49, w3 1.0) and finishes what the tutorial leaves
undone: the new w4 (-0.5), bias1 (0.49) and bias2 (-0.01). Every formula it writes is checked
against the engine.

    python examples/relu_2_2_1_by_hand.py [--markdown] [--plot network.png]
"""

import sys

import gradlab as gl

# The tutorial's weights. In gradlab's layout a layer's weight has one row per input and one column
# per neuron: node 1 = input1*w1 + input2*w3 + bias1, node 2 = input1*w2 + input2*w4 + bias2.
w1, w2, w3, w4, w5, w6 = 1, 0.5, 1, -0.5, 1, 1
bias1, bias2, bias3 = 0.5, 0, 0.5

model = gl.nn.Sequential(
    gl.nn.Linear.from_values([[w1, w2], [w3, w4]], bias=[bias1, bias2]),
    gl.nn.ReLU(),
    gl.nn.Linear.from_values([[w5], [w6]], bias=[bias3]),
    gl.nn.ReLU(),
)
names = {
    "inputs": ["x1", "x2"],
    "0.weight": [["w1", "w2"], ["w3", "w4"]],
    "0.bias": ["bias1", "bias2"],
    "0.neurons": ["1", "2"],
    "2.weight": [["w5"], ["w6"]],
    "2.bias": ["bias3"],
    "2.neurons": ["3"],
}


def main() -> None:
    # The tutorial's loss is (predicted - true)^2 for one sample: the mean squared error.
    trace = gl.explain(model, [1, 0], [2], loss="mse", lr=0.01, names=names)
    print(trace.to_markdown() if "--markdown" in sys.argv else trace)

    print("The tutorial stops after w3; the trace also gives")
    for name in ("w4", "bias1", "bias2"):
        print(f"  new {name} = {trace.new_value(name):g}")
    if "--plot" in sys.argv:
        path = sys.argv[sys.argv.index("--plot") + 1]
        trace.plot_network().savefig(path)
        print(f"network diagram written to {path}")


if __name__ == "__main__":
    main()
