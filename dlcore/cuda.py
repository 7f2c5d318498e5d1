"""dlcore.cuda: what PyTorch's torch.cuda offers a course (is_available, device_count, seeding...).

Importing it never imports CuPy; without a usable GPU `is_available()` is False and the rest
raises a message that says how to get one working.
"""
import os

from . import _device, _dtype
from ._device import _as_device, _cuda_backend

__all__ = ["is_available", "device_count", "current_device", "set_device", "get_device_name",
           "get_device_capability", "synchronize", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "initial_seed", "is_initialized", "device", "empty_cache",
           "memory_allocated"]


def _stand_in():
    return os.environ.get("DLCORE_FAKE_CUDA", "0") not in ("", "0")


def is_available():
    """Whether a CUDA GPU can be used (False, never an error, without CuPy or a GPU)."""
    if _stand_in():
        return True
    from .backend import cuda
    return cuda.is_available()


def device_count():
    """How many CUDA GPUs there are (0 without any)."""
    return _cuda_backend().device_count() if is_available() else 0


def is_initialized():
    return bool(_device._cuda)


def current_device():
    """The index of the GPU that `device='cuda'` means."""
    return _cuda_backend().current_device()


def set_device(device):
    """Make `device` (an index or 'cuda:N') the one `device='cuda'` means."""
    _cuda_backend().set_device(_index(device))


def _index(device):
    if device is None:
        return current_device()
    if isinstance(device, int) and not isinstance(device, bool):
        device = f"cuda:{device}"
    d = _as_device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return d.index


def get_device_name(device=None):
    """The GPU's name, e.g. 'NVIDIA H100 80GB HBM3'."""
    return _cuda_backend().get_device_name(_index(device))


def get_device_capability(device=None):
    """The GPU's (major, minor) compute capability, e.g. (9, 0) for an H100."""
    return _cuda_backend().compute_capability(_index(device))


def synchronize(device=None):
    """Wait until the GPU has finished all work queued on it (timings need this)."""
    _cuda_backend().synchronize(_index(device))


def empty_cache():
    """Hand the memory the GPU's pool keeps for reuse back to the driver."""
    _cuda_backend().empty_cache()


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors now."""
    return _cuda_backend().memory_allocated(_index(device))


class device:
    """`with dlcore.cuda.device(1):` makes GPU 1 the current one for the block."""

    def __init__(self, device):
        self.index = _index(device) if device is not None else None

    def __enter__(self):
        if self.index is not None:
            self.previous = current_device()
            set_device(self.index)

    def __exit__(self, *exc):
        if self.index is not None:
            set_device(self.previous)


# -- random numbers: one generator per GPU --------------------------------------------------------
def _generator(index):
    from ._generator import cuda_generator
    return cuda_generator(index)


def manual_seed(seed):
    """Seed the current GPU's generator (does nothing without a GPU, as in PyTorch)."""
    if is_available():
        _generator(current_device()).manual_seed(int(seed))


def manual_seed_all(seed):
    """Seed every GPU's generator (does nothing without a GPU)."""
    if is_available():
        for i in range(device_count()):
            _generator(i).manual_seed(int(seed))


def seed():
    if is_available():
        _generator(current_device()).seed()


def seed_all():
    if is_available():
        for i in range(device_count()):
            _generator(i).seed()


def initial_seed():
    return _generator(current_device()).initial_seed()


def _typed(dtype):
    from ._tensor import _TypedTensorClass
    return _TypedTensorClass(dtype, "cuda")


for _d in _dtype.ALL_DTYPES:
    _cls = _typed(_d)
    globals()[_cls.__name__] = _cls
del _d, _cls
