"""Pointwise ops: arithmetic with broadcasting and PyTorch's type promotion, math functions,
comparisons and logical/bitwise ops, each with its in-place `name_` form.

The hot path (`a * b` with one dtype, `a * 2.0` on a float tensor) is one NumPy call and a wrap.
"""
import math

import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._tensor import Tensor, _wrap
from ._common import _operand, _raise_broadcast_error
from ._registry import op

_UNARY_NAMES = {}


# -- the engine: promotion, one ufunc call, PyTorch's errors ------------------------------------------
def _cast(x, np_dtype):
    if isinstance(x, np.ndarray):
        return x if x.dtype == np_dtype else x.astype(np_dtype)
    if np_dtype.kind in "iu" and isinstance(x, int):
        info = np.iinfo(np_dtype)
        if not info.min <= x <= info.max:
            return np.array(x).astype(np_dtype)[()]      # wraps around like a C cast, as PyTorch
    return x


def _compute(ufunc, a, b, dtype, out=...):
    """ufunc(a, b) in `dtype` (a dlcore dtype), with NumPy's errors turned into PyTorch's."""
    x, y = _cast(_operand(a), dtype.np), _cast(_operand(b), dtype.np)
    try:
        return ufunc(x, y, out=out)
    except ValueError:
        if out is not ... and isinstance(y, np.ndarray):
            shape = np.broadcast_shapes(out.shape, y.shape) if _broadcastable(out.shape, y.shape) else None
            if shape is not None and shape != out.shape:
                raise RuntimeError(f"output with shape {list(out.shape)} doesn't match the "
                                   f"broadcast shape {list(shape)}") from None
        _raise_broadcast_error(x, y)


def _broadcastable(s, t):
    return all(p == q or p == 1 or q == 1 for p, q in zip(reversed(s), reversed(t)))


def _binary(ufunc, a, b):
    """An arithmetic op whose result has the promoted dtype of its operands."""
    x = a._data
    tb = type(b)
    if tb is Tensor:
        y = b._data
        if x.dtype is y.dtype and x.dtype.kind != "b":
            try:
                return _wrap(ufunc(x, y, out=...))
            except ValueError:
                _raise_broadcast_error(x, y)
    elif tb is float and x.dtype.kind == "f":
        return _wrap(ufunc(x, b, out=...))
    elif tb is int and x.dtype.kind == "f":
        return _wrap(ufunc(x, b, out=...))
    if not isinstance(a, Tensor):
        a, b = b, a     # reflected: a number on the left
        return _wrap(_compute(ufunc, b, a, result_type(a, b)))
    return _wrap(_compute(ufunc, a, b, result_type(a, b)))


def _check_bool_arith(name, a, b):
    if _dtype_of(a) is _dtype.bool_ and _dtype_of(b) is _dtype.bool_:
        if name == "sub":
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")


def _dtype_of(x):
    if isinstance(x, Tensor):
        return x.dtype
    return _dtype._scalar_dtype(x)


def _inplace(self, result_dtype, name):
    """PyTorch refuses in-place ops whose result would need a higher dtype kind than `self`'s."""
    d = self.dtype
    if result_dtype._category > d._category:
        raise RuntimeError(f"result type {result_dtype._typed_name} can't be cast to the desired "
                           f"output type {d._typed_name}")


def _binary_(ufunc, self, other, name):
    rt = result_type(self, other)
    _inplace(self, rt, name)
    out = self._data
    if rt.np == out.dtype:
        _compute(ufunc, self, other, rt, out=out)
    else:
        out[...] = _compute(ufunc, self, other, rt)
    return self


def _check_int_zero_division(a, b, what):
    """Integer division by zero is an error in PyTorch (NumPy would warn and return 0)."""
    rt = result_type(a, b)
    if not rt.is_floating_point and np.any(np.asarray(_operand(b)) == 0):
        raise RuntimeError("ZeroDivisionError")
    return rt


# -- arithmetic -------------------------------------------------------------------------------------
@op
def add(input, other, *, alpha=1, out=None):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _finish(_binary(np.add, input, other) if isinstance(input, Tensor)
                   else _binary(np.add, other, input), out)


@op
def sub(input, other, *, alpha=1, out=None):
    _check_bool_arith("sub", input, other)
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return _finish(_binary(np.subtract, input, other), out)


@op
def mul(input, other, *, out=None):
    return _finish(_binary(np.multiply, input, other) if isinstance(input, Tensor)
                   else _binary(np.multiply, other, input), out)


