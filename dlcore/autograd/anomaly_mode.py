"""Anomaly mode: when a backward fails, say which forward line made the failing node.

With `dlcore.autograd.set_detect_anomaly(True)` (or inside `with detect_anomaly():`) every node
the forward records remembers the Python stack of the call that created it. When its backward
then fails (a saved tensor modified in place, a graph already freed, a bug in a formula), the
error is re-raised with that stack appended after "The forward call that caused this error:",
and, as PyTorch does, a UserWarning "Error detected in MulBackward0. Traceback of forward call
that caused the error: ..." is issued. With `check_nan=True` (the default) a backward that
returns NaN raises "Function 'SqrtBackward0' returned nan values in its 0th output."

It costs a stack capture per recorded op, so it is for debugging only; when off it costs nothing.

How it hooks in: `remember(node)` must run for each node the forward records and
`run_node(apply, node, grads)` around each backward formula. Until the engine calls them itself,
switching anomaly mode on wraps `graph._record` and `engine._apply` (and switching it off puts the
originals back), so the engine's hot path is untouched when anomaly mode is off.
"""
import functools
import os
import traceback
import warnings
import weakref

from ..backend import array_module

from .._tensor import Tensor

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]

_DLCORE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_VERSION_HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its "
                 "gradient, with dlcore.autograd.set_detect_anomaly(True, check_nan=False).")
_ANOMALY_HINT = ("Hint: the backtrace further above shows the operation that failed to compute "
                 "its gradient. The variable in question was changed in there or anywhere later. "
                 "Good luck!")
_HEADER = "The forward call that caused this error:\n"


class _AnomalyState:
    __slots__ = ("enabled", "check_nan")

    def __init__(self):
        self.enabled = False
        self.check_nan = True


_state = _AnomalyState()
_forward_stacks = weakref.WeakKeyDictionary()    # node -> the formatted stack that created it


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return _state.enabled


def is_anomaly_check_nan_enabled():
    """True when anomaly detection also raises on NaN gradients (on by default)."""
    return _state.check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    """Switch anomaly detection on or off (the function behind the context managers)."""
    _state.enabled = bool(enabled)
    _state.check_nan = bool(check_nan)
    if _state.enabled:
        _install()
    else:
        _uninstall()


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside its block.

    Warns, as PyTorch does, that it slows everything down: use it to find a bug, then remove it."""

    def __init__(self, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False

    def __call__(self, function):
        """As a decorator (dlcore's addition): anomaly detection on during each call."""
        @functools.wraps(function)
        def with_anomaly_detection(*args, **kwargs):
            previous = is_anomaly_enabled(), is_anomaly_check_nan_enabled()
            set_anomaly_enabled(True, self.check_nan)
            try:
                return function(*args, **kwargs)
            finally:
                set_anomaly_enabled(*previous)
        return with_anomaly_detection


class set_detect_anomaly:
    """`set_detect_anomaly(True)` switches anomaly detection on at once (a plain call) or for a
    block (`with set_detect_anomaly(True): ...`, restoring the previous setting after)."""

    def __init__(self, mode, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass            # already set in __init__

    def __exit__(self, *exc):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
        return False


# -- what the engine calls ----------------------------------------------------------------------
def remember(node):
    """Keep the stack of the forward call creating `node` (user frames only, not dlcore's)."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not os.path.abspath(f.filename).startswith(_DLCORE_DIR + os.sep)]
    _forward_stacks[node] = "".join(traceback.format_list(frames))


def forward_stack(node):
    """The formatted stack that created `node` ("" when it was made with anomaly mode off)."""
    return _forward_stacks.get(node, "")


def run_node(apply, node, grads):
    """`apply(node, grads)` (a node's backward), explaining failures and catching NaNs."""
    try:
        input_grads = apply(node, grads)
    except Exception as error:
        _explain(error, node)
        raise
    if _state.check_nan:
        for k, g in enumerate(input_grads):
            if isinstance(g, Tensor) and g._data.dtype.kind == "f" and bool(
                    array_module(g._data).isnan(g._data).any()):
                error = RuntimeError(f"Function '{node.name()}' returned nan values in its "
                                     f"{k}th output.")
                _explain(error, node)
                raise error
    return input_grads


def _explain(error, node):
    """Warn like PyTorch and append the forward stack to `error`'s message (in place)."""
    stack = forward_stack(node)
    if not stack:
        return
    warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the "
                  f"error:\n{stack}", stacklevel=2)
    if error.args and isinstance(error.args[0], str):
        message = error.args[0].replace(_VERSION_HINT, _ANOMALY_HINT)
        error.args = (f"{message}\n\n{_HEADER}{stack}",) + error.args[1:]


# -- hooking into the engine until it calls the functions above itself ---------------------------
_originals = {}


def _install():
    if _originals:
        return
    from . import engine, graph
    record, apply = graph._record, engine._apply
    _originals["record"], _originals["apply"] = record, apply

    def _record_remembering(*args, **kwargs):
        node = record(*args, **kwargs)
        if node is not None:
            remember(node)
        return node

    def _apply_explaining(node, grads):
        return run_node(apply, node, grads)

    graph._record = _record_remembering
    engine._apply = _apply_explaining


def _uninstall():
    if not _originals:
        return
    from . import engine, graph
    graph._record = _originals.pop("record")
    engine._apply = _originals.pop("apply")
