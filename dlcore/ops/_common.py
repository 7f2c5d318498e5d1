"""Small helpers every op module shares: arguments to arrays, dims, broadcasting errors."""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _wrap_dim  # noqa: F401  (re-exported for op modules)
from ..backend import backend_of_array


def _array(x):
    """The NumPy array behind a tensor argument (TypeError naming the type otherwise)."""
    if isinstance(x, Tensor):
        return x._data
    raise TypeError(f"expected a Tensor, but got {type(x).__name__}")


def _array_result(r):
    """An op's result as an array: NumPy gives a scalar for a 0-d result, CuPy always an array."""
    return np.asarray(r) if isinstance(r, np.generic) else r


def _host_scalar(array):
    """The NumPy scalar in a one-element array on any device (a GPU array is read back: NumPy
    can't take a CuPy array, and a CuPy 0-d array is no Python number)."""
    if type(array) is not np.ndarray:
        array = backend_of_array(array).to_numpy(array)
    return array.reshape(())[()]


def _on_host(f, array):
    """f(array) computed by NumPy on the host (for rare ops a GPU library lacks), then put back
    where `array` lives."""
    if type(array) is np.ndarray:
        return f(array)
    backend = backend_of_array(array)
    return backend.from_numpy(np.asarray(f(backend.to_numpy(array))),
                              backend.device_of(array).index)


def _check_tensor(x, fname, argname="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


def _operand(x):
    """A tensor's array, or a Python number as is (NumPy then treats it as a weak scalar)."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (np.number, np.bool_)):
        return x.item()       # a NumPy scalar counts as a Python number, as in PyTorch
    if isinstance(x, (bool, int, float)):
        return x
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported by dlcore")
    if isinstance(x, (list, tuple, np.ndarray)):
        raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}: "
                        "convert it with dlcore.tensor(...) first")
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _common_device(*operands):
    """Called when the backend refused to mix arrays (a TypeError): the operands with any 0-d CPU
    tensor moved to the others' GPU (PyTorch lets CPU scalars join CUDA ops), or PyTorch's error
    for tensors on two devices. Returns None when all are on one device (the caller re-raises)."""
    devices = []
    for x in operands:
        if isinstance(x, Tensor) and not (x._data.ndim == 0 and x.device.type == "cpu"):
            if x.device not in devices:
                devices.append(x.device)
    if len(devices) > 1:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           f"devices, {devices[0]} and {devices[1]}!")
    if not devices or devices[0].type == "cpu":
        cpu_scalars = [x for x in operands if isinstance(x, Tensor) and x.device.type == "cpu"]
        if len(cpu_scalars) == len([x for x in operands if isinstance(x, Tensor)]):
            return None
    target = devices[0]
    moved = [x.to(target) if isinstance(x, Tensor) and x.device != target else x for x in operands]
    return None if all(m is x for m, x in zip(moved, operands)) else moved


def _check_same_device(*operands):
    """PyTorch's error if tensors among `operands` sit on different devices (0-d CPU ones too)."""
    devices = []
    for x in operands:
        if isinstance(x, Tensor) and x.device not in devices:
            devices.append(x.device)
    if len(devices) > 1:
        raise RuntimeError("Expected all tensors to be on the same device, but found at least two "
                           f"devices, {devices[0]} and {devices[1]}!")


def _dims(dim, ndim):
    """A tuple of non-negative dims from an int, a sequence or None (all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            repeated = next(d for i, d in enumerate(dims) if d in dims[:i])
            raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
        return dims
    return (_wrap_dim(dim, ndim),)


def _broadcast_shape(*shapes):
    """The broadcast of `shapes`, or PyTorch's RuntimeError naming the first dim that clashes."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(-ndim, 0):
        size = 1
        for k, s in enumerate(shapes):
            if len(s) >= -i and s[i] != 1:
                if size != 1 and s[i] != size:
                    a = next(j for j, t in enumerate(shapes) if len(t) >= -i and t[i] != 1)
                    raise RuntimeError(
                        f"The size of tensor {chr(97 + a)} ({size}) must match the size of tensor "
                        f"{chr(97 + k)} ({s[i]}) at non-singleton dimension {ndim + i}")
                size = s[i]
        out.append(size)
    return tuple(out)


def _shape_of(x):
    return getattr(x, "shape", ())       # an array of any backend, or () for a number


def _raise_broadcast_error(*arrays):
    """Called when NumPy refused to broadcast: raise PyTorch's message instead of NumPy's."""
    _broadcast_shape(*(_shape_of(a) for a in arrays))
    raise RuntimeError("operands could not be broadcast: shapes "
                       + ", ".join(str(list(_shape_of(a))) for a in arrays))


def _parse_size(args, fname, negative_message=None):
    """`f(2, 3)`, `f((2, 3))`, `f([2, 3])` and `f(Size)` all give the shape (2, 3).

    Errors are PyTorch's: a TypeError naming what is not an int, and a RuntimeError for a negative
    size (`negative_message` replaces the usual one where PyTorch words it differently).
    """
    if not args:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    if len(args) == 1 and not _is_int(args[0]):
        if not isinstance(args[0], (tuple, list)):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(args[0]).__name__}")
        args = args[0]
    for i, s in enumerate(args):
        if not _is_int(s):
            raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                            f'{i + 1} with error "type must be tuple of ints,but got '
                            f'{type(s).__name__}"')
    shape = tuple(s.__index__() for s in args)
    if any(s < 0 for s in shape):
        raise RuntimeError(negative_message or "Trying to create tensor with negative dimension "
                           f"{min(shape)}: {list(shape)}")
    return shape


