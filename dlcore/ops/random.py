"""Random sampling: seeds, generators, and PyTorch's CPU streams reproduced number for number.

`dlcore.manual_seed(s)` followed by `rand`/`randn`/`randint`/`randperm`/... gives the numbers
`torch.manual_seed(s)` gives on an x86-64 CPU, so a seeded notebook prints what PyTorch prints.
Each sampler draws raw 32-bit Mersenne Twister words from a `Generator` (`dlcore/_generator.py`)
in one vectorised call and transforms them with the formulas of PyTorch's kernels
(ATen's TransformationHelper.h, DistributionsHelper.h, cpu/DistributionTemplates.h):

  uniform float32   24 bits of one word:   (w & (2**24 - 1)) * 2**-24, then x*(to-from)+from
                    rounded once (the compiled kernel uses an FMA); float16 is sampled in float32
  uniform float64   53 bits of a 64-bit word made of two draws (first one high)
  randint/random_   w % range + low  (64-bit words when range >= 2**32)
  randperm          swaps with partner i + w % (n - i), i = 0 .. n-2 (vectorised, see _randperm)
  randn, >= 16      "normal_fill": uniforms for every element, Box-Muller on blocks of 16
  contiguous        (u1 = 1 - u[j], u2 = u[j+8]); when n % 16 != 0 the last 16 are redone from
                    16 fresh uniforms. float32 (and float16, computed in float32) runs PyTorch's
                    AVX2 kernel (Cephes polynomials of avx_mathfun.h, with the FMAs GCC fused),
                    emulated here operation by operation in float32.
  randn, < 16 or    serial Box-Muller in float64 on two 53-bit uniforms, r = sqrt(-2 log1p(-u2));
  not contiguous    the sine half of each pair is cached in the generator for the next call
  bernoulli_(p), exponential_, geometric_, cauchy_, log_normal_: one 53-bit uniform per element
  bernoulli(p tensor): 24-bit float uniform (float p) or 53-bit (double p) compared with p
  multinomial       without replacement: argmax/topk of p / Exp(1); with: inverse CDF search

Exactness, checked against torch 2.13 on x86-64 (tests/test_random.py):
  * bit-identical: rand, rand_like, uniform_, randint, randint_like, random_ (every dtype),
    randperm, randn/randn_like/normal/normal_ (float32, float16; both the blocked and the serial
    path, the cached sample, non-contiguous targets, interleavings), bernoulli, bernoulli_,
    exponential_, geometric_, cauchy_, log_normal_, multinomial, Generator objects, and the
    state itself: get_rng_state() holds PyTorch's bytes and can be moved between the libraries.
  * float64 results of log/log1p/exp/tan-based samplers (randn, normal, exponential_, ...):
    bit-identical up to 4096 values per call, where they use the C library's functions as
    PyTorch does (`_libm`); above that NumPy's vectorised functions, within 1 ulp.
  * not reproduced: poisson (PyTorch's per-element rejection sampler is sequential; dlcore seeds
    NumPy's vectorised sampler from the stream: same distribution, other numbers); the order
    multinomial gives to zero-probability categories when asked for more samples than there
    are non-zero ones (PyTorch's order comes from std::nth_element); randperm with n >= 2**32/20.
PyTorch builds without AVX2 (ARM, or ATEN_CPU_CAPABILITY=default) run a scalar float32 randn
whose numbers differ in the last bits from the AVX2 ones reproduced here.
"""
import contextlib
import math
import warnings

import numpy as np

from .. import _dtype
from .._device import CPU, _as_device, backend_of
from ..backend import array_module, backend_of_array
from .._generator import (CudaGenerator, Generator, _resolve, default_generator,
                          manual_seed_all)
from .._tensor import Tensor, _wrap
from ._common import _broadcast_shape, _parse_size
from ._registry import op

_f32, _f64 = np.float32, np.float64
_MANTISSA_BITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}
# C++ type names PyTorch prints in some messages ("to - 1 is out of bounds for unsigned char")
_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
              "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
              "int32": "int", "int64": "long int", "bool": "bool"}

op(Generator, names=("Generator",), method=False)
op(default_generator, names=("default_generator",), method=False)


# ==== seeds and state ============================================================================
@op(method=False)
def manual_seed(seed):
    """Seed the default generator (and so every sampling op without `generator=`); returns it."""
    return manual_seed_all(int(seed))     # the GPUs' generators too, as in PyTorch


@op(method=False)
def seed():
    """Seed the default generator from the OS's entropy; returns the 64-bit seed used."""
    return default_generator.seed()


@op(method=False)
def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


@op(method=False)
def get_rng_state():
    """The default generator's state: a uint8 tensor (5056 bytes, PyTorch's own layout)."""
    return default_generator.get_state()


@op(method=False)
def set_rng_state(new_state):
    """Restore a state returned by `get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """`with fork_rng():` runs a block and then puts the default generator's state back."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


# ==== small helpers ==============================================================================
def _fmt(x):
    """A number as C++'s ostream prints a double (PyTorch's messages): 2 -> '2', 0.1 -> '0.1'."""
    return "%g" % x


