"""Views and joins. A view only makes new size/stride/offset over the same Storage: O(1) whatever
the tensor's size. `cat`/`stack` and the copies `reshape` needs are the only ones here that copy.

Every view follows PyTorch's layout rules exactly (its strides, its storage offset), so that
`stride()`, `storage_offset()` and `is_contiguous()` print what PyTorch prints. Layout maths works
on (shape, strides, offset) in elements; `_as_strided_view` then builds the NumPy view once.

Derivatives: the gradient of a view is the view's inverse applied to the gradient (transpose
back, squeeze what unsqueeze added), or, for views that drop elements (select, slice), the
gradient written into zeros of the input's shape. Joins split the gradient; copies pass it on.
Where PyTorch names the node by the case (squeeze with and without `dim`, split by one size or by
several) one forward is wrapped once per name."""
import itertools
from collections.abc import Sequence

import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._size import Size
from .._tensor import (Tensor, _as_strided_view, _contiguous_strides, _dense, _move_array,
                       _view_at, _wrap, _wrap_dim)
from ._common import _check_same_device, _dims, _int_elements
from ..backend import array_module, ascontiguousarray
from ..autograd.grad_mode import _state as _grad_state
from ..autograd.graph import differentiable
from ._registry import op


# -- layout helpers ------------------------------------------------------------------------------
class _Layout:
    """A tensor's shape and strides (in elements) and storage offset, as lists to edit into a
    view's: the maths of select, slice and unsqueeze, written once for views and indexing."""

    __slots__ = ("shape", "strides", "offset")

    def __init__(self, t):
        x = t._data
        item = x.itemsize
        self.shape = list(x.shape)
        self.strides = [s // item for s in x.strides]
        offset = t._offset
        self.offset = offset if offset is not None else t.storage_offset()

    def select(self, dim, i):
        """Keep only position `i` (in range, non-negative) of `dim`, which goes away."""
        self.offset += i * self.strides[dim]
        del self.shape[dim], self.strides[dim]

    def slice(self, dim, start, stop, step=1):
        """PyTorch's slice: start and stop clamped like Python's; an empty slice keeps its start."""
        start, stop, _ = slice(start, stop).indices(self.shape[dim])
        self.offset += start * self.strides[dim]
        self.shape[dim] = max(0, -(-(stop - start) // step))
        self.strides[dim] *= step

    def unsqueeze(self, dim):
        """A size-1 dim at `dim`, with PyTorch's stride for it: as if contiguous over the dims
        after it."""
        shape, strides = self.shape, self.strides
        strides.insert(dim, shape[dim] * strides[dim] if dim < len(shape) else 1)
        shape.insert(dim, 1)

    def view(self, base):
        """A tensor with this layout over base's storage."""
        return _as_strided_view(base, self.shape, self.strides, self.offset)


def _same_start_view(base, array):
    """A view over `array`, which NumPy derived from base's array without moving its first
    element (transpose, permute, squeeze, reshape of a contiguous array): same storage offset."""
    return _view_at(base, array, base._offset)


def _infer_size(shape, numel):
    """Resolve a single -1 in `shape` so that it holds `numel` elements (PyTorch's messages)."""
    shape = list(shape)
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape}")
        else:
            known *= s
    if known == numel or (infer is not None and known > 0 and numel % known == 0):
        if infer is not None:
            if known == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} "
                                   "because the unspecified dimension size -1 can be any value "
                                   "and is ambiguous")
            shape[infer] = numel // known
        return shape
    raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")


def _view_strides(old_shape, old_strides, new_shape):
    """PyTorch's computeStride: strides that view `old` as `new_shape`, or None if none exist.

    The old tensor is cut into chunks of dims that are contiguous with one another; a view is
    possible when each chunk's elements can be regrouped into whole dims of the new shape."""
    if not old_shape:
        return [1] * len(new_shape)
    numel = 1
    for s in old_shape:
        numel *= s
    if numel == 0:
        return list(old_strides) if list(old_shape) == list(new_shape) else \
            _contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        # a chunk ends where the next dim out is not laid out right after this one
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return new_strides


def _shape_args(shape, fname, argname):
    """`f(2, 3)`, `f((2, 3))`, `f([2, 3])`, `f(Size)` as a list of ints (PyTorch's TypeErrors)."""
    if not shape:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "{argname}"')
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return _int_elements(shape, fname, argname)


def _reshaped_view(input, new_shape):
    """`input` seen with `new_shape` (-1 already resolved) without copying; None if impossible."""
    x = input._data
    if x.flags.c_contiguous and 1 not in x.shape and 0 not in x.shape:
        # truly contiguous strides: NumPy's reshape gives exactly PyTorch's, and is fast
        return _same_start_view(input, x.reshape(new_shape))
    layout = _Layout(input)
    new_strides = _view_strides(layout.shape, layout.strides, new_shape)
    if new_strides is None:
        return None
    return _as_strided_view(input, new_shape, new_strides, layout.offset)


