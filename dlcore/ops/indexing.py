"""Indexing: `t[...]` and `t[...] = v` (basic indices make views, advanced ones copy, as in
PyTorch), and gather/scatter, index_select, masked_fill, where, nonzero.

`t[index]` follows PyTorch's two steps. First the *basic* items are applied, left to right, as
views: an int selects (the dim goes away), a slice narrows with a step, None inserts a size-1 dim,
`...` skips the dims nobody named. Index tensors and masks met on the way are only recorded with
the dim they index. If none were recorded the view is the answer (it shares the storage);
otherwise one NumPy fancy-indexing call gathers the elements into a new tensor. An int next to an
index tensor is a select, not an advanced index, so `x[1, :, [0, 1]]` is `x[1][:, [0, 1]]`
(NumPy would move the indexed dim first).

Derivatives. On a tensor that requires grad, `t[index]` replays those steps as differentiable
ops, one node each as in PyTorch (SelectBackward0, SliceBackward0, UnsqueezeBackward0, then
IndexBackward0 for the index tensors), and `t[index] = v` records the out-of-place `_index_put`.
The gradient of a gather is a scatter-add into zeros (repeated indices add up), and the gradient
of a scatter is a gather: each backward below is the forward's mirror image, written with these
same ops so that gradients of gradients work."""
import operator

import numpy as np

from .. import _dtype
from .._dtype import result_type
from .._tensor import Tensor, _view_at, _wrap, _wrap_dim
from ..autograd.grad_mode import _state
from ..autograd.graph import (_made_without_grad, _of_a_no_grad_view, differentiable,
                             recorded_as)
from ._common import _array_result, _check_no_overlap, _operand
from ..backend import array_module, backend_of_array, ascontiguousarray
from ..backend import scatter_add as _add_at
from ._registry import op
from .shape import _alias, _contiguous_strides, _Layout, expand, reshape, select, unsqueeze
from .shape import _slice as _slice_view

_MASK_DTYPES = (np.dtype(np.bool_), np.dtype(np.uint8))     # uint8: PyTorch's legacy byte mask
_INDEX_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))
_SEQUENCES = (list, tuple, np.ndarray)


# -- from a Python index to a view plus recorded index tensors -------------------------------------
def _index_items(index):
    """The index as a tuple of items. A short list holding slices, None, `...`, tensors or
    sequences is read as a tuple (NumPy's old rule, which PyTorch keeps): `x[[0, 1], [1, 2]]`."""
    if type(index) is tuple:
        return index
    if isinstance(index, (list, np.ndarray)) and len(index) < 32 and any(
            it is None or it is Ellipsis or isinstance(it, (slice, Tensor) + _SEQUENCES)
            for it in index):
        return tuple(index)
    return (index,)


def _count_specified(items):
    """How many of the tensor's dims the items name (not None, `...` or a bool)."""
    count = 0
    for it in items:
        if isinstance(it, Tensor):
            count += it._data.ndim if it._data.dtype in _MASK_DTYPES else 1
        elif it is not None and it is not Ellipsis and it is not True and it is not False:
            count += 1
    return count


def _sequence_index(seq):
    """A list (or NumPy array) used as an index, as PyTorch reads it: a bool mask or int64."""
    a = np.asarray(seq)
    if a.dtype == np.bool_:
        return a
    if a.dtype.kind in "iuf" or a.size == 0:
        return a.astype(np.int64, copy=False)
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(seq).__name__})")


def _select(layout, dim, i, real_dim):
    """`layout.select` with indexing's checks and messages (`real_dim`: the item's position)."""
    if dim >= len(layout.shape):
        raise IndexError(f"too many indices for tensor of dimension {len(layout.shape)}")
    size = layout.shape[dim]
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for dimension {real_dim} with size {size}")
    layout.select(dim, i + size if i < 0 else i)


def _slice(layout, dim, sl):
    """`layout.slice` for a Python slice, with indexing's checks (steps must be positive)."""
    step = 1 if sl.step is None else operator.index(sl.step)
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step < 0:
        raise ValueError("step must be greater than zero")
    if dim >= len(layout.shape):
        if not layout.shape:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(f"too many indices for tensor of dimension {len(layout.shape)}")
    layout.slice(dim, sl.start, sl.stop, step)


class _TracedLayout(_Layout):
    """A layout that also notes each step as the differentiable view op that redoes it, to
    replay `t[index]` on a tensor that requires grad. PyTorch skips a slice that keeps a whole
    dim, except in `t[a:b]` with a lone slice (`skip_full_slices` False)."""

    __slots__ = ("steps", "skip_full_slices")

    def __init__(self, t, skip_full_slices=True):
        super().__init__(t)
        self.steps = []
        self.skip_full_slices = skip_full_slices

    def select(self, dim, i):
        self.steps.append((select, dim, i))
        super().select(dim, i)

    def slice(self, dim, start, stop, step=1):
        # PyTorch's test reads the slice as written: `-n:` is not skipped, `0:n+5` is
        whole = (step == 1 and (start is None or operator.index(start) == 0) and
                 (stop is None or operator.index(stop) >= self.shape[dim]))
        if not (whole and self.skip_full_slices):
            self.steps.append((_slice_view, dim, start, stop, step))
        super().slice(dim, start, stop, step)

    def unsqueeze(self, dim):
        self.steps.append((unsqueeze, dim))
        super().unsqueeze(dim)


def _apply_basic(t, index, layout=None):
    """`_apply_items` with the index arrays put on t's device (PyTorch accepts CPU indices for a
    GPU tensor)."""
    layout, advanced = _apply_items(t, index, layout)
    if advanced:
        x = t._data
        on_cpu = type(x) is np.ndarray
        if not on_cpu or any(type(a) is not np.ndarray for _, a in advanced):
            if on_cpu:
                raise RuntimeError("indices should be either on cpu or on the same device as the "
                                   "indexed tensor (cpu)")
            xp = array_module(x)
            advanced = [(d, xp.asarray(a)) for d, a in advanced]
    return layout, advanced


