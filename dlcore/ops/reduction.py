"""Reductions, scans and sorting: sum/mean/var, max/argmax, norm, all/any, cumsum, sort/topk/unique.

Each op is one or two vectorised NumPy calls on the tensor's array; the result is wrapped fresh.
Ops that give values *and* indices (`max(t, dim)`, `sort`, `topk`, ...) return a small named tuple
printed like PyTorch's `torch.return_types.max(values=..., indices=...)`.

dtype rules follow PyTorch: `sum`/`prod`/`cumsum` of integers or bools give int64; `mean`, `var`,
`std`, `norm` want floating input; `max`, `sort`, ... keep the input's dtype. Float sums of small
tensors accumulate in float64 (DESIGN.md, "Numbers").
"""
import builtins
import math
import operator
import sys
import types
import warnings

import numpy as np

from .. import _dtype
from ._common import Tensor, _array_result, _check_tensor, _dims, _np_dtype, _wrap, _wrap_dim
from ..backend import array_module, ascontiguousarray, summed_to
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.graph import differentiable, recorded_as
from ._registry import op
from .pointwise import _finish, maximum, minimum, true_divide

# Below this many elements a float32 sum accumulates in float64: cheap, and closer to exact.
_SMALL = 1 << 20


# -- named-tuple results: dlcore.return_types.max, .sort, ... --------------------------------------
return_types = types.ModuleType("dlcore.return_types",
                                "The named tuples that ops returning several tensors give back.")
sys.modules["dlcore.return_types"] = return_types       # so that pickling finds the classes


class _ReturnType(tuple):
    """A tuple whose items also have names (`r.values`, `r.indices`), like PyTorch's structseq."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, sequence):
        sequence = tuple(sequence)
        if len(sequence) != len(cls._fields):
            raise TypeError(f"dlcore.return_types.{cls.__name__}() takes a "
                            f"{len(cls._fields)}-sequence ({len(sequence)}-sequence given)")
        return tuple.__new__(cls, sequence)

    def __repr__(self):
        fields = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"dlcore.return_types.{type(self).__name__}(\n{fields})"

    def __reduce__(self):
        return type(self), (tuple(self),)


def _return_type(name, fields=("values", "indices")):
    namespace = {"__slots__": (), "_fields": fields, "n_fields": len(fields),
                 "n_sequence_fields": len(fields), "n_unnamed_fields": 0,
                 "__module__": "dlcore.return_types", "__qualname__": name}
    for i, field in enumerate(fields):
        namespace[field] = property(operator.itemgetter(i))
    cls = type(name, (_ReturnType,), namespace)
    setattr(return_types, name, cls)
    return cls


_MaxResult, _MinResult = _return_type("max"), _return_type("min")
_MedianResult, _ModeResult = _return_type("median"), _return_type("mode")
_KthvalueResult = _return_type("kthvalue")
_SortResult, _TopkResult = _return_type("sort"), _return_type("topk")
_CummaxResult, _CumminResult = _return_type("cummax"), _return_type("cummin")
_AminmaxResult = _return_type("aminmax", ("min", "max"))


# -- arguments: the input, dims, dtypes ------------------------------------------------------------
def _input(input, fname):
    """The array of the `input` tensor (PyTorch's TypeError when it is not a tensor)."""
    try:
        return input._data
    except AttributeError:
        _check_tensor(input, fname)
        raise


def _check_dim_type(dim, fname, what="int or tuple of ints", position=" (position 1)"):
    if isinstance(dim, builtins.bool) or not hasattr(dim, "__index__"):
        raise TypeError(f"{fname}(): argument 'dim'{position} must be {what}, not "
                        f"{type(dim).__name__}")


def _reduce_axes(x, dim, fname):
    """The NumPy `axis` for reducing `x` over `dim`: an int, a tuple/list, or None (every dim).

    PyTorch quirks kept: an empty tuple also reduces every dim, and a 0-d tensor accepts dim 0
    or -1 (reducing nothing)."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if not dim:
            return None
        for d in dim:
            _check_dim_type(d, fname)
        axes = _dims(dim, x.ndim)
    else:
        _check_dim_type(dim, fname)
        axes = (_wrap_dim(dim, x.ndim),)
    return axes if x.ndim else None


def _expand_reduced(grad, x, axes, keepdim):
    """The gradient of a reduction spread back over the reduced dims of `x` (a view, no copy)."""
    shape = x._data.shape
    if not keepdim and grad._data.ndim:
        reduced = builtins.range(len(shape)) if axes is None else axes
        grad = grad.reshape(tuple(1 if d in reduced else n for d, n in enumerate(shape)))
    return grad.expand(shape)


def _scatter_back(grad, x, dim, indices, keepdim=True):
    """The gradient of values picked out of `x` at `indices` along `dim` (max/sort/topk/...):
    each goes back where it was taken from; everything else gets zero."""
    if x._data.ndim == 0:
        return grad
    if not keepdim:
        grad, indices = grad.unsqueeze(dim), indices.unsqueeze(dim)
    return grad.new_zeros(x._data.shape).scatter(dim, indices, grad)


def _evenly_distribute(grad, x, value):
    """The gradient of an op returning one of x's elements (max(), median()): PyTorch splits it
    evenly among the elements equal to the value (NaNs, if the value is NaN)."""
    mask = x.isnan() if bool(np.isnan(value._data)) else x == value
    return mask * (grad / mask.sum())


def _reversed_cumsum(t, d):
    """Sums from each position to the end of `d`: the gradient of cumsum."""
    return t.flip(d).cumsum(d).flip(d)


@op(function=False)
def sum_to_size(input, *size):
    """Sum the dims that broadcasting would have expanded, leaving a tensor of `size`: the
    reverse of `expand` (and how autograd undoes broadcasting)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    # PyTorch's node is the last step of its sum(dims, keepdim=True), then view(size)
    if not size:
        return _sum_to_scalar(input, size)
    return (_sum_to_fewer_dims if len(size) < input._data.ndim else _sum_to_same_dims)(input, size)


def _sum_to(input, size):
    x = input._data
    r = summed_to(x, tuple(size))
    return input if r is x else _wrap(r)


def _sum_to_backward(ctx, grad):
    return grad.expand(ctx.inputs[0]._data.shape)


_sum_to_scalar = recorded_as("SumBackward0", _sum_to, _sum_to_backward)
_sum_to_same_dims = recorded_as("SumBackward1", _sum_to, _sum_to_backward)
_sum_to_fewer_dims = recorded_as("ViewBackward0", _sum_to, _sum_to_backward)


def _one_dim(dim, ndim, fname, position=" (position 1)"):
    """A single non-negative dim, for ops that reduce or scan along exactly one."""
    _check_dim_type(dim, fname, "int", position)
    return _wrap_dim(dim, ndim)


def _count(shape, axes):
    """How many elements each output element reduces."""
    if axes is None:
        return math.prod(shape)
    n = 1
    for d in axes:
        n *= shape[d]
    return n


def _accumulator(x):
    """The dtype to sum a float array in: float64 when small (cheap, nearly exact), else its own
    (float16 at least in float32)."""
    return np.float64 if x.size < _SMALL else np.promote_types(x.dtype, np.float32)


def _float_sum(x, axes, keepdim):
    if keepdim:
        return np.add.reduce(x, axes, dtype=_accumulator(x), keepdims=True)
    return np.add.reduce(x, axes, dtype=_accumulator(x))     # (passing keepdims=False is slower)


def _divide(total, count):
    """total / count, where a count of 0 gives nan (or inf) without NumPy's warning, as PyTorch."""
    if isinstance(count, int) and count > 0:
        return total / count
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.true_divide(total, count)


def _sum_dtype(x):
    """PyTorch's result dtype of `sum`/`prod`/`cumsum`: integers and bools widen to int64."""
    return np.dtype(np.int64) if x.dtype.kind in "biu" else x.dtype


def _cast_to(x, dtype):
    """`x` converted to the `dtype=` argument (PyTorch casts the input before reducing)."""
    if dtype is None:
        return x
    return x.astype(_np_dtype(dtype), copy=False)


def _result(r, np_dtype=None):
    """A tensor over a NumPy result: C-contiguous (as PyTorch's results are), and a 0-d array
    where NumPy gave a scalar. Copies only when the layout needs it."""
    if type(r) is not np.ndarray and not isinstance(r, np.generic):      # a GPU array
        return _wrap(r.astype(r.dtype if np_dtype is None else np_dtype, order="C", copy=False))
    return _wrap(np.asarray(r, dtype=np_dtype, order="C"))


def _typed_name(np_dtype):
    return _dtype._FROM_NUMPY[np_dtype]._typed_name


def _require_float(x, fname):
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fname}(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_typed_name(x.dtype)}")


