"""The graph autograd records: one Node per op that ran on tensors requiring grad.

A differentiable op is an ordinary forward function plus a backward declared next to it:

    @differentiable(inputs=("input", "other"), saves=("input", "other"))
    def mul(input, other): ...             # the forward, on arrays

    @mul.backward
    def _(ctx, grad):
        a, b = ctx.inputs
        return grad * b, grad * a          # one gradient per declared input

`differentiable` wraps the forward so that, when grad mode is on and an input requires grad, the
result gets `grad_fn` = a new node of the class `.backward` declared (`MulBackward0`).
Backward formulas are written with tensor ops, so running them with grad mode on (create_graph)
records their own graph: higher-order gradients come for free.
"""
import itertools
import re
import weakref

import numpy as np

from .._tensor import Tensor, _wrap
from .grad_mode import _state

__all__ = ["Node", "AccumulateGrad", "differentiable"]


class _Meta:
    """Autograd bookkeeping a tensor needs only sometimes (kept off the hot path)."""

    __slots__ = ("output_nr", "accumulator", "hooks", "retains_grad", "view_of", "creation",
                 "view_name", "root", "root_rewrites", "rewrites")

    def __init__(self):
        self.output_nr = 0
        self.view_of = None          # the tensor a differentiable view op made this one from
        # how the view came about, where in-place changes of it must be refused (PyTorch's
        # CreationMeta): "multi_output" (from unbind, split...), "no_grad" (made with grad mode
        # off from a tensor requiring grad), "no_grad_base" (a view of such a view); view_name
        # is then the op that made it ("Select")
        self.creation = None
        self.view_name = None
        # a recorded view: the tensor at the start of its chain of views, and how many times
        # in-place ops had rewritten that tensor's graph when the view's grad_fn was made (if
        # more have since, on it or through another of its views, the view's grad_fn is out of
        # date and is made anew); `rewrites` counts them on the root
        self.root = None
        self.root_rewrites = 0
        self.rewrites = 0
        self.accumulator = None      # weakref to the leaf's AccumulateGrad node
        self.hooks = None
        self.retains_grad = False


def _meta(t):
    m = t._meta
    if m is None:
        m = t._meta = _Meta()
    return m


class Node:
    """A step of the backward pass: `grad_fn` of a tensor an op produced.

    `next_functions` holds, for each tensor input of the op, the node its gradient goes to
    (`(node, output_nr)`, or `(None, 0)` for inputs that don't require grad)."""

    __slots__ = ("next_functions", "inputs", "args", "kwargs", "_result", "_versions",
                 "_released", "_pre_hooks", "_n_outputs", "_out_meta", "_seq", "__weakref__")
    _saves = ()                 # names of what backward reads: input names and/or "result"
    _input_names = ()
    _saved_inputs = ()          # positions in `inputs` of the saved ones
    _saves_result = False
    _leading_inputs = 0         # n when the inputs are the forward's first n parameters
    _number_edges = False       # whether a number input has an edge (None, 0), as in PyTorch
    _saved_for_the_other = False    # whether each of two inputs is saved for the other's gradient

    def name(self):
        return type(self).__name__

    def _sequence_nr(self):
        """The order nodes were recorded in: backward runs the newest waiting node first."""
        return self._seq

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    @property
    def needs_input_grad(self):
        """For each declared input: whether a gradient must flow to it (backward formulas may
        skip the work for the others)."""
        edges = iter(self.next_functions)
        needs = []
        for x in self.inputs:
            if isinstance(x, Tensor):
                needs.append(next(edges)[0] is not None)
            elif isinstance(x, (list, tuple)):
                needs.append(any([next(edges)[0] is not None for _ in x]))
            else:
                if self._number_edges and isinstance(x, _NUMBERS):
                    next(edges)
                needs.append(False)
        return tuple(needs)

    @property
    def result(self):
        """The op's saved output (a tuple for several). A single output is kept as a stand-in
        without grad_fn, so that an unused graph is no reference cycle; under create_graph the
        stand-in is given this node as its grad_fn, as the real output has."""
        r = self._result
        if type(r) is Tensor and r.grad_fn is None and _state.enabled:
            r.grad_fn = self
            r.requires_grad = True
        return r

    def arg(self, position, name, default=None):
        """The forward's argument `name` (given at `position` or by keyword), for backwards."""
        args = self.args
        if position < len(args):
            return args[position]
        return self.kwargs.get(name, default)

    def register_hook(self, hook):
        raise NotImplementedError("hooks on nodes are not supported; use Tensor.register_hook")

    def _release(self):
        """Free what backward needed (PyTorch frees saved tensors unless retain_graph=True)."""
        if self._saves:
            self._released = True
            self.inputs = self.args = self.kwargs = self._result = self._versions = None


