"""Matrix products and a little linear algebra: matmul and its special cases (mm, bmm, mv, dot),
outer/inner products, addmm and friends, einsum, tensordot, kron, trace, det, inverse.

A product is one NumPy call (`np.matmul` reaches BLAS for float32/float64). As in PyTorch, both
operands must have the same dtype: nothing is promoted. Errors are checked only after NumPy has
refused (or the dtypes differ), so the hot path costs two comparisons and the call itself.
"""
import string

import numpy as np

from .. import _dtype
from .._dtype import result_type
from ._common import Tensor, _array_result, _broadcast_shape, _check_same_device, _wrap
from ..backend import array_module, backend_of_array
from ._registry import op
from ..autograd.graph import _needs_grad, differentiable, recorded_as
from ..autograd.grad_mode import _state as _grad_mode
from .creation import eye, ones
from .indexing import where
from .pointwise import _cast, _finish, mul
from .reduction import sum as _sum
from .shape import expand

# The C++ type names PyTorch's `mm` prints in its dtype error ("float != double").
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
              "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
              "float32": "float", "float64": "double"}

# The kernel PyTorch names when a product is asked of bool tensors.
_BOOL_KERNELS = {"dot": "dot", "mv": "addmv_impl_cpu", "mm": "addmm_impl_cpu_", "bmm": "bmm"}


def _array(x, fname, argname, position):
    """The array of a tensor argument, or PyTorch's TypeError."""
    if isinstance(x, Tensor):
        return x._data
    raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be Tensor, not "
                    f"{type(x).__name__}")


def _name(a):
    return _dtype._FROM_NUMPY[a.dtype]._typed_name


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# -- PyTorch's checks, kernel by kernel ------------------------------------------------------------
def _check_dtypes(kernel, x, y):
    """Both operands of one dtype (each kernel words it its own way), and not bool."""
    if kernel == "bmm" and x.dtype.kind == "b":      # bmm looks at batch1's dtype first
        raise NotImplementedError("\"bmm\" not implemented for 'Bool'")
    if x.dtype != y.dtype:
        if kernel == "dot":
            msg = (f"dot : expected both vectors to have same dtype, but found {_name(x)} and "
                   f"{_name(y)}")
        elif kernel == "mv":
            msg = (f"addmv input tensors must have the same dtype, but got {_name(y)}, {_name(x)}, "
                   f"and {_name(y)}")
        elif kernel == "mm":
            msg = (f"expected m1 and m2 to have the same dtype, but got: "
                   f"{_CPP_NAMES[x.dtype.name]} != {_CPP_NAMES[y.dtype.name]}")
        else:
            msg = f"expected scalar type {_name(x)} but found {_name(y)}"
        raise RuntimeError(msg)
    if x.dtype.kind == "b":
        raise NotImplementedError(f"\"{_BOOL_KERNELS[kernel]}\" not implemented for 'Bool'")


def _check_dot(x, y):
    if x.dtype != y.dtype:               # dot checks dtypes before sizes
        _check_dtypes("dot", x, y)
    n, m = x.shape[0], y.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    _check_dtypes("dot", x, y)


def _check_mv(x, y):
    """`x` (matrix, or a batch folded into one) times vector `y`."""
    rows, k = _prod(x.shape[:-1]), x.shape[-1]
    if k != y.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), "
                           f"vec ({y.shape[0]})")
    _check_dtypes("mv", x, y)


def _check_mm(x, y):
    """`x` (vector, matrix or folded batch) times matrix `y`."""
    rows, k = _prod(x.shape[:-1]), x.shape[-1]
    if k != y.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and "
                           f"{y.shape[0]}x{y.shape[1]})")
    _check_dtypes("mm", x, y)


def _check_bmm(x, y):
    """Batched product: batch dims broadcast, then the inner sizes must agree."""
    batch = _prod(_broadcast_shape(x.shape[:-2], y.shape[:-2]))
    k1 = x.shape[-1]
    k2 = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if k1 != k2:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{batch}, {k1}] but got: [{batch}, {k2}].")
    _check_dtypes("bmm", x, y)


def _folds(x, y):
    """PyTorch's `should_fold`: with a batched operand (>= 3-D) against a vector or matrix, its
    matmul folds the batch into matrix rows and calls mm/mv instead of bmm, when that needs no
    copy. (Only the wording of errors depends on it: the numbers are the same.)"""
    larger = x if x.ndim >= y.ndim else np.swapaxes(y, -1, -2)
    if larger.ndim < 3 or min(x.ndim, y.ndim) > 2 or x.ndim == 2:
        return False
    if larger.size == 0:
        return True
    shape, strides = larger.shape, larger.strides
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(larger.ndim - 2))


