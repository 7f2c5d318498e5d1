"""A test-only stand-in for a CUDA device, backed by NumPy: on with DLCORE_FAKE_CUDA=1, never
by default.

It lets the test suite exercise the device plumbing (placement, moves, mismatch errors,
printing, `Module.to`, optimizer state) on machines without a GPU. Its arrays are a NumPy
subclass that behaves like CuPy's where dlcore could go wrong:
- mixing one with a plain NumPy array in a ufunc raises TypeError, as CuPy does, so code that
  builds an array with `np.` instead of the input's `xp` fails here as it would on a GPU;
- NumPy functions and ufunc methods are checked against CuPy's (when CuPy is installed): a name
  CuPy lacks, or a keyword it doesn't take, raises TypeError;
- indexing gives 0-d arrays rather than NumPy scalars, and `__array_interface__` is missing;
- integer index arrays are not bounds-checked but wrap around (modulo the dim's size), as
  CuPy's do, so a missing bounds check in dlcore shows here too; a value written where a mask
  selects nothing is not checked against the selection's shape;
- ufunc.accumulate exists only for add and multiply, and ufunc.at only where CuPy has it;
- some kernels compute as CuPy's do, not as NumPy's: floor_divide and remainder of floats go
  through floor(x / y), the sign of NaN is 0, integer power takes negative exponents, floats
  cast to small integers saturate;
- in a process forked from one that used it (a DataLoader worker), computing on it or moving
  data to it raises, as CUDA can't serve a forked child (basic indexing, a view, still works).
(What it cannot refuse: np.asarray and friends turn it into a host array silently, where CuPy
raises TypeError, since NumPy never asks an ndarray subclass.)
It computes with NumPy, so it says nothing about speed.
"""
import functools
import inspect
import os
import sys

import numpy as np

from . import FORKED_CUDA, cpu

name = "cuda"
_plain = np.ndarray
DEVICE_NAME = "dlcore fake CUDA device (NumPy stand-in for tests)"


_forked = False             # this process was forked after the stand-in was in use


def _note_fork():
    global _forked
    _forked = True


os.register_at_fork(after_in_child=_note_fork)


def _check_not_forked():
    if _forked:
        raise RuntimeError(FORKED_CUDA)