class AccumulateGrad(Node):
    """The end of the road for a leaf tensor: adds the gradient into `variable.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()
        self._pre_hooks = None
        self._n_outputs = 1
        self._seq = _next_sequence_nr()


def _accumulator(t):
    """The leaf's AccumulateGrad node (one per leaf while a graph references it)."""
    m = _meta(t)
    node = m.accumulator() if m.accumulator is not None else None
    if node is None:
        node = AccumulateGrad(t)
        m.accumulator = weakref.ref(node)
    return node


def _edge(t):
    fn = t.grad_fn
    if fn is not None:
        m = t._meta
        return (fn, 0 if m is None else m.output_nr)
    if t.requires_grad:
        return (_accumulator(t), 0)
    return (None, 0)


def _version(t):
    s = t._storage
    return 0 if s is None else s._version


def _output_stand_in(t):
    """A tensor over t's data and Storage (so t's in-place changes bump its version too)."""
    storage = t.storage()
    stand_in = _wrap(t._data)
    stand_in._storage = storage
    stand_in._offset = t._offset
    return stand_in


# -- declaring derivatives --------------------------------------------------------------------------
def differentiable(inputs=("input",), saves=(), name=None, view=False, number_edges=False,
                   saved_for_the_other=False):
    """Make an op differentiable: `@differentiable(...)` on the forward, then `@op.backward` on
    a function (ctx, grad) -> one gradient per name in `inputs`.

    `inputs` names the forward's parameters gradients flow to (a parameter holding a list of
    tensors, like cat's, gets a list of gradients); `saves` names those the backward reads (and
    "result" for the op's output): they are checked against in-place changes and freed after
    backward. `name` is the grad_fn's class name (by default PyTorch's: mul -> MulBackward0).
    `view=True` marks ops whose result is a view of their first input. `number_edges=True`: a
    Python number among the inputs gets an edge (None, 0), as PyTorch lists one for the ops that
    wrap a number operand into a tensor (x * 2, x + 1, where(c, x, 0.)).
    `saved_for_the_other=True` (two inputs, as a * b): each input is read only for the other's
    gradient, so it counts as saved (its in-place changes checked) only when the other one takes
    a gradient: after `y = x * 2`, x may change in place, as in PyTorch."""
    def wrap(forward):
        positions = _positions(forward, inputs)
        state = _state

        def record(args, kwargs):
            if kwargs.get("out") is not None:
                raise RuntimeError(
                    f"{forward.__name__}(): functions with out=... arguments don't support "
                    "automatic differentiation, but one of the arguments requires grad.")
            # the forward's own inner ops must not record: this op is one node
            state.enabled = False
            try:
                result = forward(*args, **kwargs)
            finally:
                state.enabled = True
            _record(op.node_class, positions, result, args, kwargs, view)
            return result

        (first, first_name), *rest = positions
        if view:
            # a view op: one tensor input, first. Made with grad mode off from a tensor that
            # requires grad, the view remembers it (an in-place change with grad mode on is
            # refused, as in PyTorch), and so do views of that view
            def op(*args, **kwargs):
                x = args[0] if args else kwargs.get(first_name)
                if isinstance(x, Tensor):
                    if x.requires_grad:
                        if state.enabled:
                            return record(args, kwargs)
                        return _made_without_grad(forward(*args, **kwargs), x, "no_grad",
                                                  _op_name(op.node_class))
                    if _of_a_no_grad_view(x):
                        return _made_without_grad(forward(*args, **kwargs), x, "no_grad_base",
                                                  _op_name(op.node_class))
                return forward(*args, **kwargs)
        elif first == 0 and not rest:
            # one tensor input, first: the common unary op, checked with the least work
            def op(*args, **kwargs):
                if state.enabled:
                    x = args[0] if args else kwargs.get(first_name)
                    if isinstance(x, Tensor):
                        if x.requires_grad:
                            return record(args, kwargs)
                    elif isinstance(x, (list, tuple)) and _any_requires_grad(x):
                        return record(args, kwargs)      # cat([...]), stack([...])
                return forward(*args, **kwargs)
        elif first == 0 and len(rest) == 1 and rest[0][0] == 1:
            # two inputs, first and second: the binary ops (a * b, a @ b, ...)
            second_name = rest[0][1]

            def op(*args, **kwargs):
                if state.enabled:
                    n = len(args)
                    x = args[0] if n else kwargs.get(first_name)
                    y = args[1] if n > 1 else kwargs.get(second_name)
                    if (isinstance(x, Tensor) and x.requires_grad) or (
                            isinstance(y, Tensor) and y.requires_grad) or (
                            isinstance(x, (list, tuple)) and _any_requires_grad(x)):
                        return record(args, kwargs)
                return forward(*args, **kwargs)
        else:
            def op(*args, **kwargs):
                if state.enabled:
                    n = len(args)
                    for i, pname in positions:
                        x = args[i] if i < n else kwargs.get(pname)
                        if isinstance(x, Tensor):
                            if x.requires_grad:
                                return record(args, kwargs)
                        elif isinstance(x, (list, tuple)) and _any_requires_grad(x):
                            return record(args, kwargs)
                return forward(*args, **kwargs)

        def backward(formula):
            op.node_class = type(name or _torch_name(forward.__name__), (Node,), {
                "__slots__": (), "_saves": tuple(saves), "_input_names": tuple(inputs),
                "_saved_inputs": tuple(k for k, n in enumerate(inputs) if n in saves),
                "_saves_result": "result" in saves,
                "_leading_inputs": _leading(positions), "_number_edges": number_edges,
                "_saved_for_the_other": saved_for_the_other,
                "backward": staticmethod(formula)})
            return formula

        op.__name__ = op.__qualname__ = forward.__name__
        op.__doc__ = forward.__doc__
        op.__wrapped__ = forward
        op.backward = backward
        op.node_class = None
        return op
    return wrap


