"""Pointwise ops: arithmetic with broadcasting and PyTorch's type promotion, math functions,
comparisons and logical/bitwise ops, each with its in-place `name_` form.

The hot path (`a * b` with one dtype, `a * 2.0` on a float tensor) is one NumPy call and a wrap;
promotion, dtype checks and PyTorch's error messages live on the slower path beside it.
"""
import math

import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._tensor import Tensor, _move_array, _wrap
from ._common import (_array_result, _check_no_overlap, _checked_scalar, _common_device,
                      _on_host, _operand, _raise_broadcast_error)
from ..backend import array_module, array_module_of
from ..autograd.graph import _operands_need_grad, differentiable, recorded_as
from ..autograd.grad_mode import _state as _grad_state
from ._registry import op
from .creation import zeros_like


# -- the engine: promotion, one ufunc call, PyTorch's errors ---------------------------------------
def _cast(x, np_dtype):
    """An operand (array or Python number) in `np_dtype`; out-of-range ints wrap as in C."""
    if hasattr(x, "astype"):
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
        if out is not ...:                   # in place: x is the output itself
            _check_output_shape(out.shape, _shape(y))
        _raise_broadcast_error(x, y)
    except TypeError:                        # arrays of two devices: PyTorch's error, or a 0-d
        moved = _common_device(a, b)         # CPU tensor moved to the GPU and the op run again
        if moved is None:
            raise
        return _compute(ufunc, *moved, dtype, out)


def _shape(x):
    return getattr(x, "shape", ())


def _check_output_shape(out_shape, *shapes):
    """PyTorch's errors when results of `shapes` can't be written into a tensor of `out_shape`:
    they don't broadcast together, or their broadcast is bigger than the output."""
    try:
        shape = np.broadcast_shapes(out_shape, *shapes)
    except ValueError:
        _raise_broadcast_error(*(np.broadcast_to(0, s) for s in (out_shape,) + shapes))
    if shape != out_shape:
        raise RuntimeError(f"output with shape {list(out_shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")


def _binary(ufunc, a, b, check=None):
    """An arithmetic op whose result has the promoted dtype of its operands (`a` is a tensor).

    `check(a, b)`, if given, runs on the slow path only: the fast paths never see bools.
    """
    x = a._data
    tb = type(b)
    if tb is Tensor:
        y = b._data
        if x.dtype is y.dtype and x.dtype.kind != "b":
            try:
                return _wrap(ufunc(x, y, out=...))
            except ValueError:
                _raise_broadcast_error(x, y)
            except TypeError:
                pass                         # arrays of two devices: _compute sorts it out
    elif (tb is float or tb is int) and x.dtype.kind == "f":
        return _wrap(ufunc(x, b, out=...))
    if check is not None:
        check(a, b)
    return _wrap(_compute(ufunc, a, b, result_type(a, b)))


def _named(f, name):
    f.__name__ = f.__qualname__ = name
    return f


def _dtype_of(x):
    if isinstance(x, Tensor):
        return x.dtype
    return _dtype._scalar_dtype(x)


def _check_bool_sub(a, b):
    """PyTorch refuses `-` on bools: it is almost always a mistaken attempt to invert a mask."""
    a_bool, b_bool = _dtype_of(a) is _dtype.bool_, _dtype_of(b) is _dtype.bool_
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _not_implemented(kernel, dtype):
    """PyTorch's error for a kernel that has no version for `dtype`."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dtype._typed_name}'")


def _require_tensor(x, fname, argname="other"):
    """Ops such as `maximum` take tensors only (PyTorch's TypeError for a number)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position 2) must be Tensor, not "
                        f"{type(x).__name__}")


def _check_cast(result_dtype, self_dtype):
    """PyTorch refuses to write a result into a tensor of a lower kind (float into int, int into
    bool); a lower precision of the same kind (float64 into float32) is fine."""
    if result_dtype._category > self_dtype._category:
        raise RuntimeError(f"result type {result_dtype._typed_name} can't be cast to the desired "
                           f"output type {self_dtype._typed_name}")


def _write(self, result):
    """Store `result` (an array) into `self` in place, casting to self's dtype."""
    out = self._data
    if result.shape != out.shape:
        _check_output_shape(out.shape, result.shape)
    _check_no_overlap(out)
    out[...] = result
    return self


def _binary_(ufunc, self, other, check=None):
    """In-place form of a promoting binary op: computed in the promoted dtype, stored in self's."""
    out = self._data
    if type(other) is Tensor and other._data.dtype is out.dtype and out.dtype.kind != "b":
        _check_no_overlap(out)
        try:
            ufunc(out, other._data, out=out)      # the fast path: optimizer and accumulator updates
        except ValueError:
            _check_output_shape(out.shape, other._data.shape)
            raise
        except TypeError:
            moved = _common_device(self, other)
            if moved is None or moved[0] is not self:
                raise
            ufunc(out, moved[1]._data, out=out)
        return self
    if check is not None:
        check(self, other)
    rt = result_type(self, other)
    _check_cast(rt, self.dtype)
    _check_no_overlap(out)
    if rt.np == out.dtype:
        _compute(ufunc, self, other, rt, out=out)
    else:
        _write(self, _compute(ufunc, self, other, rt))
    return self


def _finish(result, out):
    """Honour `out=`: copy the result into the given tensor (resized as PyTorch does when empty)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    _check_cast(result.dtype, out.dtype)
    if out._data.shape != result._data.shape:
        if out._data.size:
            raise RuntimeError(f"output with shape {list(out._data.shape)} doesn't match the "
                               f"broadcast shape {list(result._data.shape)}")
        out._data = array_module(out._data).empty(result._data.shape, out._data.dtype)
        out._storage = None
        out._offset = 0
    out._data[...] = result._data
    return out


def _alpha_times(input, other, alpha):
    """`alpha * other` for add/sub's `alpha=`, with PyTorch's rules for alpha's type."""
    rt = result_type(input, other)
    if isinstance(alpha, float) and not rt.is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if isinstance(alpha, bool) and rt is not _dtype.bool_:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    if rt is _dtype.bool_:
        alpha = bool(alpha)                   # bool results: alpha is a truth value
    return mul(other, alpha) if isinstance(other, Tensor) else other * alpha


def _result_type(tensor, other):
    """The dtype an arithmetic op on `tensor` and `other` gives (PyTorch's promotion rules)."""
    return result_type(tensor, other)


op(_named(_result_type, "result_type"), method=False)


@op(method=False)
def can_cast(from_, to):
    """Whether an in-place op may store a `from_` result into a `to` tensor (not float into int)."""
    return from_._category <= to._category


# -- helpers for the backward formulas -------------------------------------------------------------
def _where(condition, input, other):
    """dlcore.where, for backward formulas that cut a gradient off (relu, clamp, maximum): 0
    where the mask says so even if the gradient there is inf or nan, as PyTorch gives."""
    from .indexing import where          # (indexing.py is imported after this module)
    return where(condition, input, other)


def _overload(forward, name, inputs=("input",), saves=()):
    """A differentiable version of `forward` whose grad_fn is `name`: PyTorch names the node
    after the overload that ran (`x.clamp(0, 1)` gives ClampBackward1, `x.clamp(lo, hi)` with
    tensors ClampBackward0), so an op dispatches to one of these by its arguments' types."""
    return differentiable(inputs=inputs, saves=saves, name=name)(forward)


def _not_differentiable(forward, aten_name, inputs=("input", "other")):
    """`forward` recorded as PyTorch records ops without a derivative (floor_divide): the result
    requires grad, its grad_fn is <NotImplemented>, and backward through it raises."""
    wrapped = differentiable(inputs=inputs, name="NotImplemented")(forward)

    @wrapped.backward
    def _(ctx, grad):
        raise RuntimeError(f"derivative for aten::{aten_name} is not implemented")
    return wrapped


