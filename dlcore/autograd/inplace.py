"""In-place ops and autograd: version counters, and the graph rewritten around `x.add_(y)`.

Every in-place method bumps the version of the tensor's storage, shared by all its views, so a
backward that reads a tensor modified since the forward can tell (PyTorch's version counter).
When the graph must be recorded, `x.op_(...)` becomes `x = op(x_before, ...)`: the out-of-place
op records its node, and x takes that node as its grad_fn."""

from .._tensor import Tensor, _wrap
from .graph import (_is_stale, _meta, _of_a_no_grad_view, _op_name, _output_stand_in,
                    _view_made_anew)
from .grad_mode import _state

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
_LEAF_VIEW = "a view of a leaf Variable that requires grad is being used in an in-place operation."

# methods that end in "_" without writing into the tensor's elements
NOT_INPLACE = {"requires_grad_", "detach_", "retain_grad_", "share_memory_"}


def _version_of(t):
    return 0 if t._storage is None else t._storage._version


def bump_version(t):
    s = t._storage
    if s is None:
        s = t.storage()
    s._version += 1


def _needs_graph(self, args, kwargs):
    if self.requires_grad:
        return True
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            return True
    return any(isinstance(a, Tensor) and a.requires_grad for a in kwargs.values())


def _root_of_view(t):
    m = t._meta
    while m is not None and m.view_of is not None:
        t = m.view_of
        m = t._meta
    return t


def _before(self):
    """A stand-in for `self` as it was: a copy of its values that sits where self sat in the
    graph (same grad_fn and output position), so the in-place op's gradient flows back there."""
    old = _wrap(self._data.copy(order="K"))
    old.requires_grad = self.requires_grad
    old.grad_fn = self.grad_fn
    if self._meta is not None and self._meta.output_nr:
        _meta(old).output_nr = self._meta.output_nr
    return old


def inplace(method, counterpart):
    """`method` (x.op_) with version counting and, when needed, the graph of `counterpart` (op)."""
    name = method.__name__

    def inplace_op(self, *args, **kwargs):
        if _state.enabled:
            if _of_a_no_grad_view(self):
                _refuse_no_grad_view(self._meta)
            if _needs_graph(self, args, kwargs):
                return _with_graph(self, method, counterpart, name, args, kwargs)
        result = method(self, *args, **kwargs)
        bump_version(self)
        return result

    inplace_op.__name__ = inplace_op.__qualname__ = name
    inplace_op.__doc__ = method.__doc__
    inplace_op.__wrapped__ = method
    return inplace_op


_NO_GRAD_VIEW = ("{what} created in no_grad mode and is being modified inplace with grad mode "
                 "enabled. Given that this use case is ambiguous and error-prone, it is "
                 "forbidden. You can clarify your code by moving both the view and the inplace "
                 "either both inside the no_grad block (if you don't want the inplace to be "
                 "tracked) or both outside (if you want the inplace to be tracked).")


def _refuse_no_grad_view(m):
    """PyTorch's error for changing in place, with grad mode on, a view made with it off (of a
    tensor that requires grad): whether the change should be recorded is ambiguous."""
    if m.creation == "no_grad":
        what = "A view was"
    else:
        what = f"Output {m.output_nr} of {m.view_name} is a view of a view which was"
    raise RuntimeError(_NO_GRAD_VIEW.format(what=what))


_MULTI_VIEW = ("Output {nr} of {fn} is a view and is being modified inplace. This view is the "
               "output of a function that returns multiple views. Such functions do not allow "
               "the output views to be modified inplace. You should replace the inplace "
               "operation by an out-of-place one.")