# -- sums and means --------------------------------------------------------------------------------
class _NotGiven:
    """The default `dim` of sum and mean. PyTorch names their node after the overload called:
    SumBackward0 without `dim`, SumBackward1 with one (even `dim=None`)."""

    __slots__ = ()

    def __repr__(self):
        return "None"


_NO_DIM = _NotGiven()


def _plain_small_float(input, keepdim, dtype, out):
    """The array of a small float tensor reduced whole with no options (sum and mean then take
    one float64 NumPy reduction, rounded once: `_whole_sum`, `_whole_mean`), else None."""
    if type(input) is Tensor and not keepdim and dtype is None and out is None:
        x = input._data
        if x.dtype.kind == "f" and x.size < _SMALL:
            return x
    return None


def _whole_sum(x):
    return _wrap(np.add.reduce(x, None, np.float64, out=...).astype(x.dtype))


def _whole_mean(x):
    total = np.add.reduce(x, None, np.float64, out=...)
    return _wrap(np.true_divide(total, x.size, out=total).astype(x.dtype))


@op
def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """Sum over `dim` (an int, a tuple, or every dim). Integers and bools sum to int64."""
    if dim is _NO_DIM:
        x = _plain_small_float(input, keepdim, dtype, out)
        if x is not None and not input.requires_grad:
            return _whole_sum(x)            # a small float sum, no graph: the fast path
        return _sum_all(input, None, keepdim, dtype=dtype, out=out)
    return _sum_over(input, dim, keepdim, dtype=dtype, out=out)


def _sum(input, dim, keepdim, *, dtype=None, out=None):
    if dim is None:
        x = _plain_small_float(input, keepdim, dtype, out)
        if x is not None:
            return _whole_sum(x)
    x = _cast_to(_input(input, "sum"), dtype)
    axes = _reduce_axes(x, dim, "sum")
    if x.dtype.kind == "f":
        r = _float_sum(x, axes, keepdim)
        result = x.dtype
    else:
        result = x.dtype if dtype is not None else np.dtype(np.int64)
        r = np.add.reduce(x, axes, dtype=result, keepdims=keepdim)
    return _finish(_result(r, result), out)


def _sum_backward(ctx, grad):
    x = ctx.inputs[0]
    return _expand_reduced(grad, x, _reduce_axes(x._data, ctx.args[1], "sum"), ctx.args[2])


_sum.__name__ = "sum"           # (autograd's errors, such as its out= refusal, name the op)
_sum_all = recorded_as("SumBackward0", _sum, _sum_backward)
_sum_over = recorded_as("SumBackward1", _sum, _sum_backward)


@op
@differentiable(saves=("input",))
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """`sum` counting NaNs as zero."""
    x = _input(input, "nansum")
    if x.dtype.kind == "f":
        input = _wrap(np.where(np.isnan(x), x.dtype.type(0), x))
    return sum(input, dim, keepdim, dtype=dtype, out=out)


@nansum.backward
def _(ctx, grad):
    x = ctx.inputs[0]
    axes = _reduce_axes(x._data, ctx.arg(1, "dim"), "nansum")
    # times "not nan" (not masked_fill: as PyTorch, a nan or inf gradient stays nan there)
    return _expand_reduced(grad, x, axes, ctx.arg(2, "keepdim", False)) * x.isnan().logical_not()


@op
def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """Arithmetic mean over `dim`; needs a floating input or `dtype=`. Empty input gives nan."""
    if dim is _NO_DIM:
        x = _plain_small_float(input, keepdim, dtype, out)
        if x is not None and x.size and not input.requires_grad:
            return _whole_mean(x)           # a small float mean (a loss), no graph: fast path
        return _mean_all(input, None, keepdim, dtype=dtype, out=out)
    return _mean_over(input, dim, keepdim, dtype=dtype, out=out)


def _mean(input, dim, keepdim, *, dtype=None, out=None):
    if dim is None:
        x = _plain_small_float(input, keepdim, dtype, out)
        if x is not None and x.size:
            return _whole_mean(x)
    x = _input(input, "mean")
    if dtype is not None:
        if _np_dtype(dtype).kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be "
                               "either a floating point or complex dtype. Got: "
                               f"{dtype._typed_name}")
        x = x.astype(dtype.np, copy=False)
    _require_float(x, "mean")
    axes = _reduce_axes(x, dim, "mean")
    r = _divide(_float_sum(x, axes, keepdim), _count(x.shape, axes))
    return _finish(_result(r, x.dtype), out)


def _mean_backward(grad, x, axes, keepdim):
    # divide first: on the reduced gradient that is one small op, then a stride-0 view
    return _expand_reduced(grad / _count(x._data.shape, axes), x, axes, keepdim)


