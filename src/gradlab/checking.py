"""`gradlab.gradcheck`: one name for checking the gradients of a function or of a whole model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gradlab.engine.gradcheck import gradcheck as check_function
from gradlab.nn.module import Module


def gradcheck(
    fn: Callable[..., Any] | Module,
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
    fast_mode: bool = False,
    **model_options: Any,
) -> Any:
    """Check autograd's gradients of a function of tensors, or of a whole model's loss.

    - ``gradcheck(fn, *tensors)``: every entry of ``fn``'s Jacobian against central finite
      differences in float64, accepting |autograd - numeric| <= atol + rtol |numeric|; True,
      or a GradcheckError naming the input, its index and the output entry of the worst one
      (`gradlab.engine.gradcheck`; ``fast_mode=True`` checks one random projection instead).
    - ``gradcheck(model, x, y, loss="mse", symbolic="auto", names=None)``: for every parameter
      entry of a `Module`, autograd vs finite differences (step ``eps``) vs SymPy, one row each
      with the worst marked (`gradlab.glassbox.check_gradients`); ``.passed(atol, rtol)`` says
      whether every row agrees.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.gradcheck(lambda t: (t * t).sigmoid(), gl.Tensor([0.5, -1.0]))
    True
    >>> model = gl.nn.Sequential(gl.nn.Linear.from_values([[0.5], [-0.2]], [0.1]))
    >>> gl.gradcheck(model, [1.0, 2.0], [1.0], symbolic=False).passed()
    True
    """
    if isinstance(fn, Module):
        from gradlab.glassbox import check_gradients

        return check_gradients(fn, *inputs, eps=eps, **model_options)
    if model_options:
        raise TypeError(
            f"gradcheck of a function takes no {sorted(model_options)}; those options are for "
            "gradcheck(model, x, y, ...)."
        )
    return check_function(
        fn,
        *inputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        seed=seed,
        raise_exception=raise_exception,
        fast_mode=fast_mode,
    )