def recorded_as(name, forward, backward, inputs=("input",), saves=()):
    """`forward` recorded as a node named `name` whose gradient is `backward`: for ops whose
    PyTorch node depends on the call (prod with or without `dim`: ProdBackward0/1, ...), one
    such private op per case, sharing forward and backward."""
    recorded = differentiable(inputs=inputs, saves=saves, name=name)(forward)
    recorded.backward(backward)
    return recorded


def _needs_grad(node, i):
    """Whether the node's i-th edge (its i-th tensor input) takes a gradient: backward formulas
    skip the work for the others."""
    return node.next_functions[i][0] is not None


def _operands_need_grad(node):
    """(input needs a gradient, other needs one) for a binary op whose operands may be numbers
    (a number has no edge: then the edges are matched to the inputs one by one)."""
    edges = node.next_functions
    if len(edges) == 2:
        return edges[0][0] is not None, edges[1][0] is not None
    return node.needs_input_grad


def _any_requires_grad(tensors):
    return any(isinstance(t, Tensor) and t.requires_grad for t in tensors)


def _torch_name(op_name):
    return "".join(part.capitalize() for part in op_name.strip("_").split("_")) + "Backward0"


def _leading(positions):
    """n when the inputs are the first n parameters, in order (then `args[:n]` are the inputs
    whenever at least n arguments were given by position), else 0."""
    return len(positions) if all(i == k for k, (i, _) in enumerate(positions)) else 0


def _positions(forward, names):
    """Where each named parameter sits positionally in `forward`'s signature."""
    code = forward.__code__
    params = code.co_varnames[:code.co_argcount]
    return tuple((params.index(n) if n in params else 10**6, n) for n in names)


_NO_EDGE = (None, 0)
_NUMBERS = (bool, int, float, complex, np.number, np.bool_)
_new = object.__new__
_next_sequence_nr = itertools.count().__next__     # numbers the nodes in recording order