def _mean_node_backward(ctx, grad):
    x = ctx.inputs[0]
    xd = x._data
    if not _grad_state.enabled and ctx.args[1] is None and 0 < xd.size <= 4096 and \
            grad._data.dtype.char in "fd":          # (float16 divides by the count otherwise)
        # the mean of a small tensor (a loss), no graph of the gradients: the same on the arrays,
        # filled (for so few elements cheaper than making a stride-0 view)
        spread = array_module(xd).empty(xd.shape, grad._data.dtype)
        spread[...] = np.true_divide(grad._data, xd.size, out=...)
        return _wrap(spread)
    return _mean_backward(grad, x, _reduce_axes(xd, ctx.args[1], "mean"), ctx.args[2])


_mean.__name__ = "mean"
_mean_all = recorded_as("MeanBackward0", _mean, _mean_node_backward)
_mean_over = recorded_as("MeanBackward1", _mean, _mean_node_backward)


@op
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """`mean` of the elements that are not NaN."""
    x = _cast_to(_input(input, "nanmean"), dtype)
    _require_float(x, "nanmean")
    axes = _reduce_axes(x, dim, "nanmean")
    # as PyTorch: nansum / count, two recorded ops (its grad_fn is DivBackward0)
    count = _result(np.add.reduce(~np.isnan(x), axes, dtype=np.int64, keepdims=keepdim))
    with np.errstate(divide="ignore", invalid="ignore"):        # 0 / 0 is nan, silently
        return true_divide(nansum(input, dim, keepdim, dtype=dtype), count, out=out)


