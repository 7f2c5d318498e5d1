"""Indexing: `t[...]` and `t[...] = v` (basic indices make views, advanced ones copy, as in
PyTorch), and gather/scatter, index_select, masked_fill, where, nonzero."""
import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._tensor import Tensor, _as_strided_view, _wrap, _wrap_dim
from ._common import _operand, _raise_broadcast_error
from ._registry import op

_BASIC = (int, slice, type(None), type(Ellipsis))


def _normalise(index):
    return index if isinstance(index, tuple) else (index,)


def _is_basic(items):
    for it in items:
        if type(it) in _BASIC and type(it) is not bool:
            continue
        if isinstance(it, Tensor) and it._data.ndim == 0 and it._data.dtype.kind in "iu":
            continue
        if isinstance(it, (np.integer,)):
            continue
        return False
    return True


def _consumed(it):
    """How many dims of the tensor an index item uses up."""
    if it is None or it is Ellipsis:
        return 0
    if isinstance(it, Tensor) and it._data.dtype.kind == "b":
        return max(it._data.ndim, 0) or 0
    if isinstance(it, np.ndarray) and it.dtype.kind == "b":
        return it.ndim
    if isinstance(it, bool):
        return 0
    return 1


def _expand_ellipsis(items, ndim):
    used = sum(_consumed(it) for it in items)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    n_ell = sum(1 for it in items if it is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_ell == 1:
        i = next(k for k, it in enumerate(items) if it is Ellipsis)
        return items[:i] + (slice(None),) * (ndim - used) + items[i + 1:]
    return items


def _basic_layout(t, items):
    """Shape, strides and offset of `t[items]` for ints, slices and None, by PyTorch's rules."""
    x = t._data
    shape = list(x.shape)
    item = x.itemsize
    strides = [s // item for s in x.strides]
    offset = t.storage_offset()
    dim = 0
    for it in items:
        if it is None:
            strides.insert(dim, shape[dim] * strides[dim] if dim < len(shape) else 1)
            shape.insert(dim, 1)
            dim += 1
        elif type(it) is slice:
            size = shape[dim]
            step = 1 if it.step is None else it.step.__index__()
            if step <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(it.start, it.stop, 1).indices(size)
            length = max(0, -(-(stop - start) // step))
            offset += start * strides[dim]
            shape[dim] = length
            strides[dim] *= step
            dim += 1
        else:
            i = it.__index__()
            size = shape[dim]
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
            if i < 0:
                i += size
            offset += i * strides[dim]
            del shape[dim], strides[dim]
    return shape, strides, offset


def _index_array(it, dim_size=None):
    """An advanced index item as a NumPy array, checked the way PyTorch checks it."""
    if isinstance(it, Tensor):
        a = it._data
        if a.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a.astype(np.bool_) if a.dtype == np.uint8 else a
    if isinstance(it, (list, tuple, np.ndarray)):
        a = np.asarray(it)
        if a.size and a.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a.astype(np.int64) if a.size == 0 else a
    return it


def _translate_index_error(err, items, shape):
    msg = str(err)
    if "out of bounds" in msg:
        return IndexError(msg.replace("axis", "dimension"))
    if "boolean index did not match" in msg:
        dim = 0
        for it in items:
            if isinstance(it, np.ndarray) and it.dtype.kind == "b":
                for k, n in enumerate(it.shape):
                    if n != shape[dim + k]:
                        return IndexError(
                            f"The shape of the mask {list(it.shape)} at index {k} does not match "
                            f"the shape of the indexed tensor {list(shape)} at index {dim + k}")
                dim += it.ndim
            elif it is not None:
                dim += 1
    if "shape mismatch" in msg or "could not be broadcast" in msg:
        shapes = [list(np.shape(it)) for it in items if isinstance(it, np.ndarray)]
        return IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                          "shapes " + ", ".join(str(s) for s in shapes))
    return IndexError(msg)


def _advanced_key(t, items):
    items = _expand_ellipsis(tuple(_index_array(it) for it in items), t._data.ndim)
    return tuple(it.__index__() if isinstance(it, Tensor) else it for it in items)


def _getitem(self, index):
    items = _normalise(index)
    x = self._data
    if _is_basic(items):
        items = _expand_ellipsis(items, x.ndim)
        shape, strides, offset = _basic_layout(self, items)
        return _as_strided_view(self, shape, strides, offset)
    key = _advanced_key(self, items)
    try:
        result = x[key]
    except IndexError as e:
        raise _translate_index_error(e, key, x.shape) from None
    if not isinstance(result, np.ndarray):
        result = np.asarray(result)
    return _wrap(np.ascontiguousarray(result) if result.base is not None else result)


def _setitem(self, index, value):
    items = _normalise(index)
    x = self._data
    v = value._data if isinstance(value, Tensor) else value
    if isinstance(v, (list, tuple)):
        v = np.asarray(v)
    if _is_basic(items):
        items = _expand_ellipsis(items, x.ndim)
        shape, strides, offset = _basic_layout(self, items)
        target = _as_strided_view(self, shape, strides, offset)._data
        try:
            target[...] = v
        except ValueError:
            raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot "
                               f"be broadcast to indexing result of shape {shape}") from None
        return
    key = _advanced_key(self, items)
    try:
        x[key] = v
    except IndexError as e:
        raise _translate_index_error(e, key, x.shape) from None
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(np.shape(v))} cannot be "
                           f"broadcast to indexing result of shape "
                           f"{list(np.shape(x[key]))}") from None