def _sliced(input, dim, start, stop, step=1):
    """PyTorch's slice of `input` along `dim` (a wrapped dim), as a view."""
    layout = _Layout(input)
    layout.slice(dim, start, stop, step)
    return layout.view(input)


_slice = differentiable(view=True, name="SliceBackward0")(_sliced)


@_slice.backward
def _(ctx, grad):
    dim, start, stop, step = ctx.args[1], ctx.args[2], ctx.args[3], ctx.arg(4, "step", 1)
    key = (slice(None),) * dim + (slice(start, stop, step),)
    return _slice_backward(grad, ctx.inputs[0]._data.shape, key)


def _embedded(grad, shape, key):
    """Zeros of `shape` with `grad` written at `key` (a basic index): the gradient of a view that
    kept only some elements. Differentiable in `grad`: its own gradient is `gg[key]`."""
    out = array_module(grad._data).zeros(shape, grad._data.dtype)
    out[key] = grad._data
    return _wrap(out)


def _embedded_backward(ctx, gg):
    return gg[ctx.args[2]]


_slice_backward = differentiable(inputs=("grad",), name="SliceBackwardBackward0")(_embedded)
_select_backward = differentiable(inputs=("grad",), name="SelectBackwardBackward0")(_embedded)
_slice_backward.backward(_embedded_backward)
_select_backward.backward(_embedded_backward)


# -- views -----------------------------------------------------------------------------------------
@op(function=False)
def view(self, *shape):
    """The same storage seen with another shape; -1 infers one size. Never copies: raises when
    the strides cannot express the new shape (then `reshape` copies). `view(dtype)` reads the
    same bytes as another dtype (PyTorch records no gradient through it)."""
    if not self.requires_grad:
        array = _contiguous_view(self._data, shape)
        if array is not None:
            return _view_at(self, array, self._offset)      # no graph to record: done
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        if shape[0].itemsize != self._data.itemsize:
            raise RuntimeError("view(dtype) with a different element size is not supported")
        return _same_start_view(self, self._data.view(shape[0].np))
    return _view_shape(self, *shape)


def _contiguous_view(x, shape):
    """The common `t.view(a, -1)` of a contiguous array, or None for the general path. With no
    size-1 dim in the input (or one element at stride 1) its strides are the row-major ones,
    and NumPy's reshape then gives PyTorch's strides, size-1 dims of the result included
    (checked by tests/test_views.py)."""
    if shape and type(shape[0]) is int and x.flags.c_contiguous and (
            1 not in x.shape or x.ndim == 1 and x.strides[0] == x.itemsize):
        try:
            array = x.reshape(shape)
        except (TypeError, ValueError):
            return None           # the general path gives PyTorch's error
        if array.size and min(shape) >= -1:
            return array
    return None


@differentiable(inputs=("self",), view=True, name="ViewBackward0")
def _view_shape(self, *shape):
    array = _contiguous_view(self._data, shape)
    if array is not None:
        return _view_at(self, array, self._offset)
    if not shape:
        raise TypeError("view() received an invalid combination of arguments - got (), but "
                        "expected one of:\n * (dlcore.dtype dtype)\n * (tuple of ints size)\n")
    new_shape = _infer_size(_shape_args(shape, "view", "size"), self._data.size)
    result = _reshaped_view(self, new_shape)
    if result is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return result


@_view_shape.backward
def _(ctx, grad):
    return reshape(grad, ctx.inputs[0]._data.shape)


@op(function=False)
def view_as(self, other):
    """`self.view(other.size())`."""
    return view(self, other._data.shape)


