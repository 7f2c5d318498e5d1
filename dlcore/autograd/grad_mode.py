"""Grad modes: whether ops record the graph. Context managers that also work as decorators."""
import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled"]


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


_state = _GradState()     # read by every differentiable op: one attribute, no function call


def is_grad_enabled():
    """True when ops record the graph for backward (the default)."""
    return _state.enabled


class _GradModeContext:
    """Sets grad mode on `__enter__` and restores the previous mode on `__exit__`; used as a
    decorator, it does the same around every call of the decorated function."""

    _mode = True

    def __enter__(self):
        self._previous = _state.enabled
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def with_mode(*args, **kwargs):
            with self.__class__(*self._init_args()):
                return function(*args, **kwargs)
        return with_mode

    def _init_args(self):
        return ()


class no_grad(_GradModeContext):
    """Ops inside `with dlcore.no_grad():` record nothing (results don't require grad)."""

    _mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a `no_grad` block."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """`set_grad_enabled(False)` switches recording off at once (as a call) or for a block
    (as a context manager, restoring the previous mode after)."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError("set_grad_enabled(): argument 'enabled' (position 1) must be bool, "
                            f"not {type(mode).__name__}")
        self._mode = mode
        self._previous = _state.enabled
        _state.enabled = mode

    def __enter__(self):
        pass            # already set in __init__

    def __call__(self, function):
        _state.enabled = self._previous      # as a decorator it must not switch the mode now
        return super().__call__(function)

    def _init_args(self):
        return (self._mode,)


class inference_mode(_GradModeContext):
    """Here an alias of `no_grad` (PyTorch's also skips version counting; dlcore keeps it)."""

    def __init__(self, mode=True):
        self._mode = not mode

    def _init_args(self):
        return (not self._mode,)
