"""Comparing a dlcore call with the same call on PyTorch (the tests' oracle): equal results, or
the same exception with the same message. Shared by the differential test files."""
import re
import warnings

import numpy as np
import pytest

import dlcore
from dlcore.backend import array_module

torch = pytest.importorskip("torch")

# dlcore's messages are this PyTorch's, word for word. Another version words some otherwise (the
# GPU machine's image has 2.11): with it, only the exception types are compared.
MIRRORED_TORCH = "2.13."
MIRRORED = torch.__version__.startswith(MIRRORED_TORCH)


def assert_same_message(ours, theirs):
    """Our message equals the oracle's (with dlcore for torch), if the oracle is the PyTorch
    whose messages dlcore mirrors."""
    if MIRRORED:
        assert ours == theirs.replace("torch.", "dlcore.")


def comparable_message(error):
    """An exception's message, as compared with the oracle's: with the PyTorch dlcore mirrors,
    word for word (dlcore for torch); with another version, only the exception's type."""
    return str(error).replace("torch.", "dlcore.") if MIRRORED else type(error).__name__


def mirrored_only(what):
    """A test case's mark where other PyTorch versions behave otherwise (`what` says how)."""
    return pytest.mark.skipif(not MIRRORED, reason=f"dlcore mirrors PyTorch {MIRRORED_TORCH}x, "
                                                   f"and PyTorch {torch.__version__} {what}")


def skip_unless_mirrored(what):
    """Skip a comparison where another PyTorch version behaves otherwise than the one dlcore
    mirrors (`what` says how), saying so; with the mirrored version, do nothing."""
    if not MIRRORED:
        pytest.skip(f"dlcore mirrors PyTorch {MIRRORED_TORCH}x, and PyTorch {torch.__version__} "
                    f"{what}")


def _builtin_type(exc_type):
    """PyTorch raises subclasses such as torch._C._LinAlgError; compare the builtin base."""
    return next(c for c in exc_type.__mro__ if c.__module__ == "builtins")


def assert_same(d, t, rtol=1e-5, atol=1e-6):
    """dlcore result `d` equals PyTorch result `t`: types, named-tuple fields, dtypes, shapes,
    values (floats to a tolerance, NaN where NaN; everything else exactly)."""
    if isinstance(t, torch.Tensor):
        assert isinstance(d, dlcore.Tensor), type(d)
        assert str(d.dtype) == str(t.dtype).replace("torch.", "dlcore.")
        assert tuple(d.shape) == tuple(t.shape)
        # on the test's default device (DLCORE_TEST_DEVICE): no op silently falls back to the CPU
        assert d.device == dlcore.get_default_device(), d.device
        assert is_plain_array(d)                      # 0-d results are arrays, not NumPy scalars
        a, b = d.cpu().numpy(), t.numpy()
        if b.dtype.kind == "f":
            np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol,
                                       atol=atol, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)
    elif isinstance(t, tuple):
        assert isinstance(d, tuple) and len(d) == len(t)
        assert type(d).__name__ == type(t).__name__       # max, sort, ... (or tuple)
        for x, y in zip(d, t):
            assert_same(x, y, rtol, atol)
    else:
        assert d == t


def compare(fn, rtol=1e-5, atol=1e-6, messages=True):
    """Run fn(dlcore) and fn(torch): the same result, or the same exception (and message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # var()'s degrees-of-freedom warning, in both
        try:
            expected = fn(torch)
        except Exception as e:  # noqa: BLE001  (any error PyTorch raises, dlcore must raise too)
            raises_like(e, lambda: fn(dlcore), messages)
            return
        got = fn(dlcore)
    assert_same(got, expected, rtol, atol)


def raises_like(theirs, run, messages=True):
    """run() raises as PyTorch did (`theirs`): the same builtin type and, if `messages` (and the
    error is no TypeError, whose argument positions dlcore counts its own way), the same message."""
    try:
        run()
    except _builtin_type(type(theirs)) as ours:
        if messages and not isinstance(theirs, TypeError):
            assert_same_message(str(ours), str(theirs))
        return
    pytest.fail(f"DID NOT RAISE {type(theirs).__name__} ({theirs})")


def raises_type_error_like_torch(fn):
    """fn(dlcore) raises TypeError as fn(torch) does (only the type is compared: dlcore counts
    argument positions its own way)."""
    with pytest.raises(TypeError):
        fn(dlcore)
    with pytest.raises(Exception) as theirs:
        fn(torch)
    if theirs.type is not TypeError:
        skip_unless_mirrored(f"raises {theirs.type.__name__} here ({theirs.value})")
    assert theirs.type is TypeError


def shares_memory(a, b):
    """Whether two dlcore tensors' arrays overlap in memory, on any device (NumPy's or CuPy's
    shares_memory on the arrays themselves: `.numpy()` would copy a GPU tensor). A 0-d array is
    compared as a 1-element view, because CuPy's shares_memory never finds overlap for one."""
    def at_least_1d(array):
        return array.reshape(1) if array.ndim == 0 else array
    return array_module(a._data).shares_memory(at_least_1d(a._data), at_least_1d(b._data))


def is_plain_array(t):
    """A tensor's data is an array of its device's library: not a NumPy scalar, and on the CPU a
    plain ndarray (no subclass)."""
    return not isinstance(t._data, np.generic) and (t.is_cuda or type(t._data) is np.ndarray)


def on_default_device(message):
    """A CPU message as PyTorch words it on the tests' default device: CUDA tensors' types are
    `torch.cuda.FloatTensor`, so `dlcore.FloatTensor` becomes `dlcore.cuda.FloatTensor`."""
    if dlcore.get_default_device().type != "cuda":
        return message
    return re.sub(r"\bdlcore\.(\w+Tensor)\b", r"dlcore.cuda.\1", message)