def _float_dtype(dtype, kernel):
    """The dlcore dtype to sample (default dtype if None); PyTorch's error for non-float ones."""
    dtype = dtype or _dtype.get_default_dtype()
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{dtype._typed_name}\'')
    return dtype


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _memory_dims(array):
    """array's dims from the largest stride to the smallest: walking them in that nesting visits
    memory in order, which is how PyTorch's TensorIterator fills a strided tensor."""
    return sorted(range(array.ndim), key=lambda d: array.strides[d], reverse=True)


def _memory_order(array):
    """A view of `array` whose C-order walk is its memory order."""
    return array if array.flags.c_contiguous else array.transpose(_memory_dims(array))


def _fill(self, values):
    """Write `values` (flat, in draw order) into tensor `self` in its memory order."""
    target = _memory_order(self._data)
    if type(target) is not np.ndarray and type(values) is np.ndarray:   # drawn on the host
        values = backend_of_array(target).from_numpy(values, self.device.index)
    if any(st == 0 and sh > 1 for st, sh in zip(target.strides, target.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    target[...] = values.reshape(target.shape)
    return self


def _new(shape, values, dtype, requires_grad=False, device=CPU):
    """A fresh contiguous tensor of `shape` holding `values` (flat, in draw order) on `device`."""
    values = values.astype(dtype.np, copy=False).reshape(shape)
    if device is not CPU and type(values) is np.ndarray:
        values = backend_of(device).from_numpy(values, device.index)
    return _finish(_wrap(values), requires_grad)


def _empty(shape, np_dtype, device=CPU):
    """A new array to fill, on `device` (a device, or a tensor whose device it takes)."""
    if hasattr(device, "_data"):
        return array_module(device._data).empty(shape, np_dtype)
    return (np if device is CPU else backend_of(device).xp).empty(shape, np_dtype)


def _on_gpu(gen):
    """The GPU random source to draw from directly, or None (draw words on the host)."""
    return gen._source if type(gen) is CudaGenerator else None


def _size_and_kwargs(size, fname, out, device, size_kw=None):
    """The shape from `f(2, 3)`, `f((2, 3))` or `f(size=(2, 3))`; checks `out=` and `device=`."""
    _as_device(device)
    if size_kw is not None:
        if size:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        size = (size_kw,)
    shape = _parse_size(size, fname)
    if out is not None and tuple(out.shape) != shape:
        raise RuntimeError(f"{fname}(): out= needs a tensor of shape {list(shape)}, got "
                           f"{list(out.shape)} (dlcore does not resize outputs)")
    return shape


# ==== exact arithmetic: a*b + c rounded once, as the FMA instructions in PyTorch's kernels =====
def _fma32(a, b, c):
    """float32 a*b + c rounded once. The float32 product is exact in float64; the float64 sum is
    rounded again to float32, which is only wrong when it lands exactly halfway between two
    float32 values while the exact sum did not: those rare elements are nudged by the lost error."""
    total = np.multiply(a, b, dtype=_f64)
    total += c
    result = total.astype(_f32)
    halfway = (total.view(np.uint64) & 0x1FFFFFFF) == 0x10000000
    if halfway.any():
        where = np.nonzero(halfway)
        product = (np.broadcast_to(a, total.shape)[where].astype(_f64)
                   * np.broadcast_to(b, total.shape)[where])
        addend = np.broadcast_to(c, total.shape)[where].astype(_f64)
        rounded = total[where]
        error = _two_sum_error(product, addend, rounded)
        nudged = np.nextafter(rounded, np.where(error > 0, np.inf, -np.inf))
        result[where] = np.where(error == 0, result[where], nudged.astype(_f32))
    return result


def _two_sum_error(a, b, s):
    """The exact rounding error of s = fl(a + b) (Knuth's TwoSum)."""
    b_virtual = s - a
    return (a - (s - b_virtual)) + (b - b_virtual)


def _split(x):
    """Veltkamp's split of a float64 into two halves of 26 bits each (hi + lo == x)."""
    t = x * 134217729.0
    hi = t - (t - x)
    return hi, x - hi


def _fma64(a, b, c):
    """float64 a*b + c with (practically always) a single rounding: Dekker's exact product and
    TwoSum, summed from the small end."""
    a, b = np.asarray(a, _f64), np.asarray(b, _f64)
    product = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    product_error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    total = product + c
    return total + (_two_sum_error(product, c, total) + product_error)


# The C library's log, log1p, exp and tan (which PyTorch calls) and NumPy's vectorised ones
# differ in the last bit for 0.3-7% of float64 inputs (sin, cos and sqrt agree). Small batches
# go through Python's `math` (the same C library) element by element, so float64 results match
# PyTorch bit for bit; larger ones stay vectorised, within one ulp.
_LIBM_BATCH = 4096


def _libm(name, x):
    """math.<name> over the float64 array x: the C library's values for small x, NumPy's else."""
    if x.size > _LIBM_BATCH:
        return getattr(np, name)(x)
    f = getattr(math, name)
    return np.array([f(v) for v in x.reshape(-1).tolist()], _f64).reshape(x.shape)


# ==== uniform words -> numbers ===================================================================
def _uniform01(gen, n, work):
    """`n` uniforms on [0, 1) as PyTorch's uniform_real_distribution: float32 keeps the low 24
    bits of one 32-bit word, float64 the low 53 bits of a 64-bit word (two draws)."""
    if work == _f64:
        words = gen._random64(n) & np.uint64((1 << 53) - 1)
        return words.astype(_f64) * 2.0 ** -53
    words = gen._random(n) & np.uint64((1 << 24) - 1)
    return words.astype(_f32) * _f32(2.0 ** -24)


def _work_dtype(np_dtype):
    """PyTorch's "opmath" type: float16 is sampled and transformed in float32, then rounded."""
    return _f64 if np_dtype == _f64 else _f32


def _uniform_values(gen, n, np_dtype, low, high):
    """`uniform_(low, high)`'s values: x * (to - from) + from, fused, kept below `to`."""
    work = _work_dtype(np_dtype)
    x = _uniform01(gen, n, work)
    if low == 0 and high == 1:
        return x.astype(np_dtype, copy=False)          # x * 1 + 0 == x exactly
    frm, to = work(low), work(high)                    # the bounds are cast first, as in PyTorch
    values = _fma64(x, to - frm, frm) if work == _f64 else _fma32(x, to - frm, frm)
    values = values.astype(np_dtype, copy=False)
    # rounding can reach `to`; PyTorch keeps the interval half-open by returning `from` instead
    return np.where(values == np_dtype.type(high), np_dtype.type(low), values)


def _check_uniform(dtype, low, high):
    info = np.finfo(dtype.np)
    cpp = _CPP_NAMES[dtype._name]
    for value, name in ((low, "from"), (high, "to")):
        if not (info.min <= value <= info.max):
            raise RuntimeError(f"{name} is out of bounds for {cpp}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(low)} > to={_fmt(high)}")
    if high - low > info.max:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{cpp}>::max(), but "
                           f"found to={_fmt(high)} and from={_fmt(low)} which result in to-from "
                           f"to exceed the limit")


# ==== normal: PyTorch's AVX2 float32 kernel, emulated ============================================
# avx_mathfun.h (Cephes-based) log256_ps and sincos256_ps, step for step in float32. GCC fuses a
# multiply into the add that follows it; the fused steps below are the ones that reproduce
# PyTorch's numbers exactly (checked over 2**25 samples).
_LOG_POLY = [_f32(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                               -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                               2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_MIN_NORM_POS = np.array(0x00800000, np.int32).view(_f32)


def _log256_ps(x):
    """Natural log of float32 values in (0, 1] the way PyTorch's AVX2 kernel computes it."""
    x = np.maximum(x, _MIN_NORM_POS)
    bits = x.view(np.int32)
    exponent = ((bits >> 23) - 0x7F).astype(_f32) + _f32(1)
    x = ((bits & ~0x7F800000) | 0x3F000000).view(_f32)       # mantissa scaled into [0.5, 1)
    small = x < _f32(0.707106781186547524)
    x = (x - _f32(1)) + np.where(small, x, _f32(0))
    exponent -= small.astype(_f32)
    z = x * x
    y = np.full_like(x, _LOG_POLY[0])
    for c in _LOG_POLY[1:]:
        y = _fma32(y, x, c)
    y = y * x
    y = _fma32(y, z, exponent * _f32(-2.12194440e-4))
    y = _fma32(-z, _f32(0.5), y)
    return _fma32(exponent, _f32(0.693359375), x + y)


def _sincos256_ps(x):
    """(sin, cos) of float32 values in [0, 2*pi) the way PyTorch's AVX2 kernel computes them."""
    sign_sin = np.signbit(x)
    x = np.abs(x)
    octant = (((x * _f32(1.27323954473516)).astype(np.int32) + 1) & ~1)
    y = octant.astype(_f32)
    # extended-precision reduction x - y * pi/4, in three fused steps
    x = _fma32(y, _f32(-0.78515625), x)
    x = _fma32(y, _f32(-2.4187564849853515625e-4), x)
    x = _fma32(y, _f32(-3.77489497744594108e-8), x)
    sign_sin ^= (octant & 4) != 0
    sign_cos = (~(octant - 2) & 4) != 0
    use_sin_poly = (octant & 2) == 0
    z = x * x
    cos_poly = _fma32(np.full_like(z, _f32(2.443315711809948E-005)), z,
                      _f32(-1.388731625493765E-003))
    cos_poly = _fma32(cos_poly, z, _f32(4.166664568298827E-002))
    cos_poly = _fma32(cos_poly * z, z, -(z * _f32(0.5))) + _f32(1)
    sin_poly = _fma32(np.full_like(z, _f32(-1.9515295891E-4)), z, _f32(8.3321608736E-3))
    sin_poly = _fma32(sin_poly, z, _f32(-1.6666654611E-1))
    sin_poly = _fma32(sin_poly * z, x, x)
    sin = np.where(use_sin_poly, sin_poly, cos_poly)
    cos = np.where(use_sin_poly, cos_poly, sin_poly)
    return np.where(sign_sin, -sin, sin), np.where(sign_cos, -cos, cos)


def _box_muller_16(u, mean, std):
    """PyTorch's NormalFill16 on rows of 16 uniforms: u[:, :8] give radii, u[:, 8:] angles."""
    if u.dtype == _f32:
        radius = np.sqrt(_f32(-2) * _log256_ps(_f32(1) - u[:, :8]))
        sin, cos = _sincos256_ps(_f32(2 * math.pi) * u[:, 8:])
        first, second = radius * cos, radius * sin
        if std == 1:                                   # fma(x, 1, mean) == x + mean exactly
            return np.concatenate([first + _f32(mean), second + _f32(mean)], axis=1)
        return np.concatenate([_fma32(first, _f32(std), _f32(mean)),
                               _fma32(second, _f32(std), _f32(mean))], axis=1)
    # float64: the scalar template with the C library's log and std::fma
    radius = np.sqrt(-2 * _libm("log", 1 - u[:, :8]))
    theta = 2 * math.pi * u[:, 8:]
    first, second = radius * np.cos(theta), radius * np.sin(theta)
    if std == 1:
        return np.concatenate([first + mean, second + mean], axis=1)
    return np.concatenate([_fma64(first, std, mean), _fma64(second, std, mean)], axis=1)


def _normal_fill(gen, n, np_dtype, mean, std):
    """PyTorch's normal_fill for n >= 16 contiguous values: Box-Muller on blocks of 16 uniforms;
    when n % 16 != 0 the last 16 values are recomputed from 16 fresh uniforms."""
    work = _work_dtype(np_dtype)
    whole = n - n % 16
    # float32/float64 draw a uniform for every element first; float16 only for the whole blocks
    u = _uniform01(gen, n if work == np_dtype else whole, work)
    values = np.empty(n, work)
    values[:whole] = _box_muller_16(u[:whole].reshape(-1, 16), mean, std).reshape(-1)
    if n % 16:
        tail = _uniform01(gen, 16, work).reshape(1, 16)
        values[n - 16:] = _box_muller_16(tail, mean, std).reshape(-1)
    return values.astype(np_dtype, copy=False)


def _serial_normal(gen, n, mean, std):
    """PyTorch's normal_distribution<double>, one element after another: each Box-Muller pair
    gives r*cos now and caches r*sin in the generator for the next element (or next call)."""
    values = np.empty(n, _f64)
    start = 0
    if n and gen._next_double_normal is not None:
        values[0] = gen._next_double_normal
        gen._next_double_normal = None
        start = 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = _uniform01(gen, 2 * pairs, _f64).reshape(pairs, 2)
        radius = np.sqrt(-2.0 * _libm("log1p", -u[:, 1]))
        theta = 2.0 * math.pi * u[:, 0]
        both = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)
        values[start:] = both[:n - start]
        if (n - start) % 2:
            gen._next_double_normal = float(both[-1])
    if std == 1:
        return values + mean
    return _fma64(values, std, mean)


def _normal_values(gen, n, np_dtype, mean, std, contiguous=True):
    """The values `normal_(mean, std)` writes into n elements of a tensor of `np_dtype`."""
    if n >= 16 and contiguous:
        return _normal_fill(gen, n, np_dtype, mean, std)
    return _serial_normal(gen, n, mean, std).astype(np_dtype)


def _check_std(std):
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


# ==== integers ===================================================================================
def _bounds_check(low, high_inclusive, dtype):
    """PyTorch's check_from_to_in_range: errors outside the dtype, warnings past float precision."""
    cpp = _CPP_NAMES[dtype._name]
    if dtype.is_floating_point:
        info = np.finfo(dtype.np)
        lo, hi = float(info.min), float(info.max)
    elif dtype is _dtype.bool_:
        lo, hi = 0, 1
    else:
        info = np.iinfo(dtype.np)
        lo, hi = int(info.min), int(info.max)
    for value, name in ((low, "from"), (high_inclusive, "to - 1")):
        if not lo <= value <= hi:
            raise RuntimeError(f"{name} is out of bounds for {cpp}")
    if dtype.is_floating_point:
        digits = _MANTISSA_BITS[dtype.np]
        for value, name in ((low, "from"), (high_inclusive, "to - 1")):
            if not -(1 << digits) <= value <= (1 << digits):
                warnings.warn(f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {cpp} can support discrete uniform "
                              "distribution only within this range. This warning will become an "
                              "error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=4)


def _integers(gen, n, low, span, dtype):
    """random_(low, low + span)'s values: word % span + low (64-bit words for spans >= 2**32)."""
    wide = span >= 1 << 32 and dtype in (_dtype.int64, _dtype.float64, _dtype.float32)
    words = gen._random64(n) if wide else gen._random(n)
    if span == 1 << 64:                              # from = -2**63, no `to`: the raw word
        return words.astype(np.int64)
    # C++: (int64)(word % span + low), wrapping; NumPy int64 arithmetic wraps the same way
    return (words % np.uint64(span)).astype(np.int64) + np.int64(low)


def _full_range_integers(gen, n, dtype):
    """random_() with no bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
    if dtype is _dtype.bool_:
        return gen._random(n) & np.uint64(1)
    if dtype in (_dtype.int64, _dtype.float64):
        words = gen._random64(n)
    else:
        words = gen._random(n)
    if dtype.is_floating_point:
        modulus = (1 << _MANTISSA_BITS[dtype.np]) + 1
    else:
        modulus = int(np.iinfo(dtype.np).max) + 1
    return (words % np.uint64(modulus)).astype(np.int64)


def _exact_in_float(value, digits, up):
    """PyTorch's update_from/update_to: move a bound the float dtype cannot hold exactly inward."""
    step = 1 if up else -1
    if abs(value + step) <= 1 << digits:
        return value                                  # exactly representable: nothing to do
    rounded = np.float64(value + step).astype(_float_np(digits))
    if not np.isfinite(rounded):
        return value                                  # out of the dtype: the bounds check says so
    rounded = int(rounded)
    if (rounded < value) if up else (rounded >= value):
        magnitude = abs(value + step).bit_length() - 1
        return rounded + step * (1 << (magnitude - digits + 1))
    return value


def _float_np(digits):
    return {11: np.float16, 24: np.float32, 53: np.float64}[digits]


def _random_bounds(self, low, high):
    """(low, span) for `random_(low, high)` on self's dtype, with PyTorch's checks."""
    dtype = self.dtype
    if high is not None:
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
        if dtype.is_floating_point:
            digits = _MANTISSA_BITS[dtype.np]
            low = _exact_in_float(low, digits, up=True)
            high = _exact_in_float(high, digits, up=False)
            if low >= high:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than 'to' "
                                   f"casted to dtype, but got from={low} >= to={high}")
        _bounds_check(low, high - 1, dtype)
        return low, high - low
    if dtype.is_floating_point:
        high_inclusive = min(1 << _MANTISSA_BITS[dtype.np], (1 << 63) - 1)
    elif dtype is _dtype.bool_:
        high_inclusive = 1
    else:
        high_inclusive = int(np.iinfo(dtype.np).max)
    _bounds_check(low, high_inclusive, dtype)
    return low, high_inclusive - low + 1


def _as_int(x, fname, name):
    if isinstance(x, bool) or not hasattr(x, "__index__"):
        raise TypeError(f"{fname}(): argument '{name}' must be int, not {type(x).__name__}")
    return x.__index__()


# ==== randperm, vectorised =======================================================================
def _randperm(gen, n):
    """PyTorch's randperm: for i in 0..n-2 swap a[i] with a[z_i], z_i = i + word % (n - i).

    The swaps are sequential, but their result has a closed form. Just before step i, position i
    holds cur(i): the value the last earlier swap *into* i brought (cur of that step), else i.
    Step i outputs a[z_i] (= cur(i) when z_i == i; else what the last earlier swap into z_i
    brought, or z_i itself) and leaves cur(i) at z_i. So: two "last earlier step with the same
    target" look-ups (one sort) and a pointer-jumping pass along the chains of cur."""
    if n < 2:
        return np.arange(n, dtype=np.int64)
    steps = np.arange(n - 1, dtype=np.int64)
    partner = steps + gen._random(n - 1).astype(np.int64) % (n - steps)
    # steps sorted by (partner, step): one sort of a combined key (faster than a stable argsort)
    order, sorted_partner = np.divmod(np.sort(partner * (n - 1) + steps), n - 1)[::-1]
    same = sorted_partner[1:] == sorted_partner[:-1]
    earlier_same = np.full(n - 1, -1, np.int64)     # last earlier step with the same partner
    earlier_same[order[1:][same]] = order[:-1][same]
    # last earlier swap into position p: the group's last step, unless that is p's self-swap
    last_in_group = np.append(~same, True)
    moved, target = order[last_in_group], sorted_partner[last_in_group]
    swapped_in = np.full(n, -1, np.int64)
    swapped_in[target] = np.where(target == moved, earlier_same[moved], moved)
    # cur(i) = cur(swapped_in[i]) down the chain, = i at its root: resolve by pointer jumping
    cur = np.where(swapped_in >= 0, swapped_in, np.arange(n))
    while True:
        deeper = cur[cur]
        if np.array_equal(deeper, cur):
            break
        cur = deeper
    result = np.empty(n, np.int64)
    result[:-1] = np.where(partner == steps, cur[:-1],
                           np.where(earlier_same >= 0, cur[np.maximum(earlier_same, 0)], partner))
    result[-1] = cur[-1]
    return result


# ==== creation ops ===============================================================================
@op(method=False)
def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform samples on [0, 1): PyTorch's numbers for the same seed."""
    shape = _size_and_kwargs(args, "rand", out, device, size)
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    if out is not None:
        return uniform_(out, generator=generator)
    device = _as_device(device)
    gen = _resolve(generator, device)
    if _on_gpu(gen):
        return _new(shape, _on_gpu(gen).uniform(math.prod(shape), dtype.np), dtype, requires_grad)
    values = _uniform_values(gen, math.prod(shape), dtype.np, 0, 1)
    return _new(shape, values, dtype, requires_grad, device)


@op(method=False)
def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    """`rand` with input's shape (and dtype unless `dtype=` is given)."""
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype,
                device=input.device if device is None else device, requires_grad=requires_grad)


@op(method=False)
def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal samples: PyTorch's numbers for the same seed."""
    shape = _size_and_kwargs(args, "randn", out, device, size)
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    if out is not None:
        return normal_(out, generator=generator)
    device = _as_device(device)
    gen = _resolve(generator, device)
    if _on_gpu(gen):
        return _new(shape, _on_gpu(gen).normal(math.prod(shape), dtype.np), dtype, requires_grad)
    values = _normal_values(gen, math.prod(shape), dtype.np, 0.0, 1.0)
    return _new(shape, values, dtype, requires_grad, device)


@op(method=False)
def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None):
    """`randn` with input's shape (and dtype unless `dtype=` is given)."""
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype,
                 device=input.device if device is None else device, requires_grad=requires_grad)