@op
def reshape(input, *shape):
    """A view when the layout allows one (then it is `view`), otherwise a contiguous copy."""
    new_shape = _infer_size(_shape_args(shape, "reshape", "shape"), input._data.size)
    x = input._data
    if x.flags.c_contiguous:
        return _view_shape(input, *new_shape) if new_shape else _view_shape(input, ())
    # as PyTorch: a view of another layout is a "reshape alias"; when no view can do, a
    # contiguous copy (CloneBackward0) seen with the new shape (UnsafeViewBackward0)
    if _view_strides(list(x.shape), [s // x.itemsize for s in x.strides], new_shape) is not None:
        return _reshape_alias(input, new_shape)
    return _unsafe_view(contiguous(input), new_shape)


def _reshaped(input, shape):
    return _reshaped_view(input, shape)


def _shaped_back(ctx, grad):
    return reshape(grad, ctx.inputs[0]._data.shape)


_reshape_alias = differentiable(view=True, name="ReshapeAliasBackward0")(_reshaped)
_unsafe_view = differentiable(name="UnsafeViewBackward0")(_reshaped)    # of a private copy
_reshape_alias.backward(_shaped_back)
_unsafe_view.backward(_shaped_back)


@op(function=False)
def reshape_as(self, other):
    """`self.reshape(other.size())`."""
    return reshape(self, other._data.shape)


@op
@differentiable(view=True)
def transpose(input, dim0, dim1):
    """Swap two dims (their sizes and strides): a view."""
    x = input._data
    nd = x.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return _same_start_view(input, x.swapaxes(d0, d1) if nd else x.view())


@transpose.backward
def _(ctx, grad):
    return transpose(grad, ctx.arg(1, "dim0"), ctx.arg(2, "dim1"))


op(transpose, names=("swapaxes", "swapdims"))


@op
@differentiable(view=True, name="TBackward0")
def t(input):
    """Transpose a matrix (a 0-d or 1-d tensor comes back as a view of itself)."""
    x = input._data
    nd = x.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _same_start_view(input, x.T if nd == 2 else x.view())


@t.backward
def _(ctx, grad):
    return t(grad)


@op
def adjoint(input):
    """Transpose of the last two dims (the conjugate too, for complex tensors)."""
    return transpose(input, -2, -1)


@differentiable(view=True, name="AliasBackward0")
def _alias(input):
    """A view of the whole tensor (`x[...]`, a 0-d tensor's movedim)."""
    return _view_at(input, input._data.view(), input._offset)


@_alias.backward
def _(ctx, grad):
    return grad


def _permutation(dims, nd):
    """permute's `dims` argument (`2, 0, 1` or `(2, 0, 1)`) checked and wrapped, as a list."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return wrapped


@op
@differentiable(view=True)
def permute(input, *dims):
    """The dims reordered: `permute(2, 0, 1)` makes dim 2 the first. A view."""
    x = input._data
    return _same_start_view(input, x.transpose(_permutation(dims, x.ndim)))


@permute.backward
def _(ctx, grad):
    order = _permutation(ctx.args[1:], grad._data.ndim)
    return permute(grad, [int(i) for i in np.argsort(order)])     # the inverse permutation


@op
def movedim(input, source, destination):
    """Move dims `source` to positions `destination`; the others keep their order. A view."""
    nd = input._data.ndim
    src = [source] if hasattr(source, "__index__") else list(source)
    dst = [destination] if hasattr(destination, "__index__") else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    wsrc = [_wrap_dim(d, nd) for d in src]
    wdst = [_wrap_dim(d, nd) for d in dst]
    if len(set(wsrc)) != len(wsrc):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(wdst)) != len(wdst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    if nd == 0:
        return _alias(input)
    order = [d for d in range(nd) if d not in wsrc]
    for d_to, d_from in sorted(zip(wdst, wsrc)):
        order.insert(d_to, d_from)
    return permute(input, order)          # PyTorch's movedim is a permute (PermuteBackward0)


op(movedim, names=("moveaxis",))


@op
@differentiable(view=True)
def unsqueeze(input, dim):
    """A size-1 dim inserted at `dim`. A view."""
    x = input._data
    if x.flags.c_contiguous and 1 not in x.shape and x.size:
        # contiguous: PyTorch's stride for the new dim is the contiguous one, as NumPy's
        # reshape gives
        d = _wrap_dim(dim, x.ndim + 1)
        return _view_at(input, x.reshape(x.shape[:d] + (1,) + x.shape[d:]), input._offset)
    layout = _Layout(input)
    layout.unsqueeze(_wrap_dim(dim, len(layout.shape) + 1))
    return layout.view(input)


@unsqueeze.backward
def _(ctx, grad):
    return squeeze(grad, ctx.arg(1, "dim"))


@op
def squeeze(input, dim=None):
    """Size-1 dims removed: all of them, or those of `dim` (an int or a tuple) that have size 1."""
    # PyTorch names the node by the overload: no dim, one dim, several dims
    if dim is None:
        return _squeeze_all(input, dim)
    if isinstance(dim, (tuple, list)):
        return _squeeze_dims(input, dim)
    return _squeeze_dim(input, dim)


def _squeezed(input, dim):
    x = input._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        axes = tuple(d for d in _dims(dim, x.ndim) if x.ndim and x.shape[d] == 1)
    return _same_start_view(input, x.squeeze(axes) if axes else x.view())


def _unsqueezed(ctx, grad):
    return reshape(grad, ctx.inputs[0]._data.shape)


_squeeze_all = differentiable(view=True, name="SqueezeBackward0")(_squeezed)
_squeeze_dim = differentiable(view=True, name="SqueezeBackward1")(_squeezed)
_squeeze_dims = differentiable(view=True, name="SqueezeBackward2")(_squeezed)
for _variant in (_squeeze_all, _squeeze_dim, _squeeze_dims):
    _variant.backward(_unsqueezed)


@op(function=False)
@differentiable(inputs=("self",), view=True)
def expand(self, *sizes):
    """Size-1 dims repeated (and leading dims added) with stride 0: no memory is copied.
    -1 keeps a dim's size. PyTorch's inferExpandGeometry, rule for rule."""
    sizes = _shape_args(sizes, "expand", "size")
    if not self._data.ndim and min(sizes, default=0) >= 0:
        # a 0-d tensor (a reduction's gradient) spread over a shape: every stride is 0
        return _as_strided_view(self, sizes, [0] * len(sizes), self.storage_offset())
    layout = _Layout(self)
    shape, strides = layout.shape, layout.strides
    nd, n = len(shape), len(sizes)
    if n < nd:
        raise RuntimeError(f"expand({self.type()}{{{shape}}}, size={sizes}): the number of sizes "
                           f"provided ({n}) must be greater or equal to the number of dimensions "
                           f"in the tensor ({nd})")
    new_shape, new_strides = [0] * n, [0] * n
    for i in range(n - 1, -1, -1):
        d = i - (n - nd)
        target = sizes[i]
        if d >= 0:
            size, stride = shape[d], strides[d]
            if target == -1:
                target = size
        else:
            # a new leading dim: the stride it would have if the tensor were contiguous there
            size, stride = 1, (new_shape[i + 1] * new_strides[i + 1] if i + 1 < n else 1)
            if target < 0:
                raise RuntimeError(f"The expanded size of the tensor ({target}) isn't allowed in "
                                   f"a leading, non-existing dimension {i}")
        if size != target:
            if size != 1 or target < 0:
                raise RuntimeError(f"The expanded size of the tensor ({target}) must match the "
                                   f"existing size ({size}) at non-singleton dimension {i}.  "
                                   f"Target sizes: {sizes}.  Tensor sizes: {shape}")
            size, stride = target, 0
        new_shape[i], new_strides[i] = size, stride
    if nd == 0:
        new_strides = [0] * n       # PyTorch: expanding a 0-d tensor gives all strides 0
    return _as_strided_view(self, new_shape, new_strides, layout.offset)


@expand.backward
def _(ctx, grad):
    return grad.sum_to_size(ctx.inputs[0]._data.shape)


@op(function=False)
def expand_as(self, other):
    """`self.expand(other.size())`."""
    return expand(self, other._data.shape)


@op
def broadcast_to(input, size):
    """`input.expand(size)`."""
    return expand(input, size)


@op
def broadcast_tensors(*tensors):
    """Each tensor expanded to the shape they broadcast to together (views)."""
    from ._common import _broadcast_shape
    shape = _broadcast_shape(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


@op(method=False)
def broadcast_shapes(*shapes):
    """The shape that tensors of these shapes broadcast to (an int is a 1-D shape, None is
    skipped), with PyTorch's errors, which name the first shape that does not fit."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    for shape in shapes:
        if not isinstance(shape, Sequence):
            raise RuntimeError("Input shapes should be of type ints, a tuple of ints, or a list of "
                               f"ints, got {shape}")
    common = [1] * max((len(shape) for shape in shapes), default=0)
    for position, shape in enumerate(shapes):
        for d in range(-1, -1 - len(shape), -1):        # matched from the right
            size = shape[d]
            if size == common[d] or size == 1:
                continue
            if common[d] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {size} at {d}! "
                                   f"Mismatching argument at index {position} had {shape}; but "
                                   f"expected shape should be broadcastable to {common}")
            if size < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            common[d] = size
    return Size(common)


@op
def flatten(input, start_dim=0, end_dim=-1):
    """Dims start_dim..end_dim merged into one (a view when the layout allows, like reshape)."""
    x = input._data
    nd = x.ndim
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if nd == 0:
        return reshape(input, 1)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    n = 1
    for k in x.shape[s:e + 1]:
        n *= k
    return reshape(input, x.shape[:s] + (n,) + x.shape[e + 1:])


@op
def ravel(input):
    """A contiguous 1-D tensor: a view of a contiguous input, otherwise a copy (as PyTorch)."""
    return view(input.contiguous(), -1)


@op
def unflatten(input, dim, sizes):
    """Dim `dim` split into `sizes` (one may be -1). A view."""
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but "
                           "tensor has no dimensions")
    sizes = _shape_args((sizes,), "unflatten", "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inferred = _infer_size(sizes, x.shape[d])
    except RuntimeError as e:
        if "is invalid for input of size" not in str(e):
            raise RuntimeError(f"unflatten got an unexpected error:\n{e}") from None
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {d} ({x.shape[d]}) in the input tensor") from None
    return view(input, list(x.shape[:d]) + inferred + list(x.shape[d + 1:]))


@op
def narrow(input, dim, start, length):
    """Elements start..start+length-1 along `dim`. A view."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    start, length = start.__index__(), length.__index__()
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    size = x.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start < 0:
        start += size
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice(input, d, start, start + length)


@op
@differentiable(view=True)
def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed. A view."""
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    i = index.__index__()
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size {list(x.shape)} "
                         f"at dimension {d}")
    if i < 0:
        i += size
    if d == 0:
        # `params[0]`: NumPy's x[i] is this view; only the storage offset needs working out
        offset = input._offset
        if offset is not None:
            offset += i * (x.strides[0] // x.itemsize)
        return _view_at(input, x[i, ...], offset)
    layout = _Layout(input)
    layout.select(d, i)
    return layout.view(input)


@select.backward
def _(ctx, grad):
    shape = ctx.inputs[0]._data.shape
    key = (slice(None),) * _wrap_dim(ctx.arg(1, "dim"), len(shape)) + (ctx.arg(2, "index"),)
    return _select_backward(grad, shape, key)


@op
@differentiable(view=True)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of each (dim1, dim2) plane, as a new last dim: the main one, or `offset`
    places above it (offset > 0) or below it (offset < 0). A view."""
    layout = _Layout(input)
    nd = len(layout.shape)
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = layout.shape[d1], layout.shape[d2]
    row_step, col_step = layout.strides[d1], layout.strides[d2]
    if not hasattr(offset, "__index__"):
        raise TypeError(f"diagonal(): argument 'offset' (position 1) must be int, not "
                        f"{type(offset).__name__}")
    offset = offset.__index__()
    # (the diagonal starts `offset` columns right of the corner, or -offset rows down)
    length = max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))
    start = 0 if not length else offset * col_step if offset >= 0 else -offset * row_step
    kept = [d for d in range(nd) if d not in (d1, d2)]
    return _as_strided_view(input, [layout.shape[d] for d in kept] + [length],
                            [layout.strides[d] for d in kept] + [row_step + col_step],
                            layout.offset + start)


@diagonal.backward
def _(ctx, grad):
    return _diagonal_backward(grad, ctx.inputs[0]._data.shape, ctx.arg(1, "offset", 0),
                              ctx.arg(2, "dim1", 0), ctx.arg(3, "dim2", 1))


@differentiable(inputs=("grad",), name="DiagonalBackwardBackward0")
def _diagonal_backward(grad, shape, offset, dim1, dim2):
    """Zeros of `shape` with `grad` written on the diagonal that `diagonal` reads."""
    xp = array_module(grad._data)
    out = _wrap(xp.zeros(shape, grad._data.dtype))
    diagonal(out, offset, dim1, dim2)._data[...] = grad._data
    return out


@_diagonal_backward.backward
def _(ctx, grad):
    return diagonal(grad, *ctx.args[2:])


@op
@differentiable(view=True)
def unbind(input, dim=0):
    """The tensor's slices along `dim`, as a tuple of views."""
    x = input._data
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if dim == 0:
        # `w, b = params`: NumPy's x[i] is PyTorch's select(0, i), so build the views directly
        offset, step = input.storage_offset(), x.strides[0] // x.itemsize
        return tuple(_view_at(input, x[i, ...], offset + i * step) for i in range(x.shape[0]))
    layout = _Layout(input)
    d = _wrap_dim(dim, len(layout.shape))
    n, step = layout.shape[d], layout.strides[d]
    layout.select(d, 0)
    shape, strides, offset = layout.shape, layout.strides, layout.offset
    return tuple(_as_strided_view(input, shape, strides, offset + i * step) for i in range(n))


def _grad_list(grads):
    """The gradients of a multi-output op's outputs as a list (the engine hands a lone output's
    gradient over bare: unbind of a size-1 dim, split into one piece)."""
    return grads if isinstance(grads, list) else [grads]


@unbind.backward
def _(ctx, grads):
    grads = _grad_list(grads)
    if not _grad_state.enabled and len({g._data.dtype for g in grads}) == 1:
        # (no graph of the gradients: stacked on the arrays, as `w, b = params` needs each epoch)
        first = grads[0]._data
        dim = ctx.arg(1, "dim", 0)
        if dim != 0:
            return _wrap(array_module(first).stack([g._data for g in grads], dim))
        stacked = array_module(first).empty((len(grads),) + first.shape, first.dtype)
        for i, g in enumerate(grads):
            stacked[i] = g._data
        return _wrap(stacked)
    return stack(grads, ctx.arg(1, "dim", 0))


def _split_lengths(size, split_size):
    """PyTorch's split(int): pieces of `split_size`, the last one shorter (at least one piece)."""
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {size}")
    pieces = max(-(-size // split_size), 1) if split_size else 1
    return [split_size] * (pieces - 1) + [size - split_size * (pieces - 1)]


def _pieces(input, d, lengths):
    """`input` cut along dim `d` into consecutive views of these lengths."""
    out, start = [], 0
    for n in lengths:
        out.append(_sliced(input, d, start, start + n))
        start += n
    return tuple(out)


def _joined(ctx, grads):
    return cat(_grad_list(grads), ctx.args[1])


# one node for all the pieces, named by how the lengths were given (one size, or a list)
_split_equal = differentiable(view=True, name="SplitBackward0")(_pieces)
_split_sizes = differentiable(view=True, name="SplitWithSizesBackward0")(_pieces)
_split_equal.backward(_joined)
_split_sizes.backward(_joined)


@op
def split(tensor, split_size_or_sections, dim=0):
    """Pieces along `dim`: of one size (the last may be shorter), or of the sizes listed. Views."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if hasattr(split_size_or_sections, "__index__"):
        return _split_equal(tensor, d, _split_lengths(size, split_size_or_sections.__index__()))
    lengths = [n.__index__() for n in split_size_or_sections]
    if any(n < 0 for n in lengths):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={lengths}")
    if sum(lengths) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got split_sizes="
                           f"{lengths}")
    return _split_sizes(tensor, d, lengths)


@op
def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the sizes listed along `dim` (views)."""
    return split(input, list(split_sizes), dim)


@op
def chunk(input, chunks, dim=0):
    """`chunks` pieces (fewer if the size runs out) of equal size but the last. Views."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _wrap_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    if size == 0:
        return _split_sizes(input, d, [0] * chunks)     # as many empty chunks as asked for
    return _split_equal(input, d, _split_lengths(size, -(-size // chunks)))


@op
def tensor_split(input, indices_or_sections, dim=0):
    """`n` near-equal pieces (the first ones one longer), or the pieces between `indices`."""
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(indices_or_sections, Tensor) and indices_or_sections._data.ndim == 0:
        indices_or_sections = indices_or_sections.item()
    if hasattr(indices_or_sections, "__index__"):
        n = indices_or_sections.__index__()
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        bounds = list(itertools.accumulate([q + 1] * r + [q] * (n - r - 1)))
    else:
        bounds = [int(i) for i in indices_or_sections]
    # PyTorch's tensor_split is one slice per piece (SliceBackward0 each)
    starts, stops = [0] + bounds, bounds + [size]
    return tuple(_slice(input, d, a, b) for a, b in zip(starts, stops))


def _storage_positions(xp, size, stride, offset):
    """The storage position of each element of a (size, stride, offset) layout, as an int64
    array of shape `size`."""
    position = xp.asarray(offset, np.int64)
    for d, (n, step) in enumerate(zip(size, stride)):
        position = position + (xp.arange(n) * step).reshape((n,) + (1,) * (len(size) - d - 1))
    return xp.broadcast_to(position, tuple(size))


@op
@differentiable(view=True)
def as_strided(input, size, stride, storage_offset=None):
    """A view with any size/stride/offset over the storage (checked against the storage's size)."""
    size, stride = list(size), list(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {stride}")
    offset = input.storage_offset() if storage_offset is None else storage_offset
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    item = input._data.itemsize
    need = (offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))) if all(size) else 0
    storage = input.storage()
    if need > len(storage):
        raise RuntimeError(f"setStorage: sizes {size}, strides {stride}, storage offset {offset}, "
                           f"and itemsize {item} requiring a storage size of {need * item} are out "
                           f"of bounds for storage of size {storage.nbytes()}")
    return _as_strided_view(input, size, stride, offset)


@as_strided.backward
def _(ctx, grad):
    # each element of the result is a position of the storage: add the gradients up per position,
    # then read them back with the input's own layout (an input whose elements overlap, like an
    # expanded one, would count them once per alias: PyTorch divides those, dlcore does not)
    input = ctx.inputs[0]
    size, stride = list(ctx.arg(1, "size")), list(ctx.arg(2, "stride"))
    offset = ctx.arg(3, "storage_offset")
    xp = array_module(grad._data)
    offset = input.storage_offset() if offset is None else offset
    position = _storage_positions(xp, size, stride, offset).reshape(-1)
    storage_grad = _wrap(xp.zeros(len(input.storage()), grad._data.dtype))
    storage_grad = storage_grad.index_add(0, _wrap(position), reshape(grad, -1))
    return as_strided(storage_grad, input._data.shape, input.stride(), input.storage_offset())


# -- joins and copies ------------------------------------------------------------------------------
def _join_inputs(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{fname}(): expected a non-empty list of Tensors")
    arrays = []
    same_kind = same_dtype = True           # (one pass: this runs in every unbind's backward)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
        a = t._data
        if arrays:
            same_kind = same_kind and type(a) is type(arrays[0])
            same_dtype = same_dtype and a.dtype is arrays[0].dtype
        arrays.append(a)
    if not same_kind:
        _check_same_device(*tensors)
    if same_dtype:
        return arrays, _dtype._FROM_NUMPY[arrays[0].dtype]
    rt = result_type(*tensors)
    return [a if a.dtype == rt.np else a.astype(rt.np) for a in arrays], rt


@op
@differentiable(inputs=("tensors",))
def cat(tensors, dim=0, *, out=None):
    """The tensors joined along `dim` (all sizes but that one must match; promoted dtype)."""
    arrays, rt = _join_inputs(tensors, "cat")
    # PyTorch skips 1-D empty tensors of shape (0,) (legacy behaviour)
    kept = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)] or arrays[:1]
    ref = kept[0]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _wrap_dim(dim, ref.ndim)
    for i, a in enumerate(kept):
        if a.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and "
                               f"{a.ndim}")
        for k in range(ref.ndim):
            if k != d and a.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref.shape[k]} but got size {a.shape[k]} for "
                                   f"tensor number {i} in the list.")
    result = _wrap(np.concatenate(kept, axis=d))
    if out is not None:
        from .pointwise import _finish
        return _finish(result, out)
    return result


