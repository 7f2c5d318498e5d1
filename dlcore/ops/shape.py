"""Views and joins. A view only makes new size/stride/offset over the same Storage: O(1) whatever
the tensor's size. `cat`/`stack` and the copies `reshape` needs are the only ones here that copy."""
import numpy as np

from .._size import Size
from .._tensor import Tensor, _as_strided_view, _view, _wrap, _wrap_dim
from ._common import _check_tensor, _raise_broadcast_error
from ._registry import op


def _elem_strides(t):
    item = t._data.itemsize
    return [s // item for s in t._data.strides]


def _contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return strides[::-1]


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
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {shape} because "
                               "the unspecified dimension size -1 can be any value and is ambiguous")
        if numel % known == 0:
            shape[infer] = numel // known
            return tuple(shape)
    elif known == numel:
        return tuple(shape)
    raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")


def _view_strides(old_shape, old_strides, new_shape):
    """PyTorch's computeStride: strides that view `old` as `new_shape`, or None if none exist."""
    numel = 1
    for s in old_shape:
        numel *= s
    if not old_shape:
        return [1] * len(new_shape)
    if numel == 0:
        return list(old_strides) if tuple(old_shape) == tuple(new_shape) else _contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
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


def _shape_args(shape, fname):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    out = []
    for i, s in enumerate(shape):
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {i}")
        out.append(s.__index__())
    return out


@op(function=False)
def view(self, *shape):
    """The same storage seen with another shape; -1 infers one size. Never copies."""
    from .. import _dtype
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        if shape[0].itemsize != self._data.itemsize:
            raise RuntimeError("view(dtype) with a different element size is not supported")
        return _view(self, self._data.view(shape[0].np))
    x = self._data
    new_shape = _infer_size(_shape_args(shape, "view"), x.size)
    if x.flags.c_contiguous:
        strides = _contiguous_strides(new_shape)
    else:
        strides = _view_strides(x.shape, _elem_strides(self), new_shape)
        if strides is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _as_strided_view(self, new_shape, strides, self.storage_offset())


@op(function=False)
def view_as(self, other):
    return view(self, other._data.shape)


@op
def reshape(input, *shape):
    """A view when the layout allows one, otherwise a contiguous copy."""
    x = input._data
    new_shape = _infer_size(_shape_args(shape, "reshape"), x.size)
    if x.flags.c_contiguous:
        return _as_strided_view(input, new_shape, _contiguous_strides(new_shape),
                                input.storage_offset())
    strides = _view_strides(x.shape, _elem_strides(input), new_shape)
    if strides is None:
        return _wrap(np.ascontiguousarray(x).reshape(new_shape))
    return _as_strided_view(input, new_shape, strides, input.storage_offset())


@op(function=False)
def reshape_as(self, other):
    return reshape(self, other._data.shape)


@op
def transpose(input, dim0, dim1):
    nd = input._data.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    if nd == 0:
        return _view(input, input._data.view())
    return _view(input, input._data.swapaxes(d0, d1))


op(transpose, names=("swapaxes", "swapdims"))


@op
def t(input):
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _view(input, input._data.T if nd == 2 else input._data.view())


@op
def adjoint(input):
    return transpose(input, -2, -1)


@op
def permute(input, *dims):
    nd = input._data.ndim
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view(input, input._data.transpose(wrapped))


@op
def movedim(input, source, destination):
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    src = [_wrap_dim(d, nd) for d in src]
    dst = [_wrap_dim(d, nd) for d in dst]
    return _view(input, np.moveaxis(input._data, src, dst))


op(movedim, names=("moveaxis",))


@op
def unsqueeze(input, dim):
    x = input._data
    nd = x.ndim
    d = _wrap_dim(dim, nd + 1)
    shape = list(x.shape)
    strides = _elem_strides(input)
    # PyTorch's stride for the new size-1 dim: as if it were contiguous over the dims after it
    new_stride = 1 if d >= nd else shape[d] * strides[d]
    shape.insert(d, 1)
    strides.insert(d, new_stride)
    return _as_strided_view(input, shape, strides, input.storage_offset())


@op
def squeeze(input, dim=None):
    x = input._data
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(d for d in (_wrap_dim(d, x.ndim) for d in dims) if x.ndim and x.shape[d] == 1)
    return _view(input, x.squeeze(axes) if axes else x.view())