def _raise_matmul_error(x, y):
    """PyTorch's error for `x @ y`, following the kernel its matmul would have picked."""
    a, b = x.ndim, y.ndim
    if a == 0 or b == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a}D "
                           f"and {b}D")
    if a == 1 and b == 1:
        _check_dot(x, y)
    elif a <= 2 and b <= 2:
        (_check_mv if b == 1 else _check_mm)(x, y)
    elif _folds(x, y):
        if a > b:
            (_check_mv if b == 1 else _check_mm)(x, y)      # x's batch folded into rows
        else:
            _check_mv(np.swapaxes(y, -1, -2), x)            # vector @ batch as batch.mT @ vector
    else:
        _check_bmm(x, y)
    raise RuntimeError(f"matmul: cannot multiply shapes {list(x.shape)} and {list(y.shape)}")


# -- products --------------------------------------------------------------------------------------
@op
def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch semantics: 1-D·1-D is a dot product (0-d), a 1-D operand
    is a row or column vector, and leading (batch) dims broadcast."""
    if _grad_mode.enabled and (getattr(input, "requires_grad", False)
                               or getattr(other, "requires_grad", False)):
        return _RECORDED_MATMUL[_matmul_node_name(input, other)](input, other, out=out)
    return _matmul(input, other, out=out)


def _mm(x, y):
    """x @ y for arrays: NumPy's matmul (an array also for 1-D @ 1-D), or the GPU library's."""
    if x.ndim == 2 and y.ndim == 2 and x.shape[1] == 1 == y.shape[0]:
        # a column times a row (as in the backward of a Linear with one output): each element is
        # one product, the same as matmul's, and NumPy's matmul is ~5x slower on an inner size 1
        return array_module(x).multiply(x, y)
    if type(x) is np.ndarray:
        return np.matmul(x, y, out=...)
    return array_module(x).matmul(x, y)


def _matmul(input, other, *, out=None):
    if type(input) is Tensor and type(other) is Tensor and out is None:
        x, y = input._data, other._data
        if x.dtype is y.dtype and x.ndim and y.ndim and x.dtype.kind != "b":
            try:
                return _wrap(_mm(x, y))     # the fast path: one NumPy call
            except ValueError:
                _raise_matmul_error(x, y)
            except TypeError:
                _check_same_device(input, other)
                raise
    x = _array(input, "matmul", "input", 1)
    y = _array(other, "matmul", "other", 2)
    if x.dtype != y.dtype or x.dtype.kind == "b" or not x.ndim or not y.ndim:
        _raise_matmul_error(x, y)
    try:
        r = _mm(x, y)
    except ValueError:
        _raise_matmul_error(x, y)
    return _finish(_wrap(r), out)


def _matmul_grads(ctx, grad, a, b, i_a=0, i_b=1):
    """The gradients of a @ b (inputs i_a and i_b of the node) for every shape matmul takes:
    grad @ b^T and a^T @ grad, a 1-D `a` taken as a row and a 1-D `b` as a column. Batch dims
    that were broadcast are summed back by the engine."""
    a_vector, b_vector = a._data.ndim == 1, b._data.ndim == 1
    if a_vector and b_vector:                      # a dot product
        return grad * b, grad * a
    if a_vector:
        a, grad = a.unsqueeze(0), grad.unsqueeze(-2)
    if b_vector:
        b, grad = b.unsqueeze(-1), grad.unsqueeze(-1)
    grad_a = grad_b = None
    if _needs_grad(ctx, i_a):
        grad_a = matmul(grad, b.mT)
        if a_vector:
            grad_a = grad_a.squeeze(-2)
    if _needs_grad(ctx, i_b):
        grad_b = matmul(a.mT, grad)
        if b_vector:
            grad_b = grad_b.squeeze(-1)
    return grad_a, grad_b


def _product_backward(ctx, grad):
    return _matmul_grads(ctx, grad, *ctx.inputs)


# PyTorch's matmul runs dot, mv or mm (1-D and 2-D operands: 1-D @ 2-D as unsqueeze, mm,
# squeeze), or folds a batch into mm/mv rows, or calls bmm, then views the result: its grad_fn is
# the last of those steps. dlcore records one node with the same gradients, named as that step.
_SMALL_PRODUCT_NODES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0",
                        (1, 2): "SqueezeBackward4", (2, 2): "MmBackward0"}
_matmul.__name__ = "matmul"     # (autograd's errors, such as its out= refusal, name the op)
_RECORDED_MATMUL = {
    name: recorded_as(name, _matmul, _product_backward, inputs=("input", "other"),
                             saves=("input", "other"))
    for name in ("DotBackward0", "MvBackward0", "SqueezeBackward4", "MmBackward0",
                 "UnsafeViewBackward0", "CloneBackward0", "TransposeBackward0")}


def _matmul_node_name(input, other):
    """The grad_fn name of PyTorch's matmul(input, other) (at::_matmul_impl, case by case)."""
    if not (isinstance(input, Tensor) and isinstance(other, Tensor)):
        return "MmBackward0"                  # the forward refuses these operands
    x, y = input._data, other._data
    a, b = x.ndim, y.ndim
    if a == 3 and b == 3 and x.shape[0] == 1 != y.shape[0]:
        a = 2         # (1, n, m) @ (B, m, p): PyTorch drops the size-1 batch, then as 2-D @ 3-D
    if a == 0 or b == 0:
        return "MmBackward0"
    if a <= 2 and b <= 2:
        return _SMALL_PRODUCT_NODES[a, b]
    if a == 2 and input.requires_grad:
        # a matrix times a batch is folded into (B*p, m) @ (m, n) when the matrix needs a
        # gradient; the (B, p, n) result is transposed and copied unless already contiguous
        n, p = x.shape[-2], y.shape[-1]
        if n <= 1 or p <= 1 or 0 in y.shape:
            return "TransposeBackward0"
        return "CloneBackward0"
    return "UnsafeViewBackward0"