# -- variance and standard deviation ---------------------------------------------------------------
def _correction(dim, unbiased, correction, fname):
    """(dim, correction) from PyTorch's overloads: var(t, dim, unbiased), var(t, unbiased),
    var(t, dim, correction=...). Bessel's correction (1) is the default."""
    if isinstance(dim, builtins.bool):          # var(t, False): the old `unbiased` overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{fname}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _variance(input, dim, keepdim, correction, fname):
    """Variance (in the accumulation dtype) and the mean, both shaped as the result."""
    x = _input(input, fname)
    if x.dtype.kind != "f":
        which = "var_mean" if fname in ("var_mean", "std_mean") else "std and var"
        raise RuntimeError(f"{which} only support floating point and complex dtypes")
    axes = _reduce_axes(x, dim, fname)
    if x.ndim == 0:                     # as one element, so that NumPy gives arrays, not scalars
        x, keepdim = x.reshape(1), False
    n = _count(x.shape, axes)
    mean = _divide(_float_sum(x, axes, True), n)
    deviation = np.subtract(x, mean, dtype=mean.dtype)        # two passes: no cancellation
    squares = np.multiply(deviation, deviation, out=deviation)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{fname}(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    var = _divide(np.add.reduce(squares, axes, keepdims=keepdim), builtins.max(0, dof))
    var = _array_result(var)
    return var, mean.reshape(var.shape), x.dtype


@op
@differentiable(saves=("input",))
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over `dim`, dividing by N - correction (N - 1 unless `unbiased=False`)."""
    dim, correction = _correction(dim, unbiased, correction, "var")
    v, _, dtype = _variance(input, dim, keepdim, correction, "var")
    return _finish(_result(v, dtype), out)


@op
@differentiable(saves=("input", "result"))
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over `dim`: the square root of `var`."""
    dim, correction = _correction(dim, unbiased, correction, "std")
    v, _, dtype = _variance(input, dim, keepdim, correction, "std")
    return _finish(_result(np.sqrt(v), dtype), out)


@op(method=False)
@differentiable(saves=("input",))
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (var, mean), computed in one pass over the data's mean."""
    dim, correction = _correction(dim, unbiased, correction, "var_mean")
    v, m, dtype = _variance(input, dim, keepdim, correction, "var_mean")
    return _result(v, dtype), _result(m, dtype)


@op(method=False)
@differentiable(saves=("input", "result"))
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """The tuple (std, mean)."""
    dim, correction = _correction(dim, unbiased, correction, "std_mean")
    v, m, dtype = _variance(input, dim, keepdim, correction, "std_mean")
    return _result(np.sqrt(v), dtype), _result(m, dtype)


# Their gradients: d var / dx = 2 (x - mean) / (N - correction); d std = d var / (2 std).
def _variance_args(ctx, fname):
    """(x, axes, keepdim, N - correction, whether every dim is reduced) of the var/std call
    that `ctx` recorded."""
    x = ctx.inputs[0]
    dim, correction = _correction(ctx.arg(1, "dim"), ctx.arg(2, "unbiased"),
                                  ctx.kwargs.get("correction"), fname)
    axes = _reduce_axes(x._data, dim, fname)
    dof = _count(x._data.shape, axes) - correction
    return x, axes, ctx.arg(3, "keepdim", False), dof, dim is None or x._data.ndim == 0


def _var_backward(grad, x, axes, keepdim, dof, every_dim):
    grad = _expand_reduced(grad, x, axes, keepdim)
    centered = x - x.mean(axes, keepdim=True)
    if every_dim and dof <= 0:
        # PyTorch: 2 / dof taken as infinite, times x - mean: nan where that is 0, else inf
        return grad * (centered.abs() * np.inf)
    return grad * centered * (2.0 / dof if dof else np.inf)


def _std_to_var_grad(grad, std):
    """The gradient of var from that of std = sqrt(var); 0 where std is 0, as PyTorch."""
    return (grad / (std * 2)).masked_fill(std == 0, 0)


@var.backward
def _(ctx, grad):
    return _var_backward(grad, *_variance_args(ctx, "var"))


@std.backward
def _(ctx, grad):
    return _var_backward(_std_to_var_grad(grad, ctx.result), *_variance_args(ctx, "std"))


@var_mean.backward
def _(ctx, grads):
    x, axes, keepdim, dof, every_dim = _variance_args(ctx, "var_mean")
    grad_var, grad_mean = grads
    return (_var_backward(grad_var, x, axes, keepdim, dof, every_dim)
            + _mean_backward(grad_mean, x, axes, keepdim))


@std_mean.backward
def _(ctx, grads):
    x, axes, keepdim, dof, every_dim = _variance_args(ctx, "std_mean")
    grad_std, grad_mean = grads
    grad_var = _std_to_var_grad(grad_std, ctx.result[0])
    return (_var_backward(grad_var, x, axes, keepdim, dof, every_dim)
            + _mean_backward(grad_mean, x, axes, keepdim))


# -- products --------------------------------------------------------------------------------------
@op
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements, or along one `dim`. Integers and bools multiply in int64."""
    return (_prod_all if dim is None else _prod_along)(input, dim, keepdim, dtype=dtype)


def _prod_axes(x, dim):
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"prod() received an invalid combination of arguments - got "
                        f"({type(dim).__name__}), but expected one of:\n"
                        " * (*, dlcore.dtype dtype = None)\n"
                        " * (int dim, bool keepdim = False, *, dlcore.dtype dtype = None)\n")
    return (_one_dim(dim, x.ndim, "prod"),) if x.ndim else None


def _prod(input, dim, keepdim, *, dtype=None):
    x = _cast_to(_input(input, "prod"), dtype)
    axes = _prod_axes(x, dim)
    result = x.dtype if dtype is not None else _sum_dtype(x)
    return _result(np.multiply.reduce(x, axes, dtype=result, keepdims=keepdim), result)


def _prod_backward(ctx, grad):
    """d prod / d x_i is the product of the other elements: prod / x_i when no element is zero,
    else (PyTorch's prod_safe_zeros_backward) products of the elements before and after x_i."""
    x = ctx.inputs[0]
    axes = _prod_axes(x._data, ctx.arg(1, "dim"))
    keepdim = ctx.arg(2, "keepdim", False)
    grad = _expand_reduced(grad, x, axes, keepdim)
    if x._data.size == 0 or not (x._data == 0).any():
        return grad * _expand_reduced(ctx.result, x, axes, keepdim) / x
    if axes is None:
        return grad * _products_of_others(x.reshape(-1), 0).reshape(x._data.shape)
    return grad * _products_of_others(x, axes[0])


def _products_of_others(x, d):
    """For each element, the product of all the others along `d`, without dividing (zeros ok):
    the running product of those before it times that of those after it."""
    from .shape import cat
    n = x._data.shape[d]
    ones = x.new_ones(tuple(1 if i == d else s for i, s in enumerate(x._data.shape)))
    before = cat([ones, x.narrow(d, 0, n - 1)], d).cumprod(d)
    after = cat([ones, x.narrow(d, 1, n - 1).flip(d)], d).cumprod(d).flip(d)
    return before * after


_prod_all = recorded_as("ProdBackward0", _prod, _prod_backward, saves=("input", "result"))
_prod_along = recorded_as("ProdBackward1", _prod, _prod_backward,
                                 saves=("input", "result"))


# -- max, min and where they are -------------------------------------------------------------------
def _values_and_indices(x, d, keepdim, arg_reduce, fname):
    """The extreme values along dim `d` and their (first) positions; NaN counts as the extreme."""
    if x.ndim == 0:
        return _wrap(x.copy()), _wrap(array_module(x).zeros((), np.int64))
    if x.shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    indices = _arg_reduce(arg_reduce, x, d, True)
    values = np.take_along_axis(x, indices, axis=d)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _result(values), _result(indices, np.int64)


def _extreme(input, dim, keepdim, other, out, fname):
    """max/min: of everything (0-d), along `dim` (values and indices), or against `other`."""
    is_max = fname == "max"
    if isinstance(dim, Tensor) or other is not None:
        result = (maximum if is_max else minimum)(input, dim if other is None else other)
        return _finish(result, out)
    if dim is None:
        return (_max_all if is_max else _min_all)(input, out=out)
    return (_max_along if is_max else _min_along)(input, dim, keepdim, fname)


def _extreme_all(input, fname):
    x = _input(input, fname)
    if x.size == 0:
        raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    return _result((np.max if fname == "max" else np.min)(x))


def _of_every_element(fname):
    """The forward of max()/min() without dim, under the op's name (autograd's errors use it)."""
    def forward(input, *, out=None):
        return _finish(_extreme_all(input, fname), out)
    forward.__name__ = fname
    return forward


def _extreme_along(input, dim, keepdim, fname):
    x = _input(input, fname)
    d = _one_dim(dim, x.ndim, fname)
    is_max = fname == "max"
    pair = _values_and_indices(x, d, keepdim, np.argmax if is_max else np.argmin, fname)
    return (_MaxResult if is_max else _MinResult)(pair)


def _evenly_distribute_backward(ctx, grad):
    return _evenly_distribute(grad, ctx.inputs[0], ctx.result)


def _extreme_along_backward(ctx, grads):
    x = ctx.inputs[0]
    d = _wrap_dim(ctx.args[1], x._data.ndim)
    return _scatter_back(grads[0], x, d, ctx.result[1], ctx.args[2])


_max_all = recorded_as("MaxBackward1", _of_every_element("max"),
                              _evenly_distribute_backward, saves=("input", "result"))
_min_all = recorded_as("MinBackward1", _of_every_element("min"),
                              _evenly_distribute_backward, saves=("input", "result"))
_max_along = recorded_as("MaxBackward0", _extreme_along, _extreme_along_backward,
                                saves=("result",))
_min_along = recorded_as("MinBackward0", _extreme_along, _extreme_along_backward,
                                saves=("result",))


@op
def max(input, dim=None, keepdim=False, *, other=None, out=None):
    """The largest element (0-d); with `dim`, the named tuple (values, indices) along it; with a
    tensor as second argument, the elementwise `maximum`. NaN wins, as in PyTorch."""
    return _extreme(input, dim, keepdim, other, out, "max")


@op
def min(input, dim=None, keepdim=False, *, other=None, out=None):
    """The smallest element (0-d); with `dim`, (values, indices); with a tensor, `minimum`."""
    return _extreme(input, dim, keepdim, other, out, "min")


def _check_nonempty(x, dim, axes, fname):
    """amax/amin have no identity: PyTorch refuses to reduce an empty dim."""
    if axes is None:
        raise RuntimeError(f"{fname}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    for given, d in zip(dim if isinstance(dim, (tuple, list)) else (dim,), axes):
        if x.shape[d] == 0:
            raise IndexError(f"{fname}(): Expected reduction dim {given} to have non-zero size.")


def _amax_amin(input, dim, keepdim, reduce, fname):
    x = _input(input, fname)
    axes = _reduce_axes(x, dim, fname)
    if x.size == 0:
        _check_nonempty(x, dim, axes, fname)
    return _result(reduce(x, axis=axes, keepdims=keepdim))


def _share_among_ties(grad, x, value, axes, keepdim):
    """The gradient of amax/amin: split evenly among the elements equal to the extreme."""
    grad = _expand_reduced(grad, x, axes, keepdim)
    mask = x == _expand_reduced(value, x, axes, keepdim)
    return grad / mask.sum(axes, keepdim=True) * mask


@op
@differentiable(saves=("input", "result"))
def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest value over one or several dims (all by default), without indices."""
    return _finish(_amax_amin(input, dim, keepdim, np.max, "amax"), out)


@op
@differentiable(saves=("input", "result"))
def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest value over one or several dims (all by default), without indices."""
    return _finish(_amax_amin(input, dim, keepdim, np.min, "amin"), out)


def _amax_amin_backward(ctx, grad):
    x = ctx.inputs[0]
    axes = _reduce_axes(x._data, ctx.arg(1, "dim", ()), "amax")
    return _share_among_ties(grad, x, ctx.result, axes, ctx.arg(2, "keepdim", False))


amax.backward(_amax_amin_backward)
amin.backward(_amax_amin_backward)


def _aminmax_axes(x, dim):
    if dim is None:
        if x.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        return None
    d = _one_dim(dim, x.ndim, "aminmax", position="")
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"aminmax: Expected reduction dim {d} to have non-zero size.")
    return (d,) if x.ndim else None


@op
@differentiable(saves=("input", "result"))
def aminmax(input, *, dim=None, keepdim=False):
    """The named tuple (min, max), over everything or along one `dim`."""
    x = _input(input, "aminmax")
    axes = _aminmax_axes(x, dim)
    return _AminmaxResult((_result(np.min(x, axis=axes, keepdims=keepdim)),
                           _result(np.max(x, axis=axes, keepdims=keepdim))))


@aminmax.backward
def _(ctx, grads):
    x = ctx.inputs[0]
    axes = _aminmax_axes(x._data, ctx.kwargs.get("dim"))
    keepdim = ctx.kwargs.get("keepdim", False)
    low, high = ctx.result
    return (_share_among_ties(grads[0], x, low, axes, keepdim)
            + _share_among_ties(grads[1], x, high, axes, keepdim))


def _arg_extreme(input, dim, keepdim, arg_reduce, fname):
    x = _input(input, fname)
    if x.dtype.kind == "b":
        raise RuntimeError(f"{fname}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{fname}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        r = _array_result(_arg_reduce(arg_reduce, x)).astype(np.int64, copy=False)  # flattened
        return _result(r.reshape((1,) * x.ndim) if keepdim else r)
    d = _one_dim(dim, x.ndim, fname)
    if x.ndim == 0:
        return _wrap(array_module(x).zeros((), np.int64))
    if x.shape[d] == 0:
        raise IndexError(f"{fname}(): Expected reduction dim {d} to have non-zero size.")
    return _result(_arg_reduce(arg_reduce, x, d, keepdim), np.int64)


def _arg_reduce(arg_reduce, x, axis=None, keepdims=False):
    """np.argmax or np.argmin of `x`, with PyTorch's NaN rule made explicit: a NaN is the extreme,
    and the first NaN wins (NumPy does so itself, but CuPy may return any of several NaNs)."""
    indices = arg_reduce(x, axis=axis, keepdims=keepdims)
    if x.dtype.kind != "f":
        return indices
    xp = array_module(x)
    nan = xp.isnan(x)
    first_nan = xp.argmax(nan, axis=axis, keepdims=keepdims)      # the first True
    return xp.where(nan.any(axis=axis, keepdims=keepdims), first_nan, indices)


@op
def argmax(input, dim=None, keepdim=False):
    """Index of the first largest element (of the flattened tensor when `dim` is None)."""
    return _arg_extreme(input, dim, keepdim, np.argmax, "argmax")


@op
def argmin(input, dim=None, keepdim=False):
    """Index of the first smallest element (of the flattened tensor when `dim` is None)."""
    return _arg_extreme(input, dim, keepdim, np.argmin, "argmin")


# -- norms and logsumexp ---------------------------------------------------------------------------
def _norm_input(x, dtype, fname):
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {_typed_name(x.dtype)}")
    if dtype is not None:
        if not dtype.is_floating_point:
            raise RuntimeError(f"{fname}: dtype should be floating point or complex, but got "
                               f"{dtype._typed_name}")
        if dtype.itemsize < x.itemsize:
            raise RuntimeError(f"{fname}: the dtype of the input ({_typed_name(x.dtype)}) should "
                               "be convertible without narrowing to the specified dtype "
                               f"({dtype._typed_name})")
        x = x.astype(dtype.np, copy=False)
    return x


def _vector_norm(x, p, dim, keepdim):
    axes = _reduce_axes(x, dim, "norm")
    if x.ndim == 0:                     # as one element, so that NumPy gives arrays, not scalars
        x, keepdim = x.reshape(1), False
    a = np.abs(x)
    if x.size == 0 and (p < 0 or p == np.inf):          # these norms have no identity
        order = f"{p:g}"
        if axes is None:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on an "
                               "empty tensor because the operation does not have an identity")
        for given, d in zip(dim if isinstance(dim, (tuple, list)) else (dim,), axes):
            if x.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {order} norm on the "
                                   f"dimension {given}because this dimension is empty and the "
                                   "operation does not have an identity")
    if p in (np.inf, -np.inf):
        return (np.max if p > 0 else np.min)(a, axis=axes, keepdims=keepdim)
    if p == 0:
        return np.add.reduce(a != 0, axes, dtype=x.dtype, keepdims=keepdim)
    if p == 1:
        return _float_sum(a, axes, keepdim)
    if p == 2:
        return np.sqrt(_float_sum(np.multiply(a, a, out=a), axes, keepdim))
    return _float_sum(np.power(a, p, out=a), axes, keepdim) ** (1.0 / p)


def _matrix_norm(x, p, dim, keepdim):
    """The nuclear norm (sum of singular values) of the matrices spanned by the two dims."""
    if x.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    dims = tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                           + " ".join(str(d) for d in dims))
    if p != "nuc":
        raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    dims = _dims(dims, x.ndim)
    r = np.linalg.svd(np.moveaxis(x, dims, (-2, -1)), compute_uv=False).sum(-1)
    return np.expand_dims(r, tuple(sorted(dims))) if keepdim else r


