"""Views and joins. A view only makes new size/stride/offset over the same Storage: O(1) whatever
the tensor's size. `cat`/`stack` and the copies `reshape` needs are the only ones here that copy.

Every view follows PyTorch's layout rules exactly (its strides, its storage offset), so that
`stride()`, `storage_offset()` and `is_contiguous()` print what PyTorch prints. Layout maths works
on (shape, strides, offset) in elements; `_as_strided_view` then builds the NumPy view once."""
import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._size import Size
from .._tensor import (Tensor, _as_strided_view, _contiguous_strides, _view, _view_at, _wrap,
                       _wrap_dim)
from ._common import _dims
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
    if all(type(s) is int for s in shape):      # the common case, checked fast
        return list(shape)
    out = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{fname}(): argument '{argname}' (position 1) must be tuple of ints, "
                            f"but found element of type {type(s).__name__} at pos {i}")
        out.append(s.__index__())
    return out


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


def _slice(input, dim, start, stop):
    """PyTorch's slice of `input` along `dim` (a wrapped dim), as a view."""
    layout = _Layout(input)
    layout.slice(dim, start, stop)
    return layout.view(input)


# -- views -----------------------------------------------------------------------------------------
@op(function=False)
@differentiable(inputs=("self",), view=True)
def view(self, *shape):
    """The same storage seen with another shape; -1 infers one size. Never copies: raises when
    the strides cannot express the new shape (then `reshape` copies)."""
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        if shape[0].itemsize != self._data.itemsize:
            raise RuntimeError("view(dtype) with a different element size is not supported")
        return _same_start_view(self, self._data.view(shape[0].np))
    x = self._data
    if shape and type(shape[0]) is int and x.flags.c_contiguous and 1 not in x.shape:
        # the common `t.view(a, -1)` of a contiguous tensor: NumPy's reshape is a view whose
        # strides are PyTorch's whenever no size-1 or empty dims are involved
        try:
            array = x.reshape(shape)
        except (TypeError, ValueError):
            array = None      # the general path below gives PyTorch's error
        if array is not None and 1 not in array.shape and array.size and min(shape) >= -1:
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


@view.backward
def _(ctx, grad):
    return reshape(grad, ctx.inputs[0]._data.shape)


@op(function=False)
def view_as(self, other):
    """`self.view(other.size())`."""
    return view(self, other._data.shape)


@op
@differentiable(name="ViewBackward0")
def reshape(input, *shape):
    """A view when the layout allows one, otherwise a contiguous copy."""
    new_shape = _infer_size(_shape_args(shape, "reshape", "shape"), input._data.size)
    result = _reshaped_view(input, new_shape)
    if result is None:
        return _wrap(np.ascontiguousarray(input._data).reshape(new_shape))
    return result


@reshape.backward
def _(ctx, grad):
    return reshape(grad, ctx.inputs[0]._data.shape)


@op(function=False)
def reshape_as(self, other):
    """`self.reshape(other.size())`."""
    return reshape(self, other._data.shape)


@op
def transpose(input, dim0, dim1):
    """Swap two dims (their sizes and strides): a view."""
    x = input._data
    nd = x.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return _same_start_view(input, x.swapaxes(d0, d1) if nd else x.view())


op(transpose, names=("swapaxes", "swapdims"))


@op
def t(input):
    """Transpose a matrix (a 0-d or 1-d tensor comes back as a view of itself)."""
    x = input._data
    nd = x.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _same_start_view(input, x.T if nd == 2 else x.view())


@op
def adjoint(input):
    """Transpose of the last two dims (the conjugate too, for complex tensors)."""
    return transpose(input, -2, -1)