@op
@differentiable(inputs=("input", "mat2"), saves=("input", "mat2"))
def mm(input, mat2, *, out=None):
    """Product of two matrices (2-D only: see `matmul` for the general case)."""
    x = _array(input, "mm", "input", 1)
    y = _array(mat2, "mm", "mat2", 2)
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if x.shape[1] != y.shape[0] or x.dtype != y.dtype or x.dtype.kind == "b":
        _check_mm(x, y)
    return _finish(_wrap(_mm(x, y)), out)


mm.backward(_product_backward)


@op
@differentiable(inputs=("input", "mat2"), saves=("input", "mat2"))
def bmm(input, mat2, *, out=None):
    """Batch of matrix products: (b, n, m) @ (b, m, p) -> (b, n, p), without broadcasting."""
    x = _array(input, "bmm", "input", 1)
    y = _array(mat2, "bmm", "mat2", 2)
    if x.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}].")
    _check_dtypes("bmm", x, y)
    return _finish(_wrap(_mm(x, y)), out)


bmm.backward(_product_backward)


@op
@differentiable(inputs=("input", "vec"), saves=("input", "vec"))
def mv(input, vec, *, out=None):
    """Matrix (n, m) times vector (m,) -> (n,)."""
    x = _array(input, "mv", "input", 1)
    y = _array(vec, "mv", "vec", 2)
    if x.ndim != 2 or y.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {x.ndim}, {y.ndim}")
    _check_mv(x, y)
    return _finish(_wrap(_mm(x, y)), out)


mv.backward(_product_backward)


def _dot(input, other, fname):
    x = _array(input, fname, "input", 1)
    y = _array(other, fname, "other" if fname == "vdot" else "tensor", 2)
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    _check_dot(x, y)
    return _wrap(_array_result(np.dot(x, y)))


@op
@differentiable(inputs=("input", "tensor"), saves=("input", "tensor"))
def dot(input, tensor, *, out=None):
    """Dot product of two 1-D tensors of the same dtype and length (0-d result)."""
    return _finish(_dot(input, tensor, "dot"), out)


@op
@differentiable(inputs=("input", "other"), saves=("input", "other"))
def vdot(input, other, *, out=None):
    """Dot product that conjugates its first argument; for real tensors the same as `dot`."""
    return _finish(_dot(input, other, "vdot"), out)


dot.backward(_product_backward)
vdot.backward(_product_backward)


@op
def inner(input, other, *, out=None):
    """Sum of products over the last dims; a 0-d operand just multiplies."""
    x = _array(input, "inner", "input", 1)
    y = _array(other, "inner", "other", 2)
    if not x.ndim or not y.ndim:
        return _finish(mul(input, other), out)
    return _inner_recorded(input, other, out=out)


