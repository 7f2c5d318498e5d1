"""CUDA backend: CuPy, imported only when a CUDA device is first used.

Without CuPy or without a GPU, `is_available()` is False and nothing here raises on import.
"""
import os

import numpy as np

from . import FORKED_CUDA

name = "cuda"
_cupy = None            # the cupy module, once imported
_available = None       # cached answer of is_available()
_why_unavailable = ""   # what went wrong, for the error message
_forked_after_use = False   # this process was forked from one that had begun using CUDA

INSTALL_HINT = ('To use an NVIDIA GPU, install CuPy for your CUDA version (nvidia-smi shows '
                'it): pip install -e ".[gpu]" for CUDA 12, pip install -e ".[gpu-cuda13]" for '
                'CUDA 13 (or pip install cupy-cuda12x / cupy-cuda13x). Otherwise use '
                'device="cpu".')


def _note_fork():
    global _forked_after_use
    _forked_after_use = _cupy is not None


os.register_at_fork(after_in_child=_note_fork)


def _import_cupy():
    """The cupy module (imported on first use); in a child forked after CUDA was in use here,
    PyTorch's error instead, before CuPy reaches a driver that can no longer serve it."""
    global _cupy
    if _forked_after_use:
        raise RuntimeError(FORKED_CUDA)
    if _cupy is None:
        import cupy
        _cupy = cupy
    return _cupy


def is_available():
    """True when CuPy imports and a tiny kernel runs on a GPU (the answer is cached)."""
    global _available, _why_unavailable
    if _available is None:
        try:
            cupy = _import_cupy()
            _available = bool(cupy.is_available()) and (cupy.arange(3) * 2).sum().item() == 6
            if not _available:
                _why_unavailable = "CuPy is installed but found no CUDA GPU"
        except ImportError:
            _available, _why_unavailable = False, "CuPy is not installed"
        except Exception as error:       # no driver, no device, a broken CUDA install, ...
            _available = False
            _why_unavailable = f"CuPy could not use a GPU ({type(error).__name__}: {error})"
    return _available


def unavailable_message():
    is_available()
    return f"No CUDA GPU was found: {_why_unavailable}. {INSTALL_HINT}"


def device_count():
    return _import_cupy().cuda.runtime.getDeviceCount() if is_available() else 0


def get_device_name(index):
    props = _import_cupy().cuda.runtime.getDeviceProperties(index)
    name_ = props["name"]
    return name_.decode() if isinstance(name_, bytes) else name_


def current_device():
    return _import_cupy().cuda.runtime.getDevice()


def set_device(index):
    _import_cupy().cuda.runtime.setDevice(index)


def synchronize(index=None):
    cupy = _import_cupy()
    if index is None:
        cupy.cuda.get_current_stream().synchronize()
    else:
        with cupy.cuda.Device(index):
            cupy.cuda.Device(index).synchronize()


def compute_capability(index):
    """The GPU's (major, minor) compute capability, e.g. (9, 0) for an H100."""
    capability = _import_cupy().cuda.Device(index).compute_capability      # e.g. "90"
    return int(capability[:-1]), int(capability[-1])


def empty_cache():
    """Hand the memory CuPy's pool keeps for reuse back to the driver."""
    _import_cupy().get_default_memory_pool().free_all_blocks()


def memory_allocated(index):
    """Bytes of GPU `index`'s memory that arrays use now (CuPy's pool, blocks in use)."""
    cupy = _import_cupy()
    with cupy.cuda.Device(index):
        return cupy.get_default_memory_pool().used_bytes()


def __getattr__(attr):
    # `backend.xp` is the cupy module itself, imported on first use
    if attr == "xp":
        return _import_cupy()
    raise AttributeError(attr)


_DEVICES = {}


def device_of(array):
    index = array.device.id
    d = _DEVICES.get(index)
    if d is None:
        from .._device import device
        d = _DEVICES[index] = device("cuda", index)
    return d


def to_numpy(array):
    return array.get()


def from_numpy(array, index=0):
    cupy = _import_cupy()
    with cupy.cuda.Device(index):
        return cupy.array(array, copy=True)


def to_device(array, index):
    """A copy of a CuPy array on GPU `index` (a copy also when it is there already)."""
    cupy = _import_cupy()
    with cupy.cuda.Device(index):
        return cupy.array(array, copy=True)


def as_strided(flat, shape, strides, byte_offset):
    cupy = _import_cupy()
    return cupy.ndarray(tuple(shape), flat.dtype, flat.data + byte_offset, tuple(strides))


def address(array):
    return array.data.ptr


def overlaps(a, b):
    # (CuPy's shares_memory is exact only with max_work=None: it compares element addresses)
    return bool(_import_cupy().shares_memory(a, b))


def scatter_add(target, index, values):
    add = _import_cupy().add
    if hasattr(add, "at"):
        add.at(target, index, values)
    else:       # a CuPy older than ufunc.at (CuPy 14 warns that this spelling is deprecated)
        import cupyx
        cupyx.scatter_add(target, index, values)


class RandomSource:
    """The random numbers of one GPU: CuPy's generator, seeded by `manual_seed` (its streams
    differ from PyTorch's CUDA ones; bit-identity is not the aim on the GPU)."""

    def __init__(self, index):
        self.index = index
        self.seed(0)

    def seed(self, seed):
        cupy = _import_cupy()
        with cupy.cuda.Device(self.index):
            self._state = cupy.random.RandomState(seed & 0xFFFFFFFFFFFFFFFF)

    def uniform(self, n, dtype):
        """`n` floats in [0, 1) of NumPy `dtype`."""
        work = dtype if dtype in (np.float32, np.float64) else np.float32
        with _import_cupy().cuda.Device(self.index):
            return self._state.random_sample(n, work).astype(dtype, copy=False)

    def normal(self, n, dtype):
        work = dtype if dtype in (np.float32, np.float64) else np.float32
        with _import_cupy().cuda.Device(self.index):
            return self._state.standard_normal(n, work).astype(dtype, copy=False)

    def integers(self, low, high, n):
        """`n` int64 in [low, high)."""
        with _import_cupy().cuda.Device(self.index):
            return self._state.randint(low, high, n, np.int64)

    def permutation(self, n):
        with _import_cupy().cuda.Device(self.index):
            return self._state.permutation(n).astype(np.int64, copy=False)

    def words(self, n):
        """`n` raw 32-bit words on the host (uint64), for the samplers written on the CPU."""
        with _import_cupy().cuda.Device(self.index):
            return self._state.randint(0, 1 << 32, n, np.int64).get().astype(np.uint64)
