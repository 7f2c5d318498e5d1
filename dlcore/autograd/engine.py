"""The backward pass: walk the graph from the outputs in dependency order, call each node's
backward formula, and add the gradients into the leaves' `.grad` (or hand them back, for
`autograd.grad`)."""
import re
from heapq import heappop, heappush

from ..backend import array_module, summed_to
from .._tensor import Tensor, _wrap
from .graph import _NUMBERS, AccumulateGrad, _accumulator, _is_stale, _meta, _view_made_anew
from .grad_mode import _state

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


def _check_versions(node):
    for t, version, fn, nr in node._versions:
        storage = t._storage
        now = 0 if storage is None else storage._version
        if now != version:
            # PyTorch names a saved output's own node ("Exp"), and a saved input's grad_fn now
            if fn is None:
                fn = t.grad_fn
                nr = 0 if t._meta is None else t._meta.output_nr
            elif fn is True:
                fn = node
            where = "" if fn is None else \
                f", which is output {nr} of {re.sub(r'Backward[0-9]*$', '', fn.name())},"
            sizes = ", ".join(str(s) for s in t._data.shape)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{t.type()} [{sizes}]]{where} is at version {now}; "
                f"expected version {version} instead. Hint: enable anomaly detection to find the "
                "operation that failed to compute its gradient, with "
                "dlcore.autograd.set_detect_anomaly(True, check_nan=False).")


def _apply(node, grads):
    """Run `node`'s backward formula: gradients for its inputs, one per edge (None where no
    gradient flows), shaped and typed like the inputs."""
    if node._released:
        raise RuntimeError(_FREED)
    versions = node._versions
    if versions:
        for t, version, _, _ in versions:         # (_check_versions's test, inlined)
            storage = t._storage
            if (0 if storage is None else storage._version) != version:
                _check_versions(node)             # raises, naming the modified tensor
    if node._out_meta is None:            # a single-output op gets a tensor, not a list
        grad = grads[0]
        if grad is None:
            return [None] * len(node.next_functions)
    else:
        arriving = [g for g in grads if g is not None]
        if not arriving:
            return [None] * len(node.next_functions)
        # outputs that took no gradient get zeros (on the device of those that did)
        xp = array_module(arriving[0]._data)
        grad = [g if g is not None else _wrap(xp.zeros(shape, dtype))
                for g, (shape, dtype) in zip(grads, node._out_meta)]
    raw = node.backward(node, grad)
    if type(raw) is not tuple:
        raw = (raw,)
    edges, inputs = node.next_functions, node.inputs
    if len(edges) == len(inputs) and not isinstance(inputs[0], (list, tuple)):
        # every input has an edge (a tensor; a number where PyTorch lists one; a list, as cat's,
        # is always the only input), so edge k is input k's. An input whose edge is (None, 0)
        # takes no gradient.
        out = []
        for (fn, _), x, g in zip(edges, inputs, raw):
            if fn is None or g is None:
                g = None
            else:
                gd, xd = g._data, x._data
                if gd.shape != xd.shape or gd.dtype is not xd.dtype:
                    g = _fit(g, x)        # (most formulas already return the input's shape)
            out.append(g)
        return out
    out = []
    edges = iter(edges)
    for x, g in zip(inputs, raw):
        if isinstance(x, Tensor):
            # (an input that doesn't require grad has no edge: its gradient is dropped unfitted)
            if next(edges)[0] is None or g is None:
                out.append(None)
            else:
                gd, xd = g._data, x._data
                out.append(g if gd.shape == xd.shape and gd.dtype is xd.dtype else _fit(g, x))
        elif isinstance(x, (list, tuple)):
            if g is None:
                g = [None] * len(x)
            for xi, gi in zip(x, g):
                if isinstance(xi, Tensor):
                    out.append(None if next(edges)[0] is None or gi is None else _fit(gi, xi))
                else:
                    next(edges)
                    out.append(None)
        elif node._number_edges and isinstance(x, _NUMBERS):
            next(edges)
            out.append(None)
    return out


def _fit(g, x):
    """A gradient shaped and typed like its input: broadcasting undone by summing, dtype cast
    (on the arrays, when no graph of the gradients is recorded)."""
    gd, xd = g._data, x._data
    if not _state.enabled:
        if gd.shape != xd.shape:
            gd = summed_to(gd, xd.shape)
        return _wrap(gd if gd.dtype is xd.dtype else gd.astype(xd.dtype))
    if gd.shape != xd.shape:
        g = g.sum_to_size(xd.shape)
    if gd.dtype is not xd.dtype:
        g = g.to(x.dtype)
    return g


def _accumulate(leaf, g, create_graph):
    """leaf.grad += g: in place normally; as a new tensor (with its graph) under create_graph."""
    m = leaf._meta
    if m is not None and m.hooks:
        g = _run_hooks(m.hooks, g)
    # (the slot under `.grad`: the gradient is checked by construction)
    if leaf._grad is None:
        leaf._grad = g if create_graph else _wrap(g._data.copy(order="C"))
    elif create_graph:
        leaf._grad = leaf._grad + g
    else:
        total = leaf._grad._data
        array_module(total).add(total, g._data, out=total)


def _run_hooks(hooks, g):
    for hook in list(hooks.values()):
        replaced = hook(g)
        if replaced is not None:
            g = replaced
    return g