def _apply_items(t, index, layout=None):
    """Apply the basic items of `index` to `t` (to `layout`, a layout of t, if given): the
    resulting layout and the recorded advanced items as (dim, array) pairs, dims counted in
    that layout."""
    if layout is None:
        layout = _Layout(t)
    tp = type(index)
    # a lone int or slice: PyTorch's fast path, with its own messages for a 0-d tensor
    if tp is int or isinstance(index, np.integer):
        i = int(index)
        if not layout.shape:
            if i == 0:
                raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python "
                                 "or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a "
                                 "number")
            raise IndexError(f"index {i} is out of bounds for dimension 0 with size 0")
        _select(layout, 0, i, 0)
        return layout, ()
    if tp is slice:
        _slice(layout, 0, index)
        return layout, ()
    items = _index_items(index)
    ndim = len(layout.shape)
    specified = _count_specified(items)
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    advanced = []
    dim = 0
    for real_dim, it in enumerate(items):
        tp = type(it)
        if tp is int or isinstance(it, np.integer):
            _select(layout, dim, int(it), real_dim)
        elif tp is slice:
            _slice(layout, dim, it)
            dim += 1
        elif it is None:
            layout.unsqueeze(dim)
            dim += 1
        elif it is Ellipsis:
            dim += ndim - specified
        elif tp is bool or (isinstance(it, Tensor) and it._data.ndim == 0 and
                            it._data.dtype in _MASK_DTYPES):
            # a scalar bool adds a size-1 dim and keeps it (True) or empties it (False)
            layout.unsqueeze(dim)
            advanced.append((dim, np.zeros(1 if bool(it) else 0, np.int64)))
            dim += 1
        elif isinstance(it, Tensor):
            a = it._data
            if a.ndim == 0 and a.dtype.kind in "iu":
                _select(layout, dim, int(a), real_dim)    # a 0-d integer tensor is an int
            else:
                advanced.append((dim, a))
                dim += a.ndim if a.dtype in _MASK_DTYPES else 1
        elif isinstance(it, _SEQUENCES):
            a = _sequence_index(it)
            advanced.append((dim, a))
            dim += a.ndim if a.dtype == np.bool_ else 1
        elif isinstance(it, str):
            raise TypeError("new(): invalid data type 'str'")
        else:
            try:
                i = operator.index(it)
            except TypeError:
                raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                                 f"byte Variables are valid indices (got {type(it).__name__})"
                                 ) from None
            _select(layout, dim, i, real_dim)
    return layout, advanced


def _advanced_key(shape, advanced):
    """A NumPy key doing PyTorch's advanced indexing of an array of `shape` (masks become their
    nonzero positions), after PyTorch's checks: dtypes, mask shapes, broadcasting, bounds."""
    for _, a in advanced:
        if a.dtype not in _INDEX_DTYPES and a.dtype not in _MASK_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    entries = []                 # per dim of `shape`: None (all of it) or an index array
    for dim, a in advanced:
        entries.extend([None] * (dim - len(entries)))
        if a.dtype in _MASK_DTYPES:
            for k, n in enumerate(a.shape):
                if dim + k >= len(shape) or n != shape[dim + k]:
                    raise IndexError(f"The shape of the mask {list(a.shape)} at index {k} does not "
                                     f"match the shape of the indexed tensor {list(shape)} at "
                                     f"index {dim + k}")
            entries.extend(np.nonzero(a))
        else:
            entries.append(a)
    if len(entries) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} "
                         f"(got {len(entries)})")
    arrays = [(d, e) for d, e in enumerate(entries) if e is not None]
    try:
        np.broadcast_shapes(*(e.shape for _, e in arrays))
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(e.shape)) for _, e in arrays)) from None
    for d, e in arrays:
        if shape[d] == 0 and e.size:
            raise IndexError("index is out of bounds for dimension with size 0")
    return tuple(slice(None) if e is None else e for e in entries)


def _check_index_bounds(shape, key):
    """Every index within its dim (PyTorch checks while copying, so not when nothing is copied)."""
    arrays = [(d, k) for d, k in enumerate(key) if type(k) is not slice]
    for n, (d, e) in enumerate(arrays):
        bad = _first_out_of_bounds(e, shape[d], -shape[d])
        if bad is not None:
            raise IndexError(f"index {bad} is out of bounds for dimension {n} with size {shape[d]}")


def _advanced_shape(shape, key):
    """The shape `array[key]` has, for a key from `_advanced_key`, without indexing: the index
    arrays' broadcast shape goes where they stand if they stand together, else in front."""
    where = [d for d, k in enumerate(key) if type(k) is not slice]
    broadcast = np.broadcast_shapes(*(key[d].shape for d in where))
    rest = list(shape[len(key):])
    if where[-1] - where[0] + 1 == len(where):
        return tuple(shape[:where[0]]) + broadcast + tuple(shape[where[-1] + 1:len(key)]) + \
            tuple(rest)
    others = [shape[d] for d in range(len(key)) if type(key[d]) is slice]
    return broadcast + tuple(others) + tuple(rest)


def _fresh(array):
    """`array` as a new C-contiguous array with PyTorch's strides (also for size-1 and empty dims,
    where NumPy's results may carry other strides)."""
    if array.base is not None or not array.flags.c_contiguous:
        array = ascontiguousarray(array)
    if 1 in array.shape or 0 in array.shape:
        item = array.itemsize
        strides = tuple(s * item for s in _contiguous_strides(array.shape))
        if type(array) is np.ndarray:
            buffer = array if array.size else np.empty(0, array.dtype)
            array = np.ndarray(array.shape, array.dtype, buffer, 0, strides)
        else:
            backend = backend_of_array(array)
            buffer = array if array.size else backend.xp.empty(0, array.dtype)
            array = backend.as_strided(buffer.reshape(-1), array.shape, strides, 0)
    return array


def _numpy_key(x, advanced):
    """The recorded index arrays and masks as a NumPy key for `x` (NumPy reads a k-d bool mask as
    its k nonzero index arrays, as PyTorch does). Index dtypes and mask shapes are checked here
    (NumPy lets an empty mask through); NumPy's own checks catch every other bad key, and
    `_torch_verdict` then says what PyTorch would say."""
    key, pos = [], 0
    for dim, a in advanced:
        if a.dtype not in _INDEX_DTYPES and a.dtype not in _MASK_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        key.extend([slice(None)] * (dim - pos))
        if a.dtype in _MASK_DTYPES:
            if a.shape != x.shape[dim:dim + a.ndim]:
                _torch_verdict(x, advanced)      # raises PyTorch's mask error
            a = a.astype(np.bool_, copy=False)
            pos = dim + a.ndim
        else:
            pos = dim + 1
        key.append(a)
    return tuple(key)