@op
def div(input, other, *, rounding_mode=None, out=None):
    if rounding_mode is None:
        return _finish(true_divide(input, other), out)
    if rounding_mode == "floor":
        return _finish(floor_divide(input, other), out)
    if rounding_mode == "trunc":
        rt = result_type(input, other)
        if rt.is_floating_point:
            return _finish(_wrap(np.trunc(_compute(np.true_divide, input, other, rt))), out)
        _check_int_zero_division(input, other, "div")
        x, y = _cast(_operand(input), rt.np), _cast(_operand(other), rt.np)
        q = np.floor_divide(x, y, out=...)
        q = q + ((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)))
        return _finish(_wrap(q.astype(rt.np, copy=False)), out)
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


@op
def true_divide(input, other, *, out=None):
    rt = result_type(input, other)
    if not rt.is_floating_point:
        rt = _dtype.get_default_dtype()
    if isinstance(input, Tensor) and type(other) is Tensor and input._data.dtype is other._data.dtype is rt.np:
        return _finish(_binary(np.true_divide, input, other), out)
    return _finish(_wrap(_compute(np.true_divide, input, other, rt)), out)


divide = op(div, names=("divide",))


@op
def floor_divide(input, other, *, out=None):
    rt = _check_int_zero_division(input, other, "floor_divide")
    return _finish(_wrap(_compute(np.floor_divide, input, other, rt)), out)


@op
def remainder(input, other, *, out=None):
    rt = _check_int_zero_division(input, other, "remainder")
    return _finish(_wrap(_compute(np.remainder, input, other, rt)), out)


@op
def fmod(input, other, *, out=None):
    rt = _check_int_zero_division(input, other, "fmod")
    return _finish(_wrap(_compute(np.fmod, input, other, rt)), out)