def _with_graph(self, method, counterpart, name, args, kwargs):
    if self.requires_grad:
        m = self._meta
        if _is_stale(self):
            _view_made_anew(self)             # its base changed since: it is read from it anew
        if m is not None and m.creation == "multi_output":
            raise RuntimeError(_MULTI_VIEW.format(nr=m.output_nr, fn=_op_name(type(self.grad_fn))))
        if name in ("__setitem__", "_setitem") and self.grad_fn is None:
            from ..ops.indexing import _writes_through_view
            if _writes_through_view(self, args[0]):
                raise RuntimeError(_LEAF_VIEW)  # PyTorch writes x[0] = v through a view of x
        base = _root_of_view(self) if m is not None and m.view_of is not None else None
        if base is not None and base.requires_grad and base.grad_fn is None:
            raise RuntimeError(_LEAF_VIEW)
        if base is None and self.grad_fn is None:
            raise RuntimeError(_LEAF)
    else:
        # a view of a tensor outside any graph, written from one that requires grad: the base
        # joins the graph too, as in PyTorch (out[0].copy_(w) makes `out` require grad)
        base = self._base
    if counterpart is None or getattr(counterpart, "node_class", None) is None:
        raise RuntimeError(f"{name} is not differentiable in dlcore: use its out-of-place form "
                           f"({name.rstrip('_')}) when gradients must flow through it")
    if base is not None:
        elements = _elements_of(self, base)   # (before the write: an error leaves base as it was)
    old = _before(self)
    _state.enabled = False
    try:
        method(self, *args, **kwargs)         # checks arguments and writes the new values
    finally:
        _state.enabled = True
    new = counterpart(old, *args, **kwargs)   # records the node, reading the old values
    # (bumped after recording: an argument that is self, as in y.mul_(y), was saved at the version
    # before the write, so its backward fails as PyTorch's does instead of reading the new values)
    bump_version(self)
    _adopt(self, new)
    if base is not None:
        _rebase(self, base, elements, new)
    else:
        _meta(self).rewrites += 1             # its views are now out of date
    return self


def _adopt(self, new):
    """Make `self` (written in place) the output of the node that computed `new` (its values)."""
    node = new.grad_fn
    saved = None if node is None else node._result
    if isinstance(saved, Tensor) and saved._data is new._data:
        # the node saved its output: that is self now, so later in-place changes of self are
        # caught by the version check like any other saved tensor's
        node._result = stand_in = _output_stand_in(self)
        node._versions = [(stand_in, _version_of(self), fn, nr) if t is saved else (t, v, fn, nr)
                          for t, v, fn, nr in node._versions]
    _set_grad_fn(self, node)


def _set_grad_fn(t, node):
    t.grad_fn = node
    t.requires_grad = True
    if t._meta is not None:
        t._meta.output_nr = 0


def _elements_of(view, base):
    """Where the view's elements sit in its base: a tuple of index tensors (one per dim of base,
    each shaped like the view), found by matching storage positions."""
    from ..backend import array_module
    from ..ops.shape import _storage_positions
    xp = array_module(base._data)
    in_base = _storage_positions(xp, base.shape, base.stride(), base.storage_offset())
    in_view = _storage_positions(xp, view.shape, view.stride(), view.storage_offset())
    element_at = xp.full(len(base.storage()), -1, xp.int64)   # storage position -> base element
    element_at[in_base.reshape(-1)] = xp.arange(in_base.size)
    flat = element_at[in_view]
    return tuple(_wrap(xp.asarray(i)) for i in xp.unravel_index(flat, base.shape))


def _rebase(view, base, elements, new):
    """After `view.op_(...)`, with view a view of the non-leaf `base` (PyTorch's rebase): base
    becomes "base with the view's elements replaced by the op's result" (node CopySlices), and
    the view, and the views between it and base, views of that (AsStridedBackward0)."""
    from ..ops.indexing import _copy_slices
    from ..ops.shape import as_strided
    old_base = _wrap(base._data)          # base where it sat in the graph (its values are unused)
    old_base.requires_grad, old_base.grad_fn = base.requires_grad, base.grad_fn
    if base._meta is not None and base._meta.output_nr:
        _meta(old_base).output_nr = base._meta.output_nr
    _set_grad_fn(base, _copy_slices(old_base, elements, new).grad_fn)
    _meta(base).rewrites += 1                 # views of base made before are now out of date
    t = view
    while t is not None and t is not base:
        regenerated = as_strided(base, t.shape, t.stride(), t.storage_offset())
        _set_grad_fn(t, regenerated.grad_fn)
        m = _meta(t)
        above = m.view_of                 # the next view up the chain (None: made unrecorded)
        m.view_of, m.root, m.root_rewrites = base, base, base._meta.rewrites
        t = above