def _torch_verdict(x, advanced):
    """PyTorch's checks of an advanced index, in its order (called when NumPy refused the key):
    raises PyTorch's error, or returns the full key and result shape if PyTorch would accept."""
    key = _advanced_key(x.shape, advanced)
    return key, _advanced_shape(x.shape, key)


def _getitem(self, index):
    if self.requires_grad:
        if _state.enabled:
            return _recorded_getitem(self, index)
        return _marked_view(_unrecorded_getitem(self, index), self, "no_grad", index)
    if _of_a_no_grad_view(self):
        return _marked_view(_unrecorded_getitem(self, index), self, "no_grad_base", index)
    return _unrecorded_getitem(self, index)


def _marked_view(result, base, creation, index):
    """`base[index]` made without recording, marked if it is a view (by the op PyTorch would
    name: the index's last step)."""
    if result._storage is not None and result._storage is base._storage:
        last = index[-1] if isinstance(index, tuple) and index else index
        name = "Select" if isinstance(last, int) else "Unsqueeze" if last is None else "Slice"
        _made_without_grad(result, base, creation, name)
    return result


def _unrecorded_getitem(self, index):
    x = self._data
    if x.ndim:
        # fast paths for `t[i]` and `t[a:b]` (the general code below gives the same views)
        kind = type(index)
        if kind is int:
            n = x.shape[0]
            if -n <= index < n:
                i = index + n if index < 0 else index
                offset = self._offset
                if offset is not None:
                    offset += i * (x.strides[0] // x.itemsize)
                return _view_at(self, x[i, ...], offset)
        elif kind is slice and (index.step is None or type(index.step) is int and index.step > 0):
            array = x[index]
            # (with a step, NumPy leaves a length-1 result's stride unscaled; PyTorch scales it)
            if index.step is None or index.step == 1 or array.shape[0] > 1:
                start = index.indices(x.shape[0])[0]
                offset = self._offset
                if offset is not None:
                    offset += start * (x.strides[0] // x.itemsize)
                return _view_at(self, array, offset)
    layout, advanced = _apply_basic(self, index)
    view = layout.view(self)
    if not advanced:
        return view
    return _gathered(view, advanced)


def _checks_every_index(x, advanced):
    """Whether indexing `x` itself refuses every bad key: NumPy's does, but CuPy wraps integer
    indices that are out of range around, so there PyTorch's checks must come first."""
    return type(x) is np.ndarray or all(a.dtype in _MASK_DTYPES for _, a in advanced)


def _gathered(input, advanced):
    """`input` at the recorded index tensors and masks (`advanced`): a new tensor."""
    x = input._data
    if _checks_every_index(x, advanced):
        try:
            return _wrap(_fresh(x[_numpy_key(x, advanced)]))
        except (IndexError, ValueError):         # (CuPy: ValueError for shapes that don't fit)
            pass                                 # PyTorch's checks below say what is wrong
    key, shape = _torch_verdict(x, advanced)
    if 0 in shape:
        return _wrap(_fresh(array_module(x).empty(shape, x.dtype)))  # PyTorch copies nothing
    _check_index_bounds(x.shape, key)
    return _wrap(_fresh(x[key]))


def _recorded_getitem(self, index):
    """`self[index]` as PyTorch records it: each view step a node, then one IndexBackward0."""
    if type(index) is int and self._data.ndim:
        try:
            return select(self, 0, index)        # `params[0]`, quickly
        except IndexError:
            pass                                 # indexing's own message, below
    layout = _TracedLayout(self, skip_full_slices=type(index) is not slice)
    layout, advanced = _apply_basic(self, index, layout)
    t = self
    for step, *args in layout.steps:
        t = step(t, *args)
    if advanced:
        return _index(t, advanced)
    return _alias(t) if t is self else t


@differentiable(name="IndexBackward0")
def _index(input, advanced):
    """`input[index tensors]` (PyTorch's aten::index), a copy."""
    return _gathered(input, advanced)


@_index.backward
def _(ctx, grad):
    # every element read adds its gradient where it came from (repeated indices add up)
    zeros = _wrap(array_module(grad._data).zeros(ctx.inputs[0]._data.shape, grad._data.dtype))
    return _put_impl(zeros, ctx.args[1], grad, True)


# -- assignment ------------------------------------------------------------------------------------
def _value_array(self, value):
    """The value of `t[...] = value` as an array: a tensor's own, or a number in t's dtype."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        dtype = self._data.dtype
        try:
            return np.asarray(value, dtype=dtype)[()]      # a NumPy scalar: fits any device
        except OverflowError:
            info = np.iinfo(dtype) if dtype.kind in "iu" else None
            if info is not None and info.min == 0 and -info.max <= value < 0:
                return np.asarray(value % (info.max + 1), dtype=dtype)[()]   # PyTorch wraps these
            raise RuntimeError(f"value cannot be converted to type "
                               f"{_dtype._C_NAMES[self.dtype._name]} without overflow") from None
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
    raise TypeError(f"can't assign a {name} to a {self.type()}")


def _strip_leading_ones(a):
    """A value's leading size-1 dims dropped (PyTorch ignores them when assigning)."""
    k = 0
    while k < a.ndim and a.shape[k] == 1:
        k += 1
    return a.reshape(a.shape[k:]) if k else a


def _check_writable(dst, src):
    """PyTorch refuses to write where two elements share memory (an expanded tensor), or from a
    source that partly overlaps the destination (`x[1:] = x[:-1]`)."""
    _check_no_overlap(dst)
    # NumPy and CuPy can both tell whether two arrays of theirs overlap
    if type(src) is type(dst) and src.size and array_module(dst).may_share_memory(dst, src):
        backend = backend_of_array(dst)
        same = backend.address(src) == backend.address(dst) and src.strides == dst.strides
        if not same and backend.overlaps(dst, src):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the "
                               "written-to tensor refer to a single memory location. Please "
                               "clone() the tensor before performing the operation.")


def _copy_to(target, value, src):
    """`target[...] = src` with PyTorch's broadcasting rule (via expand, for its messages)."""
    dst = target._data
    if src.shape != dst.shape and src.ndim:
        stripped = _strip_leading_ones(src)
        src = expand(_wrap(stripped), list(dst.shape))._data
    _check_writable(dst, src if isinstance(value, Tensor) else None)
    dst[...] = src


def _write_advanced(x, advanced, v, from_tensor):
    """`x[advanced] = v` as PyTorch's index_put_: one value into one mask acts as masked_fill;
    otherwise `v` must broadcast to the indexed shape, and then dtypes must match."""
    key = _numpy_key(x, advanced)
    if len(advanced) == 1 and advanced[0][1].dtype in _MASK_DTYPES and v.size == 1:
        try:
            x[key] = v.reshape(())
            return
        except IndexError:
            _torch_verdict(x, advanced)         # raises PyTorch's mask error
            raise
    v = _strip_leading_ones(v)
    # (CuPy writes into an empty mask selection without asking whether v fits: NumPy only)
    if type(x) is np.ndarray and (not from_tensor or v.dtype == x.dtype):
        try:
            x[key] = v
            return
        except (IndexError, ValueError):
            pass
    full_key, shape = _torch_verdict(x, advanced)
    _check_value_fits(v, shape)
    if from_tensor and v.dtype != x.dtype:
        got, want = _dtype._FROM_NUMPY[v.dtype], _dtype._FROM_NUMPY[x.dtype]
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{want._typed_name} for the destination and {got._typed_name} for "
                           f"the source.")
    if 0 not in shape:                          # PyTorch writes nothing, so checks no bounds
        _check_index_bounds(x.shape, full_key)
        x[full_key] = v