def _randint_args(args, low, high, size, fname):
    """randint's overloads: (high, size), (low, high, size), with any of them as keywords."""
    args = list(args)
    if size is None and args:
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None and args:
        low = args.pop()
    if args or high is None or size is None or not isinstance(size, (tuple, list)):
        got = ", ".join(type(a).__name__ for a in (*args, low, high, size) if a is not None)
        raise TypeError(f"{fname}() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (int high, tuple of ints size, ...)\n"
                        " * (int low, int high, tuple of ints size, ...)")
    low = 0 if low is None else _as_int(low, fname, "low")
    return low, _as_int(high, fname, "high"), size


@op(method=False)
def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False):
    """Integers uniform on [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    low, high, size = _randint_args(args, low, high, size, "randint")
    shape = _size_and_kwargs((size,), "randint", out, device)
    target = out if out is not None else _wrap(_empty(shape, (dtype or _dtype.int64).np,
                                                      _as_device(device)))
    random_(target, low, high, generator=generator)
    return _finish(target, requires_grad)


@op(method=False)
def randint_like(input, *args, low=None, high=None, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None):
    """`randint_like(input, high)` or `randint_like(input, low, high)`: input's shape and dtype."""
    low, high, _ = _randint_args((*args, input.shape), low, high, None, "randint_like")
    target = _wrap(_empty(input.shape, (dtype or input.dtype).np,
                          input if device is None else _as_device(device)))
    random_(target, low, high, generator=generator)
    return _finish(target, requires_grad)


