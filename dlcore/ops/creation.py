"""Creation ops: tensor, as_tensor, from_numpy, zeros/ones/empty/full (+ _like, new_*), arange,
range, linspace, logspace, eye.

`tensor()` infers the dtype as PyTorch does (Python floats -> the default dtype, ints -> int64,
bools -> bool, NumPy scalars and tensors keep theirs) and reports ragged lists with PyTorch's
messages. `arange` and `linspace` reproduce PyTorch's CPU kernels value for value.
"""
import math

import numpy as np

from .. import _device as _devices, _dtype
from .._device import CPU, _as_device, backend_of
from .._tensor import Tensor, _as_strided_view, _move_array, _wrap
from ..backend import array_module, ascontiguousarray
from ._common import (_checked_scalar, _host_scalar, _int_elements, _is_int, _np_dtype,
                      _parse_size)
from ..autograd.graph import differentiable
from ._registry import op


def _xp(device):
    """The array module that makes arrays on `device` (a checked device)."""
    return np if device is CPU else backend_of(device).xp


def _placed(array, device):
    """A NumPy array built on the host, handed to `device` (itself for the CPU)."""
    return array if device is CPU else backend_of(device).from_numpy(array, device.index)


def _finish_new(t, requires_grad, device=CPU):
    """A new tensor's last steps: moved to `device` (built on the host), requires_grad set."""
    if device is not CPU and type(t._data) is np.ndarray:
        t._data = _placed(t._data, device)
    if requires_grad:
        if t._data.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t.requires_grad_(True)
    return t


# -- tensor(): reading nested Python data --------------------------------------------------------
_SEQUENCES = (list, tuple, range)
_PYTHON_SCALARS = {float: None, int: _dtype.int64, bool: _dtype.bool_}   # None: default dtype


def _nested_shape(data):
    """The shape nested sequences claim, read down the first elements (as PyTorch reads it)."""
    shape = []
    item = data
    while isinstance(item, _SEQUENCES) or isinstance(item, np.ndarray):
        if isinstance(item, np.ndarray):
            return shape + list(item.shape)
        shape.append(len(item))
        if not len(item):
            break
        item = item[0]
        if isinstance(item, str):
            raise ValueError("too many dimensions 'str'")
    return shape


def _leaf_types(seq, shape, depth, types):
    """Check every sequence against `shape` (PyTorch's ragged-list errors); collect leaf types."""
    if len(seq) != shape[depth]:
        raise ValueError(f"expected sequence of length {shape[depth]} at dim {depth} "
                         f"(got {len(seq)})")
    if depth + 1 == len(shape):               # the innermost level: numbers
        types.update(map(type, seq))
        return
    for item in seq:
        if isinstance(item, _SEQUENCES):
            _leaf_types(item, shape, depth + 1, types)
        elif isinstance(item, np.ndarray):
            if list(item.shape) != shape[depth + 1:]:
                raise ValueError(f"expected sequence of length {shape[depth + 1]} at dim "
                                 f"{depth + 1} (got {item.shape[0] if item.ndim else 0})")
            types.add(item.dtype.type)
        else:
            raise TypeError("not a sequence")