def _setitem(self, index, value):
    if index is False:
        return                              # selects nothing
    v = _value_array(self, value)
    if index is True:
        index = None                        # the whole tensor, seen with one more dim
    layout, advanced = _apply_basic(self, index)
    target = layout.view(self)
    if not advanced:
        _copy_to(target, value, v)
    else:
        _write_advanced(target._data, advanced, v, isinstance(value, Tensor))


def _reduced_to(grad, shape):
    """The gradient of a value that was broadcast (its leading 1s ignored) to grad's shape."""
    shape = tuple(shape)
    if grad._data.shape == shape:
        return grad
    core = shape[next((k for k, n in enumerate(shape) if n != 1), len(shape)):]
    if grad._data.shape != core:
        grad = grad.sum_to_size(core)
    return reshape(grad, shape)


def _assigned(input, index, value):
    """A copy of `input` with `value` written at `index`: `input[index] = value` out of place."""
    out = input.clone()
    _setitem(out, index, value)
    return out


def _assigned_backward(ctx, grad):
    # what was overwritten gets no gradient; the value gets the gradient of where it went
    index, value = ctx.args[1], ctx.inputs[1]
    grad_value = _reduced_to(grad[index], value._data.shape) if isinstance(value, Tensor) else None
    return _index_put(grad, index, 0), grad_value


# PyTorch names the node by how the write happened: through a view of x (CopySlices), with index
# tensors only (IndexPutBackward0), or to the whole tensor (FillBackward3 / CopyBackwards)
_copy_slices, _put_indexed, _fill_all, _copy_all = (
    recorded_as(name, _assigned, _assigned_backward, inputs=("input", "value"))
    for name in ("CopySlices", "IndexPutBackward0", "FillBackward3", "CopyBackwards"))


def _write_path(t, index):
    """How PyTorch writes `t[index] = v`: "view" through a view of t (an int, None, or a slice
    leaving part of a dim out came first: node CopySlices, and on a leaf the "view of a leaf"
    error), "indexed" with index tensors on t itself, or "whole" (the entire tensor)."""
    if index is False:
        return "whole"
    layout = _TracedLayout(t)
    _, advanced = _apply_basic(t, None if index is True else index, layout)
    return "view" if layout.steps else "indexed" if advanced else "whole"


def _check_value_fits(v, shape):
    """PyTorch's error when an assigned value cannot broadcast to the indexed positions."""
    try:
        fits = np.broadcast_shapes(v.shape, shape) == shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(shape)}")


def _writes_through_view(t, index):
    """Whether `t[index] = v` writes through a view of t (see `_write_path`); False for an index
    that is no good (the write itself then raises the right error)."""
    try:
        return _write_path(t, index) == "view"
    except (IndexError, TypeError, ValueError, RuntimeError):
        return False


def _index_put(input, index, value):
    """`input[index] = value` out of place and differentiable in both: what autograd records for
    `x[index] = v` (autograd/inplace.py calls it with x's values from before the write)."""
    path = _write_path(input, index)
    if path == "view":
        return _copy_slices(input, index, value)
    if path == "indexed":
        return _put_indexed(input, index, value)
    if isinstance(value, Tensor) and value._data.ndim:
        return _copy_all(input, index, value)
    return _fill_all(input, index, value)


_index_put.node_class = _copy_slices.node_class      # differentiable, for autograd/inplace.py


@differentiable(inputs=("input", "values"), name="IndexPutBackward0")
def _put(input, advanced, values, accumulate=False):
    """A copy of `input` with `values` written (or, with `accumulate`, added: repeated indices add
    up) at the recorded index tensors and masks `advanced`."""
    out = input.clone()
    _put_into(out, advanced, values, accumulate)
    return out


def _put_into(self, advanced, values, accumulate):
    """self[advanced] = values in place, or with `accumulate` self[advanced] += values where
    repeated indices add up (add-at), after index_put_'s checks."""
    x = self._data
    v = _value_array(self, values)
    from_tensor = isinstance(values, Tensor)
    if not accumulate:
        _write_advanced(x, advanced, v, from_tensor)
        return
    key, shape = _torch_verdict(x, advanced)
    v = _strip_leading_ones(v)
    _check_value_fits(v, shape)
    if from_tensor and v.dtype != x.dtype:
        _write_advanced(x, advanced, v, from_tensor)          # raises PyTorch's dtype error
    if 0 not in shape:
        _check_index_bounds(x.shape, key)
        _add_at(x, key, v)