# -- gather and scatter ------------------------------------------------------------------------------
def _check_index_tensor(index, fname):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{fname}(): Expected dtype int64 for index")
    return index._data


def _check_bounds(idx, size, dim):
    if idx.size:
        lo, hi = idx.min(), idx.max()
        if lo < -size or hi >= size:
            bad = hi if hi >= size else lo
            raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _scatter_key(idx, dim):
    """Full index arrays that put idx's values along `dim` and each element's own position elsewhere."""
    grids = np.indices(idx.shape, sparse=True)
    return tuple(idx if d == dim else g for d, g in enumerate(grids))


@op
def gather(input, dim, index, *, sparse_grad=False):
    x = input._data
    idx = _check_index_tensor(index, "gather")
    d = _wrap_dim(dim, x.ndim)
    if idx.ndim != max(x.ndim, 1) and not (idx.ndim <= 1 and x.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be smaller than self {list(x.shape)} apart "
                               f"from dimension {d}")
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    if x.ndim == 0:
        return _wrap(np.broadcast_to(x, idx.shape).copy())
    return _wrap(x[_scatter_key(idx, d)])


def _scatter_checks(self, dim, index, src, fname):
    x = self._data
    idx = _check_index_tensor(index, fname)
    d = _wrap_dim(dim, x.ndim)
    if idx.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor) and src._data.ndim != x.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    for k in range(idx.ndim):
        if k != d and idx.shape[k] > x.shape[k]:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self "
                               f"{list(x.shape)} apart from dimension {d}")
        if isinstance(src, Tensor) and idx.shape[k] > src._data.shape[k]:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self "
                               f"{list(x.shape)} apart from dimension {d} and to be smaller size "
                               f"than src {list(src._data.shape)}")
    _check_bounds(idx, x.shape[d], d)
    key = _scatter_key(idx, d)
    if isinstance(src, Tensor):
        if src._data.dtype != x.dtype:
            raise RuntimeError(f"{fname}(): Expected self.dtype to be equal to src.dtype")
        values = src._data[tuple(slice(0, n) for n in idx.shape)]
    else:
        values = _operand(src)
    return key, values


@op(function=False)
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """self[index[i][j]][j] = src[i][j] (for dim 0): writes src's values where index points."""
    src = value if src is None else src
    key, values = _scatter_checks(self, dim, index, src, "scatter_")
    if reduce is None:
        self._data[key] = values
    elif reduce in ("add", "multiply"):
        ufunc = np.add if reduce == "add" else np.multiply
        ufunc.at(self._data, key, np.broadcast_to(values, index._data.shape))
    else:
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    return self


@op
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    return scatter_(input.clone(), dim, index, src, value=value, reduce=reduce)


@op(function=False)
def scatter_add_(self, dim, index, src):
    key, values = _scatter_checks(self, dim, index, src, "scatter_add_")
    np.add.at(self._data, key, values)
    return self