@op
def pow(input, exponent, *, out=None):
    rt = result_type(input, exponent)
    if not rt.is_floating_point:
        e = np.asarray(_operand(exponent))
        if rt is not _dtype.bool_ and np.any(e < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if type(exponent) in (int, float) and isinstance(input, Tensor) and input._data.dtype.kind == "f":
        x = input._data
        if exponent == 2:
            return _finish(_wrap(np.multiply(x, x, out=...)), out)
        return _finish(_wrap(np.power(x, exponent, out=...)), out)
    return _finish(_wrap(_compute(np.power, input, exponent, rt)), out)


@op
def float_power(input, exponent):
    return pow(_to64(input), _to64(exponent))


def _to64(x):
    return x.to(_dtype.float64) if isinstance(x, Tensor) else x


@op
def atan2(input, other):
    rt = _float_type(result_type(input, other))
    return _wrap(_compute(np.arctan2, input, other, rt))


arctan2 = op(atan2, names=("arctan2",))


@op
def hypot(input, other):
    return _wrap(_compute(np.hypot, input, other, result_type(input, other)))


@op
def maximum(input, other):
    return _wrap(_compute(np.maximum, input, other, result_type(input, other)))


@op
def minimum(input, other):
    return _wrap(_compute(np.minimum, input, other, result_type(input, other)))


@op
def fmax(input, other):
    return _wrap(_compute(np.fmax, input, other, result_type(input, other)))


@op
def fmin(input, other):
    return _wrap(_compute(np.fmin, input, other, result_type(input, other)))


@op
def lerp(input, end, weight):
    return add(input, mul(sub(end, input), weight))


@op
def addcmul(input, tensor1, tensor2, *, value=1):
    return add(input, mul(mul(tensor1, tensor2), value))


@op
def addcdiv(input, tensor1, tensor2, *, value=1):
    return add(input, mul(true_divide(tensor1, tensor2), value))


def _finish(result, out):
    """Honour `out=`: copy the result into the given tensor (resized as PyTorch does when empty)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if out._data.shape != result._data.shape:
        if out._data.size:
            raise RuntimeError(f"output with shape {list(out._data.shape)} doesn't match the "
                               f"broadcast shape {list(result._data.shape)}")
        out._data = np.empty(result._data.shape, out._data.dtype)
        out._storage = None
    out._data[...] = result._data
    return out


# -- unary math ------------------------------------------------------------------------------------
def _float_type(d):
    return d if d.is_floating_point else _dtype.get_default_dtype()


def _unary_float(ufunc, name):
    """A function whose result is floating (int and bool inputs become the default float dtype)."""
    def f(input, *, out=None):
        x = input._data
        if x.dtype.kind != "f":
            x = x.astype(_dtype.get_default_dtype().np)
        return _finish(_wrap(ufunc(x, out=...)), out)

    def f_(self):
        x = self._data
        if x.dtype.kind != "f":
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{self.dtype._typed_name}")
        ufunc(x, out=x)
        return self
    return _named(f, name), _named(f_, name + "_")


def _named(f, name):
    f.__name__ = f.__qualname__ = name
    return f


def _sigmoid(x, out=...):
    one = x.dtype.type(1)
    r = np.exp(np.negative(x), out=out if out is not ... else None)
    np.add(r, one, out=r)
    return np.true_divide(one, r, out=r)


def _rsqrt(x, out=...):
    r = np.sqrt(x, out=out if out is not ... else None)
    return np.true_divide(x.dtype.type(1), r, out=r)


def _erf(x, out=...):
    r = np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()
    if out is not ...:
        out[...] = r
        return out
    return np.asarray(r, dtype=x.dtype)


_FLOAT_UNARY = {
    "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log2": np.log2,
    "log10": np.log10, "log1p": np.log1p, "sqrt": np.sqrt, "rsqrt": _rsqrt, "sin": np.sin,
    "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
    "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "asinh": np.arcsinh,
    "acosh": np.arccosh, "atanh": np.arctanh, "sigmoid": _sigmoid, "reciprocal": np.reciprocal,
    "erf": _erf, "deg2rad": np.deg2rad, "rad2deg": np.rad2deg,
}
_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
            "arccosh": "acosh", "arctanh": "atanh"}

for _name, _ufunc in _FLOAT_UNARY.items():
    _f, _f_ = _unary_float(_ufunc, _name)
    op(_f, names=(_name,) + tuple(a for a, n in _ALIASES.items() if n == _name))
    op(_f_, names=(_name + "_",) + tuple(a + "_" for a, n in _ALIASES.items() if n == _name),
       function=True)
    globals()[_name] = _f


def _unary_same(ufunc, name, int_identity=False, bool_error=None):
    """A function whose result keeps the input's dtype (floor of an int tensor is a copy)."""
    def f(input, *, out=None):
        x = input._data
        if bool_error and x.dtype.kind == "b":
            raise RuntimeError(bool_error)
        if int_identity and x.dtype.kind != "f":
            return _finish(_wrap(x.copy()), out)
        return _finish(_wrap(ufunc(x, out=...)), out)

    def f_(self):
        x = self._data
        if bool_error and x.dtype.kind == "b":
            raise RuntimeError(bool_error)
        if not (int_identity and x.dtype.kind != "f"):
            ufunc(x, out=x)
        return self
    return _named(f, name), _named(f_, name + "_")


_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")
_SAME_UNARY = [
    ("neg", np.negative, False, _NEG_BOOL), ("abs", np.absolute, False, None),
    ("floor", np.floor, True, None), ("ceil", np.ceil, True, None), ("trunc", np.trunc, True, None),
    ("frac", lambda x, out=...: np.subtract(x, np.trunc(x), out=out), False, None),
    ("square", np.square, False, None), ("sign", np.sign, False, None),
]
for _name, _ufunc, _ident, _berr in _SAME_UNARY:
    _f, _f_ = _unary_same(_ufunc, _name, _ident, _berr)
    op(_f)
    op(_f_)
    globals()[_name] = _f
op(neg, names=("negative",))          # noqa: F821  (defined by the loop above)
op(abs, names=("absolute",))          # noqa: F821
op(trunc, names=("fix",))             # noqa: F821


@op
def round(input, *, decimals=0):
    x = input._data
    if x.dtype.kind != "f":
        return _wrap(x.copy())
    return _wrap(np.round(x, decimals) if decimals else np.rint(x, out=...))


@op
def round_(input, *, decimals=0):
    x = input._data
    if x.dtype.kind == "f":
        np.round(x, decimals, out=x)
    return input


@op
def relu(input):
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("\"clamp_min_cpu\" not implemented for 'Bool'")
    return _wrap(np.maximum(x, x.dtype.type(0), out=...))


@op
def relu_(input):
    x = input._data
    np.maximum(x, x.dtype.type(0), out=x)
    return input


@op
def clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("dlcore.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    rt = result_type(input, *bounds)
    x = _cast(input._data, rt.np)
    lo = None if min is None else _cast(_operand(min), rt.np)
    hi = None if max is None else _cast(_operand(max), rt.np)
    try:
        r = x
        if lo is not None:
            r = np.maximum(r, lo, out=...)
        if hi is not None:
            r = np.minimum(r, hi, out=...)
    except ValueError:
        _raise_broadcast_error(x, *(b for b in (lo, hi) if b is not None))
    if r is x:
        r = x.copy()
    return _finish(_wrap(r), out)


clip = op(clamp, names=("clip",))


@op
def clamp_(input, min=None, max=None):
    r = clamp(input, min, max)
    if r.dtype._category > input.dtype._category:
        raise RuntimeError(f"result type {r.dtype._typed_name} can't be cast to the desired "
                           f"output type {input.dtype._typed_name}")
    input._data[...] = r._data
    return input


clip_ = op(clamp_, names=("clip_",))


@op
def clamp_min(input, min):
    return clamp(input, min=min)


@op
def clamp_max(input, max):
    return clamp(input, max=max)


@op
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    x = input._data
    if x.dtype.kind != "f":
        return _wrap(x.copy())
    return _wrap(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))


# -- comparisons and logic ---------------------------------------------------------------------------
def _compare(ufunc, name):
    def f(input, other, *, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be Tensor, not "
                            f"{type(input).__name__}")
        x = input._data
        if type(other) is Tensor and other._data.dtype is x.dtype:
            try:
                return _finish(_wrap(ufunc(x, other._data, out=...)), out)
            except ValueError:
                _raise_broadcast_error(x, other._data)
        return _finish(_wrap(_compute(ufunc, input, other, result_type(input, other))), out)

    def f_(self, other):
        self._data[...] = f(self, other)._data
        return self
    return _named(f, name), _named(f_, name + "_")


_COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
                "gt": np.greater, "ge": np.greater_equal}