# -- arithmetic ------------------------------------------------------------------------------------
@op
@differentiable(inputs=("input", "other"), number_edges=True)
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, broadcast, in the promoted dtype."""
    if alpha != 1 or type(alpha) is not int:     # (True == 1 and 1.0 == 1 have rules too)
        other = _alpha_times(input, other, alpha)
    if not isinstance(input, Tensor):
        input, other = other, input          # a number on the left: addition commutes
    return _finish(_binary(np.add, input, other), out)


@add.backward
def _(ctx, grad):
    alpha = ctx.kwargs.get("alpha", 1)
    return grad, (grad if alpha == 1 else grad * alpha)


@op
@differentiable(inputs=("input", "other"), number_edges=True)
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (bools refused, as in PyTorch)."""
    if alpha != 1 or type(alpha) is not int:
        other = _alpha_times(input, other, alpha)
    if not isinstance(input, Tensor):
        return _finish(_rsub(other, input), out)
    return _finish(_binary(np.subtract, input, other, _check_bool_sub), out)


@sub.backward
def _(ctx, grad):
    if not _operands_need_grad(ctx)[1]:
        return grad, None                       # (t_c in `t_p - t_c`: no -grad to build)
    alpha = ctx.kwargs.get("alpha", 1)
    return grad, -grad if alpha == 1 else grad * -alpha


@differentiable(inputs=("self",), name="RsubBackward1")
def _rsub(self, other):
    """other - self, for a number `other` on the left of `-` (`2 - x`)."""
    kind = type(other)
    if (kind is float or kind is int) and self._data.dtype.kind == "f":
        return _wrap(np.subtract(other, self._data, out=...))
    _check_bool_sub(other, self)
    return _wrap(_compute(np.subtract, other, self, result_type(other, self)))


@_rsub.backward
def _(ctx, grad):
    return -grad


@op
@differentiable(inputs=("input", "other"), saves=("input", "other"), number_edges=True,
                saved_for_the_other=True)
def mul(input, other, *, out=None):
    """input * other, broadcast, in the promoted dtype."""
    if not isinstance(input, Tensor):
        input, other = other, input
    if input._data.dtype == np.float16 and out is None:
        product = _by_full_scalar(np.multiply, input, other)
        if product is not None:
            return product
    return _finish(_binary(np.multiply, input, other), out)


def _by_full_scalar(ufunc, a, b):
    """float16 tensor `a` (op) scalar `b` (a number, or a 0-d tensor) with a float16 result, as
    PyTorch's mul, div and floor_divide compute it: in float32 with the scalar kept whole, then
    rounded to float16 once (NumPy would round the scalar to float16 first). None otherwise."""
    if isinstance(b, Tensor):
        if b._data.ndim or b._data.dtype.kind not in "iuf" or result_type(a, b) is not \
                _dtype.float16:
            return None
        scalar = np.float32(b.item())
    elif type(b) is float or type(b) is int:
        scalar = np.float32(b)
    else:
        return None
    x = a._data
    return _wrap(array_module(x).asarray(ufunc(x.astype(np.float32), scalar), dtype=np.float16))


@mul.backward
def _(ctx, grad):
    a, b = ctx.inputs
    needs_a, needs_b = _operands_need_grad(ctx)
    if not _grad_state.enabled and _same_float_arrays(grad, a, b):
        # no graph of the gradients is wanted: the products on the arrays (the engine sums a
        # broadcast operand's back), without an op's checks and dispatch
        g = grad._data
        return (_wrap(np.multiply(g, b._data, out=...)) if needs_a else None), \
            (_wrap(np.multiply(g, a._data, out=...)) if needs_b else None)
    return (grad * b if needs_a else None), (grad * a if needs_b else None)


def _same_float_arrays(*operands):
    """Whether all operands are tensors of one dtype, float32 or float64: then NumPy's
    arithmetic on their arrays is PyTorch's (no promotion; float16 has rounding rules of its
    own, see `_by_full_scalar`)."""
    dtype = operands[0]._data.dtype
    return dtype.char in "fd" and all(isinstance(t, Tensor) and t._data.dtype is dtype
                                      for t in operands[1:])


@op
def div(input, other, *, rounding_mode=None, out=None):
    """True division (always floating); `rounding_mode='trunc'` or `'floor'` rounds the quotient."""
    if rounding_mode is None:
        return true_divide(input, other, out=out)
    return _rounded_divide(input, other, rounding_mode, out=out)


@differentiable(inputs=("input", "other"), saves=("input", "other"), name="DivBackward2",
                number_edges=True)
def _rounded_divide(input, other, rounding_mode, *, out=None):
    """div with rounding_mode 'floor' or 'trunc'."""
    if rounding_mode == "floor":
        return floor_divide(input, other, out=out)
    if rounding_mode == "trunc":
        rt = result_type(input, other)
        if rt.is_floating_point:
            return _finish(_wrap(np.trunc(_compute(np.true_divide, input, other, rt))), out)
        x, y = _integer_division_operands(input, other, rt, "div_trunc_cpu")
        q = np.floor_divide(x, y, out=...)
        # floor rounds toward -inf: add one back where the division was inexact and negative
        q = q + ((np.remainder(x, y) != 0) & ((x < 0) != (y < 0)))
        return _finish(_wrap(q.astype(rt.np, copy=False)), out)
    raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


@_rounded_divide.backward
def _(ctx, grad):
    zero = zeros_like(grad)             # a rounded quotient is flat wherever it is differentiable
    return zero, zero


@op
@differentiable(inputs=("input", "other"), saves=("input", "other"), name="DivBackward0",
                number_edges=True)
def true_divide(input, other, *, out=None):
    """input / other as floats: integer tensors give the default float dtype."""
    if type(input) is Tensor:
        x = input._data
        if x.dtype == np.float16 and out is None:
            quotient = _by_full_scalar(np.true_divide, input, other)
            if quotient is not None:
                return quotient
        if x.dtype.kind == "f":
            to = type(other)
            if to is float or to is int or (to is Tensor and other._data.dtype is x.dtype):
                return _finish(_binary(np.true_divide, input, other), out)
    rt = result_type(input, other)
    if not rt.is_floating_point:
        rt = _dtype.get_default_dtype()
    return _finish(_wrap(_compute(np.true_divide, input, other, rt)), out)


@true_divide.backward
def _(ctx, grad):
    a, b = ctx.inputs
    needs_a, needs_b = _operands_need_grad(ctx)
    return (grad / b if needs_a else None), (-grad * a / (b * b) if needs_b else None)


op(div, names=("divide",))


def _integer_division_operands(a, b, rt, kernel):
    """Both operands in `rt`, refusing bools and (for integers) a zero divisor, as PyTorch does."""
    if rt is _dtype.bool_:
        raise _not_implemented(kernel, rt)
    x, y = _cast(_operand(a), rt.np), _cast(_operand(b), rt.np)
    # (an empty dividend gives an empty result: nothing is divided, nothing to refuse)
    if not rt.is_floating_point and getattr(x, "size", 1) and bool((y == 0).any() if hasattr(
            y, "any") else y == 0):
        raise RuntimeError("ZeroDivisionError")
    return x, y


def _division(ufunc, a, b, kernel):
    rt = result_type(a, b)
    x, y = _integer_division_operands(a, b, rt, kernel)
    try:
        return _wrap(ufunc(x, y, out=...))
    except ValueError:
        _raise_broadcast_error(x, y)


def floor_divide(input, other, *, out=None):
    """input / other rounded down (toward -inf), in the promoted dtype."""
    data = input._data if isinstance(input, Tensor) else getattr(other, "_data", None)
    if isinstance(input, Tensor) and data.dtype == np.float16 and out is None:
        quotient = _by_full_scalar(_floor_division(np.dtype(np.float32), data), input, other)
        if quotient is not None:
            return quotient
    ufunc = _floor_division(result_type(input, other).np, data)
    return _finish(_division(ufunc, input, other, "div_floor_cpu"), out)