def _leaf_dtype(kind):
    """The dtype a leaf of type `kind` takes part in inference with (PyTorch's rules)."""
    if kind in _PYTHON_SCALARS:
        return _PYTHON_SCALARS[kind] or _dtype.get_default_dtype()
    if kind in _dtype._FROM_NUMPY:                      # a NumPy scalar keeps its dtype
        return _dtype._FROM_NUMPY[kind]
    if issubclass(kind, (list, tuple, np.ndarray)):
        # a sequence where the first elements said a number belongs: a ragged list
        raise TypeError(f"'{kind.__name__}' object cannot be interpreted as a number (the "
                        "nested lists have different depths)")
    if issubclass(kind, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{kind.__name__}'")
    if issubclass(kind, complex) or (issubclass(kind, np.generic) and kind().dtype.kind == "c"):
        raise TypeError("complex numbers are not supported by dlcore")
    if issubclass(kind, np.generic):
        _dtype.from_numpy_dtype(kind)                     # raises, naming the supported types
    raise RuntimeError(f"Could not infer dtype of {kind.__name__}")


def _infer_dtype(types, tensors):
    """Promote the dtypes of all leaves: [1, 2.5] is float32, [np.float64(1), 2] float64."""
    result = None
    for d in [_leaf_dtype(k) for k in types if k is not Tensor] + [t.dtype for t in tensors]:
        result = d if result is None else _dtype.promote_types(result, d)
    return result or _dtype.get_default_dtype()           # [] is a float tensor


def _tensor_leaves(seq, out):
    """The tensors in nested data (rare): PyTorch takes each as one number."""
    for item in seq:
        if isinstance(item, Tensor):
            if item._data.size != 1:
                raise ValueError("only one element tensors can be converted to Python scalars")
            out.append(item)
        elif isinstance(item, _SEQUENCES):
            _tensor_leaves(item, out)
    return out


def _unwrap_tensors(seq):
    """Nested data with each one-element tensor replaced by a NumPy scalar of its dtype."""
    return [_unwrap_tensors(x) if isinstance(x, _SEQUENCES)
            else _host_scalar(x._data) if isinstance(x, Tensor) else x for x in seq]


def _check_fits(array, dtype):
    """Numbers from Python that `dtype` can't hold are an error, as in PyTorch (not a wrap-around).

    Integer types also take negatives down to -max when unsigned (they wrap, like C); floats
    must be finite and in range. Floating types take any value (overflow becomes inf).
    """
    if dtype.is_floating_point or dtype is _dtype.bool_ or array.size == 0:
        return
    info = np.iinfo(dtype.np)
    kind = array.dtype.kind
    if kind in "iu":
        lowest = -info.max if info.min == 0 else info.min
        bad = (array.min() < lowest) or (array.max() > info.max)
    elif kind == "f":
        bad = not np.isfinite(array).all() or array.min() < info.min or array.max() > info.max
    else:
        bad = False
    if bad:
        raise RuntimeError(f"value cannot be converted to type {dtype._name} without overflow")


def _array_from_python(data, dtype):
    """A new NumPy array from a number or nested lists, with PyTorch's inference and errors."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, _SEQUENCES):
        shape = _nested_shape(data)
        types = set()
        if shape and shape[0]:
            _leaf_types(data, shape, 0, types)
        tensors = _tensor_leaves(data, []) if Tensor in types else []
        if tensors:
            data = _unwrap_tensors(data)
        natural = _infer_dtype(types, tensors)
    else:
        shape = []
        natural = _infer_dtype({type(data)}, [])
    if dtype is None:
        target = natural.np
    elif natural.is_floating_point and dtype.is_floating_point:
        target = dtype.np                    # straight from Python's doubles: one rounding
    else:
        target = np.float64 if natural.is_floating_point else natural.np
    try:
        array = np.array(data, dtype=target)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if array.shape != tuple(shape):           # e.g. NumPy arrays of different shapes in a list
        raise ValueError(f"expected a tensor of shape {tuple(shape)}, but the data has shape "
                         f"{array.shape}")
    if dtype is not None and array.dtype != dtype.np:
        _check_fits(array, dtype)
        array = array.astype(dtype.np)
    return array


@op(method=False)
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (a number, nested lists, a NumPy array or a tensor)."""
    if device is None and isinstance(data, Tensor) and _devices._default_device is None:
        device = data.device                 # a tensor's copy stays where it is (no default set)
    device = _as_device(device)
    dtype = _dtype.as_dtype(dtype, "tensor")
    if isinstance(data, Tensor):
        array = data._data
        if device is not CPU or type(array) is not np.ndarray:
            if data.device != device:
                array = _move_array(array, device)
        array = array.astype(dtype.np if dtype else array.dtype, order="C")
    elif isinstance(data, np.ndarray):
        if not data.dtype.isnative:          # a copy anyway: into the machine's byte order
            data = data.astype(data.dtype.newbyteorder("="))
        _dtype.from_numpy_dtype(data.dtype)
        array = data.astype(dtype.np if dtype else data.dtype, order="C")
        return _finish_new(_keeping_numpy_strides(_wrap(array), array), requires_grad, device)
    else:
        array = _array_from_python(data, dtype)
    return _finish_new(_wrap(array), requires_grad, device)


@op(method=False)
def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a tensor or NumPy array when the dtype (and device)
    allows."""
    if device is not None or _devices._default_device is not None:
        device = _as_device(device)          # a default set by set_default_device counts
    dtype = _dtype.as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data._moved(device, dtype, False)     # itself when already there, in dtype
    if isinstance(data, np.ndarray) and (dtype is None or dtype.np == data.dtype) and (
            device is None or device is CPU):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


@op(method=False)
def from_numpy(ndarray):
    """A tensor over the array's own memory: writes through either show in the other."""
    if not isinstance(ndarray, np.ndarray):
        kind = type(ndarray)
        name = f"numpy.{kind.__name__}" if issubclass(kind, np.generic) else kind.__name__
        raise TypeError(f"expected np.ndarray (got {name})")
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    _dtype.from_numpy_dtype(ndarray.dtype)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    if any(s % ndarray.itemsize for s in ndarray.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")
    return _keeping_numpy_strides(_wrap(ndarray), ndarray)


def _keeping_numpy_strides(t, array):
    """PyTorch takes a NumPy array's strides as they are, also an empty array's (all 0), where
    `_wrap` would give an empty tensor row-major strides."""
    if not array.size:
        t._data = array
    return t


# -- filled tensors ------------------------------------------------------------------------------
def _filled(fill, size, dtype, device, requires_grad, fname, negative_message=None):
    xp = _xp(_as_device(device))
    shape = _parse_size(size, fname, negative_message)
    np_dtype = _np_dtype(dtype, _dtype.get_default_dtype().np, fname)
    array = xp.ones(shape, np_dtype) if fill else xp.zeros(shape, np_dtype)
    return _finish_new(_wrap(array), requires_grad)


@op(method=False)
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of the given size filled with 0 (float32 unless `dtype` says otherwise)."""
    return _filled(0, size, dtype, device, requires_grad, "zeros",
                   "zeros: Dimension size must be non-negative.")


@op(method=False)
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """A tensor of the given size filled with 1."""
    return _filled(1, size, dtype, device, requires_grad, "ones")


@op(method=False)
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """An 'uninitialised' tensor: dlcore fills it with zeros, so notebooks are reproducible."""
    return _filled(0, size, dtype, device, requires_grad, "empty")


def _int_list(value, fname, name, position):
    """A tuple-of-ints argument as a list, refused with PyTorch's messages otherwise."""
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be tuple of "
                        f"ints, not {type(value).__name__}")
    return _int_elements(value, fname, name, position)


@op(method=False)
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A tensor with the given size and strides over a new storage just large enough for them
    (filled with zeros, as dlcore's `empty`): the layout of another tensor, copied exactly."""
    size = _int_list(size, "empty_strided", "size", 1)
    stride = _int_list(stride, "empty_strided", "stride", 2)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality of "
                           f"strides ({len(stride)})")
    _parse_size((size,), "empty_strided")                  # (refuses a negative size)
    if any(s < 0 for s in stride):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={size} and "
                           f"strides={stride}")
    needed = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    flat = empty(needed, dtype=dtype, device=device)
    t = _as_strided_view(flat, size, stride, 0)
    t._base = None                  # (a tensor of its own, not a view of the helper above)
    return _finish_new(t, requires_grad)