@op(method=False)
def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0..n-1 (int64 unless `dtype=`), PyTorch's for the same seed."""
    device = _as_device(device) if out is None else out.device
    n = _as_int(n, "randperm", "n")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = dtype or (out.dtype if out is not None else _dtype.int64)
    if dtype.is_floating_point and n > (1 << _MANTISSA_BITS[dtype.np]) + 1:
        raise RuntimeError(f"n cannot be greater than 2^{_MANTISSA_BITS[dtype.np]}+1 for "
                           f"{dtype._typed_name} type.")
    if n >= (2 ** 32 - 1) // 20:
        raise RuntimeError("randperm: n >= 214748364 (PyTorch's 64-bit shuffle) is not supported")
    gen = _resolve(generator, device)
    values = _on_gpu(gen).permutation(n) if _on_gpu(gen) else _randperm(gen, n)
    if out is not None:
        return _fill(out, values)
    return _new((n,), values, dtype, requires_grad, device)


# ==== in-place samplers (Tensor methods) =========================================================
@op(function=False)
def uniform_(self, from_=0, to=1, *, generator=None, **kwargs):
    """Fill with uniform samples on [from, to) (`from` is a keyword too, as in PyTorch)."""
    low = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    dtype = _float_dtype(self.dtype, "check_uniform_bounds")
    _check_uniform(dtype, low, to)
    gen = _resolve(generator, self)
    if _on_gpu(gen):
        u = _on_gpu(gen).uniform(self._data.size, dtype.np)
        return _fill(self, (u * (to - low) + low).astype(dtype.np, copy=False))
    return _fill(self, _uniform_values(gen, self._data.size, dtype.np, low, to))