def _floor_division(dtype, array):
    """The floor_divide that gives PyTorch's quotients in `dtype` on `array`'s device: NumPy's
    ufunc, but PyTorch's formula step by step for float16 (NumPy works in float32 and rounds
    once) and for floats on a GPU (CuPy's floor(x / y) is not it: -21 // inf gives -0, not -1)."""
    if dtype.kind == "f" and (dtype == np.float16 or type(array) is not np.ndarray):
        return _floored_quotient
    return np.floor_divide


def _fmod_parts(x, y):
    """The start of floored division and remainder (PyTorch's formulas, and NumPy's): the array
    module (x or y may be a number), fmod(x, y), and where that remainder is nonzero with a sign
    other than the divisor's (there the floored results move by one divisor)."""
    xp = array_module_of(x, y)
    mod = xp.fmod(x, y)
    # (the array first: y < 0 may be a NumPy bool, which would hand CuPy a NumPy array)
    return xp, mod, (mod != 0) & ((mod < 0) != (y < 0))


def _floored_quotient(x, y, out=...):
    """floor_divide of floats by PyTorch's formula (NumPy's), each step in the operands' dtype."""
    with np.errstate(all="ignore"):             # (x / 0 gives inf or nan, as in PyTorch)
        xp, mod, moved = _fmod_parts(x, y)
        div = (x - mod) / y
        div = xp.where(moved, div - 1, div)
        floor = xp.floor(div)
        floor = xp.where(div - floor > 0.5, floor + 1, floor)
        floor = xp.where(div == 0, xp.copysign(xp.zeros_like(div), x / y), floor)
        by_zero = y == 0
        if isinstance(by_zero, (bool, np.bool_)):       # y a number (CuPy's where wants arrays)
            return x / y if by_zero else floor
        return xp.where(by_zero, x / y, floor)


floor_divide = op(_not_differentiable(floor_divide, "floor_divide"))


def _modulus(ufunc, kernel, rounding_mode, name):
    """remainder (Python's %, rounding_mode 'floor') or fmod (C's, 'trunc'), with PyTorch's
    derivatives: 1 with respect to the dividend, -(the rounded quotient) to the divisor."""
    def forward(input, other, *, out=None):
        return _finish(_division(ufunc, input, other, kernel), out)

    by_number = _overload(forward, f"{name.capitalize()}Backward0")
    by_tensor = _overload(forward, f"{name.capitalize()}Backward1", ("input", "other"),
                          saves=("input", "other"))
    of_number = _not_differentiable(forward, name, inputs=("other",))
    by_number.backward(lambda ctx, grad: grad)

    @by_tensor.backward
    def _(ctx, grad):
        a, b = ctx.inputs
        return grad, -grad * a.div(b, rounding_mode=rounding_mode)

    def f(input, other, *, out=None):
        if not isinstance(other, Tensor):
            return by_number(input, other, out=out)
        if not isinstance(input, Tensor):
            return of_number(input, other, out=out)
        return by_tensor(input, other, out=out)
    f.node_class = by_number.node_class     # (it records a graph: see the note on node_class)
    return _named(f, name)


def _floored_remainder(x, y, out=...):
    """Python's %: the remainder with the divisor's sign. For floats PyTorch's formula (fmod, then
    the divisor added where the signs differ): a zero remainder keeps the dividend's sign, where
    NumPy's takes the divisor's (0. % -2. is 0., not -0.)."""
    if (x if hasattr(x, "dtype") else y).dtype.kind != "f":     # (one may be a Python number)
        return np.remainder(x, y, out=out)
    with np.errstate(invalid="ignore"):         # (% 0 gives nan, as in PyTorch)
        xp, mod, moved = _fmod_parts(x, y)
        return xp.where(moved, mod + y, mod)


remainder = op(_modulus(_floored_remainder, "remainder_cpu", "floor", "remainder"))
remainder.__doc__ = "Python's modulus: the result has the sign of the divisor."
fmod = op(_modulus(np.fmod, "fmod_cpu", "trunc", "fmod"))
fmod.__doc__ = "C's fmod: the result has the sign of the dividend."


def _power_by_number(x, exponent):
    """x ** exponent for a float array, with PyTorch's shortcuts for common exponents (float32 and
    float64 only; they differ from pow at -0.0 and -inf: (-inf) ** 0.5 is nan, as sqrt gives)."""
    if exponent == 2:
        return np.multiply(x, x, out=...)
    if x.dtype.itemsize < 4:
        return np.power(x, exponent, out=...)
    if exponent == 0.5:
        return np.sqrt(x, out=...)
    if exponent == -1:
        return np.reciprocal(x, out=...)
    if exponent == 3:
        return np.multiply(np.multiply(x, x, out=...), x, out=...)
    if exponent == -0.5:
        return np.reciprocal(np.sqrt(x, out=...), out=...)
    if exponent == -2:
        return np.reciprocal(np.multiply(x, x, out=...), out=...)
    return np.power(x, exponent, out=...)


def _integer_power(x, e, np_dtype):
    """x ** e for integers where e may hold negatives: 1/x**k rounds to 0 unless x is 1 or -1."""
    xp = array_module_of(x, e)
    x, e = xp.asarray(x), xp.asarray(e)
    negative = e < 0
    result = np.power(x, np.where(negative, 0, e))
    odd = (e % 2) != 0
    inverse = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, inverse, result).astype(np_dtype)


@op
def pow(input, exponent, *, out=None):
    """input ** exponent in the promoted dtype (integer tensors stay integer)."""
    if not isinstance(exponent, Tensor):
        return _pow_by_number(input, exponent, out=out)         # x ** 2: PowBackward0
    if isinstance(input, Tensor):
        return _pow_by_tensor(input, exponent, out=out)         # x ** y: PowBackward1
    return _pow_of_number(input, exponent, out=out)             # 2 ** x: PowBackward2


def _power(input, exponent, *, out=None):
    te = type(exponent)
    if type(input) is Tensor and input._data.dtype.kind == "f" and (te is int or te is float):
        return _finish(_wrap(_power_by_number(input._data, exponent)), out)
    rt = result_type(input, exponent)
    if rt.is_floating_point:
        if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
            return _finish(_wrap(_power_by_number(_cast(input._data, rt.np),
                                                  _operand(exponent))), out)
        return _finish(_wrap(_compute(np.power, input, exponent, rt)), out)
    if rt is _dtype.bool_:
        if isinstance(exponent, Tensor) or not isinstance(input, Tensor):
            raise _not_implemented("pow", rt)
        # a bool tensor to a Python bool power: b ** True is b, b ** False is True
        return _finish(_wrap(np.logical_or(input._data, not exponent, out=...)), out)
    x, e = _cast(_operand(input), rt.np), _cast(_operand(exponent), rt.np)
    if not isinstance(exponent, Tensor):
        if exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        e = _checked_scalar(exponent, rt)        # PyTorch refuses an exponent the dtype can't hold
        return _finish(_wrap(np.power(x, e, out=...)), out)
    try:
        np.broadcast_shapes(_shape(x), _shape(e))
    except ValueError:
        _raise_broadcast_error(x, e)
    return _finish(_wrap(_integer_power(x, e, rt.np)), out)


_pow_by_number = _overload(_power, "PowBackward0", saves=("input",))
_pow_by_tensor = _overload(_power, "PowBackward1", ("input", "exponent"),
                           saves=("input", "exponent", "result"))
_pow_of_number = _overload(_power, "PowBackward2", ("exponent",), saves=("exponent", "result"))


@_pow_by_number.backward
def _(ctx, grad):
    base, exponent = ctx.inputs[0], ctx.arg(1, "exponent")
    if exponent == 0:
        return zeros_like(base)                # x ** 0 is constant (even where grad is inf)
    if exponent == 2:
        if not _grad_state.enabled and _same_float_arrays(grad, base):
            twice = np.multiply(base._data, 2, out=...)       # (no graph: on the arrays)
            return _wrap(np.multiply(grad._data, twice, out=twice))
        return grad * (base * 2)               # the square of a loss: skip base ** 1
    return grad * (exponent * base ** (exponent - 1))


