"""In-place ops and autograd: version counters, and the graph rewritten around `x.add_(y)`.

Every in-place method bumps the version of the tensor's storage, shared by all its views, so a
backward that reads a tensor modified since the forward can tell (PyTorch's version counter).
When the graph must be recorded, `x.op_(...)` becomes `x = op(x_before, ...)`: the out-of-place
op records its node, and x takes that node as its grad_fn."""

from .._tensor import Tensor, _wrap
from .graph import _meta, _output_stand_in
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
        if _state.enabled and _needs_graph(self, args, kwargs):
            return _with_graph(self, method, counterpart, name, args, kwargs)
        result = method(self, *args, **kwargs)
        bump_version(self)
        return result

    inplace_op.__name__ = inplace_op.__qualname__ = name
    inplace_op.__doc__ = method.__doc__
    inplace_op.__wrapped__ = method
    return inplace_op


_MULTI_VIEW = ("Output {nr} of {fn} is a view and is being modified inplace. This view is the "
               "output of a function that returns multiple views. Such functions do not allow "
               "the output views to be modified inplace. You should replace the inplace "
               "operation by an out-of-place one.")


def _with_graph(self, method, counterpart, name, args, kwargs):
    if self.requires_grad:
        m = self._meta
        if m is not None and m.view_of is not None and self.grad_fn is not None \
                and self.grad_fn._n_outputs > 1:
            raise RuntimeError(_MULTI_VIEW.format(
                nr=m.output_nr, fn=self.grad_fn.name().replace("Backward0", "")))
        if name in ("__setitem__", "_setitem") and self.grad_fn is None:
            from ..ops.indexing import _writes_through_view
            if _writes_through_view(self, args[0]):
                raise RuntimeError(_LEAF_VIEW)  # PyTorch writes x[0] = v through a view of x
        if m is not None and m.view_of is not None:
            root = _root_of_view(self)
            if root.requires_grad and root.grad_fn is None:
                raise RuntimeError(_LEAF_VIEW)
            raise RuntimeError(
                f"{name}: an in-place operation on a view of a tensor that requires grad is not "
                "supported by dlcore's autograd. Write it out of place (for example with "
                "dlcore.where or dlcore.cat), or clone() the view first.")
        if self.grad_fn is None:
            raise RuntimeError(_LEAF)
    if counterpart is None or getattr(counterpart, "node_class", None) is None:
        raise RuntimeError(f"{name} is not differentiable in dlcore: use its out-of-place form "
                           f"({name.rstrip('_')}) when gradients must flow through it")
    old = _before(self)
    _state.enabled = False
    try:
        method(self, *args, **kwargs)         # checks arguments and writes the new values
    finally:
        _state.enabled = True
    bump_version(self)
    new = counterpart(old, *args, **kwargs)   # records the node, reading the old values
    node = new.grad_fn
    saved = None if node is None else node._result
    if isinstance(saved, Tensor) and saved._data is new._data:
        # the node saved its output: that is self now, so later in-place changes of self are
        # caught by the version check like any other saved tensor's
        node._result = stand_in = _output_stand_in(self)
        node._versions = [(stand_in, _version_of(self), fn, nr) if t is saved else (t, v, fn, nr)
                          for t, v, fn, nr in node._versions]
    self.grad_fn = node
    self.requires_grad = True
    if self._meta is not None:
        self._meta.output_nr = 0
    return self