@cat.backward
def _(ctx, grad):
    # each input's gradient is its stretch of the result's, along dim
    d = _wrap_dim(ctx.arg(1, "dim", 0), grad._data.ndim)
    grads, start = [], 0
    for t in ctx.inputs[0]:
        x = t._data
        if x.shape == (0,) and grad._data.ndim != 1:         # skipped by the forward
            grads.append(_wrap(array_module(grad._data).zeros(0, grad._data.dtype)))
            continue
        grads.append(narrow(grad, d, start, x.shape[d]))
        start += x.shape[d]
    return grads


op(cat, names=("concat", "concatenate"))


@op
@differentiable(inputs=("tensors",))
def stack(tensors, dim=0, *, out=None):
    arrays, rt = _join_inputs(tensors, "stack")
    d = _wrap_dim(dim, arrays[0].ndim + 1)
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(arrays[0].shape)} at entry 0 and {list(a.shape)} at "
                               f"entry {i}")
    # np.array of equal-shaped arrays stacks them along a new first dim, faster than np.stack
    if d == 0 and type(arrays[0]) is np.ndarray:
        return _wrap(np.array(arrays))
    return _wrap(array_module(arrays[0]).stack(arrays, axis=d))


@stack.backward
def _(ctx, grad):
    return list(unbind(grad, ctx.arg(1, "dim", 0)))


