"""dtypes: objects, aliases, promotion (checked pair by pair against PyTorch), conversions and the
typed tensor classes (FloatTensor, ...)."""
import itertools
import pickle

import numpy as np
import pytest

import dlcore
from dlcore import _dtype

DTYPES = [dlcore.bool, dlcore.uint8, dlcore.int8, dlcore.int16, dlcore.int32, dlcore.int64,
          dlcore.float16, dlcore.float32, dlcore.float64]
NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
TYPED = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
         "int64": "Long", "float16": "Half", "float32": "Float", "float64": "Double"}


def torch_dtype(torch, d):
    return getattr(torch, d._name)


def _name(d):
    return repr(d).replace("dlcore.", "")


def test_dtype_objects_and_aliases():
    assert [d._name for d in DTYPES] == NAMES
    assert dlcore.float is dlcore.float32 and dlcore.double is dlcore.float64
    assert dlcore.half is dlcore.float16
    assert dlcore.short is dlcore.int16 and dlcore.int is dlcore.int32
    assert dlcore.long is dlcore.int64
    assert isinstance(dlcore.bool, dlcore.dtype) and dlcore.bool is not bool
    assert repr(dlcore.float32) == "dlcore.float32" == str(dlcore.float32)
    assert repr(dlcore.bool) == "dlcore.bool"
    assert repr(dlcore.half) == "dlcore.float16"


@pytest.mark.parametrize("d", DTYPES, ids=_name)
def test_dtype_attributes(d):
    np_dtype = np.dtype(d._name if d._name != "bool" else np.bool_)
    assert d.itemsize == np_dtype.itemsize
    assert d.is_floating_point == (np_dtype.kind == "f")
    assert d.is_signed == (d._name not in ("bool", "uint8"))
    assert d.is_complex is False
    assert pickle.loads(pickle.dumps(d)) is d
    assert dlcore.ones(2, dtype=d).dtype is d
    assert dlcore.ones(2, dtype=d).element_size() == d.itemsize


@pytest.mark.parametrize("d", DTYPES, ids=_name)
def test_dtype_attributes_match_torch(d):
    torch = pytest.importorskip("torch")
    t = torch_dtype(torch, d)
    assert (d.itemsize, d.is_floating_point, d.is_signed) == (t.itemsize, t.is_floating_point,
                                                               t.is_signed)
    assert repr(d).replace("dlcore", "torch") == repr(t)


def test_default_dtype():
    assert dlcore.get_default_dtype() is dlcore.float32
    try:
        dlcore.set_default_dtype(dlcore.float64)
        assert dlcore.tensor([1.5]).dtype is dlcore.float64
        assert (dlcore.tensor([1, 2]) * 0.5).dtype is dlcore.float64
        assert dlcore.arange(0.0, 1.0, 0.5).dtype is dlcore.float64
    finally:
        dlcore.set_default_dtype(dlcore.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        dlcore.set_default_dtype(dlcore.int64)


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, DTYPES)),
                         ids=lambda d: _name(d))
def test_promote_types_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    expected = torch.promote_types(torch_dtype(torch, a), torch_dtype(torch, b))
    assert dlcore.promote_types(a, b) is getattr(dlcore, str(expected).split(".")[1])


def _operand(module, d, kind):
    """A tensor with dimensions, a 0-d tensor, or a Python number of `d`'s kind."""
    if kind == "dim":
        return module.ones(2, dtype=d if module is dlcore else getattr(module, d._name))
    if kind == "zero":
        return module.ones((), dtype=d if module is dlcore else getattr(module, d._name))
    return {"bool": True, "int": 2, "float": 2.5}[kind]


KINDS = ["dim", "zero"]
SCALARS = ["bool", "int", "float"]