@_put.backward
def _put_backward(ctx, grad):
    advanced, accumulate = ctx.args[1], ctx.arg(3, "accumulate", False)
    values = ctx.inputs[1]
    grad_input = grad if accumulate else _put(grad, advanced, 0)
    grad_values = None
    if isinstance(values, Tensor):
        grad_values = _reduced_to(_index(grad, advanced), values._data.shape)
    return grad_input, grad_values


# the same op under the name PyTorch gives the scatter-add in IndexBackward0's backward
_put_impl = differentiable(inputs=("input", "values"), name="IndexPutImplBackward0")(
    _put.__wrapped__)
_put_impl.backward(_put_backward)


def _indices_as_advanced(indices):
    """index_put's tuple of index tensors as recorded advanced items (a mask spans its dims)."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    advanced, dim = [], 0
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
        a = t._data
        advanced.append((dim, a))
        dim += a.ndim if a.dtype in _MASK_DTYPES else 1
    return advanced


def _values_tensor(values, fname):
    if not isinstance(values, Tensor):
        raise TypeError(f"{fname}(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    return values


@op
def index_put(input, indices, values, accumulate=False):
    """A copy of input with `values` put at `indices` (a tuple of index tensors, as in
    `input[indices] = values`); with `accumulate=True` repeated indices add up."""
    advanced = _indices_as_advanced(indices)
    return _put(input, advanced, _values_tensor(values, "index_put"), accumulate)


index_put.node_class = _put.node_class      # differentiable, for index_put_ (autograd/inplace.py)


@op(function=False)
def index_put_(self, indices, values, accumulate=False):
    """`self[indices] = values` (a tuple of index tensors); `accumulate=True` adds instead."""
    advanced = _indices_as_advanced(indices)
    _put_into(self, advanced, _values_tensor(values, "index_put_"), accumulate)
    return self


# -- gather and scatter ----------------------------------------------------------------------------
# The C++ type names PyTorch's messages use for a dtype ("mask with dtype long int")
_C_TYPE_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
                 "int16": "short int", "int32": "int", "int64": "long int",
                 "float16": "c10::Half", "float32": "float", "float64": "double"}


def _index_tensor(index, fname, argname="index"):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' must be Tensor, not "
                        f"{type(index).__name__}")
    return index._data


def _check_index_dtype(idx, method):
    if idx.size and idx.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{method}(): Expected dtype int32/int64 for index")


def _first_out_of_bounds(idx, size, lowest=0):
    """The first index (in memory order) outside [lowest, size), or None if all are inside."""
    if idx.size and (idx.min() < lowest or idx.max() >= size):
        flat = idx.reshape(-1)
        first = int(array_module(idx).argmax((flat < lowest) | (flat >= size)))
        return int(flat[first])          # (a Python int: CuPy's argmax gives a 0-d array)
    return None


def _check_bounds(idx, size, dim):
    bad = _first_out_of_bounds(idx, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _scatter_key(idx, dim):
    """Index arrays that put idx's values along `dim`, each element's own position elsewhere."""
    grids = np.indices(idx.shape, sparse=True)
    return tuple(idx if d == dim else g for d, g in enumerate(grids))


def _size_at(shape, d):
    """PyTorch's ensure_nonempty_size: a 0-d tensor counts as one element along dim 0."""
    return shape[d] if shape else 1


def _zeros(shape, like):
    """Zeros of `shape` in like's dtype: where a backward scatters a gradient into."""
    return _wrap(array_module(like._data).zeros(shape, like._data.dtype))