def _inner(input, other, *, out=None):
    x, y = input._data, other._data
    if x.shape[-1] != y.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(x.shape)} and {list(y.shape)}")
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if x.dtype.kind == "b":
        _check_dtypes("dot" if x.ndim == y.ndim == 1 else "mm", x, y)
    return _finish(_wrap(_array_result(np.inner(x, y))), out)


def _inner_backward(ctx, grad):
    a, b = ctx.inputs
    n, m = a._data.ndim, b._data.ndim
    sub_a = _letters(n - 1) + "z"                 # the last dims share a letter: contracted
    sub_b = _letters(m - 1, n - 1) + "z"
    output = sub_a[:-1] + sub_b[:-1]
    spare = [c for c in _letters(52, n + m - 2) if c != "z"]
    return tuple(_einsum_grads(ctx, grad, [sub_a, sub_b], output, [a, b], spare))


_inner.__name__ = "inner"       # (autograd's errors, such as its out= refusal, name the op)
_inner_recorded = recorded_as("ViewBackward0", _inner, _inner_backward,
                                     inputs=("input", "other"), saves=("input", "other"))


def _vector(x, argname):
    if x.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument {argname}, but got {x.ndim}-D")


@op
def outer(input, vec2, *, out=None):
    """Outer product of two vectors: (n,) x (m,) -> (n, m). dtypes promote as in `mul`."""
    _vector(_array(input, "outer", "input", 1), "self")
    _vector(_array(vec2, "outer", "vec2", 2), "vec2")
    # as PyTorch: a column times a row, so its gradients (and grad_fn, MulBackward0) are mul's
    return _finish(mul(input.reshape(input._data.shape[0], 1), vec2), out)


ger = op(outer, names=("ger",))


# -- scaled products added to a tensor: beta * input + alpha * (a @ b) -----------------------------
def _scaled_sum(input, product, beta, alpha, fname):
    """beta * input + alpha * product, with `input` broadcast to the product's shape (PyTorch's
    expand error otherwise). beta == 0 ignores input entirely, NaNs included."""
    _array(input, fname, "input", 1)
    target = expand(input, product.shape)._data     # raises PyTorch's message if it can't
    kind = product.dtype.type                       # an int product truncates alpha and beta
    if alpha != 1:
        product = np.multiply(product, kind(alpha), out=product)
    if beta == 0:
        return product
    return np.add(product, target if beta == 1 else target * kind(beta), out=product)


def _check_addmm_dtypes(input, a, b, fname):
    x = _array(input, fname, "input", 1)
    if a.dtype != b.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_name(a)} and "
                           f"{_name(b)}")
    if x.dtype != b.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_name(x)} and "
                           f"{_name(b)}")


@op
@differentiable(inputs=("input", "mat1", "mat2"), saves=("mat1", "mat2"))
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2), input broadcast to the product's shape."""
    a = _array(mat1, "addmm", "mat1", 2)
    b = _array(mat2, "addmm", "mat2", 3)
    for m, name in ((a, "mat1"), (b, "mat2")):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if a.shape[1] != b.shape[0]:
        _check_mm(a, b)
    _check_addmm_dtypes(input, a, b, "addmm")
    _check_dtypes("mm", a, b)
    return _finish(_wrap(_scaled_sum(input, _mm(a, b), beta, alpha, "addmm")), out)


@op
@differentiable(inputs=("input", "mat", "vec"), saves=("mat", "vec"))
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec)."""
    a = _array(mat, "addmv", "mat", 2)
    v = _array(vec, "addmv", "vec", 3)
    x = _array(input, "addmv", "input", 1)
    if a.ndim != 2 or v.ndim != 1 or x.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {x.ndim}, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0] or (x.ndim == 1 and x.shape[0] not in (1, a.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({x.shape[0] if x.ndim else 1}), mat "
                           f"({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    if not x.dtype == a.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_name(x)}, "
                           f"{_name(a)}, and {_name(v)}")
    _check_dtypes("mv", a, v)
    return _finish(_wrap(_scaled_sum(input, _mm(a, v), beta, alpha, "addmv")), out)


def _check_batches(x, y):
    for m, name in ((x, "batch1"), (y, "batch2")):
        if m.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}].")
    _check_dtypes("bmm", x, y)


@op
@differentiable(inputs=("input", "batch1", "batch2"), saves=("batch1", "batch2"))
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2)."""
    x = _array(batch1, "baddbmm", "batch1", 2)
    y = _array(batch2, "baddbmm", "batch2", 3)
    _check_batches(x, y)
    _check_addmm_dtypes(input, x, y, "baddbmm")
    return _finish(_wrap(_scaled_sum(input, _mm(x, y), beta, alpha, "baddbmm")), out)


