"""The NumPy stand-in for a GPU (dlcore/backend/fake_cuda.py) must behave as CuPy does where dlcore
could go wrong, or CI would pass code that fails on a GPU. Each case below is something CuPy
computes otherwise than NumPy, or refuses: checked on the stand-in everywhere, and on a machine
with a GPU also against CuPy itself, result for result, so the stand-in cannot drift from what it
stands in for."""
import importlib
import math

import numpy as np
import pytest

from dlcore.backend import fake_cuda

from .conftest import _cuda_works

INF, NAN = math.inf, math.nan
FLOATS = (np.float16, np.float32, np.float64)


def _cupy_on_a_gpu():
    return importlib.import_module("cupy") if _cuda_works() else None


def _array_modules():
    yield pytest.param(fake_cuda.xp, id="stand-in")
    yield pytest.param("cupy", id="cupy", marks=pytest.mark.skipif(
        _cupy_on_a_gpu() is None, reason="needs CuPy and a GPU: compares the stand-in with CuPy"))


@pytest.fixture(params=list(_array_modules()))
def xp(request):
    return _cupy_on_a_gpu() if request.param == "cupy" else request.param


# (what, computation on an array module, what CuPy gives): NaN == NaN, and a zero's sign counts
COMPUTED = [
    *[(f"floor_divide {t.__name__}: floor(x / y), not NumPy's fmod-based formula",
       lambda xp, t=t: xp.floor_divide(xp.asarray([-21., INF, 7., -7.], t),
                                       xp.asarray([INF, 2.5, 2., 2.], t)),
       [-0., INF, 3., -4.]) for t in FLOATS],
    *[(f"remainder {t.__name__}: x - floor(x / y) * y (5 % inf is nan, not 5)",
       lambda xp, t=t: xp.remainder(xp.asarray([5., -5., 7.5, -7.5], t),
                                    xp.asarray([INF, INF, -2., 2.], t)),
       [NAN, NAN, -0.5, 0.5]) for t in FLOATS],
    *[(f"sign {t.__name__}: (x > 0) - (x < 0), so the sign of NaN is 0",
       lambda xp, t=t: xp.sign(xp.asarray([NAN, -0., 2., -INF], t)),
       [0., 0., 1., -1.]) for t in FLOATS],
    ("power of integers: a negative exponent gives 0, 1 or -1 (NumPy refuses)",
     lambda xp: xp.power(xp.asarray([2, 1, -1, -1, 3, 0]), xp.asarray([-1, -2, -3, -2, 2, -1])),
     [0, 1, -1, 1, 9, 0]),
    ("floats cast to uint8 saturate, NaN gives 0 (NumPy wraps around)",
     lambda xp: xp.asarray([-2., 300., NAN, 7.9]).astype(np.uint8), [0, 255, 0, 7]),
    ("floats cast to int8 saturate",
     lambda xp: xp.asarray([-200., 200., NAN, -7.9], np.float32).astype(np.int8),
     [-128, 127, 0, -7]),
    ("floats cast to int32 saturate",
     lambda xp: xp.asarray([3e9, -3e9, NAN]).astype(np.int32), [2 ** 31 - 1, -2 ** 31, 0]),
    ("an integer index array past the end wraps around instead of raising",
     lambda xp: xp.arange(3)[xp.asarray([5, -4])], [2, 2]),
    ("a 0-d result of indexing stays an array",
     lambda xp: xp.arange(3)[1] + xp.zeros((1,), np.int64), [1]),
]


@pytest.mark.parametrize("what, compute, cupy_gives", COMPUTED, ids=[c[0] for c in COMPUTED])
def test_computes_as_cupy(xp, what, compute, cupy_gives):
    result = compute(xp)
    assert type(result) is (fake_cuda.FakeCudaArray if xp is fake_cuda.xp else xp.ndarray), what
    got = result.get()
    expected = np.asarray(cupy_gives, dtype=got.dtype)
    np.testing.assert_array_equal(got, expected, err_msg=what)
    if got.dtype.kind == "f":                    # (a NaN's sign bit is nobody's promise)
        numbers = ~np.isnan(expected)
        np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(expected[numbers]),
                                      err_msg=what)
    if xp is fake_cuda.xp and _cupy_on_a_gpu() is not None:    # and the same as CuPy computes
        from_cupy = compute(_cupy_on_a_gpu()).get()
        np.testing.assert_array_equal(got, from_cupy, err_msg=what)


def _set_through_an_empty_mask(xp):
    a = xp.zeros(3)
    a[xp.zeros(3, dtype=bool)] = xp.ones(2)      # nothing selected: the value's shape unchecked
    return a


# (what, computation, the exception CuPy raises, or None where it raises nothing NumPy would)
REFUSED = [
    ("mixing with a NumPy array", lambda xp: xp.ones(2) + np.ones(2), TypeError),
    ("unique of bools (CuPy subtracts neighbours)",
     lambda xp: xp.unique(xp.asarray([True, False])), TypeError),
    ("where with a Python bool as the condition", lambda xp: xp.where(True, xp.ones(1), 0),
     AttributeError),
    ("maximum.accumulate", lambda xp: xp.maximum.accumulate(xp.ones(2)), NotImplementedError),
    ("shares_memory with an integer max_work",
     lambda xp: xp.shares_memory(xp.ones(2), xp.ones(2), max_work=10), NotImplementedError),
    ("a value of the wrong shape written where a mask selects nothing",
     _set_through_an_empty_mask, None),
    ("inv of a singular matrix", lambda xp: xp.linalg.inv(xp.asarray([[1., 2.], [2., 4.]])), None),
]


@pytest.mark.parametrize("what, compute, raises", REFUSED, ids=[c[0] for c in REFUSED])
def test_refuses_as_cupy(xp, what, compute, raises):
    if raises is None:
        compute(xp)
    else:
        with pytest.raises(raises):
            compute(xp)


@pytest.mark.skipif(_cupy_on_a_gpu() is None,
                    reason="needs CuPy and a GPU: compares the stand-in with CuPy")
@pytest.mark.parametrize("dtype", FLOATS, ids=lambda t: t.__name__)
def test_emulated_kernels_agree_with_cupy_on_random_values(dtype):
    cupy = _cupy_on_a_gpu()
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(4000) * 100).astype(dtype)
    y = (rng.standard_normal(4000) * 3).astype(dtype)
    x[:8], y[8:16] = [INF, -INF, NAN, 0., -0., 1e4, -1e4, 3.], [INF, -INF, NAN, 0., -0., 1., -1., .5]
    for name in ("floor_divide", "remainder"):
        on_stand_in = getattr(np, name)(fake_cuda.xp.asarray(x), fake_cuda.xp.asarray(y)).get()
        on_cupy = getattr(cupy, name)(cupy.asarray(x), cupy.asarray(y)).get()
        np.testing.assert_array_equal(on_stand_in, on_cupy, err_msg=f"{name} {dtype.__name__}")
    np.testing.assert_array_equal(np.sign(fake_cuda.xp.asarray(x)).get(),
                                  cupy.sign(cupy.asarray(x)).get())