@op(function=False)
def expand(self, *sizes):
    """Repeat size-1 dims (and add leading ones) with stride 0: no memory is copied."""
    sizes = _shape_args(sizes, "expand")
    x = self._data
    nd = x.ndim
    if len(sizes) < nd:
        raise RuntimeError(f"expand({self.type()}{{{list(x.shape)}}}, size={sizes}): the number "
                           "of sizes provided ({}) must be greater or equal to the number of "
                           "dimensions in the tensor ({})".format(len(sizes), nd))
    old_strides = _elem_strides(self)
    new_shape, new_strides = [], []
    lead = len(sizes) - nd
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   "leading, non-existing dimension 0")
            new_shape.append(s)
            new_strides.append(0)
            continue
        old = x.shape[i - lead]
        if s == -1:
            s = old
        if old == s:
            new_shape.append(s)
            new_strides.append(old_strides[i - lead])
        elif old == 1:
            new_shape.append(s)
            new_strides.append(0)
        else:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing "
                               f"size ({old}) at non-singleton dimension {i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(x.shape)}")
    return _as_strided_view(self, new_shape, new_strides, self.storage_offset())


@op(function=False)
def expand_as(self, other):
    return expand(self, other._data.shape)


@op
def broadcast_to(input, size):
    return expand(input, size)


@op
def broadcast_tensors(*tensors):
    from ._common import _broadcast_shape
    shape = _broadcast_shape(*(t._data.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


@op
def broadcast_shapes(*shapes):
    from ._common import _broadcast_shape
    return Size(_broadcast_shape(*(tuple(s) if not isinstance(s, int) else (s,) for s in shapes)))


@op
def flatten(input, start_dim=0, end_dim=-1):
    x = input._data
    nd = x.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
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
    return reshape(input, -1)


@op
def unflatten(input, dim, sizes):
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    sizes = _infer_size(list(sizes), x.shape[d])
    return view(input, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


@op
def narrow(input, dim, start, length):
    x = input._data
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    start = start.__index__()
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    if start < 0:
        start += size
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    index = [slice(None)] * x.ndim
    index[d] = slice(start, start + length)
    return _view(input, x[tuple(index)])


@op
def select(input, dim, index):
    x = input._data
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    index = index.__index__()
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(x.shape)} at dimension {d}")
    key = [slice(None)] * x.ndim
    key[d] = index
    return _view(input, x[tuple(key)])


@op
def unbind(input, dim=0):
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    return tuple(select(input, d, i) for i in range(x.shape[d]))


@op
def split(tensor, split_size_or_sections, dim=0):
    x = tensor._data
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and not (step == 0 and size == 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}" if step == 0 else
                               f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        lengths = [min(step, size - i) for i in range(0, size, step)] if step else [0]
    else:
        lengths = list(split_size_or_sections)
        if sum(lengths) != size or any(n < 0 for n in lengths):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                               f"(input tensor's size at dimension {d}), but got split_sizes="
                               f"{lengths}")
    out, start = [], 0
    for n in lengths:
        out.append(narrow(tensor, d, start, n))
        start += n
    return tuple(out)


@op
def split_with_sizes(input, split_sizes, dim=0):
    return split(input, list(split_sizes), dim)


@op
def chunk(input, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    step = -(-size // chunks) if size else 0
    if step == 0:
        return split(input, [0] * chunks if size == 0 else [size], d)[:chunks]
    return split(input, step, d)


@op
def tensor_split(input, indices_or_sections, dim=0):
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        q, r = divmod(size, n)
        lengths = [q + 1] * r + [q] * (n - r)
    else:
        bounds = [0] + [min(max(i, 0), size) for i in indices_or_sections] + [size]
        lengths = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
    return split(input, lengths, d)


@op
def as_strided(input, size, stride, storage_offset=None):
    """A view with any size/stride/offset over the storage (checked against the storage's size)."""
    size, stride = list(size), list(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    offset = input.storage_offset() if storage_offset is None else storage_offset
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > len(input.storage()) or any(s < 0 for s in stride):
        raise RuntimeError(f"setStorage: sizes {size}, strides {stride}, storage offset {offset}"
                           f", and itemsize {input._data.itemsize} requiring a storage size of "
                           f"{need * input._data.itemsize} are out of bounds for storage of size "
                           f"{input.storage().nbytes()}")
    return _as_strided_view(input, size, stride, offset)


# -- joins and copies --------------------------------------------------------------------------------
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
    from .._dtype import result_type
    rt = result_type(*tensors) if any(t._data.ndim for t in tensors) else result_type(*tensors)
    return [t._data if t._data.dtype == rt.np else t._data.astype(rt.np) for t in tensors], rt


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
def stack(tensors, dim=0, *, out=None):
    arrays, rt = _join_inputs(tensors, "stack")
    d = _wrap_dim(dim, arrays[0].ndim + 1)
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(arrays[0].shape)} at entry 0 and {list(a.shape)} at entry {i}")
    return _wrap(np.stack(arrays, axis=d))


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