@op
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """The p-norm of the elements (over `dim`): p a number (2 by default, inf, -inf, 0, ...),
    'fro' (the 2-norm) or 'nuc' (the nuclear norm of matrices)."""
    # PyTorch's grad_fn: LinalgVectorNormBackward0, but SumBackward1 for the nuclear norm (a sum
    # of singular values)
    return (_nuclear_norm if p == "nuc" else _p_norm)(input, p, dim, keepdim, out=out, dtype=dtype)


def _norm(input, p, dim, keepdim, *, out=None, dtype=None):
    x = _input(input, "norm")
    if isinstance(p, str) and not (p == "fro" and (dim is None or isinstance(dim, int)
                                                   or len(dim) <= 2)):
        x = _norm_input(x, dtype, "linalg.matrix_norm")
        r = _matrix_norm(x, p, dim, keepdim)
    else:
        x = _norm_input(x, dtype, "linalg.vector_norm")
        r = _vector_norm(x, 2 if p is None or p == "fro" else p, dim, keepdim)
    return _finish(_result(r, x.dtype), out)


def _vector_norm_backward(ctx, grad):
    """PyTorch's norm_backward: x/norm for p=2, sign(x) for p=1, the ties of the largest |x|
    for inf, |x|^(p-1) sign(x) / norm^(p-1) otherwise; 0 where the norm is 0."""
    x = ctx.inputs[0]
    p = ctx.args[1]
    p = 2 if p is None or p == "fro" else p
    axes = _reduce_axes(x._data, ctx.args[2], "norm")
    keepdim = ctx.args[3]
    if p == 0:
        return None                     # the count of non-zeros: no gradient at all
    grad = _expand_reduced(grad, x, axes, keepdim)
    norm = _expand_reduced(ctx.result, x, axes, keepdim)
    if p == 1:
        return x.sgn() * grad
    if p == 2:
        return grad * (x / norm).masked_fill(norm == 0, 0)
    if p in (np.inf, -np.inf):
        ties = (x.abs() == norm) | x.isnan()
        return x.sgn() * (grad / ties.sum(axes, keepdim=True) * ties)
    if p < 1:
        scaled = x.sgn() * x.abs().pow(p - 1).masked_fill(x == 0, 0)
        return scaled * grad * norm.pow(1 - p)
    scaled = x.sgn() * x.abs().pow(p - 1) if p < 2 else x * x.abs().pow(p - 2)
    return scaled * (grad / norm.pow(p - 1)).masked_fill(norm == 0, 0)