def _fill_dtype(fill_value):
    """`full`'s dtype when none is given: a number's kind decides (a 0-d tensor counts as one)."""
    if isinstance(fill_value, (bool, np.bool_)):
        return _dtype.bool_
    if isinstance(fill_value, Tensor):
        kind = fill_value._data.dtype.kind
        return {"b": _dtype.bool_, "f": _dtype.get_default_dtype()}.get(kind, _dtype.int64)
    if isinstance(fill_value, (int, np.integer)):
        return _dtype.int64
    return _dtype.get_default_dtype()


def _fill_scalar(fill_value, fname):
    """A Python or NumPy number from `fill_value` (a 0-d tensor gives its value)."""
    if isinstance(fill_value, Tensor):
        if fill_value._data.ndim:
            raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, not "
                            "Tensor")
        return _host_scalar(fill_value._data)
    if not isinstance(fill_value, (int, float, np.number, np.bool_)):
        raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, not "
                        f"{type(fill_value).__name__}")
    return fill_value


@op(method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """A tensor of `size` filled with `fill_value`; its dtype follows the value's kind."""
    xp = _xp(_as_device(device))
    dtype = _dtype.as_dtype(dtype, "full") or _fill_dtype(fill_value)
    value = _checked_scalar(_fill_scalar(fill_value, "full"), dtype)
    shape = _parse_size((size,), "full")
    return _finish_new(_wrap(xp.full(shape, value, dtype.np)), requires_grad)


def _like(input, dtype, device, fname):
    """The shape, dtype and array module of a `*_like` result (input's unless given)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    xp = array_module(input._data) if device is None else _xp(_as_device(device))
    return input._data.shape, _dtype.as_dtype(dtype, fname) or input.dtype, xp


@op(method=False)
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros with `input`'s shape, dtype and device (contiguous, whatever `input`'s strides)."""
    shape, d, xp = _like(input, dtype, device, "zeros_like")
    return _finish_new(_wrap(xp.zeros(shape, d.np)), requires_grad)


@op(method=False)
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones with `input`'s shape, dtype and device."""
    shape, d, xp = _like(input, dtype, device, "ones_like")
    return _finish_new(_wrap(xp.ones(shape, d.np)), requires_grad)


@op(method=False)
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Like `zeros_like` (dlcore's `empty` is zero-filled)."""
    shape, d, xp = _like(input, dtype, device, "empty_like")
    return _finish_new(_wrap(xp.zeros(shape, d.np)), requires_grad)


@op(method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """`fill_value` in `input`'s shape, dtype and device."""
    shape, d, xp = _like(input, dtype, device, "full_like")
    value = _checked_scalar(_fill_scalar(fill_value, "full_like"), d)
    return _finish_new(_wrap(xp.full(shape, value, d.np)), requires_grad)


def _new_filled(fill, fname):
    def new(self, *size, dtype=None, device=None, requires_grad=False):
        xp = array_module(self._data) if device is None else _xp(_as_device(device))
        shape = _parse_size(size, fname)
        d = (_dtype.as_dtype(dtype, fname) or self.dtype).np
        array = xp.ones(shape, d) if fill else xp.zeros(shape, d)
        return _finish_new(_wrap(array), requires_grad)
    new.__name__ = new.__qualname__ = fname
    new.__doc__ = f"A tensor of the given size filled with {fill}, with this tensor's dtype."
    return new


op(_new_filled(0, "new_zeros"), function=False)
op(_new_filled(0, "new_empty"), function=False)
op(_new_filled(1, "new_ones"), function=False)


@op(function=False)
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """`full` with this tensor's dtype unless `dtype` is given."""
    return full(size, fill_value, dtype=_dtype.as_dtype(dtype, "new_full") or self.dtype,
                device=self.device if device is None else device, requires_grad=requires_grad)


@op(function=False)
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """`tensor(data)` with this tensor's dtype unless `dtype` is given."""
    return tensor(data, dtype=_dtype.as_dtype(dtype, "new_tensor") or self.dtype,
                  device=self.device if device is None else device, requires_grad=requires_grad)


# -- ranges ----------------------------------------------------------------------------------------
def _number(x, fname, name, position):
    """A Python or NumPy number from an argument (a 0-d tensor gives its value)."""
    if isinstance(x, Tensor) and x._data.ndim == 0:
        return _host_scalar(x._data)
    if not isinstance(x, (int, float, np.number, np.bool_)):
        raise TypeError(f"{fname}(): argument '{name}' (position {position}) must be Number, not "
                        f"{type(x).__name__}")
    return x


def _is_floating(x):
    return isinstance(x, (float, np.floating))


def _fma(a, b, c, dtype):
    """a * b + c rounded once to `dtype`, as the fused multiply-add of PyTorch's compiled kernels.

    Extended precision holds the exact product of a float and a small integer, so only the last
    rounding is left (where NumPy has no extended type this is the plain expression).
    """
    return (np.longdouble(a) * b + np.longdouble(c)).astype(dtype)


# elements that PyTorch's CPU kernels fill at a time (one AVX2 register), per dtype
_LANES = {np.dtype(np.float16): 16, np.dtype(np.float32): 8, np.dtype(np.float64): 4}


def _arange_floating(start, step, n, np_dtype):
    """PyTorch's float arange: each run of `lanes` values starts from a base rounded to the
    dtype; the tail after the last full pair of runs is computed one value at a time."""
    acc = np.float32 if np_dtype == np.float16 else np.float64     # PyTorch's accumulate type
    start, step = acc(start), acc(step)
    i = np.arange(n)
    lanes = _LANES[np.dtype(np_dtype)]
    base = _fma(step, i - i % lanes, start, acc).astype(np_dtype).astype(acc)
    vectorised = _fma(step, i % lanes, base, acc).astype(np_dtype)
    one_by_one = _fma(step, i, start, acc).astype(np_dtype)
    return np.where(i < n - n % (2 * lanes), vectorised, one_by_one)


def _c_divide(a, b):
    """Integer division rounding toward zero, as C does (Python's // rounds down)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _arange_size(n):
    if not 0 <= n < 2 ** 63:
        raise RuntimeError("invalid size, possible overflow?")
    return n


@op(method=False)
def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from `start` up to (not including) `end` in steps of `step`.

    int64 unless an argument is a float (then the default dtype). The values are PyTorch's to
    the last bit: it computes them in float64 for float32 (float32 for float16), in runs.
    """
    device = _as_device(device)
    if end is None:
        start, end = 0, start
        names = (("start", 0), ("end", 1), ("step", 3))
    else:
        names = (("start", 1), ("end", 2), ("step", 3))
    start, end, step = (_number(v, "arange", n, p) for v, (n, p) in zip((start, end, step), names))
    dtype = _dtype.as_dtype(dtype, "arange")
    if dtype is None:
        floating = any(_is_floating(v) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    if dtype is _dtype.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if not step or step != step:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end}")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype.is_floating_point:
        n = _arange_size(math.ceil((float(end) - float(start)) / float(step)))
        array = _arange_floating(start, step, n, dtype.np)
    else:
        # integer dtypes: the bounds become int64 first (0.5 -> 0), the values start + step * i
        int_start, int_end, int_step = (_checked_scalar(v, _dtype.int64).item()
                                        for v in (start, end, step))
        if dtype is _dtype.int64:           # PyTorch sizes int64 ranges in integer arithmetic
            if int_step == 0:
                raise ValueError("step must be nonzero")
            sign = 1 if int_step > 0 else -1
            n = _arange_size(_c_divide(int_end - int_start + int_step - sign, int_step))
        else:
            n = _arange_size(math.ceil((float(end) - float(start)) / float(step)))
        array = (int_start + int_step * np.arange(n, dtype=np.int64)).astype(dtype.np)
    return _finish_new(_wrap(array), requires_grad, device)


@op(method=False)
def range(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """Deprecated in PyTorch: like `arange` but including `end` (float32 by default)."""
    device = _as_device(device)
    start, end, step = (_number(v, "range", n, p) for v, n, p in
                        ((start, "start", 1), (end, "end", 2), (step, "step", 3)))
    if not step:
        raise RuntimeError("step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dtype = _dtype.as_dtype(dtype, "range") or _dtype.get_default_dtype()
    n = int(math.floor((end - start) / step)) + 1
    array = (start + step * np.arange(n, dtype=np.float64)).astype(dtype.np)
    return _finish_new(_wrap(array), requires_grad, device)


def _steps(steps, fname):
    if not _is_int(steps):
        raise TypeError(f"{fname}(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    steps = steps.__index__()
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def _linspace_values(start, end, steps, dtype, fname):
    """PyTorch's linspace before the final cast: the first half counts up from `start`, the second
    half back from `end`, each value a fused multiply-add in the step type (float64 for integer
    dtypes, the dtype itself otherwise)."""
    if dtype is _dtype.bool_:
        raise NotImplementedError(f"\"{fname}_cpu\" not implemented for 'Bool'")
    start, end = _number(start, fname, "start", 1), _number(end, fname, "end", 2)
    start, end = _checked_scalar(start, dtype), _checked_scalar(end, dtype)  # as PyTorch does
    step_type = dtype.np.type if dtype.is_floating_point else np.float64
    start, end = step_type(start), step_type(end)
    if steps == 1:
        return np.array([start], step_type)
    i = np.arange(steps)
    step = step_type((end - start) / step_type(max(steps - 1, 1)))
    if dtype is _dtype.float16:
        # c10::Half arithmetic rounds each operation back to half precision
        up = start + step * i.astype(np.float16)
        down = end - step * (steps - i - 1).astype(np.float16)
    else:
        up = _fma(step, i, start, step_type)
        down = _fma(-step, steps - i - 1, end, step_type)
    return np.where(i < steps // 2, up, down)


@op(method=False)
def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` evenly spaced values from `start` to `end` inclusive."""
    device = _as_device(device)
    steps = _steps(steps, "linspace")
    dtype = _dtype.as_dtype(dtype, "linspace") or _dtype.get_default_dtype()
    values = _linspace_values(start, end, steps, dtype, "linspace")
    return _finish_new(_wrap(values.astype(dtype.np)), requires_grad, device)


@op(method=False)
def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """`steps` powers of `base` with exponents evenly spaced from `start` to `end`.

    As in PyTorch's kernel, the exponents are float64 (counting up from `start` for the first
    half, back from `end` for the second) and each power is computed in float64, then cast.
    """
    device = _as_device(device)
    steps = _steps(steps, "logspace")
    dtype = _dtype.as_dtype(dtype, "logspace") or _dtype.get_default_dtype()
    if dtype is _dtype.bool_:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    start = _number(start, "logspace", "start", 1)
    end = _number(end, "logspace", "end", 2)
    base = np.float64(base)
    if steps == 1:
        exponents = np.array([start], np.float64)
    else:
        start, end = _checked_scalar(start, dtype), _checked_scalar(end, dtype)
        # the difference is taken in the dtype (C++ widens small integers to int first)
        difference = end - start if dtype.is_floating_point else int(end) - int(start)
        step = np.float64(difference) / max(steps - 1, 1)
        i = np.arange(steps)
        exponents = np.where(i < steps // 2, np.float64(start) + step * i,
                             np.float64(end) - step * (steps - i - 1))
    # float64 powers, correctly rounded through extended precision (as C's pow is, near enough)
    powers = np.power(np.longdouble(base), exponents.astype(np.longdouble)).astype(np.float64)
    if dtype is _dtype.float16:
        powers = powers.astype(np.float32)       # C++ converts double to half through float
    return _finish_new(_wrap(powers.astype(dtype.np)), requires_grad, device)


@op(method=False)
def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The n x m identity matrix (square when `m` is omitted)."""
    device = _as_device(device)
    for name, position, value in (("n", 1, n), ("m", 2, m)):
        if value is not None and not _is_int(value):
            raise TypeError(f"eye(): argument '{name}' (position {position}) must be int, not "
                            f"{type(value).__name__}")
        if value is not None and value.__index__() < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value.__index__()}")
    n = n.__index__()
    m = n if m is None else m.__index__()
    d = _np_dtype(dtype, _dtype.get_default_dtype().np, "eye")
    return _finish_new(_wrap(np.eye(n, m, dtype=d)), requires_grad, device)


@op(method=False)
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding `s` (float32 unless `dtype` is given, whatever the number)."""
    device = _as_device(device)
    d = _dtype.as_dtype(dtype, "scalar_tensor") or _dtype.get_default_dtype()
    s = _number(s, "scalar_tensor", "s", 1)
    return _finish_new(_wrap(np.array(s).astype(d.np)), requires_grad, device)


@op(method=False)
def clone(input, *, memory_format=None):
    """A copy of `input` with its own storage (same shape, dtype and values)."""
    return input.clone(memory_format=memory_format)


@op
def diag(input, diagonal=0):
    """A 1-D tensor's diagonal matrix, or a 2-D tensor's diagonal as a 1-D tensor."""
    x = input._data
    if x.ndim == 1:
        return _diag_embed(input, diagonal)
    if x.ndim == 2:
        return _diagonal(input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")


@differentiable(name="DiagEmbedBackward0")
def _diag_embed(input, diagonal=0):
    return _wrap(np.diag(input._data, diagonal))


@_diag_embed.backward
def _(ctx, grad):
    return diag(grad, ctx.arg(1, "diagonal", 0))       # the diagonal the vector was put on


@differentiable(name="DiagonalBackward0_copy")
def _diagonal(input, diagonal=0):
    return _wrap(ascontiguousarray(np.diag(input._data, diagonal)))


@_diagonal.backward
def _(ctx, grad):
    # the gradient goes back onto the same diagonal of a zero matrix of the input's shape
    from .indexing import index_put
    x = ctx.inputs[0]._data
    k = ctx.arg(1, "diagonal", 0)
    n = grad._data.shape[0]
    xp = array_module(x)
    rows = xp.arange(n) + max(-k, 0)
    cols = xp.arange(n) + max(k, 0)
    zeros = _wrap(xp.zeros(x.shape, x.dtype))
    return index_put(zeros, (_wrap(rows), _wrap(cols)), grad)


@op
@differentiable()
def tril(input, diagonal=0):
    """The lower triangle of a matrix (the rest set to 0)."""
    return _wrap(np.tril(input._data, diagonal))


@tril.backward
def _(ctx, grad):
    return tril(grad, ctx.arg(1, "diagonal", 0))


@op
@differentiable()
def triu(input, diagonal=0):
    """The upper triangle of a matrix (the rest set to 0)."""
    return _wrap(np.triu(input._data, diagonal))


@triu.backward
def _(ctx, grad):
    return triu(grad, ctx.arg(1, "diagonal", 0))


@op(function=False)
def requires_grad_(self, requires_grad=True):
    """Start (or stop) recording operations on this tensor for autograd; returns the tensor."""
    if requires_grad and self._data.dtype.kind != "f":
        raise RuntimeError("only Tensors of floating point dtype can require gradients")
    if not requires_grad and self.grad_fn is not None:
        raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                           "want to use a computed variable in a subgraph that doesn't require "
                           "differentiation use var_no_grad = var.detach().")
    self.requires_grad = requires_grad
    return self