@op(function=False)
def normal_(self, mean=0, std=1, *, generator=None):
    """Fill with normal samples N(mean, std**2): PyTorch's numbers for the same seed."""
    dtype = _float_dtype(self.dtype, "normal_kernel_cpu")
    _check_std(std)
    gen = _resolve(generator, self)
    if _on_gpu(gen):
        z = _on_gpu(gen).normal(self._data.size, dtype.np)
        return _fill(self, (z * std + mean).astype(dtype.np, copy=False))
    values = _normal_values(gen, self._data.size, dtype.np, mean, std,
                            contiguous=self._data.flags.c_contiguous)
    return _fill(self, values)


@op(function=False)
def random_(self, *args, generator=None, **kwargs):
    """Fill with integers: `random_()` over the dtype's range, `random_(to)`, `random_(from, to)`
    (`from=`/`to=` keywords too)."""
    if len(args) > 2 or set(kwargs) - {"from", "to"}:
        raise TypeError("random_() received an invalid combination of arguments: expected "
                        "(), (int to), or (int from, int to)")
    low, to = (0, args[0]) if len(args) == 1 else (tuple(args) + (0, None))[:2]
    low, to = kwargs.get("from", low), kwargs.get("to", to)
    gen = _resolve(generator, self)
    if not args and not kwargs:
        return _fill(self, _full_range_integers(gen, self._data.size, self.dtype))
    low = _as_int(low, "random_", "from")
    to = None if to is None else _as_int(to, "random_", "to")
    low, span = _random_bounds(self, low, to)
    return _fill(self, _integers(gen, self._data.size, low, span, self.dtype))