def _nuclear_norm_backward(ctx, grad):
    """The gradient of the sum of singular values: U @ Vh, from the SVD."""
    from ..autograd.grad_mode import is_grad_enabled
    if is_grad_enabled():
        raise NotImplementedError("dlcore: the nuclear norm has no second derivative")
    x = ctx.inputs[0]
    dim = ctx.args[2]
    dims = _dims(dim, x._data.ndim)            # (None: every dim, as the forward)
    keepdim = ctx.args[3]
    # singular vectors of the matrices spanned by `dims` (moved last), as constants
    xp = array_module(x._data)
    u, _, vh = xp.linalg.svd(xp.moveaxis(x._data, dims, (-2, -1)), full_matrices=False)
    direction = _wrap(xp.moveaxis(u @ vh, (-2, -1), dims).astype(x._data.dtype, copy=False))
    return _expand_reduced(grad, x, None if dim is None else dims, keepdim) * direction


_norm.__name__ = "norm"         # (autograd's errors, such as its out= refusal, name the op)
_p_norm = recorded_as("LinalgVectorNormBackward0", _norm, _vector_norm_backward,
                             saves=("input", "result"))
_nuclear_norm = recorded_as("SumBackward1", _norm, _nuclear_norm_backward,
                                   saves=("input",))


@op
@differentiable(saves=("input", "result"))
def logsumexp(input, dim, keepdim=False, *, out=None):
    """log(sum(exp(input))) over `dim`, computed stably by factoring out the maximum."""
    x = _input(input, "logsumexp")
    if x.dtype.kind != "f":
        x = x.astype(_dtype.get_default_dtype().np)
    axes = _reduce_axes(x, dim, "logsumexp")
    xp = array_module(x)
    if x.size:
        shift = _array_result(x.max(axis=axes, keepdims=True))
    else:                               # (an empty reduction: max's identity, -inf)
        reduced = builtins.range(x.ndim) if axes is None else axes
        shift = xp.full([1 if d in reduced else n for d, n in enumerate(x.shape)], -np.inf,
                        x.dtype)
    shift[~xp.isfinite(shift)] = 0      # an infinite max would turn x - max into nan
    total = _float_sum(xp.exp(x - shift), axes, keepdim)
    r = xp.log(total) + shift.reshape(getattr(total, "shape", ()))
    return _finish(_result(r, x.dtype), out)


@logsumexp.backward
def _(ctx, grad):
    x = ctx.inputs[0]
    axes = _reduce_axes(x._data, ctx.arg(1, "dim"), "logsumexp")
    keepdim = ctx.arg(2, "keepdim", False)
    result = _expand_reduced(ctx.result, x, axes, keepdim)
    return _expand_reduced(grad, x, axes, keepdim) * (x - result).exp()


# -- softmax and log_softmax (nn.functional's versions add the implicit-dim warning) ---------------
def _softmax_input(input, dim, dtype, fname):
    """The input after PyTorch's argument checks, cast to `dtype` if given (a recorded
    ToCopyBackward0, as in PyTorch)."""
    _input(input, fname)
    _check_dim_type(dim, fname, "int")
    dtype = _dtype.as_dtype(dtype, fname)
    return input if dtype is None else input.to(dtype)


def _shifted(x, dim, kernel):
    """`x` minus its maximum along `dim`, so that exp() cannot overflow, and that dim as a
    NumPy axis (None for a 0-d `x`: a softmax over its one element)."""
    if x.dtype.kind != "f":
        last = x.ndim == 0 or _wrap_dim(dim, x.ndim) == x.ndim - 1
        kernel = f"{kernel}_lastdim_kernel_impl" if last else f"{kernel}_kernel_impl"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_typed_name(x.dtype)}'")
    axis = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return x - x, None
    if x.size == 0:
        return x.copy(), axis                # (no maximum to take: nothing to normalise)
    return x - x.max(axis, keepdims=True), axis


@op
def softmax(input, dim, dtype=None):
    """exp(input) / exp(input).sum(dim): along `dim`, positive values summing to 1."""
    return _softmax(_softmax_input(input, dim, dtype, "softmax"), dim)


@differentiable(saves=("result",), name="SoftmaxBackward0")
def _softmax(input, dim):
    shifted, axis = _shifted(input._data, dim, "softmax")
    e = array_module(shifted).exp(shifted)
    return _result(e / (e if axis is None else e.sum(axis, keepdims=True)))


@_softmax.backward
def _(ctx, grad):
    y = ctx.result
    return y * (grad - (grad * y).sum(ctx.arg(1, "dim"), keepdim=True))


@op
def log_softmax(input, dim, dtype=None):
    """log(softmax(input, dim)), computed stably as input - logsumexp(input, dim)."""
    return _log_softmax(_softmax_input(input, dim, dtype, "log_softmax"), dim)


@differentiable(saves=("result",), name="LogSoftmaxBackward0")
def _log_softmax(input, dim):
    shifted, axis = _shifted(input._data, dim, "log_softmax")
    if axis is None:
        return _result(shifted)
    xp = array_module(shifted)
    return _result(shifted - xp.log(xp.exp(shifted).sum(axis, keepdims=True)))


@_log_softmax.backward
def _(ctx, grad):
    y = ctx.result
    return grad - y.exp() * grad.sum(ctx.arg(1, "dim"), keepdim=True)


# -- all and any -----------------------------------------------------------------------------------
def _truth_reduce(input, dim, keepdim, reduce, fname):
    x = _input(input, fname)
    result = np.uint8 if x.dtype == np.uint8 else np.bool_     # PyTorch keeps uint8 for uint8
    if isinstance(dim, (tuple, list)) and not dim:
        return _result(x != 0, result)                # an empty dim list reduces nothing
    axes = _reduce_axes(x, dim, fname)
    return _result(reduce(x, axis=axes, keepdims=keepdim), result)


@op
def all(input, dim=None, keepdim=False, *, out=None):
    """True where every element (over `dim`) is non-zero."""
    return _finish(_truth_reduce(input, dim, keepdim, np.all, "all"), out)


@op
def any(input, dim=None, keepdim=False, *, out=None):
    """True where some element (over `dim`) is non-zero."""
    return _finish(_truth_reduce(input, dim, keepdim, np.any, "any"), out)