@pytest.mark.parametrize("a", DTYPES, ids=_name)
def test_binary_result_dtype_matches_torch(a):
    """Every pair of dtypes x {tensor with dims, 0-d tensor} and every Python number kind."""
    torch = pytest.importorskip("torch")
    for b, ka, kb in itertools.product(DTYPES, KINDS, KINDS):
        x, y = _operand(dlcore, a, ka), _operand(dlcore, b, kb)
        tx, ty = _operand(torch, a, ka), _operand(torch, b, kb)
        expected = str(torch.result_type(tx, ty)).split(".")[1]
        assert _name(dlcore.result_type(x, y)) == expected, (a, ka, b, kb)
        assert _name((x * y).dtype) == expected, (a, ka, b, kb)
        if a is not dlcore.bool or b is not dlcore.bool:
            assert _name((x + y).dtype) == expected
    for ka, s in itertools.product(KINDS, SCALARS):
        x, tx = _operand(dlcore, a, ka), _operand(torch, a, ka)
        value = _operand(dlcore, a, s)
        expected = str(torch.result_type(tx, value)).split(".")[1]
        assert _name(dlcore.result_type(x, value)) == expected, (a, ka, s)
        assert _name((x * value).dtype) == expected
        assert _name((value * x).dtype) == expected


def test_promotion_examples():
    i8, f64 = dlcore.ones(2, dtype=dlcore.int8), dlcore.ones((), dtype=dlcore.float64)
    assert (i8 * 2.5).dtype is dlcore.float32          # a Python float brings the default dtype
    assert (i8 * 1000).dtype is dlcore.int8            # a Python int does not widen an int tensor
    assert (i8 * f64).dtype is dlcore.float64          # a 0-d tensor of a higher kind counts
    assert (dlcore.ones(2) * f64).dtype is dlcore.float32   # ... but not of the same kind
    assert (dlcore.tensor([True]) + 1).dtype is dlcore.int64
    assert dlcore.can_cast(dlcore.int32, dlcore.float16)
    assert not dlcore.can_cast(dlcore.float32, dlcore.int64)


@pytest.mark.cpu_only(reason="the CPU's typed names (dlcore.FloatTensor); test_device.py "
                             "checks the cuda ones")
@pytest.mark.parametrize("d", DTYPES, ids=_name)
def test_type_strings(d):
    assert dlcore.ones(2, dtype=d).type() == f"dlcore.{TYPED[d._name]}Tensor"
    assert dlcore.ones(2, dtype=d).storage().type() == f"dlcore.{TYPED[d._name]}Storage"


def test_conversions():
    x = dlcore.tensor([1.7, -2.7, 300.0])
    assert x.to(dlcore.float64).dtype is dlcore.float64
    assert x.to(dtype=dlcore.int32).tolist() == [1, -2, 300]
    assert x.to("cpu", dlcore.int16).dtype is dlcore.int16
    assert x.to(dlcore.device("cpu"), dtype=dlcore.int8).dtype is dlcore.int8
    assert x.to(float).dtype is dlcore.float64 and x.to(int).dtype is dlcore.int64
    assert x.to(dlcore.ones(1, dtype=dlcore.int16)).dtype is dlcore.int16
    assert x.type(dlcore.int16).dtype is dlcore.int16
    assert x.type("dlcore.DoubleTensor").dtype is dlcore.float64
    assert x.type(dlcore.DoubleTensor).dtype is dlcore.float64
    assert x.to(dlcore.float32) is x and x.type(dlcore.float32) is x   # no copy when no change
    assert x.to(dlcore.float32, copy=True) is not x
    assert x.type_as(dlcore.ones(1, dtype=dlcore.int64)).dtype is dlcore.int64
    for method, d in [("float", dlcore.float32), ("double", dlcore.float64),
                      ("half", dlcore.float16), ("short", dlcore.int16), ("int", dlcore.int32),
                      ("long", dlcore.int64), ("byte", dlcore.uint8), ("char", dlcore.int8),
                      ("bool", dlcore.bool)]:
        assert getattr(x, method)().dtype is d
    assert x.int().tolist() == [1, -2, 300]          # truncation toward zero
    assert dlcore.tensor([1.5, 0.0, -0.1]).bool().tolist() == [True, False, True]
    with pytest.raises(ValueError, match="invalid type"):
        x.type("dlcore.Foo")


@pytest.mark.parametrize("method", [
    "float", "double", "half", "short", "int", "long", "byte", "char", "bool"])
def test_conversion_values_match_torch(method):
    torch = pytest.importorskip("torch")
    values = [1.7, -2.7, 300.0, -1.0, 0.0, 0.5, 127.0, -128.0, 65504.0]
    got = getattr(dlcore.tensor(values), method)()
    expected = getattr(torch.tensor(values), method)()
    assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    assert got.tolist() == expected.tolist()