def _expand(array, shape):
    """array broadcast to `shape` (PyTorch's expand: only size-1 dims stretch)."""
    if array.ndim <= len(shape):
        aligned = (1,) * (len(shape) - array.ndim) + array.shape
        for dim, (have, want) in enumerate(zip(aligned, shape)):
            if have != want and have != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({want}) must match the existing size "
                    f"({have}) at non-singleton dimension {dim}.  Target sizes: {list(shape)}.  "
                    f"Tensor sizes: {list(array.shape)}")
    return np.broadcast_to(array, shape)


def _bernoulli_tensor_values(gen, self, p):
    """One uniform per element of self (memory order) compared with p broadcast to self."""
    p_data = p._data
    if p_data.dtype.kind != "f":
        raise NotImplementedError(f'"bernoulli_tensor_cpu_p_" not implemented for '
                                  f"'{p.dtype._typed_name}'")
    p_data = _expand(p_data, self._data.shape)
    # p follows self's memory order, as TensorIterator walks them together
    if not self._data.flags.c_contiguous:
        p_data = p_data.transpose(_memory_dims(self._data))
    p_flat = p_data.reshape(-1)
    if np.any((p_flat < 0) | (p_flat > 1)) or np.isnan(p_flat).any():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could "
                           "this error message be improved?  If so, please report an enhancement "
                           "request to PyTorch.)")
    if p_flat.dtype == np.float64:
        return _uniform01(gen, p_flat.size, _f64) < p_flat
    return _uniform01(gen, p_flat.size, _f32) < p_flat.astype(_f32)