# -- running sums, products and extremes -----------------------------------------------------------
def _scan(input, dim, dtype, ufunc, fname):
    x = _input(input, fname)
    if dtype is _dtype.bool_:
        raise NotImplementedError(f"\"{fname}_out_cpu\" not implemented for 'Bool'")
    x = _cast_to(x, dtype)
    result = x.dtype if dtype is not None else _sum_dtype(x)
    d = _one_dim(dim, x.ndim, fname)
    if x.ndim == 0:
        return _wrap(x.astype(result))
    small_float = result.kind == "f" and x.size < _SMALL
    return _result(ufunc.accumulate(x, axis=d, dtype=np.float64 if small_float else result), result)


@op
@differentiable()
def cumsum(input, dim, *, dtype=None, out=None):
    """Running sum along `dim`. Integers and bools sum in int64."""
    return _finish(_scan(input, dim, dtype, np.add, "cumsum"), out)


@cumsum.backward
def _(ctx, grad):
    d = _wrap_dim(ctx.arg(1, "dim"), grad._data.ndim)
    return grad if grad._data.ndim == 0 else _reversed_cumsum(grad, d)


@op
@differentiable(saves=("input", "result"))
def cumprod(input, dim, *, dtype=None, out=None):
    """Running product along `dim`. Integers and bools multiply in int64."""
    return _finish(_scan(input, dim, dtype, np.multiply, "cumprod"), out)


@cumprod.backward
def _(ctx, grad):
    """d out_j / d x_k = out_j / x_k for j >= k: a reversed cumsum divided by x. Past a zero
    that division fails: before a row's first zero it is still right; at the first zero the
    derivative is the running product with that zero taken out; after it, every product
    holds the zero, so 0."""
    x, result = ctx.inputs[0], ctx.result
    if x._data.ndim == 0:
        return grad
    d = _wrap_dim(ctx.arg(1, "dim"), x._data.ndim)
    if not (x._data == 0).any():
        return _reversed_cumsum(grad * result, d) / x
    zeros_so_far = (x == 0).cumsum(d)
    before_zero = zeros_so_far == 0
    first_zero = (x == 0) & (zeros_so_far == 1)
    x_safe = x.masked_fill(~before_zero, 1)
    grad_before = (_reversed_cumsum(grad * result, d) / x_safe).masked_fill(~before_zero, 0)
    without_zero = x.masked_fill(first_zero, 1).cumprod(d)
    grad_zero = _reversed_cumsum(grad * without_zero, d).masked_fill(~first_zero, 0)
    return grad_before + grad_zero


def _running_extreme(input, dim, ufunc, fname, result_type):
    """Running max/min and, as PyTorch, the index of the *last* element equal to it (a NaN, once
    one is seen)."""
    x = _input(input, fname)
    d = _one_dim(dim, x.ndim, fname)
    if x.ndim == 0:
        return result_type((_wrap(x.copy()), _wrap(array_module(x).zeros((), np.int64))))
    values = _accumulate(ufunc, x, d)
    hit = x == values
    if x.dtype.kind == "f":
        hit |= np.isnan(x)
    shape = [1] * x.ndim
    shape[d] = x.shape[d]
    positions = array_module(x).arange(x.shape[d], dtype=np.int64).reshape(shape)
    indices = _accumulate(np.maximum, np.where(hit, positions, 0), d)
    return result_type((_result(values), _result(indices)))


def _accumulate(ufunc, x, axis):
    """np.maximum or np.minimum accumulated along `axis` (running max/min) on any device: NumPy's
    ufunc.accumulate, or where that is missing (CuPy has no maximum.accumulate) a scan in
    log2(n) whole-array steps, each combining every element with the one `step` places back."""
    if type(x) is np.ndarray:
        return ufunc.accumulate(x, axis=axis)
    out = x.copy()
    n, step = x.shape[axis], 1
    while step < n:
        later = (slice(None),) * axis + (slice(step, None),)
        earlier = (slice(None),) * axis + (slice(None, n - step),)
        out[later] = ufunc(out[later], out[earlier])
        step *= 2
    return out


@op
@differentiable(saves=("result",))
def cummax(input, dim):
    """The named tuple (values, indices) of the running maximum along `dim`."""
    return _running_extreme(input, dim, np.maximum, "cummax", _CummaxResult)


@op
@differentiable(saves=("result",))
def cummin(input, dim):
    """The named tuple (values, indices) of the running minimum along `dim`."""
    return _running_extreme(input, dim, np.minimum, "cummin", _CumminResult)


def _running_extreme_backward(ctx, grads):
    """Each running value came from one element (`indices`): gradients add up there."""
    grad, indices = grads[0], ctx.result[1]
    if grad._data.ndim == 0:
        return grad
    d = _wrap_dim(ctx.arg(1, "dim"), grad._data.ndim)
    return grad.new_zeros(grad._data.shape).scatter_add(d, indices, grad)


cummax.backward(_running_extreme_backward)
cummin.backward(_running_extreme_backward)


# -- sorting and order statistics ------------------------------------------------------------------
def _sort_indices(x, d, descending):
    """Stable sorting permutation along `d`. NaN sorts as the largest value, like PyTorch.

    Descending: sort the reversed array ascending and reverse the result, which keeps equal
    elements in their original order (negating would not work for NaN, bool or unsigned)."""
    if not descending:
        return np.argsort(x, axis=d, kind="stable")
    n = x.shape[d]
    return np.flip(n - 1 - np.argsort(np.flip(x, d), axis=d, kind="stable"), d)


def _sorted(x, d, descending):
    if x.ndim == 0:
        return x.copy(), array_module(x).zeros((), np.int64)
    indices = ascontiguousarray(_sort_indices(x, d, descending), dtype=np.int64)
    return np.take_along_axis(x, indices, axis=d), indices


@op
@differentiable(saves=("result",))
def sort(input, dim=-1, descending=False, *, stable=False):
    """The named tuple (values, indices) of `input` sorted along `dim`. Always stable."""
    x = _input(input, "sort")
    values, indices = _sorted(x, _one_dim(dim, x.ndim, "sort"), descending)
    return _SortResult((_result(values), _wrap(indices)))


@sort.backward
def _(ctx, grads):
    x = ctx.inputs[0]
    d = _wrap_dim(ctx.arg(1, "dim", -1), x._data.ndim)
    return _scatter_back(grads[0], x, d, ctx.result[1])


