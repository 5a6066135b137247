"""The 2-3-1 sigmoid network worked to 4 decimals, with its slips pointed out.

From "Beginning Deep Learning - Understanding Back Propagation" by Nik Alleyne
(www.securitynik.com).

The tutorial feeds inputs 2 and 9 to three sigmoid neurons and one sigmoid output, target 0.92, cost
(y - O3)^2. Its forward values are right (z0 = 2.87, ..., O3 = 0.6445 at 4 decimals). Its
backward pass has three slips, which gradlab's trace does not copy:

1. dCost/dO3 is taken as O3 - y. The derivative of (y - O3)^2 with respect to O3 is
   2 (O3 - y): the factor 2 is lost (the convention of a half squared error mixed with a full
   one), so every gradient of the tutorial is half the true one.
2. dCost_dz0 is computed from itself (dCost_dz0 = dCost_dO0 * dCost_dz0) instead of
   dCost_dO0 * dO0_dz0; likewise dCost_dz1 = dCost_dz1 * dO1_dz1 instead of dCost_dO1 * dO1_dz1.
   As written, the notebook would stop with a NameError; the intended product is what gradlab
   shows as δ.
3. dCost_db1 and dCost_db2 are set to dCost_dO1 and dCost_dO2, the gradients of the neurons'
   outputs; a bias's gradient is δ = dCost/dz, which includes the sigmoid's slope O (1 - O).

gradlab prints all 13 gradients from the engine (checked against PyTorch in the tests) and
rounds only the display, never the arithmetic.

    python examples/sigmoid_2_3_1_by_hand.py
"""

import gradlab as gl

# weights_input_hidden_neuron0 = [0.15, 0.23] are the weights from x0 and x1 into neuron 0:
# column 0 of the first layer's (inputs, neurons) weight matrix.
model = gl.nn.Sequential(
    gl.nn.Linear.from_values([[0.15, 0.5, 0.05], [0.23, 0.8, -0.05]], bias=[0.5, 0.5, 0.5]),
    gl.nn.Sigmoid(),
    gl.nn.Linear.from_values([[0.9], [-0.5], [0.08]], bias=[0.2]),
    gl.nn.Sigmoid(),
)
names = {
    "inputs": ["x0", "x1"],
    "0.weight": [["w0", "w2", "w4"], ["w1", "w3", "w5"]],
    "0.bias": ["b0", "b1", "b2"],
    "0.neurons": ["0", "1", "2"],
    "2.weight": [["w6"], ["w7"], ["w8"]],
    "2.bias": ["b3"],
    "2.neurons": ["3"],
}


def main() -> None:
    # (y - O3)^2 for one output is the mean squared error. The tutorial calls the outputs O;
    # here they are a0..a3 (a = activation), and z0..z3 the weighted sums.
    trace = gl.explain(model, [2, 9], [0.92], loss="mse", lr=0.1, names=names, decimals=4)
    print(trace)
    print("The tutorial's backward pass, next to the engine's:")
    tutorial_do3 = round(0.6445 - 0.92, 4)  # the tutorial's "derivative" of (y - O3)^2
    tutorial_dz3 = round(tutorial_do3 * round(0.6445 * (1 - 0.6445), 4), 4)
    print(f"  dCost/dO3: tutorial {tutorial_do3}, correct 2·(O3 - y) = {trace.value('∂L/∂a3'):.4f}")
    print(f"  dCost/dz3: tutorial {tutorial_dz3}, correct {trace.value('δ3'):.4f}")
    tutorial_dw6 = round(tutorial_dz3 * 0.9463, 4)
    print(
        f"  dCost/dw6: tutorial {tutorial_dw6}, "
        f"correct {trace.gradient('w6'):.4f} (twice the tutorial's)"
    )
    print(
        f"  dCost/db1: the tutorial takes dCost/dO1 = {trace.value('∂L/∂a1'):.4f}, but "
        f"dCost/db1 = δ1 = dO1/dz1 · dCost/dO1 = {trace.value('∂a1/∂z1'):.2g} · "
        f"{trace.value('∂L/∂a1'):.4f} = {trace.gradient('b1'):.2g}"
    )


if __name__ == "__main__":
    main()