@_pow_by_tensor.backward
def _(ctx, grad):
    base, exponent = ctx.inputs
    needs_base, needs_exponent = ctx.needs_input_grad
    grad_base = grad_exponent = None
    if needs_base:
        grad_base = _where(exponent == 0, 0, grad * (exponent * base ** (exponent - 1)))
    if needs_exponent:
        # d(b**e)/de = b**e * log(b); PyTorch takes it as 0 where b == 0 and e >= 0
        grad_exponent = grad * _where((base == 0) & (exponent >= 0), 0, ctx.result * base.log())
    return grad_base, grad_exponent


@_pow_of_number.backward
def _(ctx, grad):
    base, exponent = ctx.arg(0, "input"), ctx.inputs[0]
    derivative = ctx.result * _log_of_number(base)
    if base == 0:
        derivative = _where(exponent >= 0, 0, derivative)     # as for a zero tensor base
    return grad * derivative


def _log_of_number(x):
    """log(x) of a Python number as PyTorch gives it: -inf at 0, nan below 0."""
    return math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)


@op
def float_power(input, exponent, *, out=None):
    """input ** exponent computed in float64 (the result is float64 whatever the inputs)."""
    return _finish(pow(_to64(input), _to64(exponent)), out)


def _to64(x):
    if isinstance(x, Tensor):
        return x.to(_dtype.float64)            # (recorded: float32 x gets its gradient back)
    return float(x) if isinstance(x, (bool, int, np.integer)) else x


def _tensor_binary(name, ufunc, float_result=False, float_only_kernel=None):
    """A binary op that takes two tensors (PyTorch has no number overload for it)."""
    def f(input, other, *, out=None):
        _require_tensor(other, name)
        rt = result_type(input, other)
        if float_only_kernel and not rt.is_floating_point:
            raise _not_implemented(float_only_kernel, rt)
        if float_result and not rt.is_floating_point:
            rt = _dtype.get_default_dtype()
        return _finish(_wrap(_compute(ufunc, input, other, rt)), out)
    f.__doc__ = f"Elementwise {name} of two tensors, broadcast, in the promoted dtype."
    return _named(f, name)


def _differentiable_binary(forward, saves=("input", "other")):
    return differentiable(inputs=("input", "other"), saves=saves)(forward)


atan2 = op(_differentiable_binary(_tensor_binary("atan2", np.arctan2, float_result=True)),
           names=("atan2", "arctan2"))
hypot = op(_differentiable_binary(_tensor_binary("hypot", np.hypot, float_only_kernel="hypot_cpu"),
                                  saves=("input", "other", "result")))
# (NaN wins in maximum and minimum, as in PyTorch; it loses in fmax and fmin)
maximum = op(_differentiable_binary(_tensor_binary("maximum", np.maximum)))
minimum = op(_differentiable_binary(_tensor_binary("minimum", np.minimum)))
fmax = op(_differentiable_binary(_tensor_binary("fmax", np.fmax)))
fmin = op(_differentiable_binary(_tensor_binary("fmin", np.fmin)))


@atan2.backward
def _(ctx, grad):
    a, b = ctx.inputs                          # atan2(a, b) is the angle of the point (b, a)
    squared_radius = a * a + b * b
    # PyTorch gives 0 at the origin, where the angle has no derivative
    inverse = _where(squared_radius == 0, 0, squared_radius.reciprocal())
    return grad * b * inverse, grad * -a * inverse


@hypot.backward
def _(ctx, grad):
    a, b = ctx.inputs
    return grad * a / ctx.result, grad * b / ctx.result


def _extremum_backward(a_loses):
    """maximum/minimum: the gradient goes to the winner; a tie splits it half and half."""
    def backward(ctx, grad):
        a, b = ctx.inputs
        shared = _where(a == b, grad / 2, grad)
        return _where(a_loses(a, b), 0, shared), _where(a_loses(b, a), 0, shared)
    return backward


maximum.backward(_extremum_backward(lambda a, b: a < b))
minimum.backward(_extremum_backward(lambda a, b: a > b))


def _nan_ignoring_backward(a_wins):
    """fmax/fmin: the gradient goes to the winner (`input` on a tie, and where `other` is NaN)."""
    def backward(ctx, grad):
        a, b = ctx.inputs
        to_a = a_wins(a, b) | b.isnan()
        return _where(to_a, grad, 0), _where(to_a, 0, grad)
    return backward


fmax.backward(_nan_ignoring_backward(lambda a, b: a >= b))
fmin.backward(_nan_ignoring_backward(lambda a, b: a <= b))


@op
def lerp(input, end, weight):
    """input + weight * (end - input), computed from the nearer end as PyTorch does."""
    if isinstance(weight, Tensor):
        return _lerp_by_tensor(input, end, weight)
    return _lerp_by_number(input, end, weight)


def _lerp(input, end, weight):
    _require_tensor(end, "lerp", "end")
    if end.dtype is not input.dtype:
        raise RuntimeError(f"expected dtype {_dtype._C_NAMES[input.dtype._name]} for `end` but got "
                           f"dtype {_dtype._C_NAMES[end.dtype._name]}")
    if not input.dtype.is_floating_point:
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise _not_implemented(kernel, input.dtype)
    x, y, w = input._data, end._data, _cast(_operand(weight), input._data.dtype)
    try:
        difference = y - x
        result = np.where(np.abs(w) < 0.5, x + w * difference, y - difference * (1 - w))
    except ValueError:
        _raise_broadcast_error(x, y, w)
    return _wrap(result.astype(x.dtype, copy=False))


_lerp_by_number = _overload(_lerp, "LerpBackward0", ("input", "end"))
_lerp_by_tensor = _overload(_lerp, "LerpBackward1", ("input", "end", "weight"),
                            saves=("input", "end", "weight"))


@_lerp_by_number.backward
def _(ctx, grad):
    weight = ctx.arg(2, "weight")
    return grad * (1 - weight), grad * weight


@_lerp_by_tensor.backward
def _(ctx, grad):
    start, end, weight = ctx.inputs
    return grad * (1 - weight), grad * weight, grad * (end - start)


@op
@differentiable(inputs=("input", "tensor1", "tensor2"), saves=("tensor1", "tensor2"))
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    return add(input, mul(mul(tensor1, value), tensor2))


@addcmul.backward
def _(ctx, grad):
    _, t1, t2 = ctx.inputs
    value = ctx.kwargs.get("value", 1)
    return grad, grad * (t2 * value), grad * (t1 * value)