@op(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 (probability p) or 0; p is a number or a tensor broadcastable to self."""
    gen = _resolve(generator, self)
    if isinstance(p, Tensor):
        if type(p._data) is not np.ndarray:          # drawn on the host: p read there too
            p = p.cpu()
        return _fill(self, _bernoulli_tensor_values(gen, self, p))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    if _on_gpu(gen):                                 # dropout's masks: drawn on the GPU
        return _fill(self, _on_gpu(gen).uniform(self._data.size, _f32) < p)
    return _fill(self, _uniform01(gen, self._data.size, _f64) < p)


@op
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples: with probabilities `input` (p=None), or with probability p everywhere."""
    # PyTorch fills a contiguous result (whatever input's layout), reading p in logical order
    result = out if out is not None else _wrap(_empty(input._data.shape, input._data.dtype, input))
    if p is None:
        return bernoulli_(result, input, generator=generator)
    return bernoulli_(result, p, generator=generator)


def _continuous_check(self, name, style):
    if not self.is_floating_point():
        shown = self.dtype._typed_name if style == "scalar" else _CPP_NAMES[self.dtype._name]
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified {shown}")


def _exponential_values(gen, n, lambd):
    # PyTorch: (-1 / lambda) * log1p(-u) in double, u uniform on [0, 1)
    return (-1.0 / lambd) * _libm("log1p", -_uniform01(gen, n, _f64))


@op(function=False)
def exponential_(self, lambd=1, *, generator=None):
    """Fill with Exp(lambd) samples."""
    _continuous_check(self, "Exponential", "scalar")
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    return _fill(self, _exponential_values(_resolve(generator, self), self._data.size, lambd))


@op(function=False)
def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    u = _uniform01(_resolve(generator, self), self._data.size, _f64)
    return _fill(self, np.ceil(_libm("log", u) / math.log(1 - p)))


@op(function=False)
def cauchy_(self, median=0, sigma=1, *, generator=None):
    """Fill with Cauchy(median, sigma) samples."""
    _continuous_check(self, "Cauchy", "cpp")
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    u = _uniform01(_resolve(generator, self), self._data.size, _f64)
    return _fill(self, median + sigma * _libm("tan", math.pi * (u - 0.5)))


@op(function=False)
def log_normal_(self, mean=1, std=2, *, generator=None):
    """Fill with exp(N(mean, std**2)) samples."""
    _continuous_check(self, "LogNormal", "cpp")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    values = _serial_normal(_resolve(generator, self), self._data.size, mean, std)
    return _fill(self, _libm("exp", values))


# ==== normal, multinomial, poisson ===============================================================
@op(method=False)
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, pin_memory=False, requires_grad=False):
    """N(mean, std**2) samples: `normal(mean_tensor, std_tensor)`, `normal(mean_tensor, std)`,
    `normal(mean, std_tensor)`, or `normal(mean, std, size)` with numbers."""
    where = next((x for x in (mean, std) if isinstance(x, Tensor)), None)
    # numbers only: `device=` or the CPU (PyTorch's set_default_device leaves normal out)
    where = where if where is not None else (
        None if out is not None else CPU if device is None else _as_device(device))
    gen = _resolve(generator, out if out is not None else where)
    mean_is_tensor, std_is_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mean_is_tensor and not std_is_tensor:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one "
                            "of:\n * (Tensor mean, Tensor std, ...)\n * (Tensor mean, float std, "
                            "...)\n * (float mean, Tensor std, ...)\n * (float mean, float std, "
                            "tuple of ints size, ...)")
        shape = _size_and_kwargs((size,), "normal", out, device)
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        _check_std(std)
        target = out if out is not None else _wrap(_empty(shape, dtype.np, where))
        return _finish(normal_(target, mean, std, generator=gen), requires_grad)
    if size is not None:
        raise TypeError("normal(): 'size' is only accepted when mean and std are both numbers")
    if std_is_tensor:
        _float_dtype(std.dtype, "normal_kernel_cpu")
        if std._data.size and not (std._data >= 0).all():
            raise RuntimeError("normal expects all elements of std >= 0.0")
    if mean_is_tensor and not std_is_tensor:
        # PyTorch: empty_like(mean).normal_(0, std).add_(mean)
        _check_std(std)
        dtype = _float_dtype(mean.dtype, "normal_kernel_cpu")
        result = normal_(_wrap(_empty(mean.shape, dtype.np, mean)), 0, std, generator=gen)
        values = (result._data + mean._data).astype(dtype.np, copy=False)
    else:
        # PyTorch: output.normal_(0, 1).mul_(std).add_(mean)
        like = mean if mean_is_tensor else std
        shape = _broadcast_shape(mean.shape, std.shape) if mean_is_tensor else tuple(std.shape)
        dtype = _float_dtype(like.dtype, "normal_kernel_cpu")
        result = normal_(_wrap(_empty(shape, dtype.np, like)), generator=gen)
        mean_data = mean._data if mean_is_tensor else dtype.np.type(mean)
        values = ((result._data * std._data).astype(dtype.np, copy=False) + mean_data)
        values = values.astype(dtype.np, copy=False)
    if out is not None:
        out._data[...] = values
        return out
    return _wrap(array_module(values).ascontiguousarray(values))