@op
def scatter_add(input, dim, index, src):
    return scatter_add_(input.clone(), dim, index, src)


@op
def index_select(input, dim, index):
    x = input._data
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    idx = index._data
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = _wrap_dim(dim, x.ndim)
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise IndexError("index out of range in self")
    return _wrap(np.take(x, idx.reshape(-1), axis=d) if x.ndim else x.reshape(1)[idx.reshape(-1)])


@op(function=False)
def index_add_(self, dim, index, source, *, alpha=1):
    d = _wrap_dim(dim, self._data.ndim)
    values = source._data * alpha if alpha != 1 else source._data
    key = (slice(None),) * d + (index._data,)
    np.add.at(self._data, key, values)
    return self


@op
def index_add(input, dim, index, source, *, alpha=1):
    return index_add_(input.clone(), dim, index, source, alpha=alpha)


@op(function=False)
def index_fill_(self, dim, index, value):
    d = _wrap_dim(dim, self._data.ndim)
    self._data[(slice(None),) * d + (index._data,)] = _operand(value)
    return self


@op
def index_fill(input, dim, index, value):
    return index_fill_(input.clone(), dim, index, value)


@op(function=False)
def index_copy_(self, dim, index, source):
    d = _wrap_dim(dim, self._data.ndim)
    self._data[(slice(None),) * d + (index._data,)] = source._data
    return self


@op
def take(input, index):
    x = input._data.reshape(-1)
    idx = index._data
    _check_bounds(idx, x.size, 0)
    return _wrap(x[idx])


@op
def take_along_dim(input, indices, dim=None):
    if dim is None:
        return take(input, indices.reshape(-1))
    return _wrap(np.take_along_axis(input._data, indices._data, _wrap_dim(dim, input._data.ndim)))


# -- masks ---------------------------------------------------------------------------------------------
def _bool_mask(mask, fname):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fname}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{fname} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype._name}")
    return mask._data


def _fill_value(value, fname):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{fname} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return value._data
    return _operand(value)


@op(function=False)
def masked_fill_(self, mask, value):
    m = _bool_mask(mask, "masked_fill_")
    v = _fill_value(value, "masked_fill_")
    try:
        np.copyto(self._data, v, casting="unsafe", where=m)
    except ValueError:
        _raise_broadcast_error(self._data, m)
    return self


@op
def masked_fill(input, mask, value):
    m = _bool_mask(mask, "masked_fill")
    v = _fill_value(value, "masked_fill")
    x = input._data
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        _raise_broadcast_error(x, m)
    out = np.array(np.broadcast_to(x, shape))
    np.copyto(out, v, casting="unsafe", where=m)
    return _wrap(out)


@op
def masked_select(input, mask):
    m = _bool_mask(mask, "masked_select")
    try:
        x, m = np.broadcast_arrays(input._data, m)
    except ValueError:
        _raise_broadcast_error(input._data, m)
    return _wrap(x[m])


@op
def where(condition, input=None, other=None):
    """Elements of `input` where `condition` holds, of `other` elsewhere (broadcast together)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        got = condition.dtype._name if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {got}")
    rt = result_type(input, other)
    x, y = _operand(input), _operand(other)
    x = x.astype(rt.np, copy=False) if isinstance(x, np.ndarray) else x
    y = y.astype(rt.np, copy=False) if isinstance(y, np.ndarray) else y
    try:
        r = np.where(condition._data, x, y)
    except ValueError:
        _raise_broadcast_error(condition._data, x, y)
    return _wrap(np.asarray(r, dtype=rt.np))


@op
def nonzero(input, *, as_tuple=False):
    x = input._data
    if as_tuple:
        if x.ndim == 0:
            return (_wrap(np.zeros(int(bool(x)), np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(x))
    if x.ndim == 0:
        return _wrap(np.zeros((int(bool(x)), 0), np.int64))
    return _wrap(np.ascontiguousarray(np.argwhere(x).astype(np.int64)))


@op
def argwhere(input):
    return nonzero(input)


@op
def count_nonzero(input, dim=None):
    return _wrap(np.asarray(np.count_nonzero(input._data, axis=dim), dtype=np.int64))


def _install_indexing(T):
    T.__getitem__ = _getitem
    T.__setitem__ = _setitem
