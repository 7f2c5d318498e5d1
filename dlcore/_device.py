"""device('cpu'), device('cuda:0'): where a tensor's storage lives; each device owns its backend
(NumPy for the CPU, CuPy for CUDA: see `backend/`)."""
import os

from .backend import cpu as _cpu_backend

__all__ = ["device", "set_default_device", "get_default_device"]


class device:
    """`dlcore.device('cpu')`, `device('cuda:0')`, `device('cuda', 0)`; compares and prints like PyTorch's."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_device, index=None):
        if isinstance(type_or_device, device):
            return type_or_device
        if not isinstance(type_or_device, str):
            raise TypeError(f"device() expects a string like 'cpu' or 'cuda:0', got "
                            f"{type(type_or_device).__name__}")
        spec = type_or_device.strip()
        kind, _, idx = spec.partition(":")
        if kind not in ("cpu", "cuda") or (idx and not idx.isdigit()) or (idx and index is not None):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type_or_device)
        if idx:
            index = int(idx)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self = object.__new__(cls)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)
        return self

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __reduce__(self):
        return (device, (str(self),))

    # `with dlcore.device('cuda'):` makes it the default device inside the block, as in PyTorch
    def __enter__(self):
        _previous_defaults.append(_default_device)
        set_default_device(self)
        return self

    def __exit__(self, *exc_info):
        set_default_device(_previous_defaults.pop())


CPU = device("cpu")
CUDA0 = device("cuda", 0)
_CUDA_DEVICES = {0: CUDA0}
_cuda = []      # the CUDA backend module once chosen: CuPy's, or the test-only stand-in
# Where creation ops without `device=` put tensors: None until `set_default_device` (the CPU).
# Kept as given ('cuda' without an index follows the current GPU, as in PyTorch).
_default_device = None
_previous_defaults = []     # the defaults that `with device(...)` blocks put back on exit


def set_default_device(device_):
    """Make creation ops (`tensor`, `zeros`, `rand`, ..., not `from_numpy` nor the `*_like` ones,
    which follow their input) put tensors on `device_` when they get no `device=`.
    `None` goes back to the CPU."""
    global _default_device
    if device_ is None:
        _default_device = None
        return
    if isinstance(device_, int) and not isinstance(device_, bool):
        device_ = device("cuda", device_)
    device_ = device(device_)
    _default_device = CPU if device_ == CPU else device_


def get_default_device():
    """The device creation ops use when they get no `device=` (a CUDA one with its index)."""
    return _as_device(None)


def _cuda_backend():
    """The backend of CUDA devices, or RuntimeError saying that there is no GPU and what to do.

    DLCORE_FAKE_CUDA=1 in the environment picks the NumPy stand-in (for tests, never by default)."""
    if not _cuda:
        if os.environ.get("DLCORE_FAKE_CUDA", "0") not in ("", "0"):
            from .backend import fake_cuda as backend
        else:
            from .backend import cuda as backend
            if not backend.is_available():
                raise RuntimeError(backend.unavailable_message())
        _cuda.append(backend)
    return _cuda[0]


def _cuda_device(index):
    d = _CUDA_DEVICES.get(index)
    if d is None:
        d = _CUDA_DEVICES[index] = device("cuda", index)
    return d


def _as_device(d):
    """A device from whatever the user passed (None means the default device, the CPU unless
    `set_default_device` said otherwise; 'cuda' means the current GPU), checked to exist."""
    if d is None:
        d = _default_device                 # None until set_default_device: the CPU
    if d is None or d is CPU:
        return CPU
    if isinstance(d, int) and not isinstance(d, bool):
        d = device("cuda", d)
    d = device(d)
    if d.type == "cpu":
        return CPU
    backend = _cuda_backend()
    index = backend.current_device() if d.index is None else d.index
    count = backend.device_count()
    if index >= count:
        raise RuntimeError(f"CUDA error: invalid device ordinal\nDevice index {index} is out of "
                           f"range: this machine has {count} CUDA device{'s' * (count != 1)} "
                           f"(cuda:0{f' to cuda:{count - 1}' if count > 1 else ''}).")
    return _cuda_device(index)


def backend_of(d):
    """The backend module of a device (NumPy's for the CPU)."""
    if d.type == "cpu":
        return _cpu_backend
    return _cuda_backend()
