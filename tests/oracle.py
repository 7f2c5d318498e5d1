"""Comparing a dlcore call with the same call on PyTorch (the tests' oracle): equal results, or
the same exception with the same message. Shared by the differential test files."""
import warnings

import numpy as np
import pytest

import dlcore

torch = pytest.importorskip("torch")


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
        assert type(d._data) is np.ndarray            # 0-d results are arrays, not NumPy scalars
        a, b = d.numpy(), t.numpy()
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
            with pytest.raises(_builtin_type(type(e))) as info:
                fn(dlcore)
            if messages and not isinstance(e, TypeError):
                assert str(info.value) == str(e).replace("torch.", "dlcore.")
            return
        got = fn(dlcore)
    assert_same(got, expected, rtol, atol)