def _record(node_class, positions, result, args, kwargs, view=False):
    """Make the node for one call of a differentiable op and hang it on the result(s)."""
    if node_class is None:
        raise RuntimeError("an op was marked differentiable but its backward was never declared")
    nargs = len(args)
    leading = node_class._leading_inputs
    if leading and nargs >= leading:
        inputs = args if nargs == leading else args[:leading]
    else:
        inputs = tuple([args[i] if i < nargs else kwargs.get(name) for i, name in positions])
    edges = []
    for x in inputs:
        if x is result:
            return None        # the op returned its input unchanged (x.contiguous(), x.to(x.dtype))
        if isinstance(x, Tensor):
            fn = x.grad_fn      # (_edge, inlined: this runs for every input of every op)
            if fn is not None:
                m = x._meta
                if m is None:
                    edges.append((fn, 0))
                else:
                    if m.root is not None and _is_stale(x):
                        fn = _view_made_anew(x)     # its base changed in place since it was made
                    edges.append((fn, m.output_nr))
            elif x.requires_grad:
                edges.append((_accumulator(x), 0))
            else:
                edges.append(_NO_EDGE)
        elif isinstance(x, (list, tuple)):
            edges.extend([_edge(t) if isinstance(t, Tensor) else _NO_EDGE for t in x])
        elif node_class._number_edges and isinstance(x, _NUMBERS):
            edges.append(_NO_EDGE)
    node = _new(node_class)
    node._seq = _next_sequence_nr()
    node.next_functions = tuple(edges)
    node.inputs = inputs
    node.args = args
    node.kwargs = kwargs
    node._released = False
    node._pre_hooks = None
    # (tensor, its version, and for the error message the node that saved it, True for an output,
    # or None for an input: its grad_fn is looked up then)
    versions = None
    saved = node_class._saved_inputs
    if saved:
        versions = []
        for k in saved:
            x = inputs[k]
            if node_class._saved_for_the_other and edges[1 - k] is _NO_EDGE:
                continue                 # the other input takes no gradient: x is not read
            if isinstance(x, Tensor):
                storage = x._storage
                versions.append((x, 0 if storage is None else storage._version, None, 0))
    if isinstance(result, Tensor):
        if result._data.dtype.kind != "f":
            return None                  # integer and bool results take no gradient
        node._n_outputs = 1
        node._out_meta = None
        result.grad_fn = node
        result.requires_grad = True
        if view:
            m = _meta(result)
            m.view_of = base = inputs[0]
            _note_root(m, base)
            if base._meta is not None and base._meta.creation == "multi_output":
                m.creation = "multi_output"     # a view of one of several views
        if node_class._saves_result:
            stand_in = _output_stand_in(result)
            node._result = stand_in
            # (True: "the node checking it", not the node itself, which would make a cycle)
            versions = (versions or []) + [(stand_in, _version(stand_in), True, 0)]
        else:
            node._result = None
        node._versions = versions
        return node
    # several outputs (unbind, split, max with dim...): each knows its position
    outputs = [r for r in result if isinstance(r, Tensor)]
    node._n_outputs = len(outputs)
    node._out_meta = [(r._data.shape, r._data.dtype) for r in outputs]
    node._result = tuple(outputs) if node_class._saves_result else None
    node._versions = versions
    for nr, r in enumerate(outputs):
        if r._data.dtype.kind != "f":
            continue                 # indices of max/sort don't take gradients
        r.grad_fn = node
        r.requires_grad = True
        if nr or view:
            m = _meta(r)
            m.output_nr = nr
            if view:
                m.view_of = inputs[0]
                m.creation = "multi_output"
                _note_root(m, inputs[0])
    return node


def _note_root(m, base):
    """Record in a view's meta `m` the root of its chain of views (from `base`, the tensor it
    was taken from) and how many times in-place ops have rewritten the root's graph so far."""
    bm = base._meta
    m.root = root = bm.root if bm is not None and bm.root is not None else base
    m.root_rewrites = _rewrites(root)


def _rewrites(t):
    m = t._meta
    return 0 if m is None else m.rewrites


def _is_stale(t):
    """Whether view t's grad_fn predates an in-place change of its root's graph."""
    m = t._meta
    return m is not None and m.root is not None and _rewrites(m.root) != m.root_rewrites


_STALE_MULTI_VIEW = ("Output {nr} of {fn} is a view and its base or another view of its base has "
                     "been modified inplace. This view is the output of a function that returns "
                     "multiple views. Such functions do not allow the output views to be "
                     "modified inplace. You should replace the inplace operation by an "
                     "out-of-place one.")


def _view_made_anew(t):
    """The grad_fn of view `t` once its root's graph has changed (the root, or another view of
    it, was modified in place): `t` is taken from the root as it is now (AsStridedBackward0, as
    PyTorch regenerates it). A view among several outputs (unbind's) may not be."""
    m = t._meta
    if m.creation == "multi_output":
        raise RuntimeError(_STALE_MULTI_VIEW.format(nr=m.output_nr, fn=_op_name(type(t.grad_fn))))
    from ..ops.shape import as_strided
    root = m.root
    fresh = as_strided(root, t._data.shape, t.stride(), t.storage_offset())
    t.grad_fn = fresh.grad_fn
    t.requires_grad = fresh.requires_grad
    m.output_nr = 0
    m.root_rewrites = _rewrites(root)
    return t.grad_fn


def _op_name(node_class):
    """The op a node class is the derivative of, as PyTorch's messages name it: "Select"."""
    return re.sub(r"Backward[0-9]*$", "", node_class.__name__) if node_class else None


def _of_a_no_grad_view(t):
    """Whether t is a view made under no_grad of a tensor requiring grad, or a view of one."""
    m = t._meta
    return m is not None and m.creation in ("no_grad", "no_grad_base")


def _made_without_grad(result, base, creation, name):
    """Views `result` (one, or a tuple of them) of `base`, made by the op `name` without
    recording: marked with how they came about (see _Meta.creation)."""
    for r in (result if isinstance(result, (tuple, list)) else (result,)):
        if isinstance(r, Tensor) and r is not base:
            m = _meta(r)
            m.view_of, m.creation, m.view_name = base, creation, name
    return result
