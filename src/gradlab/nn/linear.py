"""`Linear`: the fully connected layer z = x @ W + b."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from gradlab.engine import Tensor
from gradlab.engine.linear import as_input, linear
from gradlab.engine.tensor import as_float_array
from gradlab.nn import init as initializers
from gradlab.nn.init import Initializer, initialization_enabled
from gradlab.nn.layer_plan import Entry, LayerPlan, bind_config, flag, float_dtype, leaf
from gradlab.nn.module import Module, Parameter, Shape
from gradlab.nn.registry import register_layer
from gradlab.nn.rng import RandomState, as_generator, check_seed


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    return int(value)


@register_layer
class Linear(Module):
    """Fully connected layer: z = x @ W + b, one fused op (``"linear"``) in the graph.

    ``W`` has shape (in_features, out_features): column j holds the weights into neuron j, the
    layout of the worked examples and of scikit-learn's ``coefs_``. PyTorch users expect the
    transpose (``torch.nn.Linear.weight`` is (out_features, in_features) with z = x W^T + b).

    Derivatives, for G = dL/dz with samples in rows: dL/dW = x^T G, dL/db = column sums of G,
    dL/dx = G W^T.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool, default True
        Learn an additive bias ``b`` of shape (out_features,).
    init : str, callable or None, default "glorot_uniform"
        Weight initialiser: a name in `gradlab.nn.init.INITIALIZERS` ("glorot_uniform",
        "glorot_normal", "he_uniform", "he_normal", "uniform" (U[0, 1) as in the worked examples),
        "zeros"), a callable ``fn(parameter, rng=generator)``, or None to leave zeros (for
        values that come from `from_values` or a file).
    bias_init : str, callable or None, default "zeros"
        Bias initialiser, as ``init`` (Keras' default is zeros; the worked examples use
        "uniform").
    rng : None, int or numpy.random.Generator
        Source of randomness for the initialisers; never NumPy's global state.
    dtype : float64 or float32, default float64
        dtype of the parameters. NumPy arrays and lists given to the layer are converted to it;
        tensors are used as they are.

    Attributes
    ----------
    weight : Parameter of shape (in_features, out_features)
    bias : Parameter of shape (out_features,) or None

    Examples
    --------
    >>> import gradlab as gl
    >>> layer = gl.nn.Linear(2, 3, rng=0)
    >>> layer(gl.Tensor([[1.0, 2.0]])).shape
    (1, 3)
    >>> layer.weight.shape
    (2, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str | Initializer | None = "glorot_uniform",
        bias_init: str | Initializer | None = "zeros",
        rng: RandomState = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        dtype = as_float_array(np.empty(0), dtype).dtype
        weight_init = None if init is None else initializers.get(init)
        b_init = None if bias_init is None else initializers.get(bias_init)
        if not initialization_enabled():
            weight_init = b_init = None
        self.init = init
        self.bias_init = bias_init
        generator = as_generator(rng) if weight_init or (bias and b_init) else None
        self.weight = Parameter.zeros((self.in_features, self.out_features), dtype)
        if weight_init is not None:
            weight_init(self.weight, rng=generator)
        self.bias: Parameter | None = None
        if bias:
            self.bias = Parameter.zeros((self.out_features,), dtype)
            if b_init is not None:
                b_init(self.bias, rng=generator)

    def forward(self, x: Tensor | ArrayLike) -> Tensor:
        """z = x @ W + b for x of shape (..., in_features); arrays become tensors of the
        layer's dtype without a copy when they already have it."""
        weight = self.weight
        return linear(as_input(x, weight.data.dtype), weight, self.bias)

    @classmethod
    def from_values(
        cls, weight: ArrayLike, bias: ArrayLike | None = None, dtype: DTypeLike | None = None
    ) -> Linear:
        """A layer with explicit weights, e.g. a worked example's numbers typed in.

        Parameters
        ----------
        weight : array_like of shape (in_features, out_features)
            Row i holds the weights from input i; column j the weights into neuron j.
        bias : array_like of shape (out_features,), optional
            None makes a layer without bias.
        dtype : dtype, optional
            Defaults to the dtype of ``weight`` when it is float32 (or float16), else float64.

        Examples
        --------
        The first layer of the 2-2-1 ReLU network worked by hand: node 1 gets w1 (from input 1)
        and w3 (from input 2), node 2 gets w2 and w4.

        >>> import gradlab as gl
        >>> w1, w2, w3, w4 = 1.0, 0.5, 1.0, -0.5
        >>> layer = gl.nn.Linear.from_values([[w1, w2], [w3, w4]], bias=[0.5, 0.0])
        >>> layer(gl.Tensor([1.0, 0.0])).data
        array([1.5, 0.5])
        """
        w = as_float_array(weight, dtype)
        if w.ndim != 2 or 0 in w.shape:
            raise ValueError(
                f"weight must be a 2-D array of shape (in_features, out_features); got shape "
                f"{w.shape}. For one input or one neuron write [[...]] or reshape(-1, 1)."
            )
        b = None if bias is None else as_float_array(bias, w.dtype)
        if b is not None and b.shape != (w.shape[1],):
            raise ValueError(
                f"bias must have shape (out_features,) = ({w.shape[1]},) to match weight of "
                f"shape {w.shape}; got shape {b.shape}."
            )
        layer = cls(w.shape[0], w.shape[1], bias=b is not None, init=None, dtype=w.dtype)
        layer.weight.data[...] = w
        if b is not None and layer.bias is not None:
            layer.bias.data[...] = b
        return layer

    @classmethod
    def plan_config(cls, config: dict[str, Any], depth: int = 1) -> LayerPlan:
        """What ``Linear(**config)`` would build (see `gradlab.nn.plan_layer`)."""
        args = bind_config(cls, config)
        n_in = _positive_int(args["in_features"], "in_features")
        n_out = _positive_int(args["out_features"], "out_features")
        dtype = float_dtype(args["dtype"])
        for key in ("init", "bias_init"):
            if args[key] is not None:
                initializers.get(args[key])
        check_seed(args["rng"])
        parameters: dict[str, Entry] = {"weight": ((n_in, n_out), dtype)}
        if flag(args["bias"], "bias"):
            parameters["bias"] = ((n_out,), dtype)
        return leaf(parameters)

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments (a callable initialiser is recorded as None)."""
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "init": self.init if isinstance(self.init, str) else None,
            "bias_init": self.bias_init if isinstance(self.bias_init, str) else None,
            "dtype": str(self.weight.dtype),
        }

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """The input's shape with its last axis replaced by out_features."""
        leading = (None,) if not input_shape else tuple(input_shape[:-1])
        return (*leading, self.out_features)

    def info_lines(self) -> list[str]:
        """Neuron by neuron: its bias, then the weights into it (a column of W)."""
        weight = self.weight.data
        lines = []
        for j in range(self.out_features):
            bias = "none" if self.bias is None else repr(float(self.bias.data[j]))
            weights = [float(w) for w in weight[:, j]]
            lines.append(f"    neuron {j}: bias {bias}, weights {weights}")
        return lines

    def extra_repr(self) -> str:
        text = (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
        if self.weight.dtype != np.float64:
            text += f", dtype={self.weight.dtype}"
        return text