class FakeCudaArray(np.ndarray):
    """A NumPy array that claims to live on cuda:0."""

    _dlcore_backend = sys.modules[__name__]

    @property
    def __array_interface__(self):
        raise AttributeError("a (fake) CUDA array has no __array_interface__, as CuPy's has none: "
                             "use dlcore.backend.backend_of_array(a).address(a)")

    def astype(self, dtype, *args, **kwargs):
        """As CuPy's: a GPU converts floats to integers saturating (-2.0 -> 0 in uint8, NaN -> 0),
        where NumPy on a CPU lets them wrap around."""
        source, target = self.view(_plain), np.dtype(dtype)
        if source.dtype.kind == "f" and target.kind in "iu" and target.itemsize < 8:
            info = np.iinfo(target)
            source = np.clip(np.nan_to_num(source, nan=0.0), info.min, info.max)
        return _wrap(source.astype(target, *args, **kwargs))

    def get(self):
        """A NumPy copy on the host, as CuPy's `get()`."""
        return np.array(self.view(_plain), copy=True)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        _check_not_forked()
        _check_ufunc(ufunc, method, kwargs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        as_cupy = _CUPY_UFUNC_BEHAVIOUR.get(ufunc) if method == "__call__" else None
        if as_cupy is not None:
            ufunc = as_cupy(inputs)
        result = getattr(ufunc, method)(*[_unwrap(x) for x in inputs], **kwargs)
        if method == "at":
            return None
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(result)

    def __array_function__(self, func, types, args, kwargs):
        _check_not_forked()
        _check_function(func, args, kwargs)
        cupy_name = "cupy" + (func.__module__ or "numpy")[len("numpy"):]
        func = _CUPY_BEHAVIOUR.get((cupy_name, func.__name__), func)
        return _wrap(func(*_unwrap_all(args), **_unwrap_all(kwargs)))

    def __getitem__(self, key):
        result = _plain.__getitem__(self, _wrapped_around(self.shape, _unwrap_all(key)))
        return result if isinstance(result, _plain) else _wrap(result)

    def __setitem__(self, key, value):
        if type(value) is _plain:
            raise TypeError("Unsupported type <class 'numpy.ndarray'> (a NumPy array written "
                            "into a CUDA array: move it to the device first)")
        key = _wrapped_around(self.shape, _unwrap_all(key))
        if _has_mask(key) and _plain.__getitem__(self, key).size == 0:
            return          # as CuPy: nothing selected, so value's shape goes unchecked
        _plain.__setitem__(self, key, _unwrap(value))


def _has_mask(key):
    return any(isinstance(k, np.ndarray) and k.dtype.kind == "b"
               for k in (key if type(key) is tuple else (key,)))


def _unwrap(x):
    if type(x) is FakeCudaArray:
        return x.view(_plain)
    if type(x) is _plain:
        raise TypeError("Unsupported type <class 'numpy.ndarray'> (a NumPy array mixed with a "
                        "CUDA array, which CuPy refuses: move it to the device first)")
    return x


def _unwrap_all(x):
    """Fake arrays inside arguments made plain (plain NumPy index arrays are allowed there)."""
    if type(x) is FakeCudaArray:
        return x.view(_plain)
    if type(x) in (tuple, list):
        return type(x)(_unwrap_all(v) for v in x)
    if type(x) is dict:
        return {k: _unwrap_all(v) for k, v in x.items()}
    return x


def _wrapped_around(shape, key):
    """`key` with its integer index arrays taken modulo their dim's size: CuPy checks no bounds
    of index arrays (an index 5 of a dim of 3 reads element 2)."""
    items = key if type(key) is tuple else (key,)
    if not any(isinstance(k, np.ndarray) and k.dtype.kind in "iu" for k in items):
        return key

    def dims_used(k):
        if k is None or k is Ellipsis:
            return 0
        return k.ndim if isinstance(k, np.ndarray) and k.dtype.kind == "b" else 1
    used = sum(dims_used(k) for k in items)
    wrapped, axis = [], 0
    for k in items:
        if k is Ellipsis:
            axis += len(shape) - used
        elif isinstance(k, np.ndarray) and k.dtype.kind in "iu" and k.size and \
                axis < len(shape) and shape[axis]:
            k = k % shape[axis]
        axis += dims_used(k)
        wrapped.append(k)
    return tuple(wrapped) if type(key) is tuple else wrapped[0]


def _wrap(x):
    """Results made fake CUDA arrays: NumPy scalars become 0-d arrays, as CuPy returns."""
    if isinstance(x, _plain):
        return x.view(FakeCudaArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(FakeCudaArray)
    if type(x) in (tuple, list):
        return type(x)(_wrap(v) for v in x)
    return x


# -- checks against CuPy's API (only where CuPy is installed; it imports without a GPU) ------------
_UFUNC_KEYWORDS = {"__call__": {"out", "dtype", "casting"},
                   "reduce": {"axis", "dtype", "out", "keepdims"},
                   "accumulate": {"axis", "dtype", "out"},
                   "at": set(), "outer": set(), "reduceat": {"axis", "dtype", "out"}}


_CUPY_AT = {"add", "subtract", "maximum", "minimum"}     # the ufunc.at methods CuPy has


@functools.lru_cache(maxsize=None)
def _cupy():
    try:
        import cupy
        return cupy
    except ImportError:
        return None


def _check_ufunc(ufunc, method, kwargs):
    # ndarray methods (x.sum(), x.max()) pass NumPy's defaults for these: CuPy's methods don't
    if kwargs.get("where", False) is True:
        del kwargs["where"]
    if kwargs.get("initial", None) is np._NoValue:
        del kwargs["initial"]
    if method == "accumulate" and ufunc.__name__ not in ("add", "multiply"):
        raise NotImplementedError(f"`cupy_{ufunc.__name__}.accumulate` is not supported yet")
    if method == "at" and ufunc.__name__ not in _CUPY_AT:
        raise TypeError(f"operand type(s) all returned NotImplemented from __array_ufunc__"
                        f"(<ufunc '{ufunc.__name__}'>, 'at', ...): CuPy has no {ufunc.__name__}.at")
    extra = set(kwargs) - _UFUNC_KEYWORDS.get(method, set())
    if extra:
        raise TypeError(f"CuPy's {ufunc.__name__}.{method} takes no argument {sorted(extra)}")
    cupy = _cupy()
    if cupy is not None and not hasattr(cupy, ufunc.__name__):
        raise TypeError(f"CuPy has no ufunc {ufunc.__name__}")


@functools.lru_cache(maxsize=None)
def _cupy_signature(module, fname):
    cupy = _cupy()
    target = cupy
    for part in module.split(".")[1:]:
        target = getattr(target, part, None)
    f = getattr(target, fname, None)
    if f is None:
        return False
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):
        return None


def _check_function(func, args, kwargs):
    if _cupy() is None:
        return
    module = func.__module__ or "numpy"
    signature = _cupy_signature(module, func.__name__)
    if signature is False:
        raise TypeError(f"CuPy has no {module}.{func.__name__}: write it with functions CuPy has")
    if signature is not None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"CuPy's {func.__name__} does not take these arguments: {error}") \
                from None