@op
@differentiable(inputs=("input", "tensor1", "tensor2"), saves=("tensor1", "tensor2"))
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (floating tensors only, as in PyTorch)."""
    if not (tensor1.is_floating_point() or tensor2.is_floating_point()):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return add(input, true_divide(mul(tensor1, value), tensor2))


@addcdiv.backward
def _(ctx, grad):
    _, t1, t2 = ctx.inputs
    value = ctx.kwargs.get("value", 1)
    return grad, grad * (value / t2), -grad * (value * t1 / (t2 * t2))


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
            _check_cast(_dtype.get_default_dtype(), self.dtype)
        _check_no_overlap(x)
        ufunc(x, out=x)
        return self
    f.__doc__ = f"Elementwise {name}; integer and bool tensors give the default float dtype."
    f_.__doc__ = f"In-place {name} (floating tensors only)."
    return _named(f, name), _named(f_, name + "_")


def _sigmoid(x, out=...):
    one = x.dtype.type(1)
    r = np.exp(np.negative(x), out=out)     # out=... makes NumPy return a 0-d array, not a scalar
    np.add(r, one, out=r)
    return np.true_divide(one, r, out=r)


def _rsqrt(x, out=...):
    r = np.sqrt(x, out=out)
    return np.true_divide(x.dtype.type(1), r, out=r)


def _erf(x, out=...):
    # NumPy has no erf ufunc; math.erf per element is exact (and erf is rare in this course)
    r = _on_host(lambda h: np.asarray(np.frompyfunc(math.erf, 1, 1)(h), dtype=object).astype(
        h.dtype), x)
    if out is not ...:
        out[...] = r
        return out
    return r


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

_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _zero_gradient(g, x, y):
    return zeros_like(g)                 # a step function: flat wherever it is differentiable


# tanh's and sigmoid's derivatives through their results, each one op (PyTorch's tanh_backward and
# sigmoid_backward): one pass and one new array where the written-out formula makes three, and a
# node of PyTorch's name under create_graph. Their operands match except in odd cases (a 0-d
# result, mixed dtypes), which take the written-out formula.
def _fusable(grad, output):
    g, y = grad._data, output._data
    return g.shape == y.shape and g.dtype is y.dtype and y.ndim and y.dtype.kind == "f"


@differentiable(inputs=("grad_output", "output"), saves=("grad_output", "output"),
                name="TanhBackwardBackward0")
def _tanh_backward(grad_output, output):
    """grad_output * (1 - output²)."""
    if not _fusable(grad_output, output):
        return grad_output * (1 - output * output)
    y = output._data
    xp = array_module(y)
    r = xp.multiply(y, y)
    xp.subtract(y.dtype.type(1), r, out=r)
    return _wrap(xp.multiply(grad_output._data, r, out=r))


@_tanh_backward.backward
def _(ctx, grad):
    grad_output, output = ctx.inputs
    return _tanh_backward(grad, output), grad * (-2 * output * grad_output)


@differentiable(inputs=("grad_output", "output"), saves=("grad_output", "output"),
                name="SigmoidBackwardBackward0")
def _sigmoid_backward(grad_output, output):
    """grad_output * (1 - output) * output."""
    if not _fusable(grad_output, output):
        return grad_output * (1 - output) * output
    y = output._data
    xp = array_module(y)
    r = xp.subtract(y.dtype.type(1), y)
    xp.multiply(grad_output._data, r, out=r)
    return _wrap(xp.multiply(r, y, out=r))


@_sigmoid_backward.backward
def _(ctx, grad):
    grad_output, output = ctx.inputs
    return _sigmoid_backward(grad, output), grad * grad_output * (-2 * output + 1)


# The derivatives of the unary ops: the gradient for the input from the incoming gradient g,
# the input x and the result y; the middle column names what the formula reads (it is kept for
# backward, as PyTorch keeps it: the result where that is the cheaper way, as for exp).
_UNARY_DERIVATIVES = {
    "exp":        ("result", lambda g, x, y: g * y),
    "exp2":       ("result", lambda g, x, y: g * y * _LN2),
    "expm1":      ("result", lambda g, x, y: g * (y + 1)),
    "log":        ("input", lambda g, x, y: g / x),
    "log2":       ("input", lambda g, x, y: g / (x * _LN2)),
    "log10":      ("input", lambda g, x, y: g / (x * _LN10)),
    "log1p":      ("input", lambda g, x, y: g / (x + 1)),
    "sqrt":       ("result", lambda g, x, y: g / (2 * y)),
    "rsqrt":      ("result", lambda g, x, y: -0.5 * g * y ** 3),
    "reciprocal": ("result", lambda g, x, y: -g * (y * y)),
    "sin":        ("input", lambda g, x, y: g * x.cos()),
    "cos":        ("input", lambda g, x, y: g * -x.sin()),
    "tan":        ("result", lambda g, x, y: g * (1 + y * y)),
    "asin":       ("input", lambda g, x, y: g * (1 - x * x).rsqrt()),
    "acos":       ("input", lambda g, x, y: g * -(1 - x * x).rsqrt()),
    "atan":       ("input", lambda g, x, y: g / (x * x + 1)),
    "sinh":       ("input", lambda g, x, y: g * x.cosh()),
    "cosh":       ("input", lambda g, x, y: g * x.sinh()),
    "tanh":       ("result", lambda g, x, y: _tanh_backward(g, y)),
    "sigmoid":    ("result", lambda g, x, y: _sigmoid_backward(g, y)),
    "asinh":      ("input", lambda g, x, y: g * (x * x + 1).rsqrt()),
    "acosh":      ("input", lambda g, x, y: g * (x * x - 1).rsqrt()),
    "atanh":      ("input", lambda g, x, y: g / (1 - x * x)),
    "erf":        ("input", lambda g, x, y: (2 / math.sqrt(math.pi)) * (-x * x).exp() * g),
    "deg2rad":    (None, lambda g, x, y: g * (math.pi / 180)),
    "rad2deg":    (None, lambda g, x, y: g * (180 / math.pi)),
    "neg":        (None, lambda g, x, y: -g),
    "abs":        ("input", lambda g, x, y: g * x.sgn()),            # 0 at 0
    "floor":      (None, _zero_gradient),
    "ceil":       (None, _zero_gradient),
    "trunc":      (None, _zero_gradient),
    "frac":       (None, lambda g, x, y: g),
    "sign":       (None, _zero_gradient),
    "sgn":        ("input", _zero_gradient),
}
# grad_fn names whose capitals PyTorch places otherwise than the default (log1p -> Log1pBackward0)
_NODE_NAMES = {"log1p": "Log1PBackward0", "deg2rad": "Deg2RadBackward0",
               "rad2deg": "Rad2DegBackward0"}


def _with_derivative(f):
    """`f` (a unary op) made differentiable with its line of _UNARY_DERIVATIVES."""
    reads, formula = _UNARY_DERIVATIVES[f.__name__]
    f = differentiable(saves=(reads,) if reads else (), name=_NODE_NAMES.get(f.__name__))(f)
    f.backward(lambda ctx, grad: formula(grad, ctx.inputs[0], ctx.result))
    return f


for _name, _ufunc in _FLOAT_UNARY.items():
    _f, _f_ = _unary_float(_ufunc, _name)
    _f = _with_derivative(_f)
    _aliases = tuple(a for a, n in _ALIASES.items() if n == _name)
    op(_f, names=(_name,) + _aliases)
    op(_f_, names=(_name + "_",) + tuple(a + "_" for a in _aliases))
    globals()[_name] = _f


def _sign(x, out=...):
    if x.dtype.kind == "b":                  # the sign of a bool is itself
        return x.copy() if out is ... else out
    # NumPy's sign of NaN is NaN; PyTorch's is 0 (it computes (0 < x) - (x < 0))
    r = np.sign(x, out=out)
    return np.nan_to_num(r, copy=False, nan=0.0) if r.dtype.kind == "f" else r


def _frac(x, out=...):
    return np.subtract(x, np.trunc(x), out=out)


def _unary_same(ufunc, name, int_kernel=..., bool_kernel=None, bool_message=None):
    """A function whose result keeps the input's dtype.

    `int_kernel`: for integer (and bool) inputs, ... means apply the ufunc, None means the op is
    the identity (floor of an int), a string names the PyTorch kernel that refuses them.
    `bool_kernel`/`bool_message`: how bool inputs are refused (NotImplementedError/RuntimeError).
    """
    def _check(x, dtype):
        if x.dtype.kind == "b":
            if bool_message:
                raise RuntimeError(bool_message)
            if bool_kernel:
                raise _not_implemented(bool_kernel, dtype)
        if isinstance(int_kernel, str) and x.dtype.kind != "f":
            raise _not_implemented(int_kernel, dtype)
        return int_kernel is None and x.dtype.kind != "f"     # True: the identity

    def f(input, *, out=None):
        x = input._data
        if x.dtype.kind != "f" and _check(x, input.dtype):
            return _finish(_wrap(x.copy()), out)
        return _finish(_wrap(ufunc(x, out=...)), out)

    def f_(self):
        x = self._data
        if not _check(x, self.dtype):
            _check_no_overlap(x)
            ufunc(x, out=x)
        return self
    f.__doc__ = f"Elementwise {name}, keeping the input's dtype."
    f_.__doc__ = f"In-place {name}."
    return _named(f, name), _named(f_, name + "_")


_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")
_SAME_UNARY = [  # name, ufunc, integer kernel, bool kernel, bool message, aliases
    ("neg", np.negative, ..., None, _NEG_BOOL, ("negative",)),
    ("abs", np.absolute, ..., "abs_cpu", None, ("absolute",)),
    ("floor", np.floor, None, "floor_vml_cpu", None, ()),
    ("ceil", np.ceil, None, "ceil_vml_cpu", None, ()),
    ("trunc", np.trunc, None, "trunc_vml_cpu", None, ("fix",)),
    ("frac", _frac, "frac_cpu", None, None, ()),
    ("sign", _sign, ..., None, None, ()),
    ("sgn", _sign, ..., None, None, ()),         # sign, with its own grad_fn (SgnBackward0)
]
for _name, _ufunc, _int, _bool_kernel, _bool_message, _aliases in _SAME_UNARY:
    _f, _f_ = _unary_same(_ufunc, _name, _int, _bool_kernel, _bool_message)
    _f = _with_derivative(_f)
    op(_f, names=(_name,) + _aliases)
    op(_f_, names=(_name + "_",) + tuple(a + "_" for a in _aliases))
    globals()[_name] = _f


@op
def square(input, *, out=None):
    """input * input (bool tensors give int64, as `pow(input, 2)` does)."""
    return pow(input, 2, out=out)


@op(function=False)
def square_(self):
    """In-place square."""
    return pow_(self, 2)


@op
def positive(input):
    """The tensor itself (`+t`); refused for bool tensors, as in PyTorch."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@op