@op
@differentiable(inputs=("input", "batch1", "batch2"), saves=("batch1", "batch2"))
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    x = _array(batch1, "addbmm", "batch1", 2)
    y = _array(batch2, "addbmm", "batch2", 3)
    _check_batches(x, y)
    _check_addmm_dtypes(input, x, y, "addbmm")
    # (b, n, m) @ (b, m, p) summed over b is one (n, b*m) @ (b*m, p) product
    b, n, m = x.shape
    product = _mm(x.transpose(1, 0, 2).reshape(n, b * m), y.reshape(b * m, y.shape[2]))
    return _finish(_wrap(_scaled_sum(input, product, beta, alpha, "addbmm")), out)


@op
@differentiable(inputs=("input", "vec1", "vec2"), saves=("vec1", "vec2"))
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2); dtypes promote."""
    product = outer(vec1, vec2)
    rt = result_type(input, product)
    if rt.np != product._data.dtype:
        product = product.to(rt)
    if input.dtype is not rt:
        input = input.to(rt)
    return _finish(_wrap(_scaled_sum(input, product._data, beta, alpha, "addr")), out)


def _scale(grad, factor):
    return grad if factor == 1 else grad * factor


def _add_product_backward(ctx, grad):
    """beta * input + alpha * (a @ b): beta * grad for input (summed back to its shape by the
    engine), and the product's gradients scaled by alpha."""
    _, a, b = ctx.inputs
    grad_input = _scale(grad, ctx.kwargs.get("beta", 1)) if _needs_grad(ctx, 0) else None
    grad_a, grad_b = _matmul_grads(ctx, _scale(grad, ctx.kwargs.get("alpha", 1)), a, b, 1, 2)
    return grad_input, grad_a, grad_b


for _fn in (addmm, addmv, baddbmm, addbmm):
    _fn.backward(_add_product_backward)


@addr.backward
def _(ctx, grad):
    _, vec1, vec2 = ctx.inputs
    grad_input = _scale(grad, ctx.kwargs.get("beta", 1)) if _needs_grad(ctx, 0) else None
    grad = _scale(grad, ctx.kwargs.get("alpha", 1))
    grad_vec1 = matmul(grad, vec2.to(grad.dtype)) if _needs_grad(ctx, 1) else None
    grad_vec2 = matmul(grad.mT, vec1.to(grad.dtype)) if _needs_grad(ctx, 2) else None
    return grad_input, grad_vec1, grad_vec2


