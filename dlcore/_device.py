"""device('cpu'): where a tensor's storage lives; each device owns its backend."""
from .backend import cpu as _cpu_backend

__all__ = ["device"]


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


CPU = device("cpu")


def _as_device(d):
    """A device from whatever the user passed (None means CPU)."""
    if d is None or d is CPU:
        return CPU
    if isinstance(d, int) and not isinstance(d, bool):
        d = device("cuda", d)
    d = device(d)
    if d.type != "cpu":
        raise RuntimeError(
            f"device '{d}' is not available: this build of dlcore runs on the CPU only. "
            "Use device='cpu' (the default).")
    return CPU


def backend_of(d):
    return _cpu_backend