def run_backward(roots, retain_graph=False, create_graph=False, capture=None):
    """Backpropagate `roots` = [(node, output_nr, grad)] through the graph.

    Nodes run newest first, by the sequence number each got when recorded (PyTorch's engine
    orders its queue the same way): a node receives gradients only from nodes recorded after it
    (the ops that used its output), so once it is the newest one waiting, all of them are in.
    With `capture` (a dict (node, output_nr) -> slot, from autograd.grad) the gradients arriving
    there are returned in a list instead of accumulated into leaves."""
    buffers = {}      # node -> gradients received so far, one per output of the node
    waiting = []      # heap of (-sequence number, node): the newest node on top
    for node, nr, grad in roots:
        slot = buffers.get(node)
        if slot is None:
            slot = buffers[node] = [None] * node._n_outputs
            heappush(waiting, (-node._seq, node))
        slot[nr] = grad if slot[nr] is None else slot[nr] + grad
    captured = [None] * (len(capture) if capture else 0)
    previous = _state.enabled
    _state.enabled = create_graph     # backward formulas record only for higher-order grads
    try:
        while waiting:
            node = heappop(waiting)[1]
            grads = buffers.pop(node)
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    if grads[nr] is not None:
                        grads[nr] = _run_hooks(hooks, grads[nr])
            if capture:
                for nr, g in enumerate(grads):
                    slot = capture.get((node, nr))
                    if slot is not None:
                        captured[slot] = g
            if type(node) is AccumulateGrad:
                if capture is None and grads[0] is not None:
                    _accumulate(node.variable, grads[0], create_graph)
                continue
            input_grads = _apply(node, grads)
            if not retain_graph and node._saves:
                node._release()
            for (nxt, nr), g in zip(node.next_functions, input_grads):
                if nxt is None:
                    continue
                slot = buffers.get(nxt)
                if slot is None:
                    # (a node reached with no gradient still runs: it frees what it saved)
                    slot = buffers[nxt] = [None] * nxt._n_outputs
                    heappush(waiting, (-nxt._seq, nxt))
                if g is not None:
                    old = slot[nr]
                    slot[nr] = g if old is None else old + g
    finally:
        _state.enabled = previous
    return captured


# -- the public entry points ------------------------------------------------------------------------
def _as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_grads(outputs, grad_outputs, create_graph):
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_outputs has length {len(grad_outputs)} but outputs has "
                           f"length {len(outputs)}")
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected a Tensor as output {i}, got {type(out).__name__}")
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have "
                               "a grad_fn")
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = array_module(out._data).empty(out._data.shape, out._data.dtype)
            g.fill(1)                     # (NumPy's ones() is Python code: twice the time)
            g = _wrap(g)
        elif not isinstance(g, Tensor):
            g = _wrap(array_module(out._data).full(out._data.shape, g, out._data.dtype))
        elif g._data.shape != out._data.shape:
            from .._size import Size
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{Size(g._data.shape)} and output[{i}] has a shape of "
                               f"{Size(out._data.shape)}.")
        m = out._meta
        if _is_stale(out):
            _view_made_anew(out)              # a view whose base changed since it was taken
        node = out.grad_fn if out.grad_fn is not None else _accumulator(out)
        nr = 0 if m is None else m.output_nr
        roots.append((node, nr, g))
    return roots


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's `.grad` (PyTorch's autograd.backward)."""
    tensors = _as_list(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    roots = _root_grads(tensors, grad_tensors, create_graph)
    if inputs is not None:
        grads = grad(tensors, inputs, grad_tensors, retain_graph=retain_graph,
                     create_graph=create_graph, allow_unused=True)
        for t, g in zip(_as_list(inputs), grads):
            if g is not None:
                _accumulate(t, g, create_graph)
        return
    run_backward(roots, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned (not stored in `.grad`)."""
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    capture = {}
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        if t.grad_fn is None:
            capture[(_accumulator(t), 0)] = i
        else:
            capture[(t.grad_fn, 0 if t._meta is None else t._meta.output_nr)] = i
    roots = _root_grads(outputs, grad_outputs, create_graph)
    captured = run_backward(roots, retain_graph, create_graph, capture)
    for i, g in enumerate(captured):
        if g is None:
            if materialize_grads:
                captured[i] = _wrap(array_module(inputs[i]._data).zeros_like(inputs[i]._data))
            elif not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
    return tuple(captured)


# -- tensor-level pieces: hooks and retain_grad ------------------------------------------------------
class RemovableHandle:
    """What `register_hook` returns: `.remove()` takes the hook away."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks.pop(self.id, None)


def register_hook(t, hook):
    """Call `hook(grad)` when t's gradient is computed; a returned tensor replaces the gradient."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is None:
        m = _meta(t)
        if m.hooks is None:
            m.hooks = {}
        hooks = m.hooks
    else:
        node = t.grad_fn
        if node._pre_hooks is None:
            node._pre_hooks = {}
        nr = 0 if t._meta is None else t._meta.output_nr
        hooks = node._pre_hooks.setdefault(nr, {})
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def retain_grad(t):
    """Keep the gradient of a non-leaf tensor in its `.grad` (leaves do that anyway)."""
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None or _meta(t).retains_grad:
        return
    _meta(t).retains_grad = True

    def keep(g):
        if t._grad is None:
            t._grad = g if _state.enabled else _wrap(g._data.copy(order="C"))
        else:
            t._grad = t._grad + g
    register_hook(t, keep)