# CuPy functions that behave otherwise than NumPy's at run time (beyond their signatures)
def _inv_past_zero_pivots(a):
    """cupy.linalg.inv: a singular matrix raises nothing (unless cupyx.errstate(linalg='raise'));
    the result is full of infs and NaNs."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        return np.full(a.shape, np.nan, a.dtype if a.dtype.kind == "f" else np.float64)


def _shares_memory(a, b, max_work=None):
    """cupy.shares_memory: exact for max_work=None, bounds only for 'MAY_SHARE_BOUNDS', and no
    integer work limit."""
    if max_work not in (None, "MAY_SHARE_EXACT", "MAY_SHARE_BOUNDS"):
        raise NotImplementedError("Not supported for integer `max_work`.")
    if max_work == "MAY_SHARE_BOUNDS":
        return np.may_share_memory(a, b)
    return np.shares_memory(a, b)


def _kinds(inputs):
    return {getattr(x, "dtype", np.dtype(type(x))).kind for x in inputs}


def _into(out, result):
    """`result` written into the ufunc's `out` (a 1-tuple), or returned where there is none."""
    if not isinstance(out, tuple):
        return result
    out[0][...] = result
    return out[0]


def _quotient_floor(x, y, dtype):
    """floor(x / y) as CuPy's kernels compute it: float16 in float32, rounded once at the end."""
    wide = np.float32 if dtype == np.float16 else dtype
    return np.floor(np.true_divide(x, y, dtype=wide))


def _floor_of_quotient(x, y, out=None, dtype=None, **kwargs):
    """cupy.floor_divide of floats: floor(x / y), which is not NumPy's (nor PyTorch's) formula:
    -21. // inf is -0. (NumPy: -1.), inf // 2.5 is inf (NumPy: nan), and float16 rounds otherwise."""
    dtype = np.dtype(dtype or np.result_type(x, y))
    with np.errstate(all="ignore"):
        return _into(out, _quotient_floor(x, y, dtype).astype(dtype, copy=False))


def _remainder_by_floor(x, y, out=None, dtype=None, **kwargs):
    """cupy.remainder of floats: x - floor(x / y) * y, not NumPy's fmod-based one: 5. % inf is
    nan (NumPy: 5.), and a large quotient loses the remainder's digits."""
    dtype = np.dtype(dtype or np.result_type(x, y))
    wide = np.float32 if dtype == np.float16 else dtype
    with np.errstate(all="ignore"):
        product = np.multiply(_quotient_floor(x, y, dtype), y, dtype=wide)
        return _into(out, np.subtract(x, product, dtype=wide).astype(dtype, copy=False))


def _sign_by_comparison(x, out=None, **kwargs):
    """cupy.sign of floats: (x > 0) - (x < 0), so the sign of NaN is 0 (NumPy: NaN)."""
    sign = np.subtract(np.greater(x, 0), np.less(x, 0), dtype=x.dtype, **kwargs)
    return _into(out, sign)


def _integral_power(x, e, out=None, **kwargs):
    """cupy.power of integers: a negative exponent raises nothing (NumPy: ValueError); x ** -k is
    1 for x = 1, +-1 for x = -1 and 0 otherwise."""
    negative = np.less(e, 0)
    power = np.power(x, np.where(negative, 0, e), **kwargs)
    odd = np.remainder(e, 2) != 0
    inverse = np.where(np.equal(x, 1), 1, np.where(np.equal(x, -1), np.where(odd, -1, 1), 0))
    return _into(out, np.where(negative, inverse, power).astype(power.dtype, copy=False))


def _for_kinds(emulation, numpy_ufunc, kinds):
    """Pick CuPy's `emulation` where the operands' dtype kinds call for it, else NumPy's ufunc."""
    return lambda inputs: emulation if kinds(_kinds(inputs)) else numpy_ufunc


# ufuncs whose CuPy kernels compute otherwise than NumPy's for some dtype kinds
_CUPY_UFUNC_BEHAVIOUR = {
    np.floor_divide: _for_kinds(_floor_of_quotient, np.floor_divide, lambda k: "f" in k),
    np.remainder: _for_kinds(_remainder_by_floor, np.remainder, lambda k: "f" in k),
    np.sign: _for_kinds(_sign_by_comparison, np.sign, lambda k: "f" in k),
    np.power: _for_kinds(_integral_power, np.power, lambda k: k <= set("iub")),
}