@op
def hstack(tensors):
    """Joined along dim 1 (dim 0 for 1-D tensors; 0-d ones count as 1-D)."""
    arrays, _ = _join_inputs(tensors, "hstack")
    tensors = [atleast_1d(t) for t in tensors]
    return cat(tensors, 0 if arrays[0].ndim <= 1 else 1)


@op
def vstack(tensors):
    """Joined along dim 0, 1-D tensors (and 0-d ones) taken as rows."""
    _join_inputs(tensors, "vstack")
    return cat([atleast_2d(t) for t in tensors], 0)


op(vstack, names=("row_stack",))


@op
def dstack(tensors):
    """Joined along dim 2, after making every tensor at least 3-D."""
    _join_inputs(tensors, "dstack")
    return cat([atleast_3d(t) for t in tensors], 2)


@op
def column_stack(tensors):
    """1-D tensors as columns (0-d ones as one-element columns), joined along dim 1."""
    _join_inputs(tensors, "column_stack")
    return hstack([reshape(t, -1, 1) if t._data.ndim <= 1 else t for t in tensors])


@op(function=False)
@differentiable(inputs=("self",))
def repeat(self, *sizes):
    """The tensor tiled `sizes[i]` times along each dim (new leading dims for extra sizes)."""
    sizes = _shape_args(sizes, "repeat", "repeats")
    x = self._data
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    x = x.reshape((1,) * (len(sizes) - x.ndim) + x.shape)
    return _wrap(np.tile(x, sizes))


