"""Small helpers every op module shares: arguments to arrays, dims, broadcasting errors."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap, _wrap_dim  # noqa: F401  (re-exported for op modules)


def _array(x):
    """The NumPy array behind a tensor argument (TypeError naming the type otherwise)."""
    if isinstance(x, Tensor):
        return x._data
    raise TypeError(f"expected a Tensor, but got {type(x).__name__}")


def _check_tensor(x, fname, argname="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


def _operand(x):
    """A tensor's array, or a Python number as is (NumPy then treats it as a weak scalar)."""
    if isinstance(x, Tensor):
        return x._data
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return x
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported by dlcore")
    if isinstance(x, (list, tuple, np.ndarray)):
        raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}: "
                        "convert it with dlcore.tensor(...) first")
    raise TypeError(f"unsupported operand type: '{type(x).__name__}'")


def _dims(dim, ndim):
    """A tuple of non-negative dims from an int, a sequence or None (all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
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
    return x.shape if isinstance(x, np.ndarray) else ()


def _raise_broadcast_error(*arrays):
    """Called when NumPy refused to broadcast: raise PyTorch's message instead of NumPy's."""
    _broadcast_shape(*(_shape_of(a) for a in arrays))
    raise RuntimeError("operands could not be broadcast: shapes "
                       + ", ".join(str(list(_shape_of(a))) for a in arrays))


def _parse_size(args, fname):
    """`f(2, 3)`, `f((2, 3))`, `f([2, 3])` and `f(Size)` all give the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    shape = []
    for i, s in enumerate(args):
        if isinstance(s, bool) or not hasattr(s, "__index__") or (
                isinstance(s, Tensor) and s._data.ndim):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {i}")
        shape.append(s.__index__())
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(shape)}: {shape}")
    return tuple(shape)


def _np_dtype(dtype, default=None):
    if dtype is None:
        return default
    if not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"dtype must be a dlcore.dtype (like dlcore.float32), not {dtype!r}")
    return dtype.np
