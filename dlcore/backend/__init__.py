"""Backends: the only package that knows NumPy or CuPy exists.

A backend module (cpu.py: NumPy; cuda.py: CuPy; fake_cuda.py: a NumPy stand-in for tests) offers
the same few functions: `xp` (its array namespace), `device_of(array)`, `to_numpy`, `from_numpy`,
`as_strided`, `address`, `overlaps`, `scatter_add`, `synchronize` and a random source; the GPU
backends also answer `dlcore.cuda`'s questions (`compute_capability`, `empty_cache`,
`memory_allocated`).
Everything else in dlcore asks this package which backend an array belongs to, and never imports
CuPy itself.
"""
import math as _math

import numpy as _np

from . import cpu

# PyTorch's words for CUDA work in a process forked after the parent had begun using CUDA (a
# DataLoader worker, say), which the driver cannot serve: both GPU backends raise them
FORKED_CUDA = ("Cannot re-initialize CUDA in forked subprocess. To use CUDA with "
               "multiprocessing, you must use the 'spawn' start method")

_ndarray = _np.ndarray
_BY_TYPE = {_ndarray: cpu}      # array type -> backend module (filled as types are met)


def backend_of_array(array):
    """The backend module an array belongs to (imports CuPy only for a CuPy array)."""
    backend = _BY_TYPE.get(type(array))
    if backend is None:
        backend = _BY_TYPE[type(array)] = _find_backend(type(array))
    return backend


def _find_backend(array_type):
    backend = getattr(array_type, "_dlcore_backend", None)     # the test-only stand-in says so
    if backend is not None:
        return backend
    if array_type.__module__.split(".")[0] == "cupy":
        from . import cuda
        return cuda
    if issubclass(array_type, (_ndarray, _np.generic)):
        return cpu                      # NumPy subclasses (np.memmap, ...) and scalars: the CPU
    raise TypeError(f"dlcore has no backend for arrays of type {array_type.__name__}")


def array_module(array):
    """The array library an array belongs to: numpy, or cupy for a CuPy array (never imports CuPy
    for NumPy arrays, so code on the CPU never needs it)."""
    if type(array) is _ndarray:
        return _np
    return backend_of_array(array).xp


def array_module_of(*operands):
    """The array library of the first operand that is an array; the others may be Python numbers
    or NumPy scalars, which belong to no device (numpy if none is an array)."""
    for x in operands:
        if type(x) is _ndarray:
            return _np
        if hasattr(x, "shape") and not isinstance(x, _np.generic):
            return backend_of_array(x).xp
    return _np


def ascontiguousarray(array, dtype=None):
    """`array` as a C-contiguous array of its own library (NumPy's function would silently turn
    a GPU array into a host one, or fail)."""
    if type(array) is _ndarray:
        return _np.ascontiguousarray(array, dtype)
    return array.astype(array.dtype if dtype is None else dtype, order="C", copy=False)


def scatter_add(target, index, values):
    """target[index] += values in place, each repeated index adding once more (NumPy's and
    CuPy's add.at): how gradients of indexing and scatter ops accumulate."""
    backend_of_array(target).scatter_add(target, index, values)


def summed_to(array, size):
    """`array` summed over the dims that broadcasting `size` to its shape expanded (`array`
    itself if none): how a gradient of a broadcast operand is summed back (sum_to_size)."""
    if not size and array.dtype.kind == "f":       # to a scalar (a 0-d weight's gradient)
        return _np.add.reduce(array, None, out=...)
    lead = array.ndim - len(size)
    if lead > 0 and size == array.shape[lead:]:      # only leading dims added (a bias's gradient)
        return leading_dims_summed(array, lead)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(size, array.shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                           f"{{{list(array.shape)}}}.")
    axes = tuple(range(lead)) + tuple(lead + d for d, n in enumerate(size)
                                      if n == 1 and array.shape[lead + d] != 1)
    if not axes:
        return array
    r = _np.add.reduce(array, axes, keepdims=True)
    return r.reshape(size) if lead else r


def leading_dims_summed(array, lead):
    """`array` summed over its first `lead` dims (a bias's gradient from its rows')."""
    size = array.shape[lead:]
    if array.size >= 4096 and array.dtype.char in "fd" and array.flags.c_contiguous:
        # a row of ones times the rows: BLAS sums many short rows ~5x faster than NumPy's
        # reduce over axis 0 (one inner-loop call per row), and as accurately
        rows = array.reshape(-1, _math.prod(size))
        return (array_module(array).ones(rows.shape[0], array.dtype) @ rows).reshape(size)
    return _np.add.reduce(array, 0 if lead == 1 else tuple(range(lead)))