@op
def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort `input` along `dim`."""
    x = _input(input, "argsort")
    return _wrap(_sorted(x, _one_dim(dim, x.ndim, "argsort"), descending)[1])


@op
def msort(input):
    """`input` sorted along its first dim."""
    return sort(input, 0).values


@op
@differentiable(saves=("result",))
def topk(input, k, dim=None, largest=True, sorted=True):
    """The named tuple (values, indices) of the `k` largest (or smallest) elements along `dim`."""
    x = _input(input, "topk")
    if isinstance(k, builtins.bool) or not hasattr(k, "__index__"):
        raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
    k = k.__index__()
    d = _one_dim(-1 if dim is None else dim, x.ndim, "topk")
    if x.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    if not 0 <= k <= (x.shape[d] if x.ndim else 1):
        raise RuntimeError("selected index k out of range")
    values, indices = _sorted(x, d, largest)
    if x.ndim:
        keep = (slice(None),) * d + (slice(0, k),)
        values = ascontiguousarray(values[keep])
        indices = ascontiguousarray(indices[keep])
    return _TopkResult((_wrap(values), _wrap(indices)))


@topk.backward
def _(ctx, grads):
    x = ctx.inputs[0]
    dim = ctx.arg(2, "dim")
    d = _wrap_dim(-1 if dim is None else dim, x._data.ndim)
    return _scatter_back(grads[0], x, d, ctx.result[1])


def _select_along(x, d, position, keepdim):
    """The element at `position` of each row along `d` once sorted, and its original index.
    np.argpartition puts that element in place (NaN last) without sorting the whole row."""
    indices = np.argpartition(x, position, axis=d)
    indices = np.take(indices, [position], axis=d)
    return indices if keepdim else indices.squeeze(d)


@op
@differentiable(saves=("result",))
def kthvalue(input, k, dim=None, keepdim=False):
    """The named tuple (values, indices) of the k-th smallest element along `dim` (last dim)."""
    x = _input(input, "kthvalue")
    d = _one_dim(-1 if dim is None else dim, x.ndim, "kthvalue")
    n = x.shape[d] if x.ndim else 1
    if n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.dtype.kind == "b":
        raise NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'")
    if x.ndim == 0:
        return _KthvalueResult((_wrap(x.copy()), _wrap(array_module(x).zeros((), np.int64))))
    indices = _select_along(x, d, k - 1, True)
    values = np.take_along_axis(x, indices, axis=d)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _KthvalueResult((_result(values), _result(indices, np.int64)))


@kthvalue.backward
def _(ctx, grads):
    x = ctx.inputs[0]
    dim = ctx.arg(2, "dim")
    d = _wrap_dim(-1 if dim is None else dim, x._data.ndim)
    return _scatter_back(grads[0], x, d, ctx.result[1], ctx.arg(3, "keepdim", False))


def _median_along(x, d):
    """Lower median along `d` (keeping the dim) and its index; a row with a NaN gives its first
    NaN. Among equal values PyTorch orders by index (its nth_element compares (value, index)):
    the index is the one a stable sort puts in the middle."""
    middle = [(x.shape[d] - 1) // 2]
    indices = np.take(np.argsort(x, axis=d, kind="stable"), middle, axis=d)
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        has_nan = nan.any(axis=d, keepdims=True)
        if has_nan.any():
            indices = np.where(has_nan, np.argmax(nan, axis=d, keepdims=True), indices)
    return np.take_along_axis(x, indices, axis=d), indices.astype(np.int64, copy=False)


@op
def median(input, dim=None, keepdim=False):
    """The lower of the two middle values: of everything (0-d), or along `dim` as the named tuple
    (values, indices). NaN propagates."""
    if dim is None:
        return _median_all(input)
    return _median_along_dim(input, dim, keepdim)


def _median(input):
    x = _input(input, "median")
    if x.dtype.kind == "b":
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    if x.size == 0:
        return _wrap(array_module(x).full((), np.nan, x.dtype))     # on x's device
    return _result(_median_along(x.reshape(-1), 0)[0].reshape(()))


def _median_dim(input, dim, keepdim):
    x = _input(input, "median")
    if x.dtype.kind == "b":
        raise NotImplementedError("\"median_cpu\" not implemented for 'Bool'")
    d = _one_dim(dim, x.ndim, "median")
    if x.ndim == 0:
        return _MedianResult((_wrap(x.copy()), _wrap(array_module(x).zeros((), np.int64))))
    if x.shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    values, indices = _median_along(x, d)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _MedianResult((_result(values), _result(indices)))


_median_all = recorded_as("MedianBackward0", _median, _evenly_distribute_backward,
                                 saves=("input", "result"))
_median_along_dim = recorded_as("MedianBackward1", _median_dim, _extreme_along_backward,
                                       saves=("result",))


@op
@differentiable(saves=("result",))
def mode(input, dim=-1, keepdim=False):
    """The named tuple (values, indices) of the most frequent value along `dim`: the smallest one
    on a tie, with the index of its last occurrence (PyTorch's choice)."""
    x = _input(input, "mode")
    d = _one_dim(dim, x.ndim, "mode")
    if x.ndim == 0:
        return _ModeResult((_wrap(x.copy()), _wrap(array_module(x).zeros((), np.int64))))
    if x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    # Sort each row (stably), then find the longest run of equal values.
    rows = np.moveaxis(x, d, -1)
    order = np.argsort(rows, axis=-1, kind="stable")
    s = np.take_along_axis(rows, order, axis=-1)
    n = s.shape[-1]
    xp = array_module(x)
    position = xp.arange(n)
    starts = xp.ones(s.shape, bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    ends = xp.ones(s.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    run_start = _accumulate(np.maximum, np.where(starts, position, 0), s.ndim - 1)
    run_length = np.where(ends, position - run_start + 1, 0)      # counted at each run's end
    best = np.argmax(run_length, axis=-1, keepdims=True)         # first longest = smallest value
    values = ascontiguousarray(np.moveaxis(np.take_along_axis(s, best, axis=-1), -1, d))
    indices = ascontiguousarray(np.moveaxis(np.take_along_axis(order, best, axis=-1), -1, d),
                                   dtype=np.int64)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _ModeResult((_wrap(values), _wrap(indices)))


@mode.backward
def _(ctx, grads):
    x = ctx.inputs[0]
    d = _wrap_dim(ctx.arg(1, "dim", -1), x._data.ndim)
    return _scatter_back(grads[0], x, d, ctx.result[1], ctx.arg(2, "keepdim", False))


@op
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (sorted), or distinct slices along `dim`; optionally also where each
    element went (`return_inverse`) and how often each occurs (`return_counts`)."""
    x = _input(input, "unique")
    # CuPy's unique subtracts neighbours, which it refuses for bools: they are found as bytes
    found = x.view(np.uint8) if x.dtype == np.bool_ else x
    if dim is None:
        r = np.unique(found.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inverse_shape = x.shape
    else:
        d = _wrap_dim(dim, x.ndim)
        r = np.unique(found, return_inverse=True, return_counts=True, axis=d, equal_nan=False)
        inverse_shape = (x.shape[d],)
    values = _wrap(r[0].view(x.dtype))
    if not (return_inverse or return_counts):
        return values
    result = [values]
    if return_inverse:
        result.append(_wrap(r[1].astype(np.int64, copy=False).reshape(inverse_shape)))
    if return_counts:
        result.append(_wrap(r[2].astype(np.int64, copy=False)))
    return tuple(result)
