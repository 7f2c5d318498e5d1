"""DLPack: share a tensor's memory with NumPy, PyTorch, CuPy... without copying.

DLPack is a small C struct (data pointer, dtype, shape, strides, device) that array libraries
hand each other. A producer implements `__dlpack__()` (returns the struct in a capsule) and
`__dlpack_device__()` (returns `(device_type, device_id)`); a consumer's `from_dlpack(x)` calls
them and wraps the same memory. dlcore tensors are producers (`Tensor.__dlpack__`, used by
`numpy.from_dlpack(t)` and `torch.from_dlpack(t)`), and `from_dlpack` below is the consumer.
"""
import numpy as np

from .._device import _as_device, backend_of
from .._tensor import _wrap
from ..ops.creation import from_numpy

__all__ = ["from_dlpack"]

# DLPack's device types (dlpack.h): the ones whose memory the CPU can read directly
_CPU_READABLE = {1: "cpu", 3: "cuda_host", 11: "rocm_host"}
_GPU = {2: "cuda", 10: "rocm", 13: "cuda_managed"}


def from_dlpack(ext_tensor):
    """A dlcore tensor over the memory of `ext_tensor`, any object with `__dlpack__`
    (a NumPy array, a PyTorch tensor, a CuPy array, a dlcore tensor): no copy is made, so a
    write into one shows in the other. dlcore runs on the CPU: GPU memory raises."""
    if not hasattr(ext_tensor, "__dlpack__"):
        if type(ext_tensor).__name__ == "PyCapsule":
            raise TypeError("from_dlpack(): DLPack capsules are not supported; pass the array or "
                            "tensor itself (an object with __dlpack__)")
        raise TypeError("from_dlpack(): expected an object with __dlpack__ (a NumPy array, a "
                        f"PyTorch tensor, a CuPy array...), got {type(ext_tensor).__name__}")
    device_type, device_id = ext_tensor.__dlpack_device__()
    if device_type in _GPU:
        device = _as_device(f"cuda:{device_id}")     # raises dlcore's "no GPU" error if none
        return _wrap(backend_of(device).xp.from_dlpack(ext_tensor))
    if device_type not in _CPU_READABLE:
        raise RuntimeError(f"from_dlpack(): DLPack device type {device_type} is not supported; "
                           "dlcore reads CPU memory only")
    try:
        array = np.from_dlpack(ext_tensor)
    except RuntimeError as error:
        if "dtype" not in str(error):
            raise
        raise TypeError("from_dlpack(): the tensor's dtype has no dlcore equivalent. The only "
                        "supported types are: float64, float32, float16, int64, int32, int16, "
                        "int8, uint8, and bool.") from None
    return from_numpy(array)
