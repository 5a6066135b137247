"""The 2-2-1 sigmoid network derived with SymPy: one shared bias w0, as a formula and a graph.

From an untitled blog post (title and author not named) that builds "a simple multilayer
perceptron from scratch using the library Sympy"; it opens with "Neural Networks are
computational graphs representing the formula of the training function".

The tutorial writes the network with SymPy: inputs x1 = 0.35 and x2 = 0.9, weights w13, w14, w23,
w24, w35, w45 and one bias w0 used by every neuron (six times in all), binary cross-entropy for
y = 1. Its initial output is 0.649864477526152; after gradient descent at learning rate 0.3 it
prints 0.999453185534398.

gradlab builds the same network from named Tensors. `gl.symbolic` writes its output and loss as
SymPy formulas by walking the recorded graph and checks every symbolic partial derivative
against autograd; `gl.explain` shows one step with w0's gradient as the sum over its six uses.

Two things about the tutorial's loop, which this example reproduces rather than copies:

- It updates the weights one after another inside an iteration: w13's gradient is taken after
  w0 has moved, and so on (coordinate-wise descent). The usual gradient-descent step updates all
  seven from the same gradient; after 999 steps that gives 0.99945509 instead.
- Its stopping criterion is computed once, before the loop (from step sizes initialised to 1),
  so it always runs the full 999 iterations.

The engine recomputes the gradient after each single update (7 x 999 small backward passes,
about a second), rather than substituting numbers into SymPy formulas, which would take minutes.

    python examples/sigmoid_2_2_1_sympy.py
"""

import gradlab as gl

X = gl.Tensor([0.35, 0.9], name="x")
TARGET = 1.0
LR, STEPS = 0.3, 999
INITIAL = {"w0": 0.1, "w13": 0.2, "w14": 0.8, "w23": 0.6, "w24": 0.4, "w35": 0.1, "w45": 0.5}


def make_parameters() -> dict[str, gl.Tensor]:
    return {
        name: gl.Tensor(value, requires_grad=True, name=name) for name, value in INITIAL.items()
    }


def network(w: dict[str, gl.Tensor]):
    """The tutorial's training function f5(x) with named intermediate nodes."""

    def named(t: gl.Tensor, name: str) -> gl.Tensor:
        t.name = name
        return t

    def f(x: gl.Tensor) -> gl.Tensor:
        x1, x2 = x[0], x[1]
        z3 = named((x1 * w["w13"] + w["w0"]) + (x2 * w["w23"] + w["w0"]), "z3")
        z4 = named((x1 * w["w14"] + w["w0"]) + (x2 * w["w24"] + w["w0"]), "z4")
        f3, f4 = named(z3.sigmoid(), "f3"), named(z4.sigmoid(), "f4")
        z5 = named((f3 * w["w35"] + w["w0"]) + (f4 * w["w45"] + w["w0"]), "z5")
        return named(z5.sigmoid(), "f5")

    return f


def loss(f) -> gl.Tensor:
    """Binary cross-entropy for y = 1: -log f5."""
    return gl.binary_cross_entropy(f(X), TARGET)


def train_one_after_another(steps: int = STEPS, lr: float = LR) -> float:
    """The tutorial's loop: within an iteration each weight's update sees the ones before it."""
    w = make_parameters()
    f = network(w)
    for _ in range(steps):
        for name in INITIAL:  # w0, w13, w14, w23, w24, w35, w45, the tutorial's order
            for p in w.values():
                p.grad = None
            loss(f).backward()
            with gl.no_grad():
                w[name].data -= lr * w[name].grad
    with gl.no_grad():
        return f(X).item()


def train_simultaneously(steps: int = STEPS, lr: float = LR) -> float:
    """Plain gradient descent: all seven weights move from the same gradient."""
    w = make_parameters()
    f = network(w)
    optimizer = gl.optim.SGD(list(w.values()), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss(f).backward()
        optimizer.step()
    with gl.no_grad():
        return f(X).item()


def main() -> None:
    w = make_parameters()
    f = network(w)
    sym = gl.symbolic.build(f, X, TARGET, loss="bce", params=w)
    print("Training function f5 =", sym.output)
    print("Loss L =", sym.loss)
    print("dL/dw0 =", sym.gradient("w0"))
    print()
    print("Symbolic derivatives against autograd at the initial weights:")
    for row in sym.check():
        print(f"  dL/d{row.name:<4} symbolic {row.symbolic: .15f}   autograd {row.autograd: .15f}")
    print()
    print(
        f"initial output: symbolic {sym.evaluate(sym.output):.15f}, engine {f(X).item():.15f}"
        "   (tutorial: 0.649864477526152)"
    )
    print()
    print(gl.explain(f, X, TARGET, loss="bce", lr=LR, params=w))
    print(
        f"after {STEPS} steps, weights updated one after another: "
        f"{train_one_after_another():.15f}   (tutorial: 0.999453185534398)"
    )
    print(f"after {STEPS} steps, all weights updated together:     {train_simultaneously():.15f}")


if __name__ == "__main__":
    main()