def round(input, *, decimals=0, out=None):
    """Round half to even; `decimals` rounds to that many decimal places."""
    if decimals:
        return _round_to_decimals(input, decimals=decimals, out=out)
    return _round_to_integers(input, out=out)


def _round(input, *, decimals=0, out=None):
    x = input._data
    if x.dtype.kind == "b":
        raise _not_implemented("round_vml_cpu", input.dtype)
    if x.dtype.kind != "f":
        if decimals:
            raise _not_implemented("round_cpu", input.dtype)
        return _finish(_wrap(x.copy()), out)
    return _finish(_wrap(np.round(x, decimals) if decimals else np.rint(x, out=...)), out)


_round_to_integers = _overload(_round, "RoundBackward0")
_round_to_decimals = _overload(_round, "RoundBackward1")
_round_to_integers.backward(lambda ctx, grad: zeros_like(grad))
_round_to_decimals.backward(lambda ctx, grad: zeros_like(grad))


@op(function=False)
def round_(self, *, decimals=0):
    """In-place round."""
    r = round(self, decimals=decimals)
    return _write(self, r._data)


@op
@differentiable(saves=("result",))
def relu(input):
    """max(input, 0) elementwise."""
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return _wrap(np.maximum(x, x.dtype.type(0), out=...))


@relu.backward
def _(ctx, grad):
    return _where(ctx.result <= 0, 0, grad)          # 0 at 0, as PyTorch


@op
def relu_(input):
    """In-place relu."""
    x = input._data
    if x.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    _check_no_overlap(x)
    np.maximum(x, x.dtype.type(0), out=x)
    return input


@op
def clamp(input, min=None, max=None, *, out=None):
    """Each element limited to [min, max] (bounds: numbers or broadcastable tensors)."""
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_by_tensors(input, min, max, out=out)
    return _clamp_by_numbers(input, min, max, out=out)


def _clamp(input, min=None, max=None, *, out=None):
    if min is None and max is None:
        raise RuntimeError("dlcore.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    rt = result_type(input, *bounds)
    if rt is _dtype.bool_ and not any(isinstance(b, Tensor) for b in bounds):
        kernel = "clamp_scalar_cpu" if len(bounds) == 2 else (
            "clamp_min_scalar_cpu" if max is None else "clamp_max_scalar_cpu")
        raise _not_implemented(kernel, rt)
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


def _clamp_gradients(grad, x, lo, hi):
    """The gradients of clamp(x, lo, hi) for x, lo and hi (a bound may be None or a number).

    x gets the gradient where lo <= x <= hi (at the boundaries too, as in PyTorch); a bound gets
    it where it is the result: lo where x < lo, hi where x > hi; when lo > hi the result is hi."""
    if lo is None:
        return _where(x <= hi, grad, 0), None, _where(x > hi, grad, 0)
    if hi is None:
        return _where(x >= lo, grad, 0), _where(x < lo, grad, 0), None
    return (_where((x >= lo) & (x <= hi), grad, 0), _where((x < lo) & (lo < hi), grad, 0),
            _where((x > hi) | (hi < lo), grad, 0))


_clamp_by_numbers = _overload(_clamp, "ClampBackward1", saves=("input",))
_clamp_by_tensors = _overload(_clamp, "ClampBackward0", ("input", "min", "max"),
                              saves=("input", "min", "max"))


@_clamp_by_numbers.backward
def _(ctx, grad):
    return _clamp_gradients(grad, ctx.inputs[0], ctx.arg(1, "min"), ctx.arg(2, "max"))[0]


@_clamp_by_tensors.backward
def _(ctx, grad):
    x, lo, hi = ctx.inputs
    return _clamp_gradients(grad, x, lo, hi)


op(clamp, names=("clip",))


@op(function=False)
def clamp_(self, min=None, max=None):
    """In-place clamp."""
    r = clamp(self, min, max)
    _check_cast(r.dtype, self.dtype)
    return _write(self, r._data)


op(clamp_, names=("clip_",), function=False)


@op
def clamp_min(input, min):
    """clamp(input, min=min)."""
    if isinstance(min, Tensor):
        return _clamp_min_by_tensor(input, min)
    return _clamp_min_by_number(input, min)


@op
def clamp_max(input, max):
    """clamp(input, max=max)."""
    if isinstance(max, Tensor):
        return _clamp_max_by_tensor(input, max)
    return _clamp_max_by_number(input, max)


def _clamp_min(input, min):
    return _clamp(input, min=min)


def _clamp_max(input, max):
    return _clamp(input, max=max)


_clamp_min_by_number = _overload(_clamp_min, "ClampMinBackward0", saves=("input",))
_clamp_min_by_tensor = _overload(_clamp_min, "ClampMinBackward1", ("input", "min"),
                                 saves=("input", "min"))
_clamp_max_by_number = _overload(_clamp_max, "ClampMaxBackward0", saves=("input",))
_clamp_max_by_tensor = _overload(_clamp_max, "ClampMaxBackward1", ("input", "max"),
                                 saves=("input", "max"))


@_clamp_min_by_number.backward
def _(ctx, grad):
    return _clamp_gradients(grad, ctx.inputs[0], ctx.arg(1, "min"), None)[0]


@_clamp_min_by_tensor.backward
def _(ctx, grad):
    x, lo = ctx.inputs
    grad_x, grad_lo, _ = _clamp_gradients(grad, x, lo, None)
    return grad_x, grad_lo


@_clamp_max_by_number.backward
def _(ctx, grad):
    return _clamp_gradients(grad, ctx.inputs[0], None, ctx.arg(1, "max"))[0]


@_clamp_max_by_tensor.backward
def _(ctx, grad):
    x, hi = ctx.inputs
    grad_x, _, grad_hi = _clamp_gradients(grad, x, None, hi)
    return grad_x, grad_hi


@op(function=False)
def clamp_min_(self, min):
    """In-place clamp_min."""
    return clamp_(self, min=min)


@op(function=False)
def clamp_max_(self, max):
    """In-place clamp_max."""
    return clamp_(self, max=max)


@op
@differentiable(saves=("input",))
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by `nan`, `posinf`, `neginf` (default: the dtype's extremes)."""
    x = input._data
    if x.dtype.kind != "f":
        return _wrap(x.copy())
    return _wrap(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))


@nan_to_num.backward
def _(ctx, grad):
    return grad * ctx.inputs[0].isfinite()     # the replaced elements are constants


# -- comparisons and logic -------------------------------------------------------------------------
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
            except TypeError:
                pass                         # two devices: _compute raises PyTorch's error
        return _finish(_wrap(_compute(ufunc, input, other, result_type(input, other))), out)

    def f_(self, other):
        return _write(self, f(self, other)._data)
    f.__doc__ = f"Elementwise `{name}` comparison: a bool tensor, compared in the promoted dtype."
    f_.__doc__ = f"In-place {name}: the comparison's 0s and 1s stored in self's dtype."
    return _named(f, name), _named(f_, name + "_")


_COMPARISONS = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
                "gt": np.greater, "ge": np.greater_equal}
