"""Storage: one flat 1-D array, with a dtype and a device. Tensors are windows on it."""
import numpy as np

from . import _dtype
from ._device import CPU as _CPU
from .backend import backend_of_array, cpu as _cpu_backend

__all__ = ["Storage"]


class Storage:
    """A flat buffer of `size()` elements of one dtype.

    Every view of a tensor holds the *same* Storage object, so `id(a.storage()) == id(b.storage())`
    tells whether two tensors share memory, and writing into the storage shows through each view.
    """

    # _version: bumped by every in-place write through any view (autograd's version counter)
    __slots__ = ("_array", "dtype", "device", "_ptr", "_version", "__weakref__")

    def __init__(self, array, device=None):
        if array.ndim != 1:
            raise ValueError("a Storage holds a flat, 1-D array")
        self._array = array
        self.dtype = _dtype.from_numpy_dtype(array.dtype)
        self.device = backend_of_array(array).device_of(array) if device is None else device
        self._ptr = None
        self._version = 0

    # -- size and elements ------------------------------------------------------------------
    def size(self):
        return self._array.shape[0]

    __len__ = size

    def nbytes(self):
        return self._array.nbytes

    def element_size(self):
        return self.dtype.itemsize

    def data_ptr(self):
        return self._address()

    def _address(self):
        """Address of element 0 (cached: tensors' offsets are measured from it)."""
        if self._ptr is None:
            array = self._array
            if type(array) is np.ndarray:
                self._ptr = array.__array_interface__["data"][0]
            else:
                self._ptr = backend_of_array(array).address(array)
        return self._ptr

    def _check_index(self, i):
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"index {i} out of range for storage of size {n}")
        return i + n if i < 0 else i

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                raise RuntimeError("slices with steps other than 1 are not supported on a storage")
            return Storage(self._array[start:stop].copy(), self.device)
        if not hasattr(i, "__index__"):
            raise TypeError(f"can't index a storage with an object of type {type(i).__name__}")
        return self._array[self._check_index(i.__index__())].item()

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            self._array[i] = value
            return
        if not hasattr(i, "__index__"):
            raise TypeError(f"can't index a storage with an object of type {type(i).__name__}")
        self._array[self._check_index(i.__index__())] = value

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self):
        return self._array.tolist()

    def fill_(self, value):
        self._array[...] = value
        return self

    def type(self):
        where = "" if self.device.type == "cpu" else self.device.type + "."
        return f"dlcore.{where}{self.dtype._typed_name}Storage"

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def __repr__(self):
        body = " " + "\n ".join(str(x) for x in self.tolist())
        return f"{body}\n[{self.type()} of size {len(self)}]"

    __str__ = __repr__

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__


def _storage_for(array):
    """A new Storage over the memory of `array` (strides >= 0), starting at its first element."""
    backend = _cpu_backend if type(array) is np.ndarray else backend_of_array(array)
    if array.flags.c_contiguous:
        flat = array.reshape(-1)
    else:
        itemsize = array.itemsize
        span = 0 if array.size == 0 else 1 + sum((n - 1) * s for n, s in zip(array.shape, array.strides)) // itemsize
        if backend is _cpu_backend:
            flat = np.lib.stride_tricks.as_strided(array, (span,), (itemsize,))
        else:
            flat = backend.as_strided(array, (span,), (itemsize,), 0)
    # the hot path of every first view: skip __init__'s checks, the array is known to be fine
    storage = object.__new__(Storage)
    storage._array = flat
    storage.dtype = _dtype._FROM_NUMPY[flat.dtype]
    storage.device = _CPU if backend is _cpu_backend else backend.device_of(flat)
    storage._ptr = None
    storage._version = 0
    return storage
