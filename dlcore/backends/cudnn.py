"""dlcore.backends.cudnn: PyTorch's cuDNN switches. dlcore calls no cuDNN (its GPU ops are CuPy's
kernels and cuBLAS), so the switches are kept, and checked as PyTorch checks them, but change
nothing: `is_available()` says so, as a PyTorch built without cuDNN does."""
import contextlib
import sys
import types


def is_available():
    """False: dlcore does not use cuDNN."""
    return False


def version():
    """None: no cuDNN is loaded."""
    return None


# each switch: its default and the name PyTorch's setter gives in its error for a non-bool
_SWITCHES = {"enabled": (True, "set_enabled_cudnn"), "benchmark": (False, "set_benchmark_cudnn"),
             "deterministic": (False, "set_deterministic_cudnn"),
             "allow_tf32": (True, "set_allow_tf32_cublas")}
_values = {name: default for name, (default, _) in _SWITCHES.items()}


def _switch(name):
    def get(module):
        return _values[name]

    def set(module, value):
        if type(value) is not bool:
            raise RuntimeError(f"{_SWITCHES[name][1]} expects a bool, but got "
                               f"{type(value).__name__}")
        _values[name] = value
    return property(get, set)


class _CudnnModule(types.ModuleType):
    enabled = _switch("enabled")
    benchmark = _switch("benchmark")
    deterministic = _switch("deterministic")
    allow_tf32 = _switch("allow_tf32")


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """`with dlcore.backends.cudnn.flags(enabled=False):` the switches set for the block."""
    module = sys.modules[__name__]
    saved = dict(_values)
    try:
        for name, value in (("enabled", enabled), ("benchmark", benchmark),
                            ("deterministic", deterministic), ("allow_tf32", allow_tf32)):
            setattr(module, name, value)
        yield
    finally:
        _values.update(saved)


sys.modules[__name__].__class__ = _CudnnModule
