"""dlcore.nn.init against torch.nn.init: seeded fills equal PyTorch's, gains, fans, errors, and
that filling a parameter records nothing for autograd."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore
import dlcore.nn as dnn

torch = pytest.importorskip("torch")


def outcome(fn, lib):
    try:
        return "ok", fn(lib)
    except Exception as e:  # noqa: BLE001  (the exception is what is compared)
        return type(e).__name__, str(e).replace("torch.", "dlcore.")


FILLS = {
    "uniform_": lambda init, t: init.uniform_(t),
    "uniform_(-3, 0.5)": lambda init, t: init.uniform_(t, -3, 0.5),
    "normal_": lambda init, t: init.normal_(t),
    "normal_(2, 0.1)": lambda init, t: init.normal_(t, mean=2.0, std=0.1),
    "constant_": lambda init, t: init.constant_(t, -1.5),
    "ones_": lambda init, t: init.ones_(t),
    "zeros_": lambda init, t: init.zeros_(t),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t),
    "xavier_uniform_(gain)": lambda init, t: init.xavier_uniform_(
        t, gain=init.calculate_gain("tanh")),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t, gain=0.5),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t),
    "kaiming_uniform_(a=sqrt5)": lambda init, t: init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_uniform_(fan_out, relu)": lambda init, t: init.kaiming_uniform_(
        t, mode="fan_out", nonlinearity="relu"),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t),
    "kaiming_normal_(FAN_OUT, leaky 0.2)": lambda init, t: init.kaiming_normal_(
        t, a=0.2, mode="FAN_OUT"),
}

SHAPES = [(3, 4), (5, 1), (2, 3, 4), (4, 2, 3, 3), (1, 1), (16, 9)]


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@pytest.mark.parametrize("name", FILLS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_seeded_fill_equals_pytorchs(name, shape, dtype):
    fill = FILLS[name]
    dlcore.manual_seed(11)
    torch.manual_seed(11)
    ours = dnn.Parameter(dlcore.empty(shape, dtype=getattr(dlcore, dtype)))
    theirs = torch.nn.Parameter(torch.empty(shape, dtype=getattr(torch, dtype)))
    assert fill(dnn.init, ours) is ours
    fill(torch.nn.init, theirs)
    np.testing.assert_array_equal(ours.detach().cpu().numpy(), theirs.detach().cpu().numpy())
    # nothing recorded: still a leaf parameter, no graph
    assert ours.requires_grad and ours.is_leaf and ours.grad_fn is None


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@settings(max_examples=30)
@given(seed=st.integers(0, 2**31 - 1), name=st.sampled_from(sorted(FILLS)),
       shape=st.lists(st.integers(1, 7), min_size=2, max_size=4).map(tuple))
def test_seeded_fills_over_generated_shapes(seed, name, shape):
    dlcore.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = dlcore.empty(shape), torch.empty(shape)
    FILLS[name](dnn.init, ours)
    FILLS[name](torch.nn.init, theirs)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.cpu().numpy())


def test_fills_with_a_generator_equal_pytorchs():
    ours_gen, theirs_gen = dlcore.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    ours, theirs = dlcore.empty(4, 5), torch.empty(4, 5)
    dnn.init.kaiming_uniform_(ours, generator=ours_gen)
    torch.nn.init.kaiming_uniform_(theirs, generator=theirs_gen)
    dnn.init.normal_(ours[0], generator=ours_gen)
    torch.nn.init.normal_(theirs[0], generator=theirs_gen)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.cpu().numpy())


def test_eye_fills_the_identity():
    for shape in [(3, 3), (2, 4), (4, 2)]:
        ours = dnn.Parameter(dlcore.empty(shape))
        assert dnn.init.eye_(ours) is ours
        np.testing.assert_array_equal(ours.detach().cpu().numpy(), np.eye(*shape, dtype=np.float32))
        assert ours.requires_grad and ours.grad_fn is None


@pytest.mark.parametrize("args", [
    ("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
    ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",), ("conv_transpose3d",),
    ("leaky_relu", True), ("leaky_relu", "0.1"), ("softmax",), ("Tanh",),
])
def test_calculate_gain_matches_pytorch(args):
    ours = outcome(lambda lib: lib.nn.init.calculate_gain(*args), dlcore)
    theirs = outcome(lambda lib: lib.nn.init.calculate_gain(*args), torch)
    assert ours == theirs
    assert type(ours[1]) is type(theirs[1])


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(5)),
    lambda lib: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(())),
    lambda lib: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(3, 4)),
    lambda lib: lib.nn.init._calculate_fan_in_and_fan_out(lib.empty(6, 3, 2, 5)),
    lambda lib: lib.nn.init.xavier_uniform_(lib.empty(3)),
    lambda lib: lib.nn.init.kaiming_normal_(lib.empty(3)),
    lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), mode="fan_avg"),
    lambda lib: lib.nn.init.kaiming_uniform_(lib.empty(3, 3), nonlinearity="swish"),
    lambda lib: lib.nn.init.eye_(lib.empty(2, 2, 2)),
    lambda lib: lib.nn.init.uniform_(lib.empty(2, dtype=lib.int64)),
    lambda lib: lib.nn.init.normal_(lib.empty(2), std=-1.0),
])
def test_errors_and_fans_match_pytorch(fn):
    assert outcome(fn, dlcore) == outcome(fn, torch)


def test_zero_element_tensors_warn_like_pytorch():
    for lib in (dlcore, torch):
        for fill in (lib.nn.init.kaiming_uniform_, lib.nn.init.kaiming_normal_):
            t = lib.empty(0, 3)
            with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
                assert fill(t) is t


def test_deprecated_names_warn_and_work():
    for name in ("uniform", "normal", "constant", "xavier_uniform", "xavier_normal",
                 "kaiming_uniform", "kaiming_normal", "eye"):
        t = dlcore.empty(2, 2)
        args = (t, 0.5) if name == "constant" else (t,)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor "
                                               f"of `nn.init.{name}_`"):
            assert getattr(dnn.init, name)(*args) is t


def test_filling_a_parameter_used_in_a_graph_behaves_as_in_pytorch():
    def fn(lib):
        p = lib.nn.Parameter(lib.ones(3))
        y = (p * p).sum()                 # saves p: the fill makes its graph stale
        lib.nn.init.zeros_(p)
        assert p.grad_fn is None and p.is_leaf
        y.backward()
        return p.grad.tolist()
    ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
    assert ours[0] == theirs[0] == "RuntimeError"
