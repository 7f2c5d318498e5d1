"""Creation ops: tensor, as_tensor, from_numpy, zeros/ones/empty/full (+ _like), arange,
linspace, logspace, eye."""
import math

import numpy as np

from .. import _dtype
from .._device import _as_device
from .._tensor import Tensor, _wrap
from ._common import _np_dtype, _parse_size
from ._registry import op


def _finish_new(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data):
    """NumPy array for nested Python data, with PyTorch's dtype inference and error messages."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, (list, tuple)):
        _check_nested(data, 0)
    try:
        array = np.array(data)
    except OverflowError:
        raise RuntimeError("Overflow when unpacking long") from None
    except ValueError as e:
        raise ValueError(f"could not build a tensor from this data: {e}") from None
    if array.dtype.kind == "f" and array.dtype != np.float32 and not isinstance(data, np.generic):
        array = array.astype(_dtype.get_default_dtype().np)
    elif array.dtype.kind == "O":
        raise TypeError("new(): invalid data type: could not infer a numeric dtype from the data "
                        "(use numbers, bools, or lists of them)")
    elif array.dtype.kind in "US":
        raise TypeError("new(): invalid data type 'str'")
    elif array.dtype.kind == "c":
        raise TypeError("complex numbers are not supported by dlcore")
    return array


def _check_nested(seq, depth):
    """PyTorch's message for ragged lists: 'expected sequence of length 2 at dim 1 (got 3)'."""
    lengths = None
    for item in seq:
        if isinstance(item, (list, tuple)):
            if lengths is None:
                lengths = len(item)
            elif len(item) != lengths:
                raise ValueError(f"expected sequence of length {lengths} at dim {depth + 1} "
                                 f"(got {len(item)})")
            _check_nested(item, depth + 1)
        elif lengths is not None:
            raise TypeError(f"not a sequence: expected sequence of length {lengths} at dim "
                            f"{depth + 1}, got {type(item).__name__}")
        elif isinstance(item, str):
            raise TypeError(f"new(): invalid data type 'str'")


@op(method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (a number, nested lists, a NumPy array or a tensor)."""
    _as_device(device)
    array = _infer_array(data)
    if dtype is not None:
        target = _np_dtype(dtype)
        if array.dtype != target:
            _check_fits(array, dtype)
            array = array.astype(target)
        else:
            array = array.copy()
    else:
        _dtype.from_numpy_dtype(array.dtype)
        array = array.copy() if (array.base is not None or isinstance(data, (np.ndarray, Tensor))) else array
    if not array.flags.c_contiguous:
        array = np.ascontiguousarray(array)
    return _finish_new(_wrap(array), requires_grad)


def _check_fits(array, dtype):
    """A value that the integer dtype cannot hold is an error, not a silent wrap-around."""
    if dtype.is_floating_point or dtype is _dtype.bool_ or array.size == 0:
        return
    if array.dtype.kind in "iu":
        info = np.iinfo(dtype.np)
        lo, hi = array.min(), array.max()
        if lo < info.min or hi > info.max:
            bad = lo if lo < info.min else hi
            raise RuntimeError(f"value cannot be converted to type {dtype._name} without overflow"
                               f": {bad} is outside [{info.min}, {info.max}]")


@op(method=False)
def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a tensor or NumPy array when the dtype allows."""
    _as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype)