@op
@differentiable()
def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j] = input[index[i][j]][j] (for dim 0): picks along `dim` where `index` says."""
    x = input._data
    idx = _index_tensor(index, "gather")
    d = _wrap_dim(dim, x.ndim)
    _check_index_dtype(idx, "gather")
    if idx.size == 0:
        return _wrap(array_module(x).empty(idx.shape, x.dtype))
    if max(idx.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(max(x.ndim, 1)):
        if k != d and _size_at(idx.shape, k) > _size_at(x.shape, k):
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(idx.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {d}")
    _check_bounds(idx, _size_at(x.shape, d), d)
    if x.ndim == 0 or idx.ndim == 0:
        return _wrap(x.reshape(-1)[idx.reshape(-1)].reshape(idx.shape))
    return _wrap(x[_scatter_key(idx, d)])


@gather.backward
def _(ctx, grad):
    return scatter_add(_zeros(ctx.inputs[0]._data.shape, grad), ctx.arg(1, "dim"),
                       ctx.arg(2, "index"), grad)


def _scatter_prepare(self, dim, index, src, method):
    """PyTorch's scatter checks, then the array to write into, the NumPy key saying where, and
    the values to write (None, None, None: the index is empty, nothing to do)."""
    x = self._data
    idx = _index_tensor(index, method)
    d = _wrap_dim(dim, x.ndim)
    _check_index_dtype(idx, "scatter")
    if isinstance(src, Tensor) and src._data.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if idx.size == 0:
        return None, None, None
    nd = max(x.ndim, 1)
    if max(idx.ndim, 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    wrong = any(k != d and _size_at(idx.shape, k) > _size_at(x.shape, k) for k in range(nd))
    if isinstance(src, Tensor):
        s = src._data
        if not wrong:
            for k in range(nd):
                if s.ndim and k >= s.ndim:
                    _wrap_dim(k, s.ndim)               # PyTorch's IndexError for a short src
                if _size_at(idx.shape, k) > _size_at(s.shape, k):
                    wrong = True
                    break
        if wrong:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {d} and to be no larger "
                               f"size than src {list(s.shape)}")
        if s.ndim != idx.ndim:
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        values = s[tuple(slice(0, n) for n in idx.shape)]
    else:
        if wrong:
            raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {d}")
        values = _operand(src)
    _check_bounds(idx, _size_at(x.shape, d), d)
    target = x.reshape(1) if x.ndim == 0 else x          # a 0-d tensor: its one element
    return target, _scatter_key(idx.reshape(idx.shape or (1,)), d), values


def _scatter_source(src, value, method):
    """The src-or-value argument of scatter: a tensor or a number (PyTorch's TypeErrors)."""
    if (src is None) == (value is None):
        got = "both src and value" if src is not None else "neither src nor value"
        raise TypeError(f"{method}() received an invalid combination of arguments - got {got}, "
                        "but expected one of: (int dim, Tensor index, Tensor src), (int dim, "
                        "Tensor index, Number value)")
    src = value if src is None else src
    if not isinstance(src, (Tensor, bool, int, float, np.number)):
        raise TypeError(f"{method}() received an invalid combination of arguments - got "
                        f"{type(src).__name__} as src, but expected a Tensor or a Number")
    return src


@op(function=False)
def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """self[index[i][j]][j] = src[i][j] (for dim 0): writes src's values where index points.
    `src` may be a number; `reduce='add'`/`'multiply'` combines with what is there instead."""
    src = _scatter_source(src, value, "scatter_")
    _check_no_overlap(self._data)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    x, key, values = _scatter_prepare(self, dim, index, src, "scatter_")
    if key is None:
        return self
    if reduce is None:
        x[key] = values
    else:
        # ufunc.at applies repeated indices one after another, like PyTorch's accumulation
        shape = np.broadcast_shapes(*(k.shape for k in key))
        xp = array_module(x)
        values = xp.broadcast_to(xp.asarray(values, dtype=x.dtype), shape)  # (a number too)
        if reduce == "add":
            _add_at(x, key, values)
        else:
            _multiply_at(x, key, values)
    return self


def _multiply_at(x, key, values):
    """x[key] *= values in place, each repeated index multiplying once more (NumPy's multiply.at;
    CuPy has none, so a GPU array is multiplied on the host and copied back)."""
    if type(x) is np.ndarray:
        np.multiply.at(x, key, values)
        return
    backend = backend_of_array(x)
    host = backend.to_numpy(x)
    np.multiply.at(host, tuple(k if type(k) is np.ndarray else backend.to_numpy(k) for k in key),
                   backend.to_numpy(values))
    x[...] = backend.from_numpy(host, backend.device_of(x).index)


@op
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """Out-of-place `scatter_`: a copy of input with src's values written where index points."""
    if reduce is not None:
        return _scatter_reduced(input, dim, index, src, value=value, reduce=reduce)
    if isinstance(src, Tensor):
        return _scatter_tensor(input, dim, index, src)
    return _scatter_number(input, dim, index, src, value=value)


def _scattered(input, dim, index, src=None, *, value=None, reduce=None):
    return scatter_(input.clone(), dim, index, src, value=value, reduce=reduce)


def _scatter_backward(ctx, grad):
    # the written positions lost what input had there; src's elements each went to one place
    dim, index, src = ctx.args[1], ctx.args[2], ctx.inputs[1]
    grad_src = gather(grad, dim, index) if isinstance(src, Tensor) else None
    return scatter(grad, dim, index, 0), grad_src


def _scatter_reduce_backward(ctx, grad):
    raise RuntimeError("derivative for aten::scatter is not implemented")


# PyTorch's node depends on the overload: a tensor src, a number, or a `reduce=` (no derivative)
_scatter_tensor = recorded_as("ScatterBackward0", _scattered, _scatter_backward,
                              inputs=("input", "src"))
_scatter_number = recorded_as("ScatterBackward1", _scattered, _scatter_backward,
                              inputs=("input", "src"))
_scatter_reduced = recorded_as("NotImplemented", _scattered, _scatter_reduce_backward,
                               inputs=("input", "src"))
scatter.node_class = _scatter_tensor.node_class     # differentiable, for scatter_ (inplace.py)


@op(function=False)
def scatter_add_(self, dim, index, src):
    """self[index[i][j]][j] += src[i][j] (for dim 0); repeated indices all add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add_(): argument 'src' (position 3) must be Tensor, not "
                        f"{type(src).__name__}")
    _check_no_overlap(self._data)
    x, key, values = _scatter_prepare(self, dim, index, src, "scatter_add_")
    if key is not None:
        _add_at(x, key, values)
    return self


@op
@differentiable(inputs=("input", "src"))
def scatter_add(input, dim, index, src):
    """Out-of-place `scatter_add_`."""
    return scatter_add_(input.clone(), dim, index, src)


@scatter_add.backward
def _(ctx, grad):
    return grad, gather(grad, ctx.args[1], ctx.args[2])


@op
@differentiable()
def index_select(input, dim, index):
    """The slices at positions `index` (a 1-D tensor) along `dim`, copied into a new tensor."""
    x = input._data
    idx = _index_tensor(index, "index_select")
    d = _wrap_dim(dim, x.ndim)
    if idx.dtype not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if x.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        if _first_out_of_bounds(idx, 1) is not None:
            raise IndexError("index out of range in self")
        return _wrap(x.copy())
    if _first_out_of_bounds(idx, x.shape[d]) is not None:
        raise IndexError("index out of range in self")
    return _wrap(np.take(x, idx.reshape(-1), axis=d))


@index_select.backward
def _(ctx, grad):
    shape = ctx.inputs[0]._data.shape
    if not shape:
        return grad                            # a 0-d input: its one element, picked once
    return index_add(_zeros(shape, grad), ctx.arg(1, "dim"), ctx.arg(2, "index"), grad)


def _index_dim_checks(self, dim, index, method):
    """dim and index of the index_*_ family, checked the way PyTorch checks them."""
    d = _wrap_dim(dim, self._data.ndim)
    idx = _index_tensor(index, method)
    if idx.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{method}(): Expected dtype int32/int64 for index but got: "
                           f"{_dtype._FROM_NUMPY[idx.dtype]._typed_name}")
    if idx.ndim > 1:
        raise IndexError(f"{method}(): Index is supposed to be a vector")
    size = _size_at(self._data.shape, d)
    # only index_fill_ takes negative indices; each method words the error its own way
    bad = _first_out_of_bounds(idx, size, -size if method == "index_fill_" else 0)
    if bad is not None:
        if method == "index_add_":
            raise IndexError("index out of range in self")
        prefix = "index_copy_(): " if method == "index_copy_" else ""
        raise IndexError(f"{prefix}index {bad} is out of bounds for dimension {d} with size "
                         f"{size}")
    return d, idx.reshape(-1)


@op(function=False)
def index_add_(self, dim, index, source, *, alpha=1):
    """self[..., index[i], ...] += alpha * source[..., i, ...] along `dim` (repeats add up)."""
    _check_no_overlap(self._data)
    d, idx = _index_dim_checks(self, dim, index, "index_add_")
    src = source._data
    if _size_at(src.shape, d) != idx.size:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({_size_at(src.shape, d)}), for dim: {d}")
    values = src * alpha if alpha != 1 else src
    _add_at(self._data, (slice(None),) * d + (idx,),
            values.astype(self._data.dtype, copy=False))
    return self


@op
@differentiable(inputs=("input", "source"))
def index_add(input, dim, index, source, *, alpha=1):
    """Out-of-place `index_add_`."""
    return index_add_(input.clone(), dim, index, source, alpha=alpha)


@index_add.backward
def _(ctx, grad):
    alpha = ctx.kwargs.get("alpha", 1)
    grad_source = index_select(grad, ctx.args[1], ctx.args[2])
    return grad, (grad_source if alpha == 1 else grad_source * alpha)


@op(function=False)
def index_fill_(self, dim, index, value):
    """The slices at positions `index` along `dim` set to `value`."""
    d, idx = _index_dim_checks(self, dim, index, "index_fill_")
    self._data[(slice(None),) * d + (idx,)] = _operand(value)
    return self


@op
def index_fill(input, dim, index, value):
    """Out-of-place `index_fill_`."""
    if isinstance(value, Tensor):
        return _index_fill_tensor(input, dim, index, value)
    return _index_fill_number(input, dim, index, value)


def _index_filled(input, dim, index, value):
    return index_fill_(input.clone(), dim, index, value)


def _index_fill_backward(ctx, grad):
    dim, index, value = ctx.args[1], ctx.args[2], ctx.inputs[1]
    grad_value = None
    if isinstance(value, Tensor):
        grad_value = index_select(grad, dim, index).sum()
    return index_fill(grad, dim, index, 0), grad_value


_index_fill_number = recorded_as("IndexFillBackward0", _index_filled, _index_fill_backward,
                                 inputs=("input", "value"))
_index_fill_tensor = recorded_as("IndexFillBackward1", _index_filled, _index_fill_backward,
                                 inputs=("input", "value"))
index_fill.node_class = _index_fill_number.node_class     # differentiable, for index_fill_


@op(function=False)
def index_copy_(self, dim, index, source):
    """The slices at positions `index` along `dim` replaced by source's slices."""
    _check_no_overlap(self._data)
    if source._data.dtype != self._data.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {self.dtype._typed_name} and (source) "
                           f"{source.dtype._typed_name}")
    d, idx = _index_dim_checks(self, dim, index, "index_copy_")
    self._data[(slice(None),) * d + (idx,)] = source._data
    return self


