"""Activations against torch: every function's values, gradients and grad_fn names over
generated shapes and values (large ones and the kinks included), the in-place forms, the
modules' printed forms and settings, PyTorch's errors, and gradcheck in float64."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import dlcore
import dlcore.nn as nn
import dlcore.nn.functional as F
from dlcore.autograd import gradcheck, gradgradcheck

from .test_nn_functional import check, float_arrays

torch = pytest.importorskip("torch")
import torch.nn as tnn  # noqa: E402

# (id, fn(functional, lib, x)): every activation and each setting that changes its formula
ACTIVATIONS = [
    ("tanh", lambda f, lib, x: f.tanh(x)),
    ("sigmoid", lambda f, lib, x: f.sigmoid(x)),
    ("relu", lambda f, lib, x: f.relu(x)),
    ("leaky_relu", lambda f, lib, x: f.leaky_relu(x)),
    ("leaky_relu_0.2", lambda f, lib, x: f.leaky_relu(x, 0.2)),
    ("leaky_relu_negative", lambda f, lib, x: f.leaky_relu(x, negative_slope=-0.5)),
    ("hardtanh", lambda f, lib, x: f.hardtanh(x)),
    ("hardtanh_-2_3", lambda f, lib, x: f.hardtanh(x, -2.0, 3.0)),
    ("relu6", lambda f, lib, x: f.relu6(x)),
    ("softplus", lambda f, lib, x: f.softplus(x)),
    ("softplus_beta", lambda f, lib, x: f.softplus(x, beta=2.0, threshold=5.0)),
    ("elu", lambda f, lib, x: f.elu(x)),
    ("elu_alpha", lambda f, lib, x: f.elu(x, alpha=0.3)),
    ("gelu", lambda f, lib, x: f.gelu(x)),
    ("gelu_tanh", lambda f, lib, x: f.gelu(x, approximate="tanh")),
    ("silu", lambda f, lib, x: f.silu(x)),
    ("logsigmoid", lambda f, lib, x: f.logsigmoid(x)),
]
# the same through the in-place forms (on a non-leaf copy, as torch requires)
IN_PLACE = [
    ("relu", lambda f, lib, x: f.relu(x * 1, inplace=True)),
    ("relu_", lambda f, lib, x: f.relu_(x * 1)),
    ("leaky_relu", lambda f, lib, x: f.leaky_relu(x * 1, 0.1, inplace=True)),
    ("leaky_relu_", lambda f, lib, x: f.leaky_relu_(x * 1, 0.1)),
    ("hardtanh", lambda f, lib, x: f.hardtanh(x * 1, -0.5, 2.0, inplace=True)),
    ("hardtanh_", lambda f, lib, x: f.hardtanh_(x * 1)),
    ("relu6", lambda f, lib, x: f.relu6(x * 1, inplace=True)),
    ("elu", lambda f, lib, x: f.elu(x * 1, 0.7, inplace=True)),
    ("elu_", lambda f, lib, x: f.elu_(x * 1)),
    ("silu", lambda f, lib, x: f.silu(x * 1, inplace=True)),
]

# values that matter: the kinks and bounds themselves, large magnitudes (saturation, overflow)
SPECIAL_VALUES = [0.0, -0.0, 1.0, -1.0, 6.0, -2.0, 3.0, 2.5, 10.0, -10.0, 20.0, 25.0, 88.0,
                  -88.0, 200.0, -200.0, 1e4, -1e4]


def _values(data, shape, dtype):
    """Random values, with some elements replaced by the special values above."""
    array = float_arrays(shape, dtype, seed=data.draw(st.integers(0, 2**16)))
    if array.size:
        specials = data.draw(st.lists(st.sampled_from(SPECIAL_VALUES), max_size=array.size))
        array.reshape(-1)[:len(specials)] = specials
    return array


@pytest.mark.parametrize("name, fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
@given(data=st.data(), shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5),
       dtype=st.sampled_from(["float32", "float64"]))
@settings(max_examples=25)
def test_activation_values_and_gradients_match_torch(name, fn, data, shape, dtype):
    check(fn, _values(data, shape, dtype))


@pytest.mark.parametrize("name, fn", IN_PLACE, ids=[a[0] for a in IN_PLACE])
@given(data=st.data(), shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
@settings(max_examples=10)
def test_in_place_activations_match_torch(name, fn, data, shape):
    check(fn, _values(data, shape, "float32"))


@pytest.mark.parametrize("call", [
    lambda x: F.relu(x, inplace=True), lambda x: F.leaky_relu_(x),
    lambda x: F.hardtanh(x, inplace=True), lambda x: F.elu_(x), lambda x: F.silu(x, True)])
def test_in_place_on_a_leaf_that_requires_grad_is_refused(call):
    leaf = dlcore.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation."):
        call(leaf)


def test_in_place_writes_into_the_tensor_and_returns_it():
    x = dlcore.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert F.hardtanh(x, inplace=True) is x
    assert x.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert F.leaky_relu_(x, 0.5) is x
    assert x.tolist() == [-0.5, -0.25, 0.0, 0.5, 1.0]


@pytest.mark.parametrize("fn, at, slope", [
    (lambda f, t: f.relu(t), 0.0, 0.0),
    (lambda f, t: f.leaky_relu(t, 0.25), 0.0, 0.25),
    (lambda f, t: f.hardtanh(t), -1.0, 0.0), (lambda f, t: f.hardtanh(t), 1.0, 0.0),
    (lambda f, t: f.relu6(t), 6.0, 0.0), (lambda f, t: f.relu6(t), 0.0, 0.0),
    (lambda f, t: f.elu(t, 0.5), 0.0, 0.5)])
def test_derivative_at_a_kink_follows_torch(fn, at, slope):
    # relu'(0) = 0, leaky_relu'(0) = slope, hardtanh' = 0 at both bounds, elu'(0) = alpha, ...
    for lib, f in ((dlcore, F), (torch, torch.nn.functional)):
        x = lib.tensor([at], dtype=lib.float64, requires_grad=True)
        fn(f, x).sum().backward()
        assert x.grad.tolist() == [slope]


def test_chapter5_tanh_saturation_values():
    values = nn.Tanh()(dlcore.tensor([-2.2, 0.1, 2.5]))
    assert [round(v, 4) for v in values.tolist()] == [-0.9757, 0.0997, 0.9866]


@pytest.mark.parametrize("case", [
    lambda f, lib: f.leaky_relu(lib.arange(3)), lambda f, lib: f.elu(lib.arange(3)),
    lambda f, lib: f.softplus(lib.arange(3)), lambda f, lib: f.gelu(lib.arange(3)),
    lambda f, lib: f.silu(lib.arange(3)), lambda f, lib: f.logsigmoid(lib.arange(3)),
    lambda f, lib: f.hardtanh(lib.arange(3)), lambda f, lib: f.relu(lib.arange(3)),
    lambda f, lib: f.sigmoid(lib.arange(3)), lambda f, lib: f.gelu(lib.ones(2), approximate="x"),
    lambda f, lib: f.hardtanh(lib.ones(2), 2.0, 1.0)],
    ids=["leaky", "elu", "softplus", "gelu", "silu", "logsigmoid", "hardtanh-int", "relu-int",
         "sigmoid-int", "gelu-approximate", "hardtanh-bounds"])
def test_errors_and_integer_inputs_match_torch(case):
    check(case)


def test_in_place_negative_slope_backward_is_refused_like_torch():
    for lib, f in ((dlcore, F), (torch, torch.nn.functional)):
        x = lib.randn(3, requires_grad=True)
        y = f.leaky_relu(x * 1, -0.5, inplace=True)
        with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation is "
                                               "triggered with a negative slope"):
            y.sum().backward()


# -- gradcheck (float64, away from the kinks) ------------------------------------------------------
@pytest.mark.parametrize("name, fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_gradcheck_and_gradgradcheck(name, fn):
    values = np.random.default_rng(0).uniform(0.1, 3, (3, 4)) * np.where(
        np.arange(12).reshape(3, 4) % 2, 1, -1)
    x = dlcore.tensor(values, requires_grad=True)
    assert gradcheck(lambda t: fn(F, dlcore, t), (x,))
    assert gradgradcheck(lambda t: fn(F, dlcore, t), (x,))


# -- modules ---------------------------------------------------------------------------------------
MODULES = [
    lambda m: m.Tanh(), lambda m: m.Sigmoid(), lambda m: m.ReLU(), lambda m: m.ReLU(inplace=True),
    lambda m: m.ReLU6(), lambda m: m.ReLU6(True), lambda m: m.LeakyReLU(),
    lambda m: m.LeakyReLU(0.1, inplace=True), lambda m: m.LeakyReLU(negative_slope=1),
    lambda m: m.Hardtanh(), lambda m: m.Hardtanh(-2, 2.5), lambda m: m.Hardtanh(0.0, 1.0, True),
    lambda m: m.Softplus(), lambda m: m.Softplus(beta=2, threshold=10),
    lambda m: m.ELU(), lambda m: m.ELU(alpha=0.5, inplace=True), lambda m: m.GELU(),
    lambda m: m.GELU(approximate="tanh"), lambda m: m.SiLU(), lambda m: m.SiLU(inplace=True),
    lambda m: m.LogSigmoid(), lambda m: m.Softmax(), lambda m: m.Softmax(dim=1),
    lambda m: m.Softmax(-1), lambda m: m.LogSoftmax(dim=1), lambda m: m.Softmin(0),
]


@pytest.mark.parametrize("make", MODULES)
def test_module_repr_settings_and_output_match_torch(make):
    ours, theirs = make(nn), make(tnn)
    assert repr(ours) == repr(theirs)
    assert ours.extra_repr() == theirs.extra_repr()
    for setting in ("inplace", "negative_slope", "min_val", "max_val", "beta", "threshold",
                    "alpha", "approximate", "dim"):
        assert getattr(ours, setting, None) == getattr(theirs, setting, None)
    assert list(ours.parameters()) == [] and list(ours.state_dict()) == []
    array = float_arrays((3, 4), seed=5)
    check(lambda f, lib, x: make(nn if lib is dlcore else tnn)(x * 1), array)


def test_hardtanh_module_checks_its_bounds_like_torch():
    for lib in (nn, tnn):
        with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than "
                                                 r"min_val \(2.0\)"):
            lib.Hardtanh(2.0, 1.0)
        with pytest.warns(FutureWarning, match="`min_value` is deprecated"):
            assert lib.Hardtanh(min_value=-3.0).min_val == -3.0


def test_chapter5_network_prints_like_torch():
    def build(m):
        return m.Sequential(m.Linear(1, 13), m.Tanh(), m.Linear(13, 1))
    assert repr(build(nn)) == repr(build(tnn))