TYPED_CLASSES = [("FloatTensor", dlcore.float32), ("DoubleTensor", dlcore.float64),
                 ("HalfTensor", dlcore.float16), ("ByteTensor", dlcore.uint8),
                 ("CharTensor", dlcore.int8), ("ShortTensor", dlcore.int16),
                 ("IntTensor", dlcore.int32), ("LongTensor", dlcore.int64),
                 ("BoolTensor", dlcore.bool)]


@pytest.mark.cpu_only(reason="the CPU's typed names (dlcore.FloatTensor); test_device.py "
                             "checks the cuda ones")
@pytest.mark.parametrize("name, d", TYPED_CLASSES)
def test_typed_classes(name, d):
    cls = getattr(dlcore, name)
    from_list = cls([1, 0, 1])
    assert from_list.dtype is d and from_list.tolist() == [d is dlcore.bool or 1, 0,
                                                            d is dlcore.bool or 1]
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).dtype is d
    assert cls(dlcore.Size([4])).shape == (4,)
    assert cls().shape == (0,)
    assert cls([[1, 2], [3, 4]]).shape == (2, 2)
    assert isinstance(dlcore.ones(2, dtype=d), cls)
    assert isinstance(dlcore.ones(2, dtype=d), dlcore.Tensor)
    others = [c for n, c in TYPED_CLASSES if c is not d]
    assert not any(isinstance(dlcore.ones(2, dtype=o), cls) for o in others)
    assert not isinstance(3, cls)
    assert type(cls([1])) is dlcore.Tensor
    assert cls.__name__ == name


def test_tensor_constructor_is_float_tensor():
    assert dlcore.Tensor([1, 2]).dtype is dlcore.float32
    assert dlcore.Tensor(2, 3).dtype is dlcore.float32
    assert dlcore.Tensor(np.array([1, 2])).dtype is dlcore.float32
    assert dlcore.Tensor([[1, 2], [3, 4]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    t = dlcore.tensor([1, 2])
    assert dlcore.Tensor(t) is t                    # as in PyTorch: the tensor itself
    assert isinstance(dlcore.ones(2, dtype=dlcore.int64), dlcore.Tensor)
    with pytest.raises(TypeError, match="expected LongTensor"):
        dlcore.LongTensor(dlcore.tensor([1.0]))
    with pytest.raises(TypeError, match="data must be a sequence"):
        dlcore.FloatTensor(2.5)


@pytest.mark.parametrize("name, d", TYPED_CLASSES)
def test_typed_classes_match_torch(name, d):
    torch = pytest.importorskip("torch")
    for data in ([1.7, 2.0, 0.0], [[1, 2], [3, 4]], [True, False], [-2, 5]):
        got, expected = getattr(dlcore, name)(data), getattr(torch, name)(data)
        assert got.tolist() == expected.tolist()
        assert str(got.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    if d is dlcore.uint8:   # a float can't become a negative byte; an int wraps around
        with pytest.raises(RuntimeError, match="cannot be converted to type uint8"):
            dlcore.ByteTensor([-2.0])
        with pytest.raises(RuntimeError, match="cannot be converted to type uint8"):
            torch.ByteTensor([-2.0])


def test_comparisons_return_bool():
    a, b = dlcore.tensor([1, 2, 3]), dlcore.tensor([3.0, 2.0, 1.0])
    for result in (a == b, a != b, a < b, a <= b, a > b, a >= b, a < 2.5, dlcore.eq(a, 2)):
        assert result.dtype is dlcore.bool
    assert (a < b).tolist() == [True, False, False]
    assert (a == 2).tolist() == [False, True, False]
    assert (dlcore.ones(2) == None) is False and (dlcore.ones(2) != None) is True   # noqa: E711


def test_randn_type_short():
    if not hasattr(dlcore, "randn"):
        pytest.skip("random ops are not written yet")
    x = dlcore.randn(10, 2).type(dlcore.short)
    assert x.dtype is dlcore.int16 and x.shape == (10, 2)


def test_as_dtype_accepts_python_types():
    assert _dtype.as_dtype(float) is dlcore.float64
    assert _dtype.as_dtype(int) is dlcore.int64
    assert _dtype.as_dtype(bool) is dlcore.bool
    assert dlcore.zeros(2, dtype=float).dtype is dlcore.float64
    with pytest.raises(TypeError, match="argument 'dtype' must be dlcore.dtype, not str"):
        dlcore.tensor([1], dtype="float32")