@op
@differentiable(inputs=("input", "source"))
def index_copy(input, dim, index, source):
    """Out-of-place `index_copy_`."""
    return index_copy_(input.clone(), dim, index, source)


@index_copy.backward
def _(ctx, grad):
    dim, index = ctx.args[1], ctx.args[2]
    return index_fill(grad, dim, index, 0), index_select(grad, dim, index)


@op
@differentiable()
def take(input, index):
    """input seen as 1-D, at the positions in `index` (the result has index's shape)."""
    idx = _index_tensor(index, "take")
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_dtype._FROM_NUMPY[idx.dtype]._typed_name}")
    x = input._data.reshape(-1)
    bad = _first_out_of_bounds(idx, x.size, -x.size)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {x.size} "
                         "elements.")
    return _wrap(x[idx])


@take.backward
def _(ctx, grad):
    input, index = ctx.inputs[0], ctx.args[1]
    n = input._data.size
    positions = reshape(index, -1) % n           # take counts from the end; index_add does not
    return reshape(index_add(_zeros(n, grad), 0, positions, reshape(grad, -1)), input._data.shape)


@op
def take_along_dim(input, indices, dim=None):
    """Values at `indices` along `dim` (broadcasting the other dims), or of the flattened input.
    As in PyTorch, a `gather` of the two broadcast against each other (GatherBackward0)."""
    if dim is None:
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    x, idx = input._data, indices._data
    d = _wrap_dim(dim, x.ndim)
    if idx.ndim != x.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    from ._common import _broadcast_shape
    input_shape = _broadcast_shape(x.shape[:d] + (idx.shape[d],) + x.shape[d + 1:], idx.shape)
    input_shape = input_shape[:d] + (x.shape[d],) + input_shape[d + 1:]
    index_shape = input_shape[:d] + (idx.shape[d],) + input_shape[d + 1:]
    return gather(expand(input, list(input_shape)), d, expand(indices, list(index_shape)))


# -- masks -----------------------------------------------------------------------------------------
def _bool_mask(mask, fname):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fname}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask._data.dtype != np.bool_:
        raise RuntimeError(f"{fname} only supports boolean masks, but got mask with dtype "
                           f"{_C_TYPE_NAMES[mask.dtype._name]}")
    return mask._data


def _fill_value(value, fname):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(f"{fname} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return value._data
    if not isinstance(value, (bool, int, float, np.number)):
        raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                        f"(Tensor, {type(value).__name__}), but expected one of: (Tensor mask, "
                        "Tensor value), (Tensor mask, Number value)")
    return value


def _broadcast_pairwise(*shapes):
    """The broadcast of `shapes` taken left to right, as PyTorch's TensorIterator reports it:
    'tensor a' is what the earlier operands broadcast to, 'tensor b' the next operand."""
    from ._common import _broadcast_shape
    shape = shapes[0]
    for s in shapes[1:]:
        shape = _broadcast_shape(shape, s)
    return shape


@op(function=False)
def masked_fill_(self, mask, value):
    """`value` written where `mask` (broadcast to self's shape) is True."""
    m = _bool_mask(mask, "masked_fill_")
    v = _fill_value(value, "masked_fill_")
    x = self._data
    shape = _broadcast_pairwise(x.shape, m.shape)
    if shape != x.shape:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(shape)}")
    np.copyto(x, v, casting="unsafe", where=m)
    return self