def _where_of_arrays(condition, *args):
    """cupy.where: the condition must be an array (a Python bool has no astype there)."""
    if isinstance(condition, (bool, int, float)):
        raise AttributeError(f"'{type(condition).__name__}' object has no attribute 'astype'")
    return np.where(condition, *args)


def _unique_of_numbers(ar, *args, **kwargs):
    """cupy.unique: finds neighbours that differ by subtracting them, which CuPy refuses for
    bools (NumPy compares them instead)."""
    if ar.dtype == np.bool_:
        raise TypeError("cupy boolean subtract, the `-` operator, is deprecated, use the "
                        "bitwise_xor, the `^` operator, or the logical_xor function instead.")
    return np.unique(ar, *args, **kwargs)


_CUPY_BEHAVIOUR = {("cupy.linalg", "inv"): _inv_past_zero_pivots,
                   ("cupy", "shares_memory"): _shares_memory,
                   ("cupy", "unique"): _unique_of_numbers,
                   ("cupy", "where"): _where_of_arrays}


# -- the namespace ops use as `xp` ----------------------------------------------------------------
class _Namespace:
    """numpy (or numpy.linalg, ...) whose functions return fake CUDA arrays, as cupy's do."""

    def __init__(self, module, cupy_name):
        self._module = module
        self._cupy_name = cupy_name

    def __getattr__(self, attr):
        value = getattr(self._module, attr)
        if attr == "ndarray":
            value = FakeCudaArray
        elif isinstance(value, type(np)):
            value = _Namespace(value, f"{self._cupy_name}.{attr}")
        elif callable(value) and not isinstance(value, (type, np.ufunc)):
            value = self._function(value, attr)
        setattr(self, attr, value)
        return value

    def _function(self, f, attr):
        module = self._cupy_name
        f = _CUPY_BEHAVIOUR.get((module, attr), f)

        @functools.wraps(f)
        def on_device(*args, **kwargs):
            _check_not_forked()
            if _cupy() is not None:
                signature = _cupy_signature(module, attr)
                if signature is False:
                    raise TypeError(f"CuPy has no {module}.{attr}")
                if signature is not None:
                    signature.bind(*args, **kwargs)
            return _wrap(f(*_unwrap_all(args), **_unwrap_all(kwargs)))
        return on_device


xp = _Namespace(np, "cupy")


# -- the backend interface (as in cpu.py and cuda.py) ------------------------------------------------
def is_available():
    return True


def device_count():
    return 1


def get_device_name(index):
    return DEVICE_NAME


def current_device():
    return 0


def set_device(index):
    pass


def synchronize(index=None):
    pass


def compute_capability(index):
    return (0, 0)


def empty_cache():
    pass


def memory_allocated(index):
    return 0


def device_of(array):
    from .._device import CUDA0
    return CUDA0


def to_numpy(array):
    return np.array(array.view(_plain), copy=True)


def from_numpy(array, index=0):
    _check_not_forked()
    return np.array(array, copy=True).view(FakeCudaArray)


def to_device(array, index):
    return from_numpy(array.view(_plain), index)


def as_strided(flat, shape, strides, byte_offset):
    base = flat.view(_plain)
    if byte_offset:
        base = base.reshape(-1)[byte_offset // base.itemsize:]      # (a flat storage array)
    return np.lib.stride_tricks.as_strided(base, tuple(shape), tuple(strides)).view(FakeCudaArray)


def address(array):
    return array.view(_plain).__array_interface__["data"][0]


def overlaps(a, b):
    return cpu.overlaps(a.view(_plain), b.view(_plain))


def scatter_add(target, index, values):
    np.add.at(target.view(_plain), _unwrap_all(index), _unwrap(values))


class RandomSource:
    """Random numbers of the stand-in device: NumPy's PCG64, seeded by `manual_seed`."""

    def __init__(self, index):
        self.index = index
        self.seed(0)

    def seed(self, seed):
        self._rng = np.random.Generator(np.random.PCG64(seed & 0xFFFFFFFFFFFFFFFF))

    def uniform(self, n, dtype):
        work = dtype if dtype in (np.float32, np.float64) else np.float32
        return self._rng.random(n, work).astype(dtype, copy=False).view(FakeCudaArray)

    def normal(self, n, dtype):
        work = dtype if dtype in (np.float32, np.float64) else np.float32
        return self._rng.standard_normal(n, work).astype(dtype, copy=False).view(FakeCudaArray)

    def integers(self, low, high, n):
        return self._rng.integers(low, high, n, np.int64).view(FakeCudaArray)

    def permutation(self, n):
        return self._rng.permutation(n).astype(np.int64).view(FakeCudaArray)

    def words(self, n):
        return self._rng.integers(0, 1 << 32, n, np.uint64)
