"""Bad inputs to fit and predict: one clear message each, in scikit-learn's wording where it
has one, raised before any weight changes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import gradlab as gl

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y = np.array([1.0, 1.0, 0.0, 0.0])


@pytest.fixture
def model():
    return gl.nn.MLP(2, [3], 1, rng=0)


def with_value(array, index, value):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


CASES = [
    ("nan in X", {"X": with_value(X, (1, 0), np.nan)}, ValueError, "Input X contains NaN."),
    (
        "inf in X",
        {"X": with_value(X, (0, 1), np.inf)},
        ValueError,
        "Input X contains infinity or a value too large for dtype('float64').",
    ),
    ("nan in y", {"y": with_value(Y, 2, np.nan)}, ValueError, "Input y contains NaN."),
    ("-inf in y", {"y": with_value(Y, 2, -np.inf)}, ValueError, "Input y contains infinity"),
    (
        "1-D X",
        {"X": np.array([0.0, 1.0, 2.0, 3.0])},
        ValueError,
        "Expected 2D array, got 1D array instead:\nX=[0. 1. 2. 3.].\nReshape your data either "
        "using array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) "
        "if it contains a single sample.",
    ),
    ("3-D X", {"X": np.zeros((4, 2, 1))}, ValueError, "Found array with dim 3"),
    ("scalar X", {"X": 3.0}, ValueError, "Expected 2D array, got scalar array instead"),
    (
        "no samples",
        {"X": np.zeros((0, 2)), "y": np.zeros(0)},
        ValueError,
        "Found array with 0 sample(s) (shape=(0, 2)) while a minimum of 1 is required",
    ),
    (
        "no features",
        {"X": np.zeros((4, 0))},
        ValueError,
        "Found array with 0 feature(s) (shape=(4, 0)) while a minimum of 1 is required",
    ),
    (
        "lengths differ",
        {"y": Y[:3]},
        ValueError,
        "Found input variables with inconsistent numbers of samples: [4, 3]",
    ),
    # scikit-learn's wording for text in numeric input, numeric-looking text included.
    (
        "strings in X",
        {"X": [["a", "b"]] * 4},
        ValueError,
        "dtype='numeric' is not compatible with arrays of bytes/strings",
    ),
    (
        "numeric-looking strings in X",
        {"X": [["1.5", "2"]] * 4},
        ValueError,
        "dtype='numeric' is not compatible with arrays of bytes/strings",
    ),
    ("complex X", {"X": X + 1j}, ValueError, "Complex data not supported in X"),
    ("ragged X", {"X": [[1.0, 2.0], [1.0]]}, ValueError, "X could not be made into an array"),
    ("wrong features", {"X": np.zeros((4, 3))}, ValueError, "the model cannot take X of shape"),
    (
        "y columns",
        {"y": np.zeros((4, 2))},
        ValueError,
        "y has 2 columns but the model has 1 outputs",
    ),
    (
        "validation split too large",
        {"validation_split": 0.9},
        ValueError,
        "Training data contains 4 samples, which is not sufficient to split it",
    ),
    (
        "validation split out of range",
        {"validation_split": 1.5},
        ValueError,
        "validation_split must be a number in [0, 1)",
    ),
    (
        "both validation sources",
        {"validation_split": 0.5, "validation_data": (X, Y)},
        ValueError,
        "pass validation_data or validation_split, not both",
    ),
    (
        "validation features",
        {"validation_data": (np.zeros((2, 3)), np.zeros(2))},
        ValueError,
        "X_val has 3 features, but X has 2",
    ),
    (
        "validation nan",
        {"validation_data": (X, with_value(Y, 0, np.nan))},
        ValueError,
        "Input y_val contains NaN.",
    ),
    ("validation triple", {"validation_data": (X, Y, Y)}, ValueError, "a pair (X_val, y_val)"),
    ("batch size 0", {"batch_size": 0}, ValueError, "batch_size must be None (full batch)"),
    ("batch size float", {"batch_size": 2.5}, ValueError, "or a positive integer; got 2.5"),
    ("batch size bool", {"batch_size": True}, ValueError, "got True"),
    ("epochs 0", {"epochs": 0}, ValueError, "epochs must be a positive integer; got 0"),
    ("unknown loss", {"loss": "msee"}, ValueError, "unknown loss 'msee'"),
    ("unknown optimizer", {"optimizer": "adamm"}, ValueError, "unknown optimizer 'adamm'"),
    ("unknown metric", {"metrics": ["precision"]}, ValueError, "unknown metric 'precision'"),
    ("negative tol", {"tol": -1.0}, ValueError, "tol must be None or a finite number >= 0"),
    ("step_tol 0", {"step_tol": 0.0}, ValueError, "step_tol must be None or a finite number > 0"),
    ("n_iter_no_change", {"n_iter_no_change": 0}, ValueError, "n_iter_no_change must be"),
    ("rng", {"rng": "seed"}, TypeError, "rng must be None, an integer seed or a numpy.random"),
    ("shuffle", {"shuffle": "yes"}, TypeError, "shuffle must be True or False"),
    ("reduction none", {"loss": gl.losses.SquaredError(reduction="none")}, ValueError, "'none'"),
]


@pytest.mark.parametrize(("label", "change", "kind", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gets_one_clear_message_and_leaves_the_model_alone(
    model, label, change, kind, message
):
    arguments = {"X": X, "y": Y, "epochs": 2, "verbose": 0, **change}
    before = model.state_dict()
    with pytest.raises(kind, match=re.escape(message)):
        gl.fit(model, arguments.pop("X"), arguments.pop("y"), **arguments)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_values_beyond_float32_are_reported_for_a_float32_model():
    model = gl.nn.MLP(2, [2], 1, rng=0, dtype=np.float32)
    with pytest.raises(ValueError, match=re.escape("too large for dtype('float32')")):
        gl.fit(model, with_value(X, (0, 0), 1e300), Y, verbose=0)


def test_an_optimizer_instance_with_lr_or_over_other_parameters_is_refused(model):
    other = gl.nn.MLP(2, [3], 1, rng=1)
    with pytest.raises(ValueError, match="holds none of the model's parameters"):
        gl.fit(model, X, Y, optimizer=gl.optim.SGD(other.parameters()), verbose=0)
    with pytest.raises(ValueError, match="already built"):
        gl.fit(model, X, Y, optimizer=gl.optim.SGD(model.parameters()), lr=0.1, verbose=0)


def test_cross_entropy_labels_must_name_an_output():
    model = gl.nn.MLP(2, [3], 3, rng=0)
    with pytest.raises(ValueError, match=re.escape("labels must be 0..2")):
        gl.fit(model, X, np.array([0, 1, 3, 1]), loss="cross_entropy", verbose=0)
    with pytest.raises(ValueError, match="integer class indices"):
        gl.fit(model, X, np.array([0.5, 1, 2, 1]), loss="cross_entropy", verbose=0)
    with pytest.raises(ValueError, match="y is a vector but the model has 3 outputs"):
        gl.fit(model, X, np.array([0.0, 1, 2, 1]), loss="mse", verbose=0)


def test_a_model_without_parameters_or_not_a_module_is_refused():
    with pytest.raises(ValueError, match="has no parameters to train"):
        gl.fit(gl.nn.Sigmoid(), X, Y, verbose=0)
    with pytest.raises(TypeError, match=r"model must be a gradlab\.nn\.Module"):
        gl.fit(np.zeros(3), X, Y, verbose=0)


def test_predict_checks_its_input(model):
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array instead"):
        gl.predict(model, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=re.escape("Input X contains NaN.")):
        gl.predict(model, with_value(X, (0, 0), np.nan))
    with pytest.raises(ValueError, match="batch_size must be None or a positive integer"):
        gl.predict(model, X, batch_size=0)


def test_inputs_are_not_modified(model):
    X_in, y_in = X.copy(), Y.copy()
    gl.fit(model, X_in, y_in, epochs=3, batch_size=2, rng=0, verbose=0)
    np.testing.assert_array_equal(X_in, X)
    np.testing.assert_array_equal(y_in, Y)


def test_lists_pandas_frames_and_integer_data_are_accepted():
    pandas = pytest.importorskip("pandas", reason="pandas is an optional dependency")
    model = gl.nn.MLP(2, [2], 1, rng=0)
    frame = pandas.DataFrame(X.astype(int), columns=["a", "b"])
    history = gl.fit(model, frame, pandas.Series(Y.astype(int)), epochs=2, verbose=0)
    assert len(history.epoch) == 2
    history = gl.fit(model, X.tolist(), Y.tolist(), epochs=1, verbose=0)
    assert len(history.epoch) == 1


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_entry_is_found_in_any_layout_and_dtype(layout, dtype, bad) -> None:
    """The check's fast paths (a dot product of contiguous float32/float64, a float64 sum of
    the rest) miss no entry; np.isfinite is the oracle."""
    from gradlab.training.data import check_X

    base = np.random.default_rng(5).normal(size=(40, 14)).astype(dtype)
    array = {"C": base, "F": np.asfortranarray(base), "strided": base[:, ::2]}[layout]
    array[7, 3] = bad
    assert not np.isfinite(array).all()
    with pytest.raises(ValueError, match="NaN" if np.isnan(bad) else "infinity"):
        check_X(array, np.dtype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_entries_whose_squares_overflow_pass_the_check(dtype) -> None:
    from gradlab.training.data import check_X

    huge = np.full((6, 3), np.sqrt(np.finfo(dtype).max) * 4, dtype=dtype)  # finite, squares not
    assert np.isfinite(huge).all()
    assert check_X(huge, np.dtype(dtype)) is not None