@op
def masked_fill(input, mask, value):
    """A copy of input with `value` where `mask` is True (broadcasting input and mask)."""
    if isinstance(value, Tensor):
        return _masked_fill_tensor(input, mask, value)
    return _masked_fill_number(input, mask, value)


def _masked_filled(input, mask, value):
    m = _bool_mask(mask, "masked_fill_")
    v = _fill_value(value, "masked_fill_")
    x = input._data
    shape = _broadcast_pairwise(m.shape, x.shape)
    out = np.broadcast_to(x, shape).copy()
    np.copyto(out, v, casting="unsafe", where=m)
    return _wrap(out)


def _masked_fill_backward(ctx, grad):
    mask, value = ctx.args[1], ctx.inputs[1]
    grad_value = where(mask, grad, 0).sum() if isinstance(value, Tensor) else None
    return masked_fill(grad, mask, 0), grad_value


_masked_fill_number = recorded_as("MaskedFillBackward0", _masked_filled, _masked_fill_backward,
                                  inputs=("input", "value"))
_masked_fill_tensor = recorded_as("MaskedFillBackward1", _masked_filled, _masked_fill_backward,
                                  inputs=("input", "value"))
masked_fill.node_class = _masked_fill_number.node_class    # differentiable, for masked_fill_


@op
@differentiable()
def masked_select(input, mask):
    """The elements where `mask` is True, as a 1-D tensor (input and mask broadcast together)."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    m = mask._data
    shape = _broadcast_pairwise(m.shape, input._data.shape)
    return _wrap(np.broadcast_to(input._data, shape)[np.broadcast_to(m, shape)])


@masked_select.backward
def _(ctx, grad):
    # the selected elements' gradients back in place, in zeros of the broadcast shape
    mask = ctx.args[1]._data
    shape = _broadcast_pairwise(mask.shape, ctx.inputs[0]._data.shape)
    if not shape:           # 0-d: its one element, as a 1-element tensor (a mask needs a dim)
        return reshape(_put(_zeros((1,), grad), [(0, mask.reshape(1))], grad), ())
    return _put(_zeros(shape, grad), [(0, np.broadcast_to(mask, shape))], grad)


def _where_operand(x, position):
    if not isinstance(x, (Tensor, bool, int, float, np.number)):
        raise TypeError(f"where() received an invalid combination of arguments - got "
                        f"{type(x).__name__} at position {position}, but expected one of: "
                        "(Tensor condition), (Tensor condition, Tensor input, Tensor other), "
                        "(Tensor condition, Number self, Tensor other), ...")
    return x


@op(method=False)
@differentiable(inputs=("input", "other"), number_edges=True)
def where(condition, input=None, other=None):
    """Elements of `input` where `condition` holds, of `other` elsewhere (broadcast together,
    with PyTorch's type promotion); `where(condition)` is `nonzero(condition, as_tuple=True)`."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where() received an invalid combination of arguments - got "
                        f"({type(condition).__name__}, ...), but expected one of: (Tensor "
                        "condition), (Tensor condition, Tensor input, Tensor other)")
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() received an invalid combination of arguments - got (Tensor, "
                        "Tensor), but expected one of: (Tensor condition), (Tensor condition, "
                        "Tensor input, Tensor other)")
    _where_operand(input, 1)
    _where_operand(other, 2)
    c = condition._data
    if c.dtype == np.uint8:
        c = c.astype(np.bool_)                  # PyTorch still accepts (deprecated) byte masks
    elif c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype._typed_name}")
    rt = result_type(input, other)
    x, y = _operand(input), _operand(other)
    shape = _broadcast_pairwise(c.shape, getattr(x, "shape", ()), getattr(y, "shape", ()))
    # np.array(n).astype: a Python number converts like a C cast (-1 into uint8 is 255)
    x = (x if hasattr(x, "shape") else np.array(x)).astype(rt.np, copy=False)
    y = (y if hasattr(y, "shape") else np.array(y)).astype(rt.np, copy=False)
    if type(c) is not np.ndarray:            # on a GPU: numbers as NumPy scalars, not arrays
        x, y = (v[()] if type(v) is np.ndarray else v for v in (x, y))
    out = np.where(c, x, y)
    return _wrap(out if out.shape == shape else np.broadcast_to(out, shape).copy())


@where.backward
def _(ctx, grad):
    condition = ctx.args[0]
    input, other = ctx.inputs
    return (where(condition, grad, 0) if isinstance(input, Tensor) else None,
            where(condition, 0, grad) if isinstance(other, Tensor) else None)


@op(function=False, names=("where",))
def _where_method(self, condition, other):
    """`t.where(condition, other)`: `where(condition, t, other)`."""
    return where(condition, self, other)


def _nonzero_matrix(x):
    """The indices of x's nonzero elements, one row each, laid out as PyTorch lays them out
    (column by column: strides (1, n))."""
    xp = array_module(x)
    if x.ndim == 0:
        columns = xp.empty((0, int(bool(x))), np.int64)
    else:
        columns = xp.stack(xp.nonzero(x)).astype(np.int64, copy=False).reshape(x.ndim, -1)
    ndim, n = columns.shape
    if xp is not np:
        if not columns.size:                 # an empty array's strides vary: set PyTorch's
            return backend_of_array(columns).as_strided(columns, (n, ndim), (8, 8 * n), 0)
        return columns.T                     # (the same strides (1, n) in elements)
    return np.ndarray((n, ndim), np.int64, columns if columns.size else np.empty(0, np.int64),
                      0, (8, 8 * n))


@op
def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: an (n, ndim) tensor, or one 1-D tensor per dim."""
    x = input._data
    if as_tuple:
        if x.ndim == 0:
            return (_wrap(array_module(x).zeros(int(bool(x)), np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(x))
    return _wrap(_nonzero_matrix(x))


@op
def argwhere(input):
    """`nonzero(input)`."""
    return nonzero(input)


@op
def count_nonzero(input, dim=None):
    """How many elements are nonzero, over `dim` (an int, a tuple, or all dims)."""
    return _wrap(_array_result(np.count_nonzero(input._data, axis=dim)).astype(np.int64,
                                                                               copy=False))


def _install_indexing(T):
    T.__getitem__ = _getitem
    T.__setitem__ = _setitem
