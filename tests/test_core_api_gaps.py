"""Core API that mirrors PyTorch beyond nn: `dlcore.softmax`/`log_softmax` (function and method),
`Tensor.data = other`, and `dlcore.broadcast_shapes`'s errors, compared with PyTorch: values,
gradients, grad_fn names, storage sharing, error types and messages."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import dlcore
import dlcore.nn as nn

from .oracle import assert_same, assert_same_message, compare, raises_type_error_like_torch
from .test_autograd_reduction import arrays, check, check_second_order

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=40, deadline=None)
INF = float("inf")
SOFTMAXES = ["softmax", "log_softmax"]


def same_error(fn):
    """fn(lib) raises in both, with the same builtin type and message (TypeErrors included)."""
    with pytest.raises(Exception) as theirs:
        fn(torch)
    base = next(c for c in theirs.type.__mro__ if c.__module__ == "builtins")
    with pytest.raises(base) as ours:
        fn(dlcore)
    assert_same_message(str(ours.value), str(theirs.value))


# -- softmax and log_softmax -----------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_softmax_function_and_method_match_torch(data):
    x = data.draw(arrays(min_dims=0, max_dims=4))
    n = max(x.ndim, 1)
    dim = data.draw(st.integers(-n, n - 1))
    name = data.draw(st.sampled_from(SOFTMAXES))
    as_method = data.draw(st.booleans())
    if as_method:
        check(lambda lib, t: getattr(t, name)(dim), x)
    else:
        check(lambda lib, t: getattr(lib, name)(t, dim), x)


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_grad_fn_names(name):
    for lib in (dlcore, torch):
        x = lib.randn(2, 3, requires_grad=True)
        node = type(getattr(lib, name)(x, 1).grad_fn).__name__
        assert node == type(getattr(x, name)(0).grad_fn).__name__
        expected = "SoftmaxBackward0" if name == "softmax" else "LogSoftmaxBackward0"
        assert node == expected


@pytest.mark.parametrize("name", SOFTMAXES)
@pytest.mark.parametrize("dtype", ["float64", "float32", float])
def test_softmax_dtype_casts_first(name, dtype):
    """dtype= casts the input first: a ToCopyBackward0 under the softmax node (none when the
    dtype is the input's own), and the gradient comes back in the leaf's dtype."""
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)

    def as_lib(lib):
        return dtype if dtype is float else getattr(lib, dtype)

    check(lambda lib, t: getattr(lib, name)(t, 1, as_lib(lib)), x)          # positional
    check(lambda lib, t: getattr(t, name)(0, dtype=as_lib(lib)), x)
    names = []
    for lib in (torch, dlcore):
        leaf = lib.tensor(x, requires_grad=True)
        node = getattr(lib, name)(leaf, 1, dtype=as_lib(lib)).grad_fn
        names.append([type(f).__name__ for f, _ in node.next_functions])
    assert names[1] == names[0]


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_of_integers_with_dtype(name):
    compare(lambda lib: getattr(lib, name)(lib.arange(6).reshape(2, 3), 1, dtype=lib.float32))
    compare(lambda lib: getattr(lib.arange(6).reshape(2, 3), name)(0, lib.float64))


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_extremes(name):
    """No overflow for large logits; -inf gets weight 0; a row of -inf or with +inf is nan."""
    rows = [[0.0, -INF, 2.0], [-INF, -INF, -INF], [INF, 1.0, 0.0], [1000.0, 0.0, -1000.0]]
    check(lambda lib, t: getattr(lib, name)(t, 1), np.array(rows))
    check(lambda lib, t: getattr(lib, name)(t, 0), np.float64(INF))
    check(lambda lib, t: getattr(lib, name)(t, -1), np.float32(3.0))
    compare(lambda lib: getattr(lib, name)(lib.zeros(0, 3), 0))
    compare(lambda lib: getattr(lib, name)(lib.zeros(2, 0, dtype=lib.float64), 1))
    compare(lambda lib: getattr(lib, name)(lib.tensor([1.0, 2.0], dtype=lib.float16), 0),
            rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_of_a_non_contiguous_input(name):
    x = np.random.default_rng(2).standard_normal((4, 5))
    check(lambda lib, t: getattr(lib, name)(t.t(), 1), x)
    check(lambda lib, t: getattr(lib, name)(t[:, ::2], 0), x)


@pytest.mark.parametrize("name", SOFTMAXES)
def test_softmax_second_order(name):
    x = np.random.default_rng(3).standard_normal((3, 4))
    check_second_order(lambda lib, t: getattr(lib, name)(t, 1), x)
    check_second_order(lambda lib, t: getattr(t, name)(0), x)


@pytest.mark.parametrize("name", SOFTMAXES)
@pytest.mark.parametrize("case", [
    lambda lib, f: f(lib.arange(3), 0),
    lambda lib, f: f(lib.zeros(2, 3, dtype=lib.int32), 0),
    lambda lib, f: f(lib.tensor(True), 0),
    lambda lib, f: f(lib.arange(3), 5),
    lambda lib, f: f(lib.randn(2, 3), 2),
    lambda lib, f: f(lib.randn(2, 3), -3),
    lambda lib, f: f(lib.tensor(1.0), 1),
    lambda lib, f: f(lib.randn(2, 3), 1, dtype=lib.int64),
], ids=["long", "int-not-last", "bool", "long-bad-dim", "dim", "negative-dim", "0d-dim",
        "int-dtype"])
def test_softmax_errors_match_torch(name, case):
    same_error(lambda lib: case(lib, getattr(lib, name)))


@pytest.mark.parametrize("name", SOFTMAXES)
@pytest.mark.parametrize("call", [
    lambda lib, f: f([1.0, 2.0], 0),
    lambda lib, f: f(lib.randn(3)),
    lambda lib, f: f(lib.randn(3), None),
    lambda lib, f: f(lib.randn(3), "a"),
    lambda lib, f: f(lib.randn(3), 0.0),
    lambda lib, f: f(lib.randn(3), True),
    lambda lib, f: f(lib.randn(3), 0, dtype="float32"),
    lambda lib, f: f(lib.randn(3), 0, lib.float32, 1),
], ids=["list", "no-dim", "none-dim", "str-dim", "float-dim", "bool-dim", "str-dtype", "extra"])
def test_softmax_argument_type_errors(name, call):
    # PyTorch's TypeErrors; dlcore counts argument positions from 1 in every form, as its other
    # ops do, so only the type is compared
    raises_type_error_like_torch(lambda lib: call(lib, getattr(lib, name)))


def test_functional_softmaxes_are_the_core_ops():
    """nn.functional adds only the implicit-dim warning: same values, nodes and errors."""
    x = np.random.default_rng(4).standard_normal((2, 3, 4)).astype(np.float32)
    for name in ("softmax", "log_softmax", "softmin"):
        check(lambda lib, t: getattr(lib.nn.functional, name)(t, 2), x)
        check(lambda lib, t: getattr(lib.nn.functional, name)(t, 1, dtype=lib.float64), x)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check(lambda lib, t: getattr(lib.nn.functional, name)(t), x)       # implicit dim 0
    same_error(lambda lib: lib.nn.functional.log_softmax(lib.arange(4), 0))


def test_softmin_casts_after_negating_like_torch():
    names = []
    for lib in (torch, dlcore):
        x = lib.randn(3, requires_grad=True)
        node = lib.nn.functional.softmin(x, 0, dtype=lib.float64).grad_fn
        chain = []
        while node is not None:
            chain.append(type(node).__name__)
            node = node.next_functions[0][0] if node.next_functions else None
        names.append(chain)
    assert names[1] == names[0]


def test_sigmoid_function_and_method_match_torch():
    x = np.random.default_rng(5).standard_normal((3, 4))
    check(lambda lib, t: lib.sigmoid(t), x)
    check(lambda lib, t: t.sigmoid(), x)
    compare(lambda lib: lib.sigmoid(lib.arange(3)))


# -- Tensor.data = other ---------------------------------------------------------------------------
def _ptr(t):
    return t.untyped_storage().data_ptr()


def test_setting_data_shares_the_other_tensors_storage():
    for lib in (torch, dlcore):
        w = lib.randn(3, requires_grad=True)
        same_object = w
        other = lib.arange(6.0).reshape(2, 3)
        w.data = other
        assert w is same_object
        assert tuple(w.shape) == (2, 3) and w.requires_grad and w.is_leaf
        assert w.data_ptr() == other.data_ptr() and _ptr(w) == _ptr(other)
        other.add_(1)                                   # seen through w: one memory
        assert w.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        with lib.no_grad():
            w.mul_(2)
        assert other.tolist() == [[2.0, 4.0, 6.0], [8.0, 10.0, 12.0]]
    ours = dlcore.randn(2)
    fresh = dlcore.ones(4)
    ours.data = fresh
    assert ours.untyped_storage() is fresh.untyped_storage()


def test_setting_data_to_a_view_keeps_its_layout():
    results = []
    for lib in (torch, dlcore):
        base = lib.arange(24.0).reshape(4, 6)
        w = lib.zeros(1)
        w.data = base[1:, ::2]
        assert _ptr(w) == _ptr(base)
        results.append((w.storage_offset(), w.stride(), tuple(w.shape), w.is_contiguous(),
                        w.tolist()))
    assert results[1] == results[0]


def test_setting_data_changes_dtype_and_keeps_autograd_fields():
    for lib in (torch, dlcore):
        w = lib.randn(3, requires_grad=True)
        (w * 2).sum().backward()
        w.data = lib.zeros(2, dtype=lib.float64)
        assert w.dtype == lib.float64 and w.requires_grad and w.grad.tolist() == [2.0] * 3
        w.grad = None
        (w * 3).sum().backward()
        assert w.grad.dtype == lib.float64 and w.grad.tolist() == [3.0, 3.0]
    compare(lambda lib: _set_and_return(lib.randn(3, requires_grad=True),
                                        lib.tensor([1.0, 2.0])))


def _set_and_return(tensor, new):
    tensor.data = new
    return tensor.detach()


def test_setting_data_of_a_non_leaf_keeps_its_node():
    names = []
    for lib in (torch, dlcore):
        y = lib.randn(3, requires_grad=True) * 2
        y.data = lib.ones(2)
        names.append(type(y.grad_fn).__name__)
        assert y.tolist() == [1.0, 1.0]
    assert names == ["MulBackward0"] * 2


def test_setting_data_of_integers_to_a_tensor_that_requires_grad():
    for lib in (torch, dlcore):
        i = lib.arange(3)
        i.data = lib.randn(2, requires_grad=True)
        assert not i.requires_grad and i.dtype == lib.float32


@pytest.mark.parametrize("value", [[1.0], 3, None], ids=["list", "int", "None"])
def test_setting_data_to_a_non_tensor_is_refused(value):
    same_error(lambda lib: setattr(lib.randn(2), "data", value))
    # (for an array PyTorch names its C type, numpy.ndarray; dlcore says ndarray, as elsewhere)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got ndarray"):
        dlcore.randn(2).data = np.zeros(2)


def test_setting_integer_data_on_a_tensor_that_requires_grad_is_refused():
    same_error(lambda lib: setattr(lib.randn(2, requires_grad=True), "data", lib.arange(3)))


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_parameter_data_setter():
    reprs = []
    for lib, module in ((torch, torch.nn), (dlcore, nn)):
        p = module.Parameter(lib.randn(2))
        new = lib.zeros(3, dtype=lib.float64)
        p.data = new
        assert type(p) is module.Parameter and p.requires_grad
        assert _ptr(p) == _ptr(new)
        reprs.append(repr(p))
    assert reprs[1] == reprs[0].replace("torch.", "dlcore.")


def test_module_conversion_keeps_parameters_and_uses_the_setter():
    """`module.double()` swaps data into the same Parameter objects (optimizers keep them); a
    conversion to integers of weights that require grad gets PyTorch's error."""
    layer = nn.Linear(2, 3)
    weight, bias = layer.weight, layer.bias
    layer.weight.grad = dlcore.ones(3, 2)
    layer.double()
    assert layer.weight is weight and layer.bias is bias
    assert weight.dtype == dlcore.float64 and weight.grad.dtype == dlcore.float64
    same_error(lambda lib: lib.nn.Linear(2, 2)._apply(lambda t: t.long()))
    frozen = nn.Linear(2, 2).requires_grad_(False)._apply(lambda t: t.long())
    assert frozen.weight.dtype == dlcore.int64


# -- broadcast_shapes ------------------------------------------------------------------------------
def _broadcast(*shapes):
    return lambda lib: lib.broadcast_shapes(*shapes)


@pytest.mark.parametrize("shapes", [
    ((2,), (3,)), ((5, 2, 3), (4, 1, 3)), ((2, 3), (3, 2), (1,)), ((1,), (2,), (3,)),
    ((0,), (2,)), ((2, 2), (0, 2)), (2, 3), ((2, -1), (2, 3)), ((-1,), (2,)), (-1,),
    ((2, 3), [3, 1]), ((2,), [3]), ({1, 2},), ((2, 1), {1, 2}), (range(3), (3,)),
], ids=str)
def test_broadcast_shapes_errors_match_torch(shapes):
    same_error(_broadcast(*shapes))


@pytest.mark.parametrize("shapes", [
    (), ((2,), (3, 1), (1, 1, 1)), (None, (2,)), ([], []), (True, (3, 1)), (3, (2, 1)),
    ((0, 1), (1, 4)), (range(1, 4), (2, 1, 1)), ((2, 3), (3,)),
], ids=str)
def test_broadcast_shapes_results_match_torch(shapes):
    assert dlcore.broadcast_shapes(*shapes) == torch.broadcast_shapes(*shapes)
    assert type(dlcore.broadcast_shapes(*shapes)) is dlcore.Size


def test_broadcast_shapes_names_sizes_as_given():
    same_error(lambda lib: lib.broadcast_shapes(lib.Size([3]), lib.Size([2])))
    same_error(lambda lib: lib.broadcast_shapes(lib.ones(2, 3).shape, lib.ones(3, 2).shape))
    assert not hasattr(dlcore.Tensor, "broadcast_shapes")          # a function only, as in torch


@settings(max_examples=60, deadline=None)
@given(st.lists(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), min_size=1,
                max_size=4))
def test_broadcast_shapes_like_torch(shapes):
    try:
        expected = torch.broadcast_shapes(*shapes)
    except RuntimeError as e:
        with pytest.raises(RuntimeError) as info:
            dlcore.broadcast_shapes(*shapes)
        assert str(info.value) == str(e)
        return
    assert dlcore.broadcast_shapes(*shapes) == expected
    # and what broadcasting tensors of those shapes gives
    assert_same(dlcore.broadcast_tensors(*(dlcore.zeros(s) for s in shapes))[0],
                torch.broadcast_tensors(*(torch.zeros(s) for s in shapes))[0])
