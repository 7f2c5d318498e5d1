"""dlcore.accelerator: PyTorch's device-agnostic view of "the GPU, if there is one", as PyTorch's
own tutorials pick a device:

    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \
        else "cpu"

dlcore's one accelerator is CUDA (through CuPy); without a usable GPU there is none, and asking
for its device index raises PyTorch's error.
"""
from . import cuda as _cuda
from ._device import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize", "memory_allocated", "empty_cache"]

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    """Whether there is an accelerator (a CUDA GPU): False, never an error, without one."""
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """device(type='cuda') where there is a GPU; None where there is none (with
    check_available=False too: dlcore knows no accelerator that is built but absent)."""
    return _device("cuda") if is_available() else None


def device_count():
    return _cuda.device_count()


def _accelerator():
    if not is_available():
        raise RuntimeError(_NONE)
    return _cuda


def current_device_index():
    return _accelerator().current_device()


def set_device_index(device, /):
    _accelerator().set_device(device)


def synchronize(device=None, /):
    _accelerator().synchronize(device)


def memory_allocated(device_index=None, /):
    return _accelerator().memory_allocated(device_index)


def empty_cache():
    _accelerator().empty_cache()