@repeat.backward
def _(ctx, grad):
    # split every dim of the result into (copies, original size), and add the copies up
    sizes = _shape_args(ctx.args[1:], "repeat", "repeats")
    shape = ctx.inputs[0]._data.shape
    lead = len(sizes) - len(shape)            # leading dims the repeat added: all copies
    split = sizes[:lead] + [n for pair in zip(sizes[lead:], shape) for n in pair]
    copies = tuple(range(lead)) + tuple(range(lead, lead + 2 * len(shape), 2))
    return reshape(grad, split).sum(copies)


@op
def tile(input, dims):
    """`repeat`, with missing leading repeats taken as 1."""
    dims = list(dims)
    x = input._data
    if len(dims) < x.ndim:
        dims = [1] * (x.ndim - len(dims)) + dims
    return repeat(input, dims)


@op
@differentiable()
def flip(input, dims):
    """The order of the elements reversed along `dims` (a copy, as in PyTorch)."""
    x = input._data
    axes = tuple(_wrap_dim(d, x.ndim) for d in ([dims] if isinstance(dims, int) else dims))
    return _wrap(np.flip(x, axes).copy())


@flip.backward
def _(ctx, grad):
    return flip(grad, ctx.arg(1, "dims"))


@op
def fliplr(input):
    """Columns in reverse order (`flip(input, [1])`)."""
    return flip(input, [1])