def _inplace(fn, name):
    def method(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        if r._data.shape != self._data.shape:
            raise RuntimeError(f"Bad in-place call: input tensor size {list(self._data.shape)} and "
                               f"output tensor size {list(r._data.shape)} should match")
        self._data[...] = r._data
        return self
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place `{fn.__name__}`: the result is written into `self`."
    return method


for _fn in (addmm, addmv, baddbmm, addbmm, addr):
    op(_inplace(_fn, _fn.__name__ + "_"), function=_fn is addmv)


# -- einsum, tensordot, kron -----------------------------------------------------------------------
def _einsum_error(equation, arrays, numpy_message):
    """PyTorch's message for an einsum whose operands don't fit the equation."""
    inputs = equation.replace(" ", "").split("->")[0].split(",")
    if len(inputs) > len(arrays):
        return "einsum(): fewer operands were provided than specified in the equation"
    if len(inputs) < len(arrays):
        return "einsum(): more operands were provided than specified in the equation"
    sizes = {}
    for i, (subscripts, a) in enumerate(zip(inputs, arrays)):
        if "." in subscripts:
            return f"einsum(): {numpy_message}"
        if len(subscripts) != a.ndim:
            return (f"einsum(): the number of subscripts in the equation ({len(subscripts)}) does "
                    f"not match the number of dimensions ({a.ndim}) for operand {i} and no "
                    "ellipsis was given")
        for letter, size in zip(subscripts, a.shape):
            seen = sizes.setdefault(letter, size)
            if size != seen and 1 not in (size, seen):
                return (f"einsum(): subscript {letter} has size {size} for operand {i} which does "
                        f"not broadcast with previously seen size {seen}")
    return f"einsum(): {numpy_message}"


@op(method=False)
def einsum(equation, *operands):
    """Einstein summation, e.g. einsum('ij,jk->ik', a, b) is a @ b. Operands may also come as one
    list. All must share a dtype; summing one int operand gives int64, as PyTorch's `sum`."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if _grad_mode.enabled and any(getattr(t, "requires_grad", False) for t in operands):
        return _RECORDED_EINSUM[_einsum_node_name(equation, operands)](equation, operands)
    return _einsum(equation, operands)


def _einsum(equation, operands):
    arrays = [_array(t, "einsum", "operands", i + 2) for i, t in enumerate(operands)]
    for a in arrays[1:]:
        if a.dtype != arrays[0].dtype:
            raise RuntimeError(f"expected scalar type {_name(arrays[0])} but found {_name(a)}")
    if len(arrays) == 1 and arrays[0].dtype.kind in "biu":
        inputs, _, output = equation.replace(" ", "").partition("->")
        if not output and "->" not in equation:
            output = "".join(sorted(c for c in set(inputs) if c.isalpha() and inputs.count(c) == 1))
        if set(c for c in inputs if c.isalpha()) - set(output):     # something is summed
            arrays = [arrays[0].astype(np.int64)]
    try:
        r = _array_result(np.einsum(equation, *arrays, optimize=len(arrays) > 1))
    except ValueError as e:
        raise RuntimeError(_einsum_error(equation, arrays, e)) from None
    return _wrap(r if r.flags.owndata else r.copy())      # NumPy may return a view of an input


# -- gradients of contractions (einsum, tensordot, inner, kron) -----------------------------------
def _letters(n, start=0):
    """n subscript letters, from the start-th of a-z, A-Z."""
    return string.ascii_letters[start:start + n]


def _explicit_subscripts(equation, ndims):
    """(input subscripts, output subscripts, unused letters) of an einsum equation, with `...`
    spelled out in letters of its own and an implicit output made explicit:
    'ij,jk' -> (['ij', 'jk'], 'ik', [...])."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    spare = [c for c in string.ascii_letters if c not in equation]
    widths = [n - len(s) + 3 if "..." in s else 0 for s, n in zip(inputs, ndims)]
    batch = "".join(spare[:max(widths, default=0)])           # the broadcast dims of `...`
    del spare[:len(batch)]
    inputs = [s.replace("...", batch[len(batch) - w:]) for s, w in zip(inputs, widths)]
    if arrow:
        output = rhs.replace("...", batch)
    else:       # implicit: the broadcast dims, then the letters seen once, in alphabetical order
        letters = lhs.replace("...", "").replace(",", "")
        output = batch + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return inputs, output, spare


def _einsum_grads(ctx, grad, inputs, output, operands, spare, first=0):
    """The gradient of each operand of einsum(inputs -> output): the einsum of the gradient with
    the other operands, back to the operand's subscripts. A repeated letter (a diagonal, x_ii)
    gets a fresh letter tied to the first by an identity matrix; a letter only the operand has
    (summed away) is restored by a vector of ones. `first`: the node input of operands[0]."""
    spare = list(spare)
    grads = []
    for k, (subscripts, x) in enumerate(zip(inputs, operands)):
        if not _needs_grad(ctx, first + k):
            grads.append(None)
            continue
        terms = [(s, t) for j, (s, t) in enumerate(zip(inputs, operands)) if j != k]
        terms.append((output, grad))
        target = ""
        for c, size in zip(subscripts, x._data.shape):
            if c in target:
                fresh = spare.pop()
                terms.append((c + fresh, eye(size, dtype=grad.dtype)))
                c = fresh
            target += c
        present = set("".join(s for s, _ in terms))
        for c, size in zip(target, x._data.shape):
            if c not in present:
                terms.append((c, ones(size, dtype=grad.dtype)))
        equation = ",".join(s for s, _ in terms) + "->" + target
        grads.append(einsum(equation, *(t for _, t in terms)))
    return grads


def _einsum_node_name(equation, operands):
    """The grad_fn PyTorch's einsum ends with: it permutes, sums and multiplies operands, and
    contracts pairs with bmm and a view. One operand: SumBackward1 if something is summed, else
    PermuteBackward0; several: ViewBackward0 if a letter is contracted, else MulBackward0."""
    ndims = [t._data.ndim if isinstance(t, Tensor) else 0 for t in operands]
    try:
        inputs, output, _ = _explicit_subscripts(equation, ndims)
    except (AttributeError, TypeError):
        return "ViewBackward0"                     # the forward refuses the equation
    contracted = set("".join(inputs)) - set(output)
    if len(operands) == 1:
        return "SumBackward1" if contracted else "PermuteBackward0"
    return "ViewBackward0" if contracted else "MulBackward0"


def _einsum_backward(ctx, grad):
    equation, operands = ctx.args
    inputs, output, spare = _explicit_subscripts(equation, [t._data.ndim for t in operands])
    return _einsum_grads(ctx, grad, inputs, output, operands, spare)


_RECORDED_EINSUM = {
    name: recorded_as(name, _einsum, _einsum_backward, inputs=("operands",),
                             saves=("operands",))
    for name in ("SumBackward1", "PermuteBackward0", "ViewBackward0", "MulBackward0")}


@op(method=False)
@differentiable(inputs=("a", "b"), saves=("a", "b"), name="ViewBackward0")
def tensordot(a, b, dims=2, out=None):
    """Contract the last `dims` dims of `a` with the first of `b`, or the dims listed as
    ([dims of a], [dims of b])."""
    x = _array(a, "tensordot", "a", 1)
    y = _array(b, "tensordot", "b", 2)
    dims_a, dims_b = _tensordot_dims(x, y, dims)
    if x.dtype != y.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if x.dtype.kind == "b":
        _check_dtypes("mm", x, y)
    return _finish(_wrap(_array_result(np.tensordot(x, y, (dims_a, dims_b)))), out)


@tensordot.backward
def _(ctx, grad):
    a, b = ctx.inputs
    x, y = a._data, b._data
    dims_a, dims_b = _tensordot_dims(x, y, ctx.arg(2, "dims", 2))
    dims_a = [d % x.ndim for d in dims_a]
    dims_b = [d % y.ndim for d in dims_b]
    # as einsum: a's dims get letters, b's contracted dims take theirs, the rest new ones
    sub_a = list(_letters(x.ndim))
    sub_b = list(_letters(y.ndim, x.ndim))
    for da, db in zip(dims_a, dims_b):
        sub_b[db] = sub_a[da]
    output = ([c for d, c in enumerate(sub_a) if d not in dims_a]
              + [c for d, c in enumerate(sub_b) if d not in dims_b])
    spare = list(_letters(52 - x.ndim - y.ndim, x.ndim + y.ndim))
    return tuple(_einsum_grads(ctx, grad, ["".join(sub_a), "".join(sub_b)], "".join(output),
                               [a, b], spare))


def _tensordot_dims(x, y, dims):
    """([dims of x], [dims of y]) that tensordot contracts, checked as PyTorch does."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > x.ndim or dims > y.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    for da, db in zip(dims_a, dims_b):
        if x.shape[da] != y.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{x.shape[da]} in dim {da} and second has size {y.shape[db]} in "
                               f"dim {db}")
    return dims_a, dims_b


@op
@differentiable(inputs=("input", "other"), saves=("input", "other"),
                name="UnsafeViewBackward0")
def kron(input, other, *, out=None):
    """Kronecker product: every element of `input` times the whole of `other`."""
    x = _array(input, "kron", "input", 1)
    y = _array(other, "kron", "other", 2)
    rt = result_type(input, other).np
    return _finish(_wrap(np.kron(_cast(x, rt), _cast(y, rt))), out)


@kron.backward
def _(ctx, grad):
    """kron(x, y)[i*p + k, ...] = x[i, ...] * y[k, ...]: seen with each dim of the gradient split
    in two (x's index, y's index), it is einsum('ac,bd->abcd', x, y), whose gradients apply
    (the shorter operand padded with leading dims of size 1, as kron does)."""
    x, y = ctx.inputs
    n = max(x._data.ndim, y._data.ndim)
    shape_x = (1,) * (n - x._data.ndim) + x._data.shape
    shape_y = (1,) * (n - y._data.ndim) + y._data.shape
    letters = _letters(2 * n)
    sub_x, sub_y = letters[0::2], letters[1::2]
    split = grad.reshape(tuple(s for pair in zip(shape_x, shape_y) for s in pair))
    operands = [x.reshape(shape_x).to(grad.dtype), y.reshape(shape_y).to(grad.dtype)]
    return tuple(_einsum_grads(ctx, split, [sub_x, sub_y], letters, operands,
                               _letters(52 - 2 * n, 2 * n)))


# -- trace, determinant, inverse -------------------------------------------------------------------
@op
@differentiable()
def trace(input):
    """Sum of the main diagonal of a matrix (integers sum to int64, as `sum`)."""
    x = _array(input, "trace", "input", 1)
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    if x.dtype.kind == "b":
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return _sum(_wrap(np.diagonal(x)))


@trace.backward
def _(ctx, grad):
    n, m = ctx.inputs[0]._data.shape
    return grad * eye(n, m, dtype=grad.dtype)


def _square_float(x, fname):
    if x.dtype.kind != "f":
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_name(x)}")
    if x.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor A must have at least 2 dimensions.")
    if x.shape[-1] != x.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{x.shape[-2]} by {x.shape[-1]} matrices")


@op
@differentiable(saves=("input", "result"), name="LinalgDetBackward0")
def det(input):
    """Determinant of a square matrix (or of each in a batch)."""
    x = _array(input, "det", "input", 1)
    _square_float(x, "linalg.det")
    if x.dtype == np.float16:
        raise NotImplementedError("\"lu_cpu\" not implemented for 'Half'")
    return _wrap(_array_result(np.linalg.det(x)).astype(x.dtype, copy=False))


@det.backward
def _(ctx, grad):
    """d det(A) / dA = det(A) * inverse(A)^T. For a singular A PyTorch's gradient is zero: such
    matrices are swapped for the identity, whose inverse exists, before the zero det scales it."""
    a, result = ctx.inputs[0], ctx.result
    n = a._data.shape[-1]
    singular = (result == 0).unsqueeze(-1).unsqueeze(-1)
    invertible = where(singular, eye(n, dtype=a.dtype), a) if singular._data.any() else a
    return (grad * result).unsqueeze(-1).unsqueeze(-1) * inverse(invertible).mT


def _zero_pivot(matrix):
    """1-based position of the first zero pivot of LU with partial pivoting (LAPACK's getrf
    `info`, which PyTorch's message reports), or None. Only run once inversion has failed."""
    a = matrix.astype(np.float64)
    n = a.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        a[[k, p]] = a[[p, k]]
        a[k + 1:, k:] -= np.outer(a[k + 1:, k] / a[k, k], a[k, k:])
    return None


@op
@differentiable(saves=("result",), name="LinalgInvExBackward0")
def inverse(input, *, out=None):
    """Inverse of a square matrix (or of each in a batch); a singular one raises."""
    x = _array(input, "inverse", "input", 1)
    _square_float(x, "linalg.inv")
    if x.dtype == np.float16:
        raise RuntimeError("linalg.inv: Low precision dtypes not supported. Got Half")
    try:
        r = np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise _singular(x) from None
    if type(x) is not np.ndarray and not bool(array_module(r).isfinite(r).all()):
        # a GPU's inverse goes on past a zero pivot (CuPy gives infs and NaNs): the host says
        # whether the matrix was singular (an input with infs or NaNs is not)
        host = backend_of_array(x).to_numpy(x)
        try:
            np.linalg.inv(host)
        except np.linalg.LinAlgError:
            raise _singular(host) from None
    return _finish(_wrap(r.astype(x.dtype, copy=False)), out)


def _singular(x):
    """PyTorch's error for inverting the singular matrix (or batch of matrices) x."""
    matrices = x.reshape((-1,) + x.shape[-2:])
    i, pivot = next(((i, p) for i, m in enumerate(matrices) if (p := _zero_pivot(m))),
                    (0, x.shape[-1]))
    where = f"(Batch element {i}): " if x.ndim > 2 else ""
    return RuntimeError(f"linalg.inv: {where}The diagonal element {pivot} is zero, the "
                        "inversion could not be completed because the input matrix is singular.")


@inverse.backward
def _(ctx, grad):
    inverse_t = ctx.result.mT
    return -matmul(inverse_t, matmul(grad, inverse_t))


# -- operators -------------------------------------------------------------------------------------
def _install_operators(T):
    """`a @ b`, `b @ a` and `a @= b` (which, as in PyTorch, makes a new tensor)."""
    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        if not (self.requires_grad or other.requires_grad):
            x, y = self._data, other._data
            if x.dtype is y.dtype and x.dtype.kind == "f" and x.ndim and y.ndim:
                try:
                    return _wrap(_mm(x, y))   # no graph to record: one call
                except (ValueError, TypeError):
                    pass            # mismatched shapes or devices: matmul raises the error
        return matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return matmul(other, self)

    T.__matmul__ = __matmul__
    T.__rmatmul__ = __rmatmul__
    T.__imatmul__ = __matmul__