@op
def permute(input, *dims):
    """The dims reordered: `permute(2, 0, 1)` makes dim 2 the first. A view."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    x = input._data
    nd = x.ndim
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _same_start_view(input, x.transpose(wrapped))


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
        return _same_start_view(input, input._data.view())
    order = [d for d in range(nd) if d not in wsrc]
    for d_to, d_from in sorted(zip(wdst, wsrc)):
        order.insert(d_to, d_from)
    return _same_start_view(input, input._data.transpose(order))


op(movedim, names=("moveaxis",))


@op
def unsqueeze(input, dim):
    """A size-1 dim inserted at `dim`. A view."""
    x = input._data
    if x.flags.c_contiguous and 1 not in x.shape and x.size:
        # contiguous: PyTorch's stride for the new dim is the contiguous one, as NumPy's reshape gives
        d = _wrap_dim(dim, x.ndim + 1)
        return _view_at(input, x.reshape(x.shape[:d] + (1,) + x.shape[d:]), input._offset)
    layout = _Layout(input)
    layout.unsqueeze(_wrap_dim(dim, len(layout.shape) + 1))
    return layout.view(input)


@op
def squeeze(input, dim=None):
    """Size-1 dims removed: all of them, or those of `dim` (an int or a tuple) that have size 1."""
    x = input._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        axes = tuple(d for d in _dims(dim, x.ndim) if x.ndim and x.shape[d] == 1)
    return _same_start_view(input, x.squeeze(axes) if axes else x.view())


@op(function=False)
@differentiable(inputs=("self",), view=True)
def expand(self, *sizes):
    """Size-1 dims repeated (and leading dims added) with stride 0: no memory is copied.
    -1 keeps a dim's size. PyTorch's inferExpandGeometry, rule for rule."""
    sizes = _shape_args(sizes, "expand", "size")
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


@op
def broadcast_shapes(*shapes):
    """The shape tensors of these shapes would broadcast to."""
    from ._common import _broadcast_shape
    return Size(_broadcast_shape(*(tuple(s) if not isinstance(s, int) else (s,) for s in shapes)))


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
def select(input, dim, index):
    """The slice at `index` along `dim`, with that dim removed. A view."""
    if input._data.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    layout = _Layout(input)
    d = _wrap_dim(dim, len(layout.shape))
    size = layout.shape[d]
    i = index.__index__()
    if not -size <= i < size:
        raise IndexError(f"select(): index {i} out of range for tensor of size {layout.shape} "
                         f"at dimension {d}")
    layout.select(d, i + size if i < 0 else i)
    return layout.view(input)


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


@unbind.backward
def _(ctx, grads):
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
    out, start = [], 0
    for n in lengths:
        out.append(_slice(input, d, start, start + n))
        start += n
    return tuple(out)


@op
def split(tensor, split_size_or_sections, dim=0):
    """Pieces along `dim`: of one size (the last may be shorter), or of the sizes listed. Views."""
    if tensor._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, tensor._data.ndim)
    size = tensor._data.shape[d]
    if hasattr(split_size_or_sections, "__index__"):
        return _pieces(tensor, d, _split_lengths(size, split_size_or_sections.__index__()))
    lengths = [n.__index__() for n in split_size_or_sections]
    if any(n < 0 for n in lengths):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={lengths}")
    if sum(lengths) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got split_sizes="
                           f"{lengths}")
    return _pieces(tensor, d, lengths)


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
        return _pieces(input, d, [0] * chunks)     # as many empty chunks as asked for
    return _pieces(input, d, _split_lengths(size, -(-size // chunks)))


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
        return _pieces(input, d, [q + 1] * r + [q] * (n - r))
    bounds = [int(i) for i in indices_or_sections]
    starts, stops = [0] + bounds, bounds + [size]
    return tuple(_slice(input, d, a, b) for a, b in zip(starts, stops))


@op
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


# -- joins and copies ------------------------------------------------------------------------------
def _join_inputs(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{fname}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    arrays = [t._data for t in tensors]
    first = arrays[0].dtype
    if all(a.dtype is first for a in arrays):
        return arrays, _dtype._FROM_NUMPY[first]
    rt = result_type(*tensors)
    return [a if a.dtype == rt.np else a.astype(rt.np) for a in arrays], rt


@op
def cat(tensors, dim=0, *, out=None):
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
    return _wrap(np.array(arrays) if d == 0 else np.stack(arrays, axis=d))


@stack.backward
def _(ctx, grad):
    return list(unbind(grad, ctx.arg(1, "dim", 0)))


@op
def hstack(tensors):
    arrays, _ = _join_inputs(tensors, "hstack")
    return cat(tensors, 0 if arrays[0].ndim <= 1 else 1) if arrays[0].ndim else stack(tensors)


@op
def vstack(tensors):
    _join_inputs(tensors, "vstack")
    return cat([t if t._data.ndim >= 2 else reshape(t, 1, -1) for t in tensors], 0)


op(vstack, names=("row_stack",))


@op
def dstack(tensors):
    _join_inputs(tensors, "dstack")
    return _wrap(np.dstack([t._data for t in tensors]))


@op
def column_stack(tensors):
    _join_inputs(tensors, "column_stack")
    return _wrap(np.column_stack([t._data for t in tensors]))


@op(function=False)
def repeat(self, *sizes):
    sizes = _shape_args(sizes, "repeat")
    x = self._data
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    x = x.reshape((1,) * (len(sizes) - x.ndim) + x.shape)
    return _wrap(np.tile(x, sizes))


@op
def tile(input, dims):
    dims = list(dims)
    x = input._data
    if len(dims) < x.ndim:
        dims = [1] * (x.ndim - len(dims)) + dims
    return repeat(input, dims)


@op
def flip(input, dims):
    x = input._data
    axes = tuple(_wrap_dim(d, x.ndim) for d in ([dims] if isinstance(dims, int) else dims))
    return _wrap(np.flip(x, axes).copy())


@op
def fliplr(input):
    return flip(input, [1])


@op
def flipud(input):
    return flip(input, [0])


@op
def roll(input, shifts, dims=None):
    x = input._data
    if dims is None:
        return _wrap(np.roll(x.reshape(-1), shifts).reshape(x.shape))
    return _wrap(np.roll(x, shifts, dims))


@op
def rot90(input, k=1, dims=(0, 1)):
    return _wrap(np.ascontiguousarray(np.rot90(input._data, k, dims)))


@op
def atleast_1d(input):
    return reshape(input, 1) if input._data.ndim == 0 else input


@op
def atleast_2d(input):
    x = input._data
    return input if x.ndim >= 2 else reshape(input, 1, -1)