@op
def flipud(input):
    """Rows in reverse order (`flip(input, [0])`)."""
    return flip(input, [0])


@op
@differentiable()
def roll(input, shifts, dims=None):
    """Elements shifted along `dims` (or over the flattened tensor), wrapping around."""
    x = input._data
    if dims is None:
        return _wrap(np.roll(x.reshape(-1), shifts).reshape(x.shape))
    return _wrap(np.roll(x, shifts, dims))


@roll.backward
def _(ctx, grad):
    shifts = ctx.arg(1, "shifts")
    back = -shifts if hasattr(shifts, "__index__") else [-s for s in shifts]
    return roll(grad, back, ctx.arg(2, "dims"))


@op
@differentiable()
def rot90(input, k=1, dims=(0, 1)):
    """Rotated by k quarter turns in the plane of `dims` (from the first towards the second)."""
    return _wrap(ascontiguousarray(np.rot90(input._data, k, dims)))


@rot90.backward
def _(ctx, grad):
    return rot90(grad, -ctx.arg(1, "k", 1), ctx.arg(2, "dims", (0, 1)))


@op(method=False)
def atleast_1d(input):
    """A 0-d tensor as a 1-element 1-D tensor; others unchanged."""
    return reshape(input, 1) if input._data.ndim == 0 else input