def _multinomial_checks(input, num_samples, replacement):
    x = input._data
    if x.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if x.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype._typed_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > x.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if x.shape[-1] > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")


@op
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the rows of `input` (unnormalised probabilities)."""
    num_samples = _as_int(num_samples, "multinomial", "num_samples")
    if type(input._data) is not np.ndarray:     # sampled on the host, with the GPU's generator
        result = multinomial(input.cpu(), num_samples, replacement,
                             generator=_resolve(generator, input)).to(input.device)
        return result if out is None else out.copy_(result)
    _multinomial_checks(input, num_samples, replacement)
    gen = _resolve(generator)
    probs = input._data
    rows = probs.reshape(-1, probs.shape[-1])
    if not replacement or num_samples == 1:
        # PyTorch's fast path: argmax / top-k of p / q with q ~ Exp(1) (the "Gumbel trick")
        if not (np.all(probs >= 0) and np.all(probs < np.inf)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(rows.sum(axis=-1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = np.empty_like(probs)
        _memory_order(q)[...] = _exponential_values(gen, q.size, 1.0).reshape(
            _memory_order(q).shape)
        keys = (probs / q).astype(probs.dtype, copy=False).reshape(rows.shape)
        if num_samples == 1:
            result = np.argmax(keys, axis=-1)[:, None]
        else:
            result = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        if np.any(rows < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if not np.all(np.isfinite(rows)):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry = infinity or NaN)")
        # cumulative sums in the input's dtype (sequential, like PyTorch's loop), normalised
        cumulative = np.cumsum(rows, axis=-1, dtype=rows.dtype)
        totals = cumulative[:, -1:].copy()
        if np.any(totals <= 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        cumulative /= totals
        cumulative[:, -1] = 1
        u = _uniform01(gen, rows.shape[0] * num_samples, _f64).reshape(rows.shape[0], -1)
        result = np.stack([np.searchsorted(c.astype(_f64), draws, side="left")
                           for c, draws in zip(cumulative, u)])
    result = result.astype(np.int64).reshape(probs.shape[:-1] + (num_samples,))
    if out is not None:
        out._data[...] = result
        return out
    return _wrap(result)


@op(method=False)
def poisson(input, generator=None):
    """Poisson(rate) samples for each rate in `input` (statistically like PyTorch's, not the
    same numbers: NumPy's vectorised sampler is seeded from two words of the stream)."""
    if type(input._data) is not np.ndarray:     # sampled on the host, with the GPU's generator
        return poisson(input.cpu(), _resolve(generator, input)).to(input.device)
    rates = input._data
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    seed_words = _resolve(generator)._random64(2)
    sampler = np.random.Generator(np.random.PCG64([int(w) for w in seed_words]))
    return _wrap(sampler.poisson(rates).astype(rates.dtype))