_COMPARISON_ALIASES = {"eq": (), "ne": ("not_equal",), "lt": ("less",), "le": ("less_equal",),
                       "gt": ("greater",), "ge": ("greater_equal",)}
for _name, _ufunc in _COMPARISONS.items():
    _f, _f_ = _compare(_ufunc, _name)
    op(_f, names=(_name,) + _COMPARISON_ALIASES[_name])
    op(_f_, names=(_name + "_",) + tuple(a + "_" for a in _COMPARISON_ALIASES[_name]))
    globals()[_name] = _f


@op
def equal(input, other):
    """True when both tensors have the same shape and elements."""
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


@op
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    rt = result_type(input, other)
    x, y = _cast(_operand(input), rt.np), _cast(_operand(other), rt.np)
    if not isinstance(other, Tensor) or input._data.dtype != other._data.dtype:
        if isinstance(other, Tensor):
            raise RuntimeError(f"{input.dtype._typed_name} did not match {other.dtype._typed_name}")
    try:
        return _wrap(np.asarray(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)))
    except ValueError:
        _raise_broadcast_error(x, y)


@op
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@op
def isnan(input):
    return _wrap(np.isnan(input._data, out=...))


@op
def isinf(input):
    return _wrap(np.isinf(input._data, out=...))


@op
def isfinite(input):
    return _wrap(np.isfinite(input._data, out=...))


@op
def isposinf(input):
    return _wrap(np.isposinf(input._data))


@op
def isneginf(input):
    return _wrap(np.isneginf(input._data))


@op
def signbit(input):
    return _wrap(np.signbit(input._data, out=...))


def _logical(ufunc, name):
    def f(input, other):
        try:
            return _wrap(ufunc(input._data, _operand(other), out=...))
        except ValueError:
            _raise_broadcast_error(input._data, _operand(other))

    def f_(self, other):
        self._data[...] = f(self, other)._data
        return self
    return _named(f, name), _named(f_, name + "_")


for _name, _ufunc in {"logical_and": np.logical_and, "logical_or": np.logical_or,
                      "logical_xor": np.logical_xor}.items():
    _f, _f_ = _logical(_ufunc, _name)
    op(_f)
    op(_f_)
    globals()[_name] = _f


@op
def logical_not(input):
    return _wrap(np.logical_not(input._data, out=...))


@op
def logical_not_(input):
    input._data[...] = np.logical_not(input._data)
    return input


def _bitwise(ufunc, name, cpu_name):
    def f(input, other):
        rt = result_type(input, other)
        if rt.is_floating_point:
            raise RuntimeError(f"\"{cpu_name}_cpu\" not implemented for '{rt._typed_name}'")
        return _wrap(_compute(ufunc, input, other, rt))

    def f_(self, other):
        return _binary_(ufunc, self, other, name)
    return _named(f, name), _named(f_, name + "_")


for _name, (_ufunc, _cpu) in {"bitwise_and": (np.bitwise_and, "bitwise_and"),
                              "bitwise_or": (np.bitwise_or, "bitwise_or"),
                              "bitwise_xor": (np.bitwise_xor, "bitwise_xor")}.items():
    _f, _f_ = _bitwise(_ufunc, _name, _cpu)
    op(_f)
    op(_f_)
    globals()[_name] = _f