def _int_elements(values, fname, argname, position=1):
    """A sequence's ints as a list, or PyTorch's TypeError naming the first element that is not
    one (a tuple-of-ints argument: a shape, strides)."""
    if all(type(v) is int for v in values):     # the common case, checked fast
        return list(values)
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be tuple "
                            f"of ints, but found element of type {type(v).__name__} at pos {i}")
        out.append(v.__index__())
    return out


def _is_int(x):
    """An int, a NumPy integer or a 0-d integer tensor (but not a bool), as sizes allow."""
    if isinstance(x, bool) or not hasattr(x, "__index__"):
        return False
    if isinstance(x, Tensor):
        return x._data.ndim == 0 and x._data.dtype.kind in "iu"
    return True


def _checked_scalar(value, dtype):
    """`value` converted to `dtype`'s NumPy scalar, refusing values that overflow it.

    PyTorch's c10::checked_convert, used by `full` and `fill_`: integers out of range are an
    error (unsigned types also take negatives down to -max, which wrap around), floats that
    overflow a floating type are an error (inf and nan pass), NaN can't become an integer.
    """
    np_dtype = dtype.np
    if dtype is _dtype.bool_ or isinstance(value, (bool, np.bool_)):
        return np_dtype.type(value)
    if isinstance(value, complex):
        raise TypeError("complex numbers are not supported by dlcore")
    if dtype.is_floating_point:
        info = np.finfo(np_dtype)
        overflows = math.isfinite(value) and not float(info.min) <= value <= float(info.max)
    else:
        info = np.iinfo(np_dtype)
        if isinstance(value, (float, np.floating)):
            overflows = not (math.isfinite(value) and info.min <= value <= info.max)
        else:
            lowest = -info.max if info.min == 0 else info.min
            overflows = not lowest <= value <= info.max
    if overflows:
        raise RuntimeError(f"value cannot be converted to type {_dtype._C_NAMES[dtype._name]} "
                           "without overflow")
    return np.array(value).astype(np_dtype)[()]       # wraps negatives into unsigned, as C does


def _np_dtype(dtype, default=None, fname="tensor"):
    """The NumPy dtype for a `dtype=` argument (a dlcore dtype or Python's float/int/bool)."""
    if dtype is None:
        return default
    return _dtype.as_dtype(dtype, fname).np


def _check_no_overlap(x):
    """An expanded tensor has elements sharing memory: writing into it is refused, as in PyTorch."""
    strides = x.strides
    if 0 in strides and x.size > 1 and any(s == 0 and n > 1 for s, n in zip(strides, x.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