@op(method=False)
def atleast_2d(input):
    """0-d and 1-D tensors as one-row matrices; others unchanged."""
    x = input._data
    if x.ndim >= 2:
        return input
    return unsqueeze(input, 0) if x.ndim == 1 else reshape(input, 1, 1)


@op(method=False)
def atleast_3d(input):
    """Tensors with fewer than 3 dims made 3-D as PyTorch does: (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    x = input._data
    if x.ndim >= 3:
        return input
    if x.ndim == 0:
        return reshape(input, 1, 1, 1)
    if x.ndim == 1:
        return unsqueeze(unsqueeze(input, 0), -1)
    return unsqueeze(input, -1)


# -- copies: contiguous, clone, to(dtype) ----------------------------------------------------------
@op(function=False)
@differentiable(inputs=("self",), name="CloneBackward0")
def contiguous(self, memory_format=None):
    """The tensor itself if its elements are in row-major order, else a row-major copy."""
    x = self._data
    return self if x.flags.c_contiguous else _wrap(ascontiguousarray(x))


@op(function=False)
@differentiable(inputs=("self",), name="CloneBackward0")
def clone(self, memory_format=None):
    """A copy with its own storage; a dense layout (a permuted contiguous one) is kept."""
    x = self._data
    return _wrap(x.copy(order="K" if _dense(x) else "C"))


def _passed_on(ctx, grad):
    return grad


contiguous.backward(_passed_on)
clone.backward(_passed_on)


@differentiable(name="ToCopyBackward0")
def _to_copy(input, dtype, device=None):
    """`input.to(dtype)` or `input.to(device, dtype)` as a new tensor (the engine casts the
    gradient back to input's dtype; backward moves it back to input's device)."""
    if device is None:
        return _wrap(input._data.astype(dtype.np))
    return _wrap(_move_array(input._data, device).astype(dtype.np, copy=False))


@_to_copy.backward
def _(ctx, grad):
    return grad if ctx.arg(2, "device") is None else grad.to(ctx.inputs[0].device)