_COMPARISON_ALIASES = {"eq": (), "ne": ("not_equal",), "lt": ("less",), "le": ("less_equal",),
                       "gt": ("greater",), "ge": ("greater_equal",)}
for _name, _ufunc in _COMPARISONS.items():
    _f, _f_ = _compare(_ufunc, _name)
    op(_f, names=(_name,) + _COMPARISON_ALIASES[_name])
    op(_f_, names=(_name + "_",) + tuple(a + "_" for a in _COMPARISON_ALIASES[_name]),
       function=False)
    globals()[_name] = _f


@op
def equal(input, other):
    """True when both tensors have the same shape and the same values (compared as numbers)."""
    _require_tensor(other, "equal")
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


@op
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other| elementwise (PyTorch's formula and checks)."""
    _require_tensor(other, "isclose")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._typed_name} did not match {other.dtype._typed_name}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    x, y = input._data, other._data
    try:
        close = np.equal(x, y, out=...)
    except ValueError:
        _raise_broadcast_error(x, y)
    floating = x.dtype.kind == "f"
    if equal_nan and floating:
        close |= np.isnan(x) & np.isnan(y)
    if rtol == 0 and atol == 0:
        return _wrap(close)
    if not floating:                     # bools have no subtraction; ints meet a float tolerance
        default = _dtype.get_default_dtype().np
        x = x.astype(default) if x.dtype.kind == "b" else x
        y = y.astype(default) if y.dtype.kind == "b" else y
    allowed = atol + np.abs(rtol * (y if floating else y.astype(_dtype.get_default_dtype().np)))
    actual = np.abs(x - y)
    close |= np.isfinite(actual) & (actual <= allowed)
    return _wrap(close)


@op
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of `input` is close to `other`'s (see isclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def _predicate(ufunc, name, doc):
    def f(input):
        return _wrap(_array_result(ufunc(input._data)))
    f.__doc__ = doc
    return op(_named(f, name))


isnan = _predicate(np.isnan, "isnan", "Where the elements are NaN.")
isinf = _predicate(np.isinf, "isinf", "Where the elements are +inf or -inf.")
isfinite = _predicate(np.isfinite, "isfinite", "Where the elements are neither inf nor NaN.")
isposinf = _predicate(np.isposinf, "isposinf", "Where the elements are +inf.")
isneginf = _predicate(np.isneginf, "isneginf", "Where the elements are -inf.")
signbit = _predicate(np.signbit, "signbit", "Where the sign bit is set (also for -0.0).")


def _logical(ufunc, name):
    def f(input, other):
        _require_tensor(other, name)
        try:
            return _wrap(ufunc(input._data, other._data, out=...))
        except ValueError:
            _raise_broadcast_error(input._data, other._data)
        except TypeError:
            moved = _common_device(input, other)
            if moved is None:
                raise
            return f(*moved)

    def f_(self, other):
        return _write(self, f(self, other)._data)
    f.__doc__ = f"Elementwise {name} of the truth values (nonzero is True): a bool tensor."
    f_.__doc__ = f"In-place {name}, stored as 0/1 in self's dtype."
    return _named(f, name), _named(f_, name + "_")


for _name, _ufunc in {"logical_and": np.logical_and, "logical_or": np.logical_or,
                      "logical_xor": np.logical_xor}.items():
    _f, _f_ = _logical(_ufunc, _name)
    op(_f)
    op(_f_, function=False)
    globals()[_name] = _f


@op
def logical_not(input):
    """Elementwise not of the truth values: a bool tensor."""
    return _wrap(np.logical_not(input._data, out=...))


@op(function=False)
def logical_not_(self):
    """In-place logical_not, stored as 0/1 in self's dtype."""
    return _write(self, np.logical_not(self._data))


def _bitwise(ufunc, name, kernel):
    shift = "shift" in name                  # shifts have no bool version either

    def _check_kernel(rt):
        if rt.is_floating_point or (shift and rt is _dtype.bool_):
            raise _not_implemented(kernel, rt)

    def f(input, other):
        rt = result_type(input, other)
        _check_kernel(rt)
        if not isinstance(input, Tensor):
            input, other = other, input      # a number on the left: these ops commute
        return _wrap(_compute(ufunc, input, other, rt))

    def f_(self, other):
        rt = result_type(self, other)
        _check_cast(rt, self.dtype)
        _check_kernel(rt)
        return _binary_(ufunc, self, other)
    f.__doc__ = f"Elementwise {name} of integer or bool tensors."
    f_.__doc__ = f"In-place {name}."
    return _named(f, name), _named(f_, name + "_")


_BITWISE = {"bitwise_and": (np.bitwise_and, "bitwise_and_cpu"),
            "bitwise_or": (np.bitwise_or, "bitwise_or_cpu"),
            "bitwise_xor": (np.bitwise_xor, "bitwise_xor_cpu"),
            "bitwise_left_shift": (np.left_shift, "lshift_cpu"),
            "bitwise_right_shift": (np.right_shift, "rshift_cpu")}
for _name, (_ufunc, _kernel) in _BITWISE.items():
    _f, _f_ = _bitwise(_ufunc, _name, _kernel)
    op(_f)
    op(_f_, function=False)
    globals()[_name] = _f


@op
def bitwise_not(input):
    """Elementwise bit inversion of an integer tensor (logical not for bools)."""
    x = input._data
    if x.dtype.kind == "f":
        raise _not_implemented("bitwise_not_cpu", input.dtype)
    return _wrap(np.invert(x, out=...))


@op(function=False)
def bitwise_not_(self):
    """In-place bitwise_not."""
    return _write(self, bitwise_not(self)._data)


# -- in-place arithmetic ---------------------------------------------------------------------------
@op(function=False)
def add_(self, other, *, alpha=1):
    """self += alpha * other, in place (the result must fit self's dtype kind)."""
    if alpha != 1 or type(alpha) is not int:
        other = _alpha_times(self, other, alpha)
    return _binary_(np.add, self, other)


@op(function=False)
def sub_(self, other, *, alpha=1):
    """self -= alpha * other, in place."""
    if alpha != 1 or type(alpha) is not int:
        other = _alpha_times(self, other, alpha)
    return _binary_(np.subtract, self, other, _check_bool_sub)


@op(function=False)
def mul_(self, other):
    """self *= other, in place."""
    if self._data.dtype == np.float16:
        product = _by_full_scalar(np.multiply, self, other)
        if product is not None:
            _check_no_overlap(self._data)
            self._data[...] = product._data
            return self
    return _binary_(np.multiply, self, other)


def _result_inplace(f, name):
    """The in-place form of `f`: compute, check the result fits self's dtype, store it."""
    def f_(self, *args, **kwargs):
        try:
            r = f(self, *args, **kwargs)
        except NotImplementedError:
            if args and isinstance(args[0], Tensor):   # PyTorch reports a bad cast first
                _check_cast(result_type(self, args[0]), self.dtype)
            raise
        _check_cast(r.dtype, self.dtype)
        return _write(self, r._data)
    f_.__doc__ = f"In-place {name}."
    return _named(f_, name + "_")


for _f in (div, true_divide, floor_divide, remainder, fmod, atan2, hypot, lerp, addcmul,
           addcdiv, nan_to_num, maximum, minimum, fmax, fmin):
    op(_result_inplace(_f, _f.__name__), function=False)
