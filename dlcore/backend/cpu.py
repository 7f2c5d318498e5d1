"""CPU backend: NumPy."""
import numpy as np

xp = np
name = "cpu"
_ndarray = np.ndarray


def device_of(array):
    from .._device import CPU
    return CPU


def to_numpy(array):
    """A NumPy array with `array`'s values (here: the array itself)."""
    return array


def from_numpy(array, index=None):
    """`array` (a NumPy array) copied onto this backend's device."""
    return np.array(array, copy=True)


def as_strided(flat, shape, strides, byte_offset):
    """A view of the 1-D array `flat` with `shape`, byte `strides`, starting `byte_offset` in."""
    return _ndarray(shape, flat.dtype, flat, byte_offset, strides)


def address(array):
    """The memory address of the array's first element."""
    return array.__array_interface__["data"][0]


def overlaps(a, b):
    """Whether some element of `a` and some element of `b` sit at the same address (exact, up to
    a bounded amount of work)."""
    return np.shares_memory(a, b, max_work=1000)


def scatter_add(target, index, values):
    """target[index] += values, adding once per repeated index (NumPy's unbuffered add.at)."""
    np.add.at(target, index, values)


def synchronize(index=None):
    """NumPy's work is done when its call returns."""
