"""Initialisers: bounds and spreads from their published formulas, seeding, no global state."""

import math

import numpy as np
import pytest

import gradlab as gl
from gradlab.nn import init

FAN_IN, FAN_OUT = 200, 300


def big(dtype=np.float64):
    return gl.nn.Parameter(np.zeros((FAN_IN, FAN_OUT)), dtype=dtype)


@pytest.mark.parametrize(
    ("fill", "bound"),
    [
        (init.glorot_uniform_, math.sqrt(6 / (FAN_IN + FAN_OUT))),  # Glorot & Bengio (2010)
        (init.he_uniform_, math.sqrt(6 / FAN_IN)),  # He et al. (2015)
    ],
)
def test_uniform_variants_fill_their_interval(fill, bound):
    values = fill(big(), rng=0).data
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.99 * bound  # 60000 draws reach the edges
    assert abs(values.mean()) < 0.01 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


@pytest.mark.parametrize(
    ("fill", "std"),
    [
        (init.glorot_normal_, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.he_normal_, math.sqrt(2 / FAN_IN)),
    ],
)
def test_normal_variants_have_their_spread(fill, std):
    values = fill(big(), rng=0).data
    assert values.std() == pytest.approx(std, rel=0.02)
    assert abs(values.mean()) < 0.02 * std
    assert np.abs(values).max() > 3.5 * std  # a plain normal, not truncated at 2 std


def test_uniform_default_is_unit_interval_like_the_seeds():
    values = init.uniform_(big(), rng=0).data
    assert values.min() >= 0.0 and values.max() < 1.0
    assert values.mean() == pytest.approx(0.5, abs=0.01)
    values = init.uniform_(big(), low=-2.0, high=-1.0, rng=0).data
    assert values.min() >= -2.0 and values.max() < -1.0


def test_zeros_and_constant():
    p = gl.nn.Parameter([1.0, 2.0])
    assert init.zeros_(p) is p
    np.testing.assert_array_equal(p.data, [0.0, 0.0])
    np.testing.assert_array_equal(init.constant_(p, 0.25).data, [0.25, 0.25])


@pytest.mark.parametrize("name", init.INITIALIZERS.all_names())
def test_initialisers_keep_float32_and_are_seeded(name):
    fill = init.get(name)
    a = fill(big(np.float32), rng=5)
    b = fill(big(np.float32), rng=np.random.default_rng(5))
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a.data, b.data)


def test_same_seed_same_layer_other_seed_other_layer():
    a = gl.nn.Linear(4, 3, rng=7).weight.data
    np.testing.assert_array_equal(a, gl.nn.Linear(4, 3, rng=7).weight.data)
    assert not np.array_equal(a, gl.nn.Linear(4, 3, rng=8).weight.data)


def test_default_init_is_glorot_uniform_weights_and_zero_bias():
    layer = gl.nn.Linear(FAN_IN, FAN_OUT, rng=0)
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.99 * bound
    np.testing.assert_array_equal(layer.bias.data, np.zeros(FAN_OUT))


def test_numpy_global_random_state_is_neither_used_nor_changed():
    # The legacy global generator is exactly what this test watches.
    np.random.seed(0)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = gl.nn.MLP(3, [4], 2, rng=11)
    np.random.seed(1)  # noqa: NPY002
    b = gl.nn.MLP(3, [4], 2, rng=11)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    np.random.seed(0)  # noqa: NPY002
    gl.nn.MLP(3, [4], 2)  # rng=None: fresh entropy, still not the global generator
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_one_generator_advances_across_layers():
    rng = np.random.default_rng(3)
    first = gl.nn.Linear(2, 2, rng=rng).weight.data
    second = gl.nn.Linear(2, 2, rng=rng).weight.data
    assert not np.array_equal(first, second)


def test_fans_in_gradlab_layout():
    assert init.fans((3, 4)) == (3, 4)
    assert init.fans((5,)) == (5, 5)
    assert init.fans((2, 3, 4)) == (6, 8)


@pytest.mark.parametrize("bad", ["seed", 1.5, np.random.RandomState(0)])
def test_bad_rng_is_rejected(bad):
    with pytest.raises(TypeError, match=r"cannot be used to seed a numpy\.random\.Generator"):
        gl.nn.Linear(2, 2, rng=bad)


def test_callable_init_is_called_with_the_generator():
    seen = []

    def ones(p, rng):
        seen.append(rng)
        return init.constant_(p, 1.0)

    layer = gl.nn.Linear(2, 2, init=ones, rng=0)
    np.testing.assert_array_equal(layer.weight.data, np.ones((2, 2)))
    assert isinstance(seen[0], np.random.Generator)
    assert layer.get_config()["init"] is None


def test_skip_init_leaves_zeros_and_restores():
    with init.skip_init():
        layer = gl.nn.Linear(3, 2, bias_init="uniform", rng=0)
    np.testing.assert_array_equal(layer.weight.data, np.zeros((3, 2)))
    np.testing.assert_array_equal(layer.bias.data, np.zeros(2))
    assert init.initialization_enabled()
    assert np.any(gl.nn.Linear(3, 2, rng=0).weight.data != 0)
