"""Creation ops: tensor() inference, memory sharing with NumPy, filled tensors, ranges (value for
value against PyTorch), eye, size parsing and the errors PyTorch gives."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore

# Overflowing casts (1e300 into float32, ...) are part of what is tested. dlcore silences NumPy's
# warnings for users; pytest's warning capture bypasses that filter (see test_pointwise.py).
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _dtype_name(d):
    return str(d).split(".")[1]


def same_as_torch(make, torch):
    """Run `make(module)` with dlcore and torch: same dtype, shape and values (bit for bit)."""
    got, expected = make(dlcore), make(torch)
    assert _dtype_name(got.dtype) == _dtype_name(expected.dtype)
    assert tuple(got.shape) == tuple(expected.shape)
    a, b = got.cpu().numpy(), expected.cpu().numpy()
    assert a.tobytes() == b.tobytes(), (a, b)


def same_error_as_torch(make, torch, exc, match):
    with pytest.raises(exc, match=match):
        make(dlcore)
    with pytest.raises(exc):
        make(torch)


# -- tensor(): dtype inference ---------------------------------------------------------------------
INFERENCE = [
    ([1.0, 2.0], "float32"), ([1, 2], "int64"), ([True, False], "bool"), ([1, 2.5], "float32"),
    ([True, 2], "int64"), ([True, 2.5], "float32"), ([[1, 2], [3, 4]], "int64"),
    ([[1, 2], [3, 4.0]], "float32"), (3, "int64"), (3.5, "float32"), (True, "bool"),
    ([], "float32"), ([[], []], "float32"), ((1, 2), "int64"), (range(4), "int64"),
    ([np.float64(2.5), 1], "float64"), ([np.float32(2.5), 1], "float32"),
    ([np.int32(2), 1], "int64"), ([np.int32(2), np.int32(1)], "int32"),
    ([np.int8(2), np.uint8(1)], "int16"), ([np.float16(2.5), 1.5], "float32"),
    (np.float64(2.5), "float64"), (np.int16(2), "int16"), (np.float32(2.5), "float32"),
    ([[1, 2], (3, 4)], "int64"),
]


@pytest.mark.parametrize("data, dtype", INFERENCE, ids=repr)
def test_tensor_dtype_inference(data, dtype):
    t = dlcore.tensor(data)
    assert _dtype_name(t.dtype) == dtype
    assert t.tolist() == np.array(data, dtype=dtype).tolist()


@pytest.mark.parametrize("data, dtype", INFERENCE, ids=repr)
def test_tensor_dtype_inference_matches_torch(data, dtype):
    torch = pytest.importorskip("torch")
    same_as_torch(lambda m: m.tensor(data), torch)


def test_tensor_shapes():
    assert dlcore.tensor(3.0).shape == () and dlcore.tensor(3.0).dim() == 0
    assert dlcore.tensor([]).shape == (0,)
    assert dlcore.tensor([[]]).shape == (1, 0)
    assert dlcore.tensor([[], []]).shape == (2, 0)
    assert dlcore.tensor([[[1]], [[2]]]).shape == (2, 1, 1)


def test_tensor_from_tensors_and_arrays():
    assert dlcore.tensor([dlcore.tensor(1.0), dlcore.tensor(2.0)]).tolist() == [1.0, 2.0]
    ints = dlcore.tensor([dlcore.tensor(1, dtype=dlcore.int8), dlcore.tensor(2, dtype=dlcore.int8)])
    assert ints.dtype is dlcore.int8
    mixed = dlcore.tensor([dlcore.tensor(1.5, dtype=dlcore.float64), 2])
    assert mixed.dtype is dlcore.float64
    with pytest.raises(ValueError, match="only one element tensors"):
        dlcore.tensor([dlcore.tensor([1.0, 2.0]), dlcore.tensor([3.0, 4.0])])
    arrays = dlcore.tensor([np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)])
    assert arrays.dtype is dlcore.int32 and arrays.tolist() == [[1, 2], [3, 4]]
    for dtype in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                  np.uint8, np.bool_):
        a = np.arange(4).astype(dtype)
        t = dlcore.tensor(a)
        assert t.dtype.np == a.dtype and t.tolist() == a.tolist()
        a[0] = 1
        assert t.tolist()[0] == 0                          # tensor() copies
    t = dlcore.tensor(np.arange(6).reshape(2, 3).T)       # a transposed array comes out contiguous
    assert t.is_contiguous() and t.tolist() == [[0, 3], [1, 4], [2, 5]]
    t = dlcore.tensor(np.array([1, 2, 3])[::-1])          # so does a reversed one (a copy)
    assert t.tolist() == [3, 2, 1]
    source = dlcore.tensor([1.0, 2.0])
    copy = dlcore.tensor(source)
    copy[0] = 5.0
    assert source.tolist() == [1.0, 2.0]


def test_tensor_dtype_argument():
    assert dlcore.tensor([1, 2], dtype=dlcore.float64).dtype is dlcore.float64
    assert dlcore.tensor([1.7, -2.7], dtype=dlcore.int32).tolist() == [1, -2]
    assert dlcore.tensor([0.1], dtype=dlcore.float64).item() == 0.1     # no float32 detour
    assert dlcore.tensor([2, 0], dtype=dlcore.bool).tolist() == [True, False]
    assert dlcore.tensor([-255], dtype=dlcore.uint8).tolist() == [1]   # ints wrap, like C
    assert dlcore.tensor(np.array([300]), dtype=dlcore.uint8).tolist() == [44]   # arrays cast
    assert dlcore.tensor([1e300], dtype=dlcore.float32).item() == float("inf")
    for d in (float, int, bool):
        assert dlcore.tensor([1], dtype=d).dtype is dlcore._dtype.as_dtype(d)


@pytest.mark.parametrize("data, dtype", [
    ([300], "uint8"), ([-256], "uint8"), ([-1.0], "uint8"), ([255.5], "uint8"),
    ([300], "int8"), ([-129], "int8"), ([float("nan")], "int64"), ([float("inf")], "int32"),
    ([2 ** 31], "int32"), ([np.int64(300)], "uint8"), (300, "int8")])
def test_tensor_value_that_does_not_fit(data, dtype):
    with pytest.raises(RuntimeError, match=f"value cannot be converted to type {dtype} without "
                                           "overflow"):
        dlcore.tensor(data, dtype=getattr(dlcore, dtype))


@pytest.mark.parametrize("data, dtype", [
    ([300], "uint8"), ([-255], "uint8"), ([-1.0], "uint8"), ([-128.9], "int8"),
    ([float("nan")], "int64"), ([1.7, -2.7], "int16"), ([True, 2], "uint8"), ([2], "bool")])
def test_tensor_dtype_argument_matches_torch(data, dtype):
    torch = pytest.importorskip("torch")
    make = lambda m: m.tensor(data, dtype=getattr(m, dtype))      # noqa: E731
    try:
        expected = make(torch)
    except RuntimeError:
        with pytest.raises(RuntimeError, match="without overflow"):
            make(dlcore)
        return
    assert make(dlcore).tolist() == expected.tolist()


@pytest.mark.parametrize("data, exc, match", [
    ([[1, 2], [3]], ValueError, r"expected sequence of length 2 at dim 1 \(got 1\)"),
    ([[1, 2], [3, 4, 5]], ValueError, r"expected sequence of length 2 at dim 1 \(got 3\)"),
    ([[[1, 2]], [[3]]], ValueError, r"expected sequence of length 2 at dim 2 \(got 1\)"),
    ([[1, 2], []], ValueError, r"expected sequence of length 2 at dim 1 \(got 0\)"),
    ([[1, 2], 3], TypeError, "not a sequence"),
    ([1, [2, 3]], TypeError, "'list' object cannot be interpreted"),
    ("abc", TypeError, "new\\(\\): invalid data type 'str'"),
    (["a", "b"], ValueError, "too many dimensions 'str'"),
    ([1, "a"], TypeError, "invalid data type 'str'"),
    ([None], RuntimeError, "Could not infer dtype of NoneType"),
    (None, RuntimeError, "Could not infer dtype of NoneType"),
    ({1: 2}, RuntimeError, "Could not infer dtype of dict"),
    ([2 ** 63], ValueError, "Overflow when unpacking long long"),
    (np.array([1, 2], dtype=object), TypeError, "can't convert np.ndarray of type numpy.object_"),
    (np.array([1 + 1j]), TypeError, "complex128"),
])
def test_tensor_errors(data, exc, match):
    with pytest.raises(exc, match=match):
        dlcore.tensor(data)


def test_tensor_errors_match_torch_types():
    torch = pytest.importorskip("torch")
    for data in ([[1, 2], [3]], [[1, 2], [3, 4, 5]], [[1, 2], 3], "abc", ["a"], [1, "a"], [None],
                 None, [2 ** 63], [2 ** 64], np.array([1], dtype=object)):
        with pytest.raises(Exception) as ours:
            dlcore.tensor(data)
        with pytest.raises(Exception) as theirs:
            torch.tensor(data)
        assert ours.type is theirs.type, data
        assert str(ours.value) == str(theirs.value).replace("torch", "dlcore") or \
            ours.type is TypeError, data


def test_requires_grad_only_for_floats():
    assert dlcore.tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        dlcore.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point"):
        dlcore.zeros(2, dtype=dlcore.int64, requires_grad=True)


# -- sharing memory with NumPy ---------------------------------------------------------------------
def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = dlcore.from_numpy(a)
    assert t.dtype is dlcore.float32 and t.shape == (2, 3)
    a[0, 0] = 10
    assert t[0, 0].item() == 10
    t[1, 2] = -1
    assert a[1, 2] == -1
    t.add_(1)
    assert a[0, 0] == 11
    back = t.cpu().numpy()
    back[0, 1] = 42
    assert t[0, 1].item() == 42 and a[0, 1] == 42
    view = dlcore.from_numpy(a[:, 1])                     # a strided view keeps its strides
    assert view.stride() == (3,)
    view.zero_()
    assert a[:, 1].tolist() == [0, 0]


def test_empty_arrays_keep_numpy_strides_like_torch():
    torch = pytest.importorskip("torch")
    for shape in [(0,), (2, 0), (1, 3, 0, 2)]:
        a = np.zeros(shape, dtype=np.float32)
        assert dlcore.from_numpy(a).stride() == torch.from_numpy(a).stride()
        assert dlcore.tensor(a).stride() == torch.tensor(a).stride()
        assert dlcore.zeros(shape).stride() == torch.zeros(shape).stride()


@pytest.mark.cpu_only(reason="sharing memory with a NumPy array")
def test_as_tensor_shares_when_it_can():
    a = np.array([1.0, 2.0])
    t = dlcore.as_tensor(a)
    a[0] = 5
    assert t[0].item() == 5
    copied = dlcore.as_tensor(a, dtype=dlcore.float32)     # another dtype needs a copy
    a[1] = 7
    assert copied.tolist() == [5.0, 2.0]
    x = dlcore.tensor([1, 2])
    assert dlcore.as_tensor(x) is x
    assert dlcore.as_tensor(x, dtype=dlcore.float32).dtype is dlcore.float32
    assert dlcore.as_tensor([1, 2]).dtype is dlcore.int64
    assert dlcore.as_tensor(3.5).dtype is dlcore.float32
    assert dlcore.as_tensor(np.float64(3.5)).dtype is dlcore.float64


@pytest.mark.parametrize("array, exc, match", [
    (np.array([1, 2], dtype=np.complex128), TypeError, "numpy.complex128"),
    (np.array([1, 2], dtype=object), TypeError, "numpy.object_"),
    (np.array([1, 2], dtype=np.uint16), TypeError, "numpy.uint16. The only supported types"),
    (np.array([1, 2])[::-1], ValueError, "negative"),
    (np.array([1, 2], dtype=">i4"), ValueError, "byte order"),
    ([1, 2], TypeError, r"expected np.ndarray \(got list\)"),
    (np.float64(2.0), TypeError, r"expected np.ndarray \(got numpy.float64\)"),
])
def test_from_numpy_errors(array, exc, match):
    with pytest.raises(exc, match=match):
        dlcore.from_numpy(array)


# -- filled tensors --------------------------------------------------------------------------------
@pytest.mark.parametrize("fname", ["zeros", "ones", "empty"])
def test_filled_size_forms(fname):
    f = getattr(dlcore, fname)
    for t in (f(2, 3), f((2, 3)), f([2, 3]), f(dlcore.Size([2, 3])), f(np.int64(2), 3),
              f(dlcore.tensor(2), 3)):
        assert t.shape == (2, 3) and t.dtype is dlcore.float32 and t.is_contiguous()
    assert f(()).shape == () and f([]).shape == () and f(0).shape == (0,)
    assert f(2, dtype=dlcore.int32).dtype is dlcore.int32
    assert f(2, dtype=dlcore.bool).dtype is dlcore.bool
    assert f(2, dtype=float).dtype is dlcore.float64
    value = 1 if fname == "ones" else 0
    assert f(2, 2).tolist() == [[value] * 2] * 2


@pytest.mark.parametrize("fname", ["zeros", "ones", "empty"])
def test_filled_size_errors(fname):
    f = getattr(dlcore, fname)
    negative = ("zeros: Dimension size must be non-negative." if fname == "zeros" else
                r"Trying to create tensor with negative dimension -1: \[2, -1\]")
    with pytest.raises(RuntimeError, match=negative):
        f(2, -1)
    with pytest.raises(TypeError, match=f"{fname}\\(\\): argument 'size' \\(position 1\\) must be "
                                        "tuple of ints, not float"):
        f(2.5)
    with pytest.raises(TypeError, match="failed to unpack the object at pos 2"):
        f(2, 3.0)
    with pytest.raises(TypeError, match="must be tuple of ints, not bool"):
        f(True)
    with pytest.raises(TypeError, match=f'{fname}\\(\\) missing 1 required positional arguments'):
        f()


def test_filled_errors_match_torch():
    torch = pytest.importorskip("torch")
    from .oracle import assert_same_message
    for make in (lambda m: m.zeros(2, -1), lambda m: m.ones(-1), lambda m: m.empty(2, -3),
                 lambda m: m.full((2, -1), 1.0), lambda m: m.zeros(2.5), lambda m: m.ones(2, 3.0),
                 lambda m: m.zeros()):
        with pytest.raises(Exception) as ours:
            make(dlcore)
        with pytest.raises(Exception) as theirs:
            make(torch)
        assert ours.type is theirs.type
        assert_same_message(str(ours.value), str(theirs.value))


def test_full():
    assert dlcore.full((2, 3), 7).dtype is dlcore.int64
    assert dlcore.full((2, 3), 7.5).dtype is dlcore.float32
    assert dlcore.full((2,), True).dtype is dlcore.bool
    assert dlcore.full([2], 7, dtype=dlcore.float64).tolist() == [7.0, 7.0]
    assert dlcore.full((2,), dlcore.tensor(2.5)).tolist() == [2.5, 2.5]
    assert dlcore.full((2,), np.float64(1.5)).dtype is dlcore.float32
    assert dlcore.full((), 3.0).shape == ()
    assert dlcore.full((2,), -255, dtype=dlcore.uint8).tolist() == [1, 1]
    assert dlcore.full((2,), 2.7, dtype=dlcore.int64).tolist() == [2, 2]
    for value, d, cname in [(300, dlcore.uint8, "uint8_t"), (float("nan"), dlcore.int64, "int64_t"),
                            (1e300, dlcore.float32, "float"), (2 ** 40, dlcore.int32, "int"),
                            (1e10, dlcore.float16, "c10::Half")]:
        with pytest.raises(RuntimeError, match=f"cannot be converted to type {cname} without"):
            dlcore.full((2,), value, dtype=d)
    with pytest.raises(TypeError, match="must be Number, not Tensor"):
        dlcore.full((2,), dlcore.tensor([1.5]))


def test_full_matches_torch():
    torch = pytest.importorskip("torch")
    for value in (7, 7.5, True, -3, 0.1):
        same_as_torch(lambda m: m.full((2, 3), value), torch)
        for d in ("float64", "int32", "uint8", "bool", "float16"):
            try:
                expected = torch.full((2,), value, dtype=getattr(torch, d))
            except RuntimeError:
                with pytest.raises(RuntimeError, match="without overflow"):
                    dlcore.full((2,), value, dtype=getattr(dlcore, d))
                continue
            got = dlcore.full((2,), value, dtype=getattr(dlcore, d))
            assert got.cpu().numpy().tobytes() == expected.cpu().numpy().tobytes()


def test_like_and_new():
    x = dlcore.ones(2, 3, dtype=dlcore.int32).t()
    for f, value in ((dlcore.zeros_like, 0), (dlcore.ones_like, 1), (dlcore.empty_like, 0)):
        y = f(x)
        assert y.shape == (3, 2) and y.dtype is dlcore.int32 and y.is_contiguous()
        assert y.tolist() == [[value] * 2] * 3
        assert f(x, dtype=dlcore.float64).dtype is dlcore.float64
    assert dlcore.full_like(x, 2.7).tolist() == [[2, 2]] * 3
    assert dlcore.full_like(dlcore.ones(2), 2.7).tolist() == pytest.approx([2.7, 2.7])
    assert dlcore.full_like(dlcore.ones(2, dtype=dlcore.uint8), -1).tolist() == [255, 255]
    assert x.new_zeros(2).dtype is dlcore.int32 and x.new_zeros((2, 2)).shape == (2, 2)
    assert x.new_ones([2, 2]).tolist() == [[1, 1], [1, 1]]
    assert x.new_empty(3).shape == (3,)
    assert x.new_full((2,), 3.7).tolist() == [3, 3]
    assert x.new_tensor([1.5, 2]).tolist() == [1, 2] and x.new_tensor([1]).dtype is dlcore.int32
    assert x.new_zeros(2, dtype=dlcore.int8).dtype is dlcore.int8
    assert not hasattr(dlcore, "new_zeros")
    with pytest.raises(RuntimeError, match="negative dimension"):
        x.new_zeros(-1)
    y = dlcore.clone(x)
    assert y.tolist() == x.tolist() and y.storage() is not x.storage()


EMPTY_STRIDED = [((2, 3), (1, 2)), ([2, 3], [3, 1]), ((2, 2), (0, 1)), ((0, 3), (1, 2)), ((), ()),
                 ((3,), (2,)), ((2, 3, 4), (1, 2, 6))]


@pytest.mark.parametrize("size, stride", EMPTY_STRIDED)
def test_empty_strided_lays_out_a_new_storage_as_torch_does(size, stride):
    """The size and strides asked for, over a storage just large enough: a leaf, no view."""
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "int64", "float16"):
        ours = dlcore.empty_strided(size, stride, dtype=getattr(dlcore, dtype))
        theirs = torch.empty_strided(size, stride, dtype=getattr(torch, dtype))
        assert (tuple(ours.shape), ours.stride(), ours.storage_offset()) == \
            (tuple(theirs.shape), theirs.stride(), theirs.storage_offset())
        assert ours.untyped_storage().nbytes() == theirs.untyped_storage().nbytes()
        assert ours.is_contiguous() == theirs.is_contiguous() and ours._base is None
        assert ours.device == dlcore.get_default_device()
    grad = dlcore.empty_strided(size, stride, dtype=dlcore.float64, requires_grad=True)
    assert grad.requires_grad and grad.is_leaf and grad.dtype is dlcore.float64


@pytest.mark.parametrize("size, stride", [((2, 3), (1,)), ((2, -3), (1, 2)), ((2, 3), (1, -2)),
                                          (3, (1,)), ((2,), 2), ((2.0,), (1,)), ((2,), (1.5,))])
def test_empty_strided_refuses_as_torch_does(size, stride):
    torch = pytest.importorskip("torch")
    from .oracle import assert_same_message, raises_like
    with pytest.raises(Exception) as theirs:
        torch.empty_strided(size, stride)
    raises_like(theirs.value, lambda: dlcore.empty_strided(size, stride))
    if isinstance(theirs.value, TypeError):     # (raises_like leaves TypeErrors' words out)
        with pytest.raises(TypeError) as ours:
            dlcore.empty_strided(size, stride)
        assert_same_message(str(ours.value), str(theirs.value))


# -- ranges ----------------------------------------------------------------------------------------
def test_arange_basics():
    assert dlcore.arange(5).tolist() == [0, 1, 2, 3, 4] and dlcore.arange(5).dtype is dlcore.int64
    assert dlcore.arange(5.0).dtype is dlcore.float32
    assert dlcore.arange(1, 4).tolist() == [1, 2, 3]
    assert dlcore.arange(10, 0, -3).tolist() == [10, 7, 4, 1]
    assert dlcore.arange(1, 2.5, 0.5).tolist() == [1.0, 1.5, 2.0]
    assert dlcore.arange(0).shape == (0,) and dlcore.arange(1, 1).shape == (0,)
    assert dlcore.arange(dlcore.tensor(3)).tolist() == [0, 1, 2]
    assert dlcore.arange(np.float32(3)).dtype is dlcore.float32
    assert dlcore.arange(True, 3).tolist() == [1, 2]
    assert dlcore.arange(5, dtype=dlcore.float64).dtype is dlcore.float64
    assert dlcore.arange(250, 260, dtype=dlcore.uint8).tolist()[5:7] == [255, 0]   # wraps
    assert dlcore.arange(0, 5, float("inf")).shape == (0,)


@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((0, 5, 0), {}, RuntimeError, "step must be nonzero"),
    ((0, 5, float("nan")), {}, RuntimeError, "step must be nonzero"),
    ((0, 5, -1), {}, RuntimeError, "upper bound and lower bound inconsistent with step sign"),
    ((5, 0), {}, RuntimeError, "upper bound and lower bound inconsistent with step sign"),
    ((float("inf"),), {}, RuntimeError, "unsupported range: 0 -> inf"),
    ((0, float("nan")), {}, RuntimeError, "unsupported range: 0 -> nan"),
    (("3",), {}, TypeError, r"arange\(\): argument 'end' \(position 1\) must be Number, not str"),
    ((3,), {"dtype": dlcore.bool}, NotImplementedError,
     "\"arange_cpu\" not implemented for 'Bool'"),
    ((1, 2.5, 0.5), {"dtype": dlcore.int64}, ValueError, "step must be nonzero"),
    ((0, 1e20, 1e-10), {}, RuntimeError, "invalid size, possible overflow"),
    ((0, 1e30, 1e28), {"dtype": dlcore.int64}, RuntimeError, "int64_t without overflow"),
])
def test_arange_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        dlcore.arange(*args, **kwargs)


ARANGE_CASES = [
    (5,), (5.0,), (1, 4), (1, 4, 0.5), (0, 1, 0.1), (0, 10, 3), (10, 0, -3), (10, 0, -1.5),
    (0, -1, -0.1), (-1, 1, 0.3), (0.5, 5), (1e10, 1e10 + 5), (0, 1, 1 / 3), (2 ** 40, 2 ** 40 + 3),
    (-9.1, 11.85, 1.0), (-8.69, 101.07, 2.9), (0, 100, 0.7), (-5, 3), (0.1, 3.3, 0.1),
]
RANGE_DTYPES = [None, "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8"]


@pytest.mark.parametrize("args", ARANGE_CASES, ids=repr)
def test_arange_matches_torch_exactly(args):
    torch = pytest.importorskip("torch")
    from .oracle import MIRRORED
    for d in RANGE_DTYPES:
        kwargs = lambda m: {} if d is None else {"dtype": getattr(m, d)}   # noqa: E731
        if d == "uint8" and min(args) < 0 or d in ("int8", "int16", "uint8", "float16") and \
                max(abs(a) for a in args) > 100:
            continue
        if not MIRRORED and d and d.startswith(("int", "uint")) and len(args) == 3 and \
                int(args[2]) == 0:
            continue    # older PyTorch divides by the step cut to 0, and dies of SIGFPE
        try:
            torch.arange(*args, **kwargs(torch))
        except (RuntimeError, ValueError) as e:
            with pytest.raises(type(e)):
                dlcore.arange(*args, **kwargs(dlcore))
            continue
        same_as_torch(lambda m: m.arange(*args, **kwargs(m)), torch)


@settings(max_examples=80, deadline=None)
@given(start=st.floats(-20, 20).map(lambda x: round(x, 2)),
       step=st.floats(0.01, 5).map(lambda x: round(x, 3)),
       count=st.integers(0, 200), sign=st.sampled_from([1, -1]),
       dtype=st.sampled_from(["float32", "float64", "float16", "int64", "int32"]))
def test_arange_hypothesis_matches_torch(start, step, count, sign, dtype):
    torch = pytest.importorskip("torch")
    from .oracle import MIRRORED
    if step == 0 or not MIRRORED and dtype.startswith("int") and int(step) == 0:
        return      # (see test_arange_matches_torch_exactly)
    step *= sign
    end = start + step * count + step / 3
    try:
        torch.arange(start, end, step, dtype=getattr(torch, dtype))
    except (RuntimeError, ValueError) as e:
        with pytest.raises(type(e)):
            dlcore.arange(start, end, step, dtype=getattr(dlcore, dtype))
        return
    same_as_torch(lambda m: m.arange(start, end, step, dtype=getattr(m, dtype)), torch)


def test_range_includes_end():
    assert dlcore.range(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert dlcore.range(0, 2).dtype is dlcore.float32
    assert dlcore.range(2, 0, -0.5).tolist() == [2.0, 1.5, 1.0, 0.5, 0.0]
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        dlcore.range(2, 0, 0.5)


def test_range_matches_torch():
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)    # torch.range is deprecated
        for args in ((0, 1, 0.25), (0, 2), (2, 0, -0.5), (0, 1, 0.3), (-1, 1, 0.1)):
            same_as_torch(lambda m: m.range(*args), torch)
            same_as_torch(lambda m: m.range(*args, dtype=m.float64), torch)


LINSPACE_CASES = [(0, 1, 5), (0, 1, 7), (-1, 1, 10), (0, 10, 11), (0, 1, 1), (0, 1, 0), (3, 3, 4),
                  (0.1, 0.7, 13), (1, 0, 6), (-6.05, 6.0, 87), (0, 255, 7), (-3.3, 2.2, 100)]


@pytest.mark.parametrize("args", LINSPACE_CASES, ids=repr)
def test_linspace_and_logspace_match_torch(args):
    torch = pytest.importorskip("torch")
    for d in RANGE_DTYPES:
        kwargs = lambda m: {} if d is None else {"dtype": getattr(m, d)}   # noqa: E731
        if d in ("uint8", "int8") and (min(args[:2]) < 0 or max(args[:2]) > 127):
            continue
        same_as_torch(lambda m: m.linspace(*args, **kwargs(m)), torch)
        low, high, steps = args[0] / 4, args[1] / 4, args[2]
        for base in (10.0, 2.0):
            got = dlcore.logspace(low, high, steps, base=base, **kwargs(dlcore))
            expected = torch.logspace(low, high, steps, base=base, **kwargs(torch))
            assert _dtype_name(got.dtype) == _dtype_name(expected.dtype)
            if d == "float64":      # powers computed by different libms: last-bit differences
                np.testing.assert_allclose(got.cpu().numpy(), expected.cpu().numpy(), rtol=1e-15)
            else:
                assert got.cpu().numpy().tobytes() == expected.cpu().numpy().tobytes()


@settings(max_examples=80, deadline=None)
@given(start=st.floats(-50, 50).map(lambda x: round(x, 3)),
       end=st.floats(-50, 50).map(lambda x: round(x, 3)), steps=st.integers(0, 150),
       dtype=st.sampled_from(["float32", "float64", "float16", "int64", "int32"]))
def test_linspace_hypothesis_matches_torch(start, end, steps, dtype):
    torch = pytest.importorskip("torch")
    same_as_torch(lambda m: m.linspace(start, end, steps, dtype=getattr(m, dtype)), torch)


def test_linspace_logspace_basics_and_errors():
    assert dlcore.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert dlcore.linspace(0, 1, 1).tolist() == [0.0]
    assert dlcore.linspace(0, 1, dlcore.tensor(3)).shape == (3,)
    assert dlcore.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert dlcore.logspace(0, 2, 3, base=2).tolist() == [1.0, 2.0, 4.0]
    assert dlcore.logspace(0, 2, 3, dtype=dlcore.int64).tolist() == [1, 10, 100]
    with pytest.raises(RuntimeError, match="number of steps must be non-negative"):
        dlcore.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="argument 'steps' \\(position 3\\) must be int"):
        dlcore.linspace(0, 1, 2.5)
    with pytest.raises(NotImplementedError, match="\"linspace_cpu\" not implemented for 'Bool'"):
        dlcore.linspace(0, 1, 3, dtype=dlcore.bool)
    with pytest.raises(RuntimeError, match="uint8_t without overflow"):
        dlcore.linspace(0, 300, 3, dtype=dlcore.uint8)


def test_eye():
    assert dlcore.eye(3).tolist() == np.eye(3).tolist() and dlcore.eye(3).dtype is dlcore.float32
    assert dlcore.eye(2, 3).shape == (2, 3)
    assert dlcore.eye(3, dtype=dlcore.int64).dtype is dlcore.int64
    assert dlcore.eye(2, dtype=dlcore.bool).tolist() == [[True, False], [False, True]]
    assert dlcore.eye(0).shape == (0, 0)
    assert dlcore.eye(dlcore.tensor(2)).shape == (2, 2)
    with pytest.raises(RuntimeError, match="n must be greater or equal to 0, got -1"):
        dlcore.eye(-1)
    with pytest.raises(RuntimeError, match="m must be greater or equal to 0, got -1"):
        dlcore.eye(2, -1)
    with pytest.raises(TypeError, match="eye\\(\\): argument 'n' \\(position 1\\) must be int"):
        dlcore.eye(2.5)


def test_scalar_tensor():
    assert dlcore.scalar_tensor(3).dtype is dlcore.float32
    assert dlcore.scalar_tensor(True).item() == 1.0
    assert dlcore.scalar_tensor(3, dtype=dlcore.int64).item() == 3


def test_device_argument():
    assert dlcore.zeros(2, device="cpu").device == dlcore.device("cpu")
    assert dlcore.tensor([1], device=dlcore.device("cpu")).tolist() == [1]
    if not dlcore.cuda.is_available() if hasattr(dlcore, "cuda") else True:
        with pytest.raises(RuntimeError, match="cuda"):
            dlcore.zeros(2, device="cuda")