@op(method=False)
def from_numpy(ndarray):
    """A tensor over the array's own memory: writes through either show in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array with array.copy().) ")
    if any(s % ndarray.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    if not ndarray.dtype.isnative:
        raise TypeError("given numpy array has byte order different from the native byte order. "
                        "Conversion between byte orders is currently not supported.")
    return _wrap(ndarray)


def _filled(fill, size, dtype, device, requires_grad, fname, default=None):
    _as_device(device)
    shape = _parse_size(size, fname)
    np_dtype = _np_dtype(dtype, default or _dtype.get_default_dtype().np)
    array = np.full(shape, fill, np_dtype) if fill else np.zeros(shape, np_dtype)
    return _finish_new(_wrap(array), requires_grad)


@op(method=False)
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(0, size, dtype, device, requires_grad, "zeros")


@op(method=False)
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(1, size, dtype, device, requires_grad, "ones")


@op(method=False)
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    # zero-filled rather than uninitialised: the same output every run keeps notebooks reproducible
    return _filled(0, size, dtype, device, requires_grad, "empty")


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value.dtype
    return _dtype._scalar_dtype(fill_value)


@op(method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    dtype = dtype or _fill_dtype(fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    _as_device(device)
    shape = _parse_size((size,) if not isinstance(size, int) else ((size,),), "full")
    return _finish_new(_wrap(np.full(shape, fill_value, dtype.np)), requires_grad)


def _like(input, dtype):
    return input._data.shape, (dtype or input.dtype).np


@op(method=False)
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    shape, d = _like(input, dtype)
    return _finish_new(_wrap(np.zeros(shape, d)), requires_grad)


@op(method=False)
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    shape, d = _like(input, dtype)
    return _finish_new(_wrap(np.ones(shape, d)), requires_grad)


@op(method=False)
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


@op(method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    shape, d = _like(input, dtype)
    return _finish_new(_wrap(np.full(shape, fill_value, d)), requires_grad)


def _new_op(fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        shape = _parse_size(size, "new")
        d = (dtype or self.dtype).np
        array = np.zeros(shape, d) if fill == 0 else np.full(shape, fill, d)
        return _finish_new(_wrap(array), requires_grad)
    return new


op(_new_op(0), names=("new_zeros", "new_empty"), function=False)
op(_new_op(1), names=("new_ones",), function=False)


@op(function=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)


@op(function=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _number(x, name):
    if isinstance(x, Tensor):
        return x.item()
    if isinstance(x, bool) or not isinstance(x, (int, float, np.number)):
        raise TypeError(f"arange(): argument '{name}' must be Number, not {type(x).__name__}")
    return x


@op(method=False)
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """[start, end) in steps of `step`, computed in float64 then cast (as PyTorch does)."""
    _as_device(device)
    if end is None:
        start, end = 0, start
    start, end, step = _number(start, "start"), _number(end, "end"), _number(step, "step")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if any(isinstance(v, float) and not math.isfinite(v) for v in (start, end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(isinstance(v, (float, np.floating)) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    n = math.ceil((end - start) / step)
    if dtype.is_floating_point or any(isinstance(v, float) for v in (start, end, step)):
        array = (start + step * np.arange(n, dtype=np.float64)).astype(dtype.np)
    else:
        array = np.arange(start, start + n * step, step, dtype=np.int64)[:n].astype(dtype.np)
    return _finish_new(_wrap(array), requires_grad)


@op(method=False)
def range(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like arange but including `end`."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    dtype = dtype or _dtype.get_default_dtype()
    array = (start + step * np.arange(n, dtype=np.float64)).astype(dtype.np)
    return _finish_new(_wrap(array), requires_grad)


@op(method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values; the second half counts back from `end`, as PyTorch does."""
    _as_device(device)
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    start, end = _number(start, "start"), _number(end, "end")
    dtype = dtype or _dtype.get_default_dtype()
    compute = dtype.np if dtype.is_floating_point else np.float64
    if steps == 1:
        array = np.array([start], dtype=compute)
    else:
        t = np.dtype(compute).type
        s, e = t(start), t(end)
        step = (e - s) / t(steps - 1) if steps > 1 else t(0)
        idx = np.arange(steps)
        half = steps // 2
        array = np.where(idx < half, s + step * idx.astype(compute),
                         e - step * (steps - idx - 1).astype(compute)).astype(compute)
    return _finish_new(_wrap(array.astype(dtype.np)), requires_grad)


@op(method=False)
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    lin = linspace(start, end, steps, dtype=_dtype.float64)
    dtype = dtype or _dtype.get_default_dtype()
    return _finish_new(_wrap(np.power(base, lin._data).astype(dtype.np)), requires_grad)


@op(method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    _as_device(device)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {min(n, m if m is not None else n)}")
    d = _np_dtype(dtype, _dtype.get_default_dtype().np)
    return _finish_new(_wrap(np.eye(n, n if m is None else m, dtype=d)), requires_grad)


@op(method=False)
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    d = _np_dtype(dtype, _dtype.get_default_dtype().np)
    return _finish_new(_wrap(np.array(s, dtype=d)), requires_grad)


@op
def diag(input, diagonal=0):
    x = input._data
    if x.ndim not in (1, 2):
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{x.ndim}D")
    return _wrap(np.ascontiguousarray(np.diag(x, diagonal)))


@op
def tril(input, diagonal=0):
    return _wrap(np.tril(input._data, diagonal))


@op
def triu(input, diagonal=0):
    return _wrap(np.triu(input._data, diagonal))


@op(function=False)
def requires_grad_(self, requires_grad=True):
    if requires_grad and self._data.dtype.kind != "f":
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    self.requires_grad = requires_grad
    return self