@op
def bitwise_not(input):
    x = input._data
    if x.dtype.kind == "f":
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{input.dtype._typed_name}'")
    return _wrap(np.invert(x, out=...))


# -- in-place arithmetic -------------------------------------------------------------------------------
def _make_inplace(ufunc, name):
    def f_(self, other, *, alpha=1):
        if alpha != 1:
            other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
        if name == "sub":
            _check_bool_arith(name, self, other)
        return _binary_(ufunc, self, other, name)
    return _named(f_, name + "_")


for _name, _ufunc in {"add": np.add, "sub": np.subtract, "mul": np.multiply}.items():
    op(_make_inplace(_ufunc, _name), function=False)


@op(function=False)
def div_(self, other, *, rounding_mode=None):
    r = div(self, other, rounding_mode=rounding_mode)
    _inplace(self, r.dtype, "div")
    self._data[...] = r._data
    return self


@op(function=False)
def pow_(self, exponent):
    r = pow(self, exponent)
    _inplace(self, r.dtype, "pow")
    self._data[...] = r._data
    return self


def _result_inplace(f, name):
    def f_(self, *args, **kwargs):
        r = f(self, *args, **kwargs)
        _inplace(self, r.dtype, name)
        if r._data.shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                               f"broadcast shape {list(r._data.shape)}")
        self._data[...] = r._data
        return self
    return _named(f_, name + "_")


for _f in (floor_divide, remainder, fmod, true_divide, atan2, hypot, lerp, addcmul, addcdiv,
           nan_to_num, float_power):
    op(_result_inplace(_f, _f.__name__), function=False)
op(_result_inplace(div, "divide"), function=False)
op(_result_inplace(sub, "subtract"), function=False)
op(_result_inplace(mul, "multiply"), function=False)
op(sub, names=("subtract",))
op(mul, names=("multiply",))


@op(function=False)
def zero_(self):
    self._data[...] = 0
    return self


@op(function=False)
def fill_(self, value):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = value._data
    self._data[...] = value
    return self


@op(function=False)
def copy_(self, src, non_blocking=False):
    try:
        self._data[...] = _operand(src)
    except ValueError:
        _raise_broadcast_error(self._data, src._data)
    return self


# -- operators ------------------------------------------------------------------------------------
def _reflected(ufunc, name):
    def f(self, other):
        return _wrap(_compute(ufunc, other, self, result_type(other, self)))
    return _named(f, name)


def _install_operators(T):
    T.__add__ = add
    T.__radd__ = add
    T.__iadd__ = T.add_
    T.__sub__ = sub
    T.__rsub__ = _reflected(np.subtract, "__rsub__")
    T.__isub__ = T.sub_
    T.__mul__ = mul
    T.__rmul__ = mul
    T.__imul__ = T.mul_
    T.__truediv__ = true_divide
    T.__rtruediv__ = lambda self, other: true_divide(other, self)
    T.__itruediv__ = T.div_
    T.__floordiv__ = floor_divide
    T.__rfloordiv__ = lambda self, other: floor_divide(other, self)
    T.__ifloordiv__ = T.floor_divide_
    T.__mod__ = remainder
    T.__rmod__ = lambda self, other: remainder(other, self)
    T.__imod__ = T.remainder_
    T.__pow__ = pow
    T.__rpow__ = lambda self, other: pow(other, self)
    T.__ipow__ = T.pow_
    T.__neg__ = neg          # noqa: F821
    T.__pos__ = lambda self: self
    T.__abs__ = abs          # noqa: F821
    T.__invert__ = _invert
    T.__and__ = T.__rand__ = bitwise_and      # noqa: F821
    T.__or__ = T.__ror__ = bitwise_or         # noqa: F821
    T.__xor__ = T.__rxor__ = bitwise_xor      # noqa: F821
    T.__iand__ = T.bitwise_and_
    T.__ior__ = T.bitwise_or_
    T.__ixor__ = T.bitwise_xor_
    T.__eq__ = eq            # noqa: F821
    T.__ne__ = ne            # noqa: F821
    T.__lt__ = lt            # noqa: F821
    T.__le__ = le            # noqa: F821
    T.__gt__ = gt            # noqa: F821
    T.__ge__ = ge            # noqa: F821
    T.__hash__ = lambda self: id(self)


def _invert(self):
    if self._data.dtype.kind == "b":
        return logical_not(self)
    return bitwise_not(self)