pow_ = op(_result_inplace(pow, "pow"), function=False)
op(_result_inplace(div, "divide"), function=False)
op(_result_inplace(sub, "subtract"), function=False)
op(_result_inplace(mul, "multiply"), function=False)
op(_result_inplace(atan2, "arctan2"), function=False)
op(sub, names=("subtract",))
op(mul, names=("multiply",))

# Ops that record their graph through other ops: pow picks PowBackward0, 1 or 2 by its arguments'
# types, square is pow(x, 2). inplace.py asks an op's `node_class` whether the op records a graph
# (so that `y.pow_(2)` may record pow's): these answer with the node of one of their overloads.
for _f, _via in ((div, _rounded_divide), (pow, _pow_by_number), (square, _pow_by_number),
                 (float_power, _pow_by_number), (round, _round_to_integers),
                 (lerp, _lerp_by_number), (clamp, _clamp_by_numbers),
                 (clamp_min, _clamp_min_by_number), (clamp_max, _clamp_max_by_number)):
    _f.node_class = _via.node_class


@op(function=False)
def float_power_(self, exponent):
    """In-place float_power: self must already be float64."""
    if self.dtype is not _dtype.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._typed_name} but "
                           "the operation's result requires dtype Double")
    return _write(self, float_power(self, exponent)._data)


@op(function=False)
def zero_(self):
    """Fill with zeros, in place (every view of the storage sees it)."""
    self._data[...] = 0
    return self


@op(function=False)
def fill_(self, value):
    """Fill with `value`, in place: a number (checked to fit the dtype) or a 0-d tensor."""
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        value = value._data                   # a tensor's value is cast, wrapping like C
    elif isinstance(value, (bool, int, float, np.number, np.bool_)):
        value = _checked_scalar(value, self.dtype)
    else:
        raise TypeError(f"fill_(): argument 'value' must be Number or Tensor, not "
                        f"{type(value).__name__}")
    self._data[...] = value
    return self


@op(function=False)
def copy_(self, src, non_blocking=False):
    """Copy `src`'s values (broadcast, cast to self's dtype) into self, in place."""
    x = _operand(src)
    if not isinstance(src, Tensor):
        x = np.array(x).astype(self._data.dtype)[()]    # numbers wrap into the dtype, like C
    elif type(x) is not type(self._data):                # from another device, as PyTorch allows
        x = _move_array(x, self.device)
    _check_no_overlap(self._data)
    try:
        self._data[...] = x
    except ValueError:
        _check_output_shape(self._data.shape, x.shape)
        raise
    return self


# What autograd records for zero_, fill_ and copy_ on a tensor in a graph (autograd/inplace.py
# runs the twin on the old values): the overwritten values get a zero gradient, a tensor value or
# source the gradient of where it went (summed over the broadcast, cast to its dtype).
def _zeroed_copy(self):
    return zero_(self.clone())


def _filled_copy(self, value):
    return fill_(self.clone(), value)


def _copied_copy(self, src, non_blocking=False):
    return copy_(self.clone(), src, non_blocking)


def _overwritten_backward(ctx, grad):
    return (zeros_like(grad),) + (grad,) * (len(ctx.inputs) - 1)


def _filled_backward(ctx, grad):
    return zeros_like(grad), grad.sum()


_zeroed = recorded_as("ZeroBackward0", _zeroed_copy, _overwritten_backward, inputs=("self",))
_filled_by_number = recorded_as("FillBackward2", _filled_copy, _overwritten_backward,
                                inputs=("self",))
_filled_by_tensor = recorded_as("FillBackward3", _filled_copy, _filled_backward,
                                inputs=("self", "value"))
_copied = recorded_as("CopyBackwards", _copied_copy, _overwritten_backward,
                      inputs=("self", "src"))


def _filled(self, value):
    if isinstance(value, Tensor):
        return _filled_by_tensor(self, value)
    return _filled_by_number(self, value)


_filled.node_class = _filled_by_tensor.node_class       # differentiable, for autograd/inplace.py
zero_._twin, fill_._twin, copy_._twin = _zeroed, _filled, _copied


# -- operators ------------------------------------------------------------------------------------
def _type_error_to_not_implemented(f):
    """`t == None` is False rather than an error: Python tries the other side, then identity."""
    def operator(self, other):
        try:
            return f(self, other)
        except TypeError:
            return NotImplemented
    return _named(operator, f.__name__)


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


def _rtruediv(self, other):
    """`2 / x`: PyTorch computes it as x.reciprocal() * 2 (so its grad_fn is MulBackward0)."""
    return mul(reciprocal(self), other)      # noqa: F821  (reciprocal: defined by a loop above)


def _operator(ufunc, op):
    """`a + b` and friends: the op itself, with its commonest case inlined first. Two float
    tensors of one dtype, or a float tensor and a Python number, with nothing to record (no
    operand needs a gradient, or grad mode is off, as in backward formulas and optimizers):
    one NumPy call and a wrap (the op gives the same result, through more layers)."""
    def operator(self, other):
        recording = _grad_state.enabled
        if not (recording and self.requires_grad):
            x = self._data
            if x.dtype.kind == "f" and x.dtype.itemsize > 2:    # (float16: see _by_full_scalar)
                kind = other.__class__
                if kind is float or kind is int:
                    return _wrap(ufunc(x, other, out=...))
                if kind is Tensor and not (recording and other.requires_grad) and \
                        other._data.dtype is x.dtype:
                    try:
                        return _wrap(ufunc(x, other._data, out=...))
                    except (ValueError, TypeError):
                        pass        # not broadcastable, or two devices: the op raises the error
        return op(self, other)
    operator.__name__ = operator.__qualname__ = op.__name__
    return operator


def _install_operators(T):
    """Python's operators on Tensor, each the op above (reflected forms put the number first)."""
    T.__add__ = T.__radd__ = _operator(np.add, add)
    T.__iadd__ = add_
    T.__sub__ = _operator(np.subtract, sub)
    T.__rsub__ = _rsub
    T.__isub__ = sub_
    T.__mul__ = T.__rmul__ = _operator(np.multiply, mul)
    T.__imul__ = mul_
    T.__truediv__ = _operator(np.true_divide, true_divide)
    T.__rtruediv__ = _rtruediv
    T.__itruediv__ = T.div_
    T.__floordiv__ = floor_divide
    T.__rfloordiv__ = lambda self, other: floor_divide(other, self)
    T.__ifloordiv__ = T.floor_divide_
    T.__mod__ = remainder
    T.__rmod__ = lambda self, other: remainder(other, self)
    T.__imod__ = T.remainder_
    T.__pow__ = pow
    T.__rpow__ = lambda self, other: pow(other, self)
    T.__ipow__ = pow_
    T.__neg__ = neg          # noqa: F821  (defined by the loop above)
    T.__pos__ = positive
    T.__abs__ = abs          # noqa: F821
    T.__invert__ = _invert
    T.__and__ = T.__rand__ = bitwise_and      # noqa: F821
    T.__or__ = T.__ror__ = bitwise_or         # noqa: F821
    T.__xor__ = T.__rxor__ = bitwise_xor      # noqa: F821
    T.__lshift__ = bitwise_left_shift         # noqa: F821
    T.__rshift__ = bitwise_right_shift        # noqa: F821
    T.__rlshift__ = lambda self, other: bitwise_left_shift(other, self)    # noqa: F821
    T.__rrshift__ = lambda self, other: bitwise_right_shift(other, self)   # noqa: F821
    T.__iand__ = T.bitwise_and_
    T.__ior__ = T.bitwise_or_
    T.__ixor__ = T.bitwise_xor_
    T.__ilshift__ = T.bitwise_left_shift_
    T.__irshift__ = T.bitwise_right_shift_
    T.__eq__ = _type_error_to_not_implemented(eq)    # noqa: F821
    T.__ne__ = _type_error_to_not_implemented(ne)    # noqa: F821
    T.__lt__ = lt            # noqa: F821
    T.__le__ = le            # noqa: F821
    T.__gt__ = gt            # noqa: F821
    T.__ge__ = ge            # noqa: F821
    T.__hash__ = lambda self: id(self)
