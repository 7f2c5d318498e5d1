"""Gradients of the view, join and indexing ops (dlcore/ops/shape.py, indexing.py), against PyTorch.

Each check builds the same leaves in both libraries, runs the op, backpropagates the same random
upstream gradient and compares the outputs, the grad_fn names PyTorch prints (for several outputs,
each one's) and the leaf gradients. Property tests draw shapes, dims, chains of views on views,
basic and advanced indices (repeated indices and bool masks included) and broadcasting operands.
Then: second-order gradients, `x[index] = v` under autograd, in-place ops on views (refused with
PyTorch's message for views of leaves, rebasing the graph for views of non-leaves), and chapter 4's `w, b = params`."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore

torch = pytest.importorskip("torch")
from .oracle import comparable_message  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None)
DTYPES = [np.float32, np.float64]


# -- comparing with PyTorch ------------------------------------------------------------------------
def _names(result):
    if isinstance(result, (tuple, list)):
        return [_names(r) for r in result]
    return type(result.grad_fn).__name__ if result.grad_fn is not None else None


def _run(lib, fn, arrays, upstream):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    result = fn(lib, *leaves)
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    lib.autograd.backward(outputs, [lib.tensor(g) for g in upstream])
    return result, outputs, [t.grad for t in leaves]


def check(fn, *arrays, seed=0, values=True):
    """fn(lib, *leaves) in dlcore and torch: same grad_fn names, outputs (unless `values` is
    False: writes through repeated indices pick either value) and leaf gradients."""
    arrays = [np.asarray(a) for a in arrays]
    float32 = any(a.dtype == np.float32 for a in arrays)
    tol = dict(rtol=1e-4, atol=1e-5) if float32 else dict(rtol=1e-6, atol=1e-9)
    probe = fn(torch, *[torch.tensor(a) for a in arrays])
    probe = list(probe) if isinstance(probe, (tuple, list)) else [probe]
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(tuple(o.shape)).astype(str(o.dtype)[6:]) for o in probe]
    t_result, t_out, t_grads = _run(torch, fn, arrays, upstream)
    d_result, d_out, d_grads = _run(dlcore, fn, arrays, upstream)
    assert _names(d_result) == _names(t_result)
    for d, t in zip(d_out, t_out):
        assert tuple(d.shape) == tuple(t.shape)
        assert str(d.dtype)[7:] == str(t.dtype)[6:]
        if values:
            np.testing.assert_allclose(d.detach().cpu().numpy(), t.detach().cpu().numpy(), **tol)
    for d, t in zip(d_grads, t_grads):
        assert (d is None) == (t is None)
        if t is not None:
            assert tuple(d.shape) == tuple(t.shape) and str(d.dtype)[7:] == str(t.dtype)[6:]
            np.testing.assert_allclose(d.cpu().numpy(), t.cpu().numpy(), **tol)
    return _names(d_result)


def check_second_order(fn, *arrays):
    """Gradients of a gradient: d/dx of sum(grad**2), grad = d/dx sum(fn(x)**3) (create_graph)."""
    results = []
    for lib in (dlcore, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *leaves)
        grads = lib.autograd.grad((out * out * out).sum(), leaves, create_graph=True)
        total = sum((g * g).sum() for g in grads)
        second = lib.autograd.grad(total, leaves, allow_unused=True)
        results.append(([g.detach().cpu().numpy() for g in grads],
                        [None if g is None else g.cpu().numpy() for g in second]))
    (d_first, d_second), (t_first, t_second) = results
    for d, t in zip(d_first + d_second, t_first + t_second):
        assert (d is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(d, t, rtol=1e-6, atol=1e-9)


def _arrays(shapes, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _setitem(index, lib_index=None):
    """fn(lib, x, v): y = x * 1; y[index] = v (index may depend on lib: lib_index(lib))."""
    def fn(lib, x, v):
        y = x * 1
        y[lib_index(lib) if lib_index else index] = v
        return y
    return fn


# -- every op, at fixed shapes ---------------------------------------------------------------------
T = lambda lib, data: lib.tensor(data)   # noqa: E731  (an index tensor in either library)

CASES = [
    ("transpose", lambda L, x: x.transpose(0, -1), [(2, 3, 4)]),
    ("swapaxes", lambda L, x: x.swapaxes(1, 0), [(2, 3)]),
    ("t", lambda L, x: x.t(), [(3, 4)]),
    ("t of a vector", lambda L, x: x.t(), [(3,)]),
    ("adjoint", lambda L, x: x.adjoint(), [(2, 3, 4)]),
    ("permute", lambda L, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute tuple", lambda L, x: L.permute(x, (-1, 0, 1)), [(2, 3, 4)]),
    ("unsqueeze", lambda L, x: x.unsqueeze(-1), [(2, 3)]),
    ("squeeze", lambda L, x: x.squeeze(), [(2, 1, 3, 1)]),
    ("squeeze dim", lambda L, x: x.squeeze(1), [(2, 1, 3, 1)]),
    ("squeeze dim kept", lambda L, x: x.squeeze(0), [(2, 1, 3, 1)]),
    ("squeeze dims", lambda L, x: x.squeeze((1, -1)), [(2, 1, 3, 1)]),
    ("flatten", lambda L, x: x.flatten(), [(2, 3, 4)]),
    ("flatten part", lambda L, x: x.flatten(1), [(2, 3, 4)]),
    ("flatten copy", lambda L, x: x.transpose(0, 1).flatten(), [(2, 3, 4)]),
    ("flatten 0-d", lambda L, x: x.flatten(), [()]),
    ("unflatten", lambda L, x: x.unflatten(1, (2, -1)), [(2, 6)]),
    ("ravel", lambda L, x: x.mT.ravel(), [(2, 3)]),
    ("narrow", lambda L, x: x.narrow(1, 1, 2), [(2, 4)]),
    ("select", lambda L, x: x.select(-1, -2), [(2, 4)]),
    ("diagonal", lambda L, x: x.diagonal(), [(3, 4)]),
    ("diagonal offset dims", lambda L, x: x.diagonal(-1, 2, 0), [(3, 2, 4)]),
    ("diagonal empty", lambda L, x: x.diagonal(5), [(2, 3)]),
    ("movedim", lambda L, x: x.movedim((0, 1), (2, 0)), [(2, 3, 4)]),
    ("movedim 0-d", lambda L, x: x.movedim(0, -1), [()]),
    ("moveaxis", lambda L, x: x.moveaxis(0, 1), [(2, 3)]),
    ("T", lambda L, x: x.T, [(3, 4)]),
    ("mT", lambda L, x: x.mT, [(2, 3, 4)]),
    ("view", lambda L, x: x.view(3, -1), [(2, 3, 2)]),
    ("view_as", lambda L, x: x.view_as(L.zeros(4, 3)), [(3, 4)]),
    ("reshape view", lambda L, x: x.reshape(6, 2), [(3, 4)]),
    ("reshape copy", lambda L, x: x.t().reshape(12), [(3, 4)]),
    ("reshape_as", lambda L, x: x.t().reshape_as(L.zeros(2, 6)), [(3, 4)]),
    ("expand", lambda L, x: x.expand(2, 3, -1), [(3, 1)]),
    ("expand_as", lambda L, x: x.expand_as(L.zeros(2, 3, 4)), [(3, 1)]),
    ("broadcast_to", lambda L, x: L.broadcast_to(x, (2, 3)), [(3,)]),
    ("broadcast_tensors", lambda L, x, y: L.broadcast_tensors(x, y), [(3,), (2, 1)]),
    ("split", lambda L, x: x.split(2, 1), [(2, 5)]),
    ("split sizes", lambda L, x: x.split([1, 4], 1), [(2, 5)]),
    ("split_with_sizes", lambda L, x: x.split_with_sizes([3, 2]), [(5,)]),
    ("chunk", lambda L, x: x.chunk(3, 0), [(5, 2)]),
    ("tensor_split n", lambda L, x: x.tensor_split(3, 0), [(5, 2)]),
    ("tensor_split at", lambda L, x: x.tensor_split([1, 3], 1), [(2, 5)]),
    ("unbind", lambda L, x: x.unbind(1), [(2, 3)]),
    ("cat", lambda L, x, y: L.cat([x, y], 1), [(2, 3), (2, 2)]),
    ("cat legacy empty", lambda L, x, y: L.cat([x, y]), [(2, 3), (0,)]),
    ("concat", lambda L, x, y: L.concat((x, y), -1), [(2, 3), (2, 1)]),
    ("stack", lambda L, x, y: L.stack([x, y], 1), [(2, 3), (2, 3)]),
    ("hstack", lambda L, x, y: L.hstack([x, y]), [(3,), (2,)]),
    ("hstack 0-d", lambda L, x, y: L.hstack([x, y]), [(), ()]),
    ("vstack", lambda L, x, y: L.vstack([x, y]), [(3,), (2, 3)]),
    ("dstack", lambda L, x, y: L.dstack([x, y]), [(3,), (1, 3)]),
    ("column_stack", lambda L, x, y: L.column_stack([x, y]), [(3,), (3, 2)]),
    ("repeat", lambda L, x: x.repeat(2, 1, 3), [(2, 3)]),
    ("repeat same dims", lambda L, x: x.repeat(3, 2), [(2, 3)]),
    ("tile", lambda L, x: x.tile((2,)), [(2, 3)]),
    ("flip", lambda L, x: x.flip((0, 1)), [(2, 3)]),
    ("fliplr", lambda L, x: x.fliplr(), [(2, 3)]),
    ("flipud", lambda L, x: x.flipud(), [(2, 3)]),
    ("roll", lambda L, x: x.roll((1, -1), (0, 1)), [(2, 3)]),
    ("roll flat", lambda L, x: x.roll(2), [(2, 3)]),
    ("rot90", lambda L, x: x.rot90(3, (1, 0)), [(2, 3)]),
    ("rot90 twice", lambda L, x: x.rot90(2), [(2, 3)]),
    ("as_strided", lambda L, x: x.as_strided((2, 2), (1, 2), 1), [(2, 3)]),
    ("as_strided overlapping", lambda L, x: x.as_strided((3, 2), (1, 1)), [(2, 3)]),
    ("contiguous copy", lambda L, x: x.t().contiguous(), [(2, 3)]),
    ("clone", lambda L, x: x.clone(), [(2, 3)]),
    ("dlcore.clone", lambda L, x: L.clone(x.t()), [(2, 3)]),
    ("to", lambda L, x: x.to(L.float32), [(2, 3)]),
    ("double", lambda L, x: x.double(), [(2, 3)]),
    ("to copy", lambda L, x: x.to(x.dtype, copy=True), [(2, 3)]),
    ("type", lambda L, x: x.type(L.float64), [(2, 3)]),
    # t[index]
    ("x[i]", lambda L, x: x[1], [(2, 3)]),
    ("x[-i]", lambda L, x: x[-1, -2], [(2, 3)]),
    ("x[a:b]", lambda L, x: x[1:], [(3, 2)]),
    ("x[:]", lambda L, x: x[:], [(3, 2)]),
    ("x[:, :]", lambda L, x: x[:, :], [(3, 2)]),
    ("x[::2]", lambda L, x: x[::2], [(5, 2)]),
    ("x[None]", lambda L, x: x[None], [(2, 3)]),
    ("x[...]", lambda L, x: x[...], [(2, 3)]),
    ("x[()]", lambda L, x: x[()], [(2, 3)]),
    ("0-d x[...]", lambda L, x: x[...], [()]),
    ("x[i, None]", lambda L, x: x[0, None], [(2, 3)]),
    ("x[None, i]", lambda L, x: x[None, 0], [(2, 3)]),
    ("x[..., i]", lambda L, x: x[..., 0], [(2, 3)]),
    ("x[i, a:b]", lambda L, x: x[1, None, ..., ::2], [(2, 3, 5)]),
    ("x[0-d tensor]", lambda L, x: x[T(L, 1)], [(2, 3)]),
    ("x[list] repeated", lambda L, x: x[[0, 0, 1, 0]], [(2, 3)]),
    ("x[tensor]", lambda L, x: x[:, T(L, [[0, 1], [1, 1]])], [(2, 3, 4)]),
    ("x[mask]", lambda L, x: x[x > 0], [(4, 3)]),
    ("x[row mask]", lambda L, x: x[T(L, [True, False, True])], [(3, 2)]),
    ("x[True]", lambda L, x: x[True], [(2, 3)]),
    ("x[list, :, list]", lambda L, x: x[[0, 1, 1], :, [2, 2, 0]], [(2, 3, 4)]),
    ("x[i, list]", lambda L, x: x[0, [1, 2, 1]], [(2, 3)]),
    # gather, scatter and friends
    ("gather", lambda L, x: x.gather(1, T(L, [[0, 0, 2], [1, 1, 1]])), [(2, 3)]),
    ("scatter", lambda L, x, s: x.scatter(1, T(L, [[0, 2], [1, 0]]), s), [(2, 3), (2, 2)]),
    ("scatter value", lambda L, x: x.scatter(1, T(L, [[0, 2], [1, 0]]), 2.0), [(2, 3)]),
    ("scatter_add", lambda L, x, s: x.scatter_add(1, T(L, [[0, 0], [1, 0]]), s),
     [(2, 3), (2, 2)]),
    ("index_select", lambda L, x: x.index_select(1, T(L, [0, 2, 0])), [(2, 3)]),
    ("index_add", lambda L, x, s: x.index_add(0, T(L, [0, 0]), s, alpha=2), [(2, 3), (2, 3)]),
    ("index_fill", lambda L, x: x.index_fill(1, T(L, [0, 2]), -1.0), [(2, 3)]),
    ("index_fill tensor", lambda L, x, v: x.index_fill(1, T(L, [0, 2]), v), [(2, 3), ()]),
    ("index_copy", lambda L, x, s: x.index_copy(0, T(L, [1, 0]), s), [(2, 3), (2, 3)]),
    ("index_put", lambda L, x, v: x.index_put((T(L, [0, 1]),), v), [(2, 3), (3,)]),
    ("index_put accumulate", lambda L, x, v: L.index_put(
        x, (T(L, [0, 0]), T(L, [1, 1])), v, accumulate=True), [(2, 3), (2,)]),
    ("masked_fill", lambda L, x: x.masked_fill(T(L, [True, False, True]), 1.5), [(2, 3)]),
    ("masked_fill tensor", lambda L, x, v: x.masked_fill(T(L, [[True], [False]]), v),
     [(2, 3), ()]),
    ("masked_fill broadcast", lambda L, x: x.masked_fill(T(L, [[True], [False]]), 0.0), [(3,)]),
    ("masked_select", lambda L, x: x.masked_select(
        T(L, [[True, False, True], [False, False, True]])), [(3,)]),
    ("where", lambda L, x, y: L.where(x > 0, x, y), [(2, 3), (3,)]),
    ("where number", lambda L, x: L.where(x > 0, 1.0, x), [(2, 3)]),
    ("Tensor.where", lambda L, x, y: x.where(y > 0, y), [(3,), (2, 3)]),
    ("take", lambda L, x: x.take(T(L, [[0, 5], [5, -1]])), [(2, 3)]),
    ("take_along_dim", lambda L, x: x.take_along_dim(T(L, [[0], [2]]), 1), [(2, 3)]),
    ("take_along_dim broadcast", lambda L, x: L.take_along_dim(x, T(L, [[0, 1, 1]]), 0),
     [(2, 3)]),
    ("take_along_dim flat", lambda L, x: x.take_along_dim(T(L, [0, 5, 5])), [(2, 3)]),
    # t[index] = v (on a non-leaf)
    ("x[i] = v", _setitem(0), [(2, 3), (3,)]),
    ("x[i, j] = v", _setitem((1, 2)), [(2, 3), ()]),
    ("x[:, a:] = v", _setitem((slice(None), slice(1, None))), [(2, 3), (1, 2)]),
    ("x[list] = v", _setitem([0, 1]), [(2, 3), (3,)]),
    ("x[mask] = v", _setitem(None, lambda L: T(L, [[True, False, True], [False, False, True]])),
     [(2, 3), ()]),
    ("x[...] = v", _setitem(Ellipsis), [(2, 3), (3,)]),
    ("x[:] = 0-d", _setitem(slice(None)), [(2, 3), ()]),
    ("x[i, list] = v", _setitem((0, [1, 2])), [(2, 3), (2,)]),
    ("x[:, list] = v", _setitem((slice(None), [1, 2])), [(2, 3), (2,)]),
    ("x[None, list] = v", _setitem((None, [1, 0])), [(2, 3), (3,)]),
    ("x[True] = v", _setitem(True), [(2, 3), (3,)]),
    ("x[i] = number", lambda L, x: _setitem(1)(L, x, 7.0), [(2, 3)]),
    ("x[list] = number", lambda L, x: _setitem([1])(L, x, 7.0), [(2, 3)]),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name, fn, shapes", CASES, ids=[c[0] for c in CASES])
def test_gradients_and_node_names_match_torch(name, fn, shapes, dtype):
    check(fn, *_arrays(shapes, dtype))


def test_promoted_joins_cast_each_gradient_back():
    x, y = _arrays([(2, 3), (1, 3)], np.float32)
    check(lambda L, a, b: L.cat([a, b.double()]), x, y)
    check(lambda L, a, b: L.where(a > 0, a, b.double()), x, y)
    check(lambda L, a, b: L.stack([a[0], b[0].double()]), x, y)


def test_int_conversions_and_view_dtype_record_nothing():
    x = dlcore.ones(2, 3, requires_grad=True)
    for y in (x.to(dlcore.int64), x.long(), x.view(dlcore.int32), x.view(dlcore.float32),
              x.contiguous(), x.to(dlcore.float32), x.flatten(1, 1)):
        assert y.grad_fn is None
    assert x.view(dlcore.int32).requires_grad is False
    assert x.contiguous() is x and x.flatten(1, 1) is x


def test_scatter_with_reduce_has_no_derivative():
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        y = x.scatter(1, lib.tensor([[0], [1]]), 2.0, reduce="add")
        assert type(y.grad_fn).__name__ == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()


# -- generated shapes, dims and chains of views ----------------------------------------------------
_shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


def _view_step(data, shape):
    """One view (or view-like) op that fits `shape`, as (description, fn(lib, t))."""
    nd = len(shape)
    dim = data.draw(st.integers(-nd, nd - 1), label="dim")
    d = dim % nd
    kind = data.draw(st.sampled_from([
        "transpose", "permute", "unsqueeze", "squeeze", "select", "narrow", "movedim", "flatten",
        "unflatten", "split", "chunk", "tensor_split", "unbind", "expand", "slice", "T", "mT",
        "reshape", "flip", "roll", "repeat", "contiguous"]), label="op")
    n = shape[d]
    if n == 0 and kind in ("select", "unbind", "narrow"):
        kind = "flip"                              # nothing to pick from an empty dim
    if kind == "transpose":
        other = data.draw(st.integers(-nd, nd - 1))
        return lambda L, t: t.transpose(dim, other)
    if kind == "permute":
        order = data.draw(st.permutations(range(nd)))
        return lambda L, t: t.permute(*order)
    if kind == "unsqueeze":
        at = data.draw(st.integers(-nd - 1, nd))
        return lambda L, t: t.unsqueeze(at)
    if kind == "squeeze":
        return data.draw(st.sampled_from([lambda L, t: t.squeeze(), lambda L, t: t.squeeze(dim)]))
    if kind == "select":
        i = data.draw(st.integers(-n, n - 1))
        return lambda L, t: t.select(dim, i)
    if kind == "narrow":
        start = data.draw(st.integers(0, n - 1))
        length = data.draw(st.integers(0, n - start))
        return lambda L, t: t.narrow(dim, start, length)
    if kind == "movedim":
        to = data.draw(st.integers(-nd, nd - 1))
        return lambda L, t: t.movedim(dim, to)
    if kind == "flatten":
        end = data.draw(st.integers(d, nd - 1))
        return lambda L, t: t.flatten(d, end)
    if kind == "unflatten":
        return lambda L, t: t.unflatten(dim, (1, n, 1))
    if kind in ("split", "chunk", "tensor_split"):
        k = data.draw(st.integers(1, n + 1))
        pick = data.draw(st.integers(0, 10))
        method = {"split": "split", "chunk": "chunk", "tensor_split": "tensor_split"}[kind]
        return lambda L, t: (lambda parts: parts[pick % len(parts)])(getattr(t, method)(k, dim))
    if kind == "unbind":
        i = data.draw(st.integers(0, n - 1))
        return lambda L, t: t.unbind(dim)[i]
    if kind == "expand":
        lead = data.draw(st.integers(0, 2))
        sizes = (2,) * lead + tuple(3 if s == 1 else -1 for s in shape)
        return lambda L, t: t.expand(*sizes)
    if kind == "slice":
        start = data.draw(st.integers(-n - 1, n + 1))
        step = data.draw(st.integers(1, 3))
        key = (slice(None),) * d + (slice(start, None, step),)
        return lambda L, t: t[key]
    if kind == "T":
        return lambda L, t: t.permute(*range(nd - 1, -1, -1))      # Tensor.T, minus the warning
    if kind == "mT":
        return lambda L, t: t.mT if t.dim() >= 2 else t.t()
    if kind == "reshape":
        return lambda L, t: t.reshape(-1)
    if kind == "flip":
        return lambda L, t: t.flip(dim)
    if kind == "roll":
        shift = data.draw(st.integers(-5, 5))
        return lambda L, t: t.roll(shift, dim)
    if kind == "repeat":
        reps = data.draw(st.lists(st.integers(1, 2), min_size=nd, max_size=nd + 1))
        return lambda L, t: t.repeat(*reps)
    return lambda L, t: t.contiguous()


def _view_chain(data, shape):
    """Up to three view steps, each drawn to fit the shape the previous one left: (chain(lib, t),
    the number of steps, the chain applied to zeros of `shape` in dlcore)."""
    steps = []
    probe = dlcore.zeros(shape)
    for _ in range(data.draw(st.integers(1, 3), label="steps")):
        if probe.dim() == 0:
            break
        step = _view_step(data, tuple(probe.shape))
        probe = step(dlcore, probe)
        steps.append(step)

    def chain(L, x):
        for step in steps:
            x = step(L, x)
        return x
    return chain, len(steps), probe


@SETTINGS
@given(shape=_shapes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_chains_of_views_match_torch(shape, dtype, data):
    """Views of views of views (each step drawn to fit the shape the previous one left)."""
    chain, n_steps, _ = _view_chain(data, shape)
    check(chain, *_arrays([shape], dtype, seed=n_steps))


@st.composite
def _index_items(draw, shape):
    """A t[index] for `shape`: ints, slices, None, `...`, and at most one kind of advanced item
    (int lists with repeats, all the same length; or one bool mask), as specs for either lib."""
    items, dim, nd = [], 0, len(shape)
    advanced = draw(st.sampled_from([None, "list", "mask"]))
    list_len = draw(st.integers(1, 4))
    used_mask = used_ellipsis = False
    while dim < nd and draw(st.integers(0, 3)):
        n = shape[dim]
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "adv"]))
        if kind == "int":
            items.append(("int", draw(st.integers(-n, n - 1))))
        elif kind == "slice":
            items.append(("slice", draw(st.one_of(st.none(), st.integers(-n - 1, n))),
                          draw(st.one_of(st.none(), st.integers(-n - 1, n + 1))),
                          draw(st.sampled_from([None, 1, 2]))))
        elif kind == "none":
            items.append(("none",))
            continue
        elif kind == "ellipsis" and not used_ellipsis:
            used_ellipsis = True
            items.append(("ellipsis",))
            break                   # the rest of the dims are left whole
        elif kind == "adv" and advanced == "list":
            items.append(("list", draw(st.lists(st.integers(-n, n - 1), min_size=list_len,
                                                max_size=list_len))))
        elif kind == "adv" and advanced == "mask" and not used_mask:
            used_mask = True
            span = draw(st.integers(1, nd - dim))
            mask_shape = shape[dim:dim + span]
            items.append(("mask", draw(st.lists(st.booleans(), min_size=int(np.prod(mask_shape)),
                                                max_size=int(np.prod(mask_shape)))), mask_shape))
            dim += span
            continue
        else:
            items.append(("slice", None, None, None))
        dim += 1
    return items


def _index(lib, items):
    out = []
    for item in items:
        kind = item[0]
        if kind == "int":
            out.append(item[1])
        elif kind == "slice":
            out.append(slice(*item[1:]))
        elif kind == "none":
            out.append(None)
        elif kind == "ellipsis":
            out.append(Ellipsis)
        elif kind == "list":
            out.append(lib.tensor(item[1]))
        else:
            out.append(lib.tensor(np.array(item[1], bool).reshape(item[2])))
    return tuple(out)


@SETTINGS
@given(shape=_shapes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_getitem_over_generated_indices_matches_torch(shape, dtype, data):
    items = data.draw(_index_items(shape), label="index")
    check(lambda L, x: x[_index(L, items)], *_arrays([shape], dtype))
    if len(items) == 1 and items[0][0] == "slice":
        check(lambda L, x: x[_index(L, items)[0]], *_arrays([shape], dtype))     # a lone slice


@SETTINGS
@given(shape=_shapes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_setitem_over_generated_indices_matches_torch(shape, dtype, data):
    items = data.draw(_index_items(shape), label="index")
    region = dlcore.zeros(shape)[_index(dlcore, items)].shape
    # the value: the region's shape, or one it broadcasts from (fewer dims, size-1 dims), or 0-d
    value_shape = data.draw(st.sampled_from([
        tuple(region), tuple(region)[1:], tuple(1 if s and k % 2 else s for k, s in
                                               enumerate(region)), (1,) + tuple(region), ()]))
    # (an element written twice through repeated indices may keep either value)
    repeats = any(item[0] == "list" and len(item[1]) > 1 for item in items)
    x, v = _arrays([shape, value_shape], dtype)
    check(lambda L, x, v: _setitem(None, lambda L: _index(L, items))(L, x, v), x, v,
          values=not repeats)


@SETTINGS
@given(data=st.data(), dtype=st.sampled_from(DTYPES))
def test_joins_over_generated_shapes_match_torch(data, dtype):
    shape = data.draw(_shapes, label="shape")
    nd = len(shape)
    d = data.draw(st.integers(0, nd - 1))
    count = data.draw(st.integers(1, 4))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
    shapes = [shape[:d] + (n,) + shape[d + 1:] for n in sizes]
    arrays = _arrays(shapes, dtype)
    check(lambda L, *ts: L.cat(ts, d - nd), *arrays)
    check(lambda L, *ts: L.stack(ts, -1), *_arrays([shape] * count, dtype))
    if nd <= 2:
        check(lambda L, *ts: L.hstack(ts), *_arrays([shape] * count, dtype))
        check(lambda L, *ts: L.vstack(ts), *_arrays([shape] * count, dtype))
    total = shape[d]
    cuts = sorted(data.draw(st.lists(st.integers(0, total), max_size=3)))
    check(lambda L, x: x.split([b - a for a, b in zip([0] + cuts, cuts + [total])], d),
          *_arrays([shape], dtype))


@SETTINGS
@given(shape=_shapes, dtype=st.sampled_from(DTYPES), data=st.data())
def test_gather_scatter_family_over_generated_indices_matches_torch(shape, dtype, data):
    nd = len(shape)
    d = data.draw(st.integers(-nd, nd - 1), label="dim")
    n = shape[d]
    # an index no larger than the input elsewhere, any size (repeats welcome) along dim
    index_shape = tuple(data.draw(st.integers(1, 4) if k == d % nd else st.integers(1, s))
                        for k, s in enumerate(shape))
    index = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=int(np.prod(index_shape)),
                                        max_size=int(np.prod(index_shape))))).reshape(index_shape)
    x, src = _arrays([shape, index_shape], dtype)
    I = lambda L: L.tensor(index)                # noqa: E731
    check(lambda L, x: x.gather(d, I(L)), x)
    check(lambda L, x, s: x.scatter_add(d, I(L), s), x, src)
    check(lambda L, x, s: x.scatter(d, I(L), s), x, src, values=False)
    check(lambda L, x: x.scatter(d, I(L), 0.5), x)
    # take_along_dim broadcasts index and input against each other (but along dim)
    along = index[tuple(slice(0, 1) if k != d % nd and s != shape[k] else slice(None)
                        for k, s in enumerate(index_shape))]
    check(lambda L, x: L.take_along_dim(x, L.tensor(along), d), x)
    flat = np.array(data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6)))
    F = lambda L: L.tensor(flat)                 # noqa: E731
    check(lambda L, x: x.index_select(d, F(L) % n), x)
    check(lambda L, x: x.take(F(L)), x)
    check(lambda L, x: x.index_fill(d, F(L), -2.0), x)
    source = _arrays([shape[:d % nd] + (len(flat),) + shape[d % nd + 1:]], dtype)[0]
    check(lambda L, x, s: x.index_add(d, F(L) % n, s), x, source)
    check(lambda L, x, s: x.index_copy(d, L.arange(len(flat)) % n, s), x, source,
          values=len(flat) <= n)


_small_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@SETTINGS
@given(data=st.data(), dtypes=st.sampled_from([(np.float32, np.float32),
                                                (np.float64, np.float64),
                                                (np.float32, np.float64)]))
def test_where_and_masks_over_broadcast_shapes_match_torch(data, dtypes):
    shape = data.draw(_small_shapes, label="shape")
    # shapes that broadcast to `shape`: some dims dropped from the front or set to 1
    sub = st.integers(0, len(shape)).flatmap(lambda k: st.tuples(*[
        st.sampled_from([s, 1]) for s in shape[k:]]))
    c_shape, x_shape, y_shape = data.draw(sub), data.draw(sub), data.draw(sub)
    cond = np.array(data.draw(st.lists(st.booleans(), min_size=int(np.prod(c_shape)),
                                       max_size=int(np.prod(c_shape))))).reshape(c_shape)
    x = _arrays([x_shape], dtypes[0])[0]
    y = _arrays([y_shape], dtypes[1], seed=1)[0]
    C = lambda L: L.tensor(cond)                 # noqa: E731
    check(lambda L, x, y: L.where(C(L), x, y), x, y)
    check(lambda L, x: L.where(C(L), x, 0.0), x)
    check(lambda L, x: x.masked_fill(C(L), 3.0), x)
    check(lambda L, x: x.masked_select(C(L)), x)
    check(lambda L, x, v: x.masked_fill(C(L), v), x, np.asarray(y.reshape(-1)[0]))


# -- second order ----------------------------------------------------------------------------------
SECOND_ORDER = [
    ("select", lambda L, x: x.select(1, 2), [(2, 3)]),
    ("x[i, a:b]", lambda L, x: x[0, 1:], [(2, 3)]),
    ("x[repeated]", lambda L, x: x[[0, 0, 1]], [(2, 3)]),
    ("x[mask]", lambda L, x: x[x > 0], [(2, 3)]),
    ("cat", lambda L, x, y: L.cat([x, y * 2]), [(2, 3), (1, 3)]),
    ("where", lambda L, x, y: L.where(x > 0, x * y, y), [(2, 3), (2, 3)]),
    ("gather", lambda L, x: x.gather(1, L.tensor([[0, 0], [2, 1]])), [(2, 3)]),
    ("index_select", lambda L, x: x.index_select(0, L.tensor([1, 1, 0])), [(2, 3)]),
    ("take", lambda L, x: x.take(L.tensor([1, 1, 0])), [(2, 3)]),
    ("split", lambda L, x: x.split(2)[1], [(5, 3)]),
    ("unbind", lambda L, x: x.unbind(1)[0] * x[:, 1], [(2, 3)]),
    ("repeat", lambda L, x: x.repeat(2, 2), [(2, 3)]),
    ("masked_fill", lambda L, x: x.masked_fill(x > 0, 0.5), [(2, 3)]),
    ("scatter", lambda L, x, s: x.scatter(1, L.tensor([[0], [2]]), s), [(2, 3), (2, 1)]),
    ("x[i, list] = v", _setitem((0, [1, 2])), [(2, 3), (2,)]),
    ("x[list] = v", _setitem([1, 0]), [(2, 3), (3,)]),
    ("as_strided", lambda L, x: x.as_strided((2, 2), (1, 2)), [(2, 3)]),
    ("masked_select", lambda L, x: x.masked_select(x > 0), [(2, 3)]),
]


@pytest.mark.parametrize("name, fn, shapes", SECOND_ORDER, ids=[c[0] for c in SECOND_ORDER])
def test_second_order_gradients_match_torch(name, fn, shapes):
    check_second_order(fn, *_arrays(shapes, np.float64))


def test_the_gradient_of_an_index_is_a_differentiable_scatter_add():
    for lib in (dlcore, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad((x[[0, 0, 1]] ** 2).sum(), x, create_graph=True)
        assert type(g.grad_fn).__name__ == "IndexPutImplBackward0"
        assert g.tolist() == [4.0, 4.0, 0.0, 0.0]       # 2 * x[0], twice: repeats add up
        gg, = lib.autograd.grad(g.sum(), x)
        assert gg.tolist() == [4.0, 2.0, 0.0, 0.0]


# -- graph structure -------------------------------------------------------------------------------
def _chain(t):
    """grad_fn names along the first edges, down to the leaf."""
    names, fn = [], t.grad_fn
    while fn is not None:
        names.append(type(fn).__name__)
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return names


@pytest.mark.parametrize("expression", [
    "x[0, 1:]", "x[None, 0]", "x[0][1]", "x[0, [1, 0]]", "x[1:, [0, 2]]", "x[None, ..., :2]",
    "x.t().reshape(-1)",
    "x.mT.ravel()", "x.T.flatten()", "lib.take_along_dim(x, lib.tensor([0, 5]))",
    "x.chunk(2, 1)[1]", "x.tensor_split(2, 1)[0]", "lib.vstack([x[0], x[1]])"])
def test_chains_of_nodes_are_torch_chains(expression):
    chains = []
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        chains.append(_chain(eval(expression, {"x": x, "lib": lib})))
    assert chains[0] == chains[1]


@pytest.mark.parametrize("index, value", [
    (0, 5.0), ((0, 1), 5.0), ([0, 1], 3.0), ((0, [1, 2]), "v2"), ((slice(None), [1, 2]), "v2"),
    (Ellipsis, "v3"), (Ellipsis, 2.0), ((slice(1, None), [0, 1]), "v2"), ((None, 0), "v3")])
def test_setitem_node_and_next_functions_match_torch(index, value):
    seen = []
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        v = {"v2": lib.ones(2, requires_grad=True), "v3": lib.ones(3, requires_grad=True)}
        y = x * 2
        y[index] = v.get(value, value)
        seen.append((type(y.grad_fn).__name__,
                     [type(f).__name__ if f is not None else None
                      for f, _ in y.grad_fn.next_functions][:1]))
    assert seen[0] == seen[1]


def test_setitem_records_into_a_tensor_that_did_not_require_grad():
    for lib in (dlcore, torch):
        z = lib.zeros(2, 3)
        v = lib.ones(3, requires_grad=True)
        z[1] = v * 2
        assert z.requires_grad and type(z.grad_fn).__name__ == "CopySlices"
        z.sum().backward()
        assert v.grad.tolist() == [2.0, 2.0, 2.0]


# -- in-place ops on views and non-leaves ----------------------------------------------------------
_VIEW_OF_LEAF = ("a view of a leaf Variable that requires grad is being used in an in-place "
                 "operation.")


@pytest.mark.parametrize("expression", [
    "x[0].mul_(2)", "x.view(6).add_(1)", "x.reshape(6).add_(1)", "x.t().add_(1)",
    "x[:, 1:].zero_()", "x.transpose(0, 1)[0].add_(1)", "x.squeeze().exp_()",
    "x.narrow(1, 0, 2).fill_(0)", "x[...].masked_fill_(x > 0, 0.)", "x.unsqueeze(0)[0, 0] += 1"])
def test_in_place_on_a_view_of_a_leaf_is_refused_as_in_torch(expression):
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            exec(expression, {"x": x})
        assert str(info.value) == _VIEW_OF_LEAF


_THROUGH_VIEWS = [
    "v = y[1:]; v.mul_(2)", "v = y[0]; v.add_(s)", "v = y.t(); v.exp_()",
    "v1 = y.unsqueeze(0); v2 = v1[0, :, 1:]; v2.mul_(s[:2])", "y[0].mul_(s)",
    "v = y[:, 1]; v[0] = s[0]", "v = y.view(6); v[::2] += 1", "y[:, 0] -= s[:2]",
    "v = y.diagonal(); v.zero_()", "v = y.t().reshape(6); v.div_(s.sum())",
    "y.zero_()", "y.fill_(3.0)", "y.fill_(s[0])", "y.copy_(s)", "y.copy_(s.double())",
    "y[0].copy_(s)", "y[:, 1].fill_(s[2])", "y.t().zero_()", "y[1].copy_(s[:1])",
    "v = y.diagonal(1); v.clamp_(max=s[1])"]


@pytest.mark.parametrize("code", _THROUGH_VIEWS)
def test_in_place_on_views_of_a_non_leaf_rebases_the_graph_as_in_torch(code):
    """The base takes a CopySlices node and the views become AsStridedBackward0 views of it (the
    ones between the written view and the base included); zero_/fill_/copy_ are differentiable."""
    def run(lib):
        x = lib.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        s = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        scope = {"x": x, "s": s, "y": x * 3}
        exec(code, scope)
        y = scope["y"]
        (y * (lib.arange(6.0).reshape(2, 3) + 1)).sum().backward()
        names = {k: type(v.grad_fn).__name__ for k, v in scope.items() if k[0] in "vy"}
        return names, [y, x.grad, s.grad]
    (names, ours), (torch_names, theirs) = run(dlcore), run(torch)
    assert names == torch_names
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("code", ["y.mul_(y)", "v = y[0]; v.mul_(v)", "y[0].mul_(y[1])"])
def test_an_in_place_op_reading_what_it_writes_fails_in_backward_as_in_torch(code):
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        scope = {"y": x * 1}
        exec(code, scope)
        with pytest.raises(RuntimeError, match="^one of the variables needed for gradient "
                                               "computation has been modified by an inplace"):
            scope["y"].sum().backward()


def test_in_place_writes_on_a_non_leaf_through_setitem_and_index_ops_match_torch():
    def run(lib, op):
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        s = lib.ones(2, 3, requires_grad=True)
        y = x * 1
        op(lib, y, s)
        (y * y).sum().backward()
        s_grad = None if s.grad is None else s.grad.tolist()
        return type(y.grad_fn).__name__, x.grad.tolist(), s_grad

    ops = [
        lambda L, y, s: y.__setitem__((0, 1), s[0, 0]),
        lambda L, y, s: y.__setitem__([1, 1], s[0]),
        lambda L, y, s: y.masked_fill_(y > 2, 0.0),
        lambda L, y, s: y.masked_fill_(y > 2, s[0, 0]),
        lambda L, y, s: y.scatter_(1, L.tensor([[2], [0]]), s[:, :1]),
        lambda L, y, s: y.scatter_(1, L.tensor([[2], [0]]), 9.0),
        lambda L, y, s: y.scatter_add_(0, L.tensor([[1, 1, 1]]), s[:1]),
        lambda L, y, s: y.index_add_(0, L.tensor([1, 1]), s),
        lambda L, y, s: y.index_fill_(1, L.tensor([1]), 3.0),
        lambda L, y, s: y.index_copy_(0, L.tensor([1, 0]), s),
        lambda L, y, s: y.index_put_((L.tensor([0, 0]), L.tensor([1, 1])), s[0, :2],
                                     accumulate=True),
    ]
    for op in ops:
        assert run(dlcore, op) == run(torch, op)


_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."


def _setitem_error(lib, index):
    x = lib.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x[index] = 1.0
    return str(info.value)


@pytest.mark.parametrize("index, message", [
    ([0], _LEAF), ((slice(None), [1]), _LEAF), ([True, False], _LEAF),
    (0, _VIEW_OF_LEAF), (None, _VIEW_OF_LEAF), (True, _VIEW_OF_LEAF), ((1, 2), _VIEW_OF_LEAF)])
def test_setitem_on_a_leaf_is_refused_naming_the_view_if_any(index, message):
    # PyTorch writes x[0] = v through a view of x (select), x[[0]] = v into x itself
    assert _setitem_error(torch, index) == message
    assert _setitem_error(dlcore, index) == message


@pytest.mark.parametrize("index, message", [
    (Ellipsis, _LEAF), (slice(None), _LEAF), ((slice(None), slice(0, 3)), _LEAF),
    (slice(0, 9), _LEAF), ((0, [1]), _VIEW_OF_LEAF), ((slice(1, None), [0]), _VIEW_OF_LEAF)])
def test_setitem_on_a_leaf_names_the_view_only_when_one_is_taken(index, message):
    assert _setitem_error(torch, index) == message
    assert _setitem_error(dlcore, index) == message


def test_in_place_on_an_output_of_unbind_or_split_gives_torchs_message():
    for lib in (dlcore, torch):
        x = lib.ones(2, 3, requires_grad=True)
        a, b = x
        with pytest.raises(RuntimeError, match="^Output 0 of UnbindBackward0 is a view|^Output 0 "
                                               "of Unbind is a view"):
            a.add_(1)
        y = x * 1
        with pytest.raises(RuntimeError, match="^Output 1 of Split(Backward0)? is a view and is "
                                               "being modified inplace"):
            y.split(1)[1].mul_(2)


def test_writes_through_a_view_decide_the_node_as_in_torch():
    from dlcore.ops.indexing import _writes_through_view
    x = dlcore.ones(2, 3)
    through = [0, (0, [1]), None, True, (slice(1, None), [0]), dlcore.tensor(1), slice(1, 2)]
    whole = [Ellipsis, slice(None), (slice(0, 2), [1]), [0], [True, False], slice(0, 9)]
    assert all(_writes_through_view(x, i) for i in through)
    assert not any(_writes_through_view(x, i) for i in whole)


# -- chapter 4: params unpacked into w and b -------------------------------------------------------
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


@pytest.mark.parametrize("unpack", ["w, b = params", "w, b = params[0], params[1]",
                                    "w, b = params.unbind()", "w, b = params.split(1)"])
def test_chapter4_parameters_unpacked_give_the_thermometer_gradient(unpack):
    results = []
    for lib in (dlcore, torch):
        params = lib.tensor([1.0, 0.0], requires_grad=True)
        scope = {"params": params}
        exec(unpack, scope)
        w, b = scope["w"], scope["b"]
        t_p = w * lib.tensor(T_U) + b
        loss = ((t_p - lib.tensor(T_C)) ** 2).mean()
        loss.backward()
        results.append((_names([w, b]), params.grad.tolist()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], [4517.2969, 82.6000], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_unpacked_parameters_name_their_nodes_like_torch():
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    w, b = params
    assert repr(w.grad_fn).startswith("<UnbindBackward0 object at 0x")
    assert repr(params[0].grad_fn).startswith("<SelectBackward0 object at 0x")
    assert str(w) == "tensor(1., grad_fn=<UnbindBackward0>)"
    assert str(params[1]) == "tensor(0., grad_fn=<SelectBackward0>)"


@pytest.mark.parametrize("code", [
    "with lib.no_grad(): v = y[0]\nv.mul_(3)",
    "with lib.no_grad(): v = x[0]\nv.mul_(3)",
    "with lib.no_grad(): v = x[0]; v.mul_(3)",
    "with lib.no_grad(): u = y.view(4)\nu2 = u[1:]\nu2.add_(1)",
    "with lib.no_grad(): u = y.t()\nu.add_(1)",
    "with lib.no_grad(): u = y[:, 0]\nu.add_(1)",
    "with lib.no_grad(): u = y.unsqueeze(0)\nu[0, 0].add_(1)",
    "with lib.no_grad(): a, b = y\na.mul_(2)",
    "with lib.no_grad(): v = y[0]\nw = v * 2\nw.mul_(3)",
    "with lib.no_grad(): v = y[[0]]\nv.mul_(3)",
    "a, b = y\na.mul_(2)", "a, b = y\na[0].mul_(2)", "a, b = y\nc = a[:1]\nc[0].mul_(2)"])
def test_in_place_on_views_made_without_grad_or_of_several_views_as_in_torch(code):
    """A view made under no_grad (or a view of one) may not change in place with grad mode on,
    nor a view of one of unbind's outputs: the same refusals (and the same allowed cases, with
    the same gradients) as PyTorch's."""
    def run(lib):
        x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        scope = {"x": x, "y": x * 2, "lib": lib}
        try:
            exec(code, scope)
            (scope["y"] * scope["y"]).sum().backward()
            return "ok", x.grad.tolist()
        except RuntimeError as error:
            return "error", comparable_message(error)
    assert run(dlcore) == run(torch)


@pytest.mark.parametrize("code", ["y = x * 2; x.data.add_(1)", "y = x * c; x.data.add_(1)",
                                  "y = x * c; c.add_(1)", "y = c * x; c.add_(1)"])
def test_a_product_checks_only_the_factor_its_gradient_reads(code):
    """x * c reads c for x's gradient and x only for c's: changing x in place afterwards is
    fine when c takes no gradient (as in PyTorch), changing c is not."""
    results = []
    for lib in (dlcore, torch):
        x, c = lib.ones(3, requires_grad=True), lib.ones(3)
        scope = {"x": x, "c": c}
        exec(code, scope)
        try:
            scope["y"].sum().backward()
            results.append(x.grad.tolist())
        except RuntimeError as error:
            results.append(str(error).split(":")[0])
    assert results[0] == results[1]


@pytest.mark.parametrize("code", [
    "out = lib.zeros(3); v = out[1:]; v.add_(w)", "out = lib.zeros(2, 2); out.t()[0].copy_(w)",
    "out = lib.zeros(2, 2); out[0].mul_(w)", "out = lib.zeros(2, 2); out[:, 1] += w",
    "out = lib.zeros(2, 2); v = out.view(4); v[1:3].copy_(w * 3)",
    "out = lib.zeros(2, 2); out[0] = w"])
def test_writing_a_gradient_into_a_view_of_a_plain_tensor_brings_the_base_into_the_graph(code):
    """`out[0].copy_(w)` with w requiring grad: `out` itself takes a CopySlices node (as in
    PyTorch), so the gradient reaches w through it."""
    def run(lib):
        w = lib.tensor([1., 2.], requires_grad=True)
        scope = {"w": w, "lib": lib}
        exec(code, scope)
        out = scope["out"]
        (out * (lib.arange(float(out.numel())).reshape(out.shape) + 1)).sum().backward()
        return out.tolist(), type(out.grad_fn).__name__, w.grad.tolist()
    assert run(dlcore) == run(torch)


def test_a_view_knows_its_base_as_in_torch():
    for lib in (dlcore, torch):
        x = lib.arange(6.0).reshape(2, 3)
        assert x[0]._base is x._base is not None and x[0][1:]._base is x._base
        base = lib.zeros(4)
        assert base[1:]._base is base and base.t()._base is base and base._base is None
        assert base.detach()._base is None and base.data._base is None
        assert base.clone()._base is None


@pytest.mark.parametrize("code", [
    "y = x * 2; a = y[:, 0]; y[0].mul_(3); r = a * lib.tensor([1., 10.])",
    "y = x * 2; a = y[:, 0]; y.mul_(3); r = a",
    "y = x * 2; a = y[:, 0]; b = y[0]; b.add_(1); r = a * a",
    "y = x * 2; a = y.t(); y[1, 0] = 7.0; r = a * a",
    "y = x * 2; u, a = y.unbind(1); y[0].mul_(3); r = u * 1",
    "y = x * 2; a = y[0]; y[1].mul_(3); r = a * 1",
    "y = x * 2; a = y[0]; y.detach_(); r = a * 1"])
def test_a_view_taken_before_its_base_changed_in_place_follows_the_change(code):
    """A view made before its base (or another view of it) changed in place is read from the
    base anew when next used (AsStridedBackward0), so its gradient sees the change, as in
    PyTorch; one of unbind's outputs may not be, with PyTorch's error."""
    def run(lib):
        x = lib.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        scope = {"x": x, "lib": lib}
        try:
            exec(code, scope)
            scope["r"].sum().backward()
        except RuntimeError as error:
            return comparable_message(error)
        return scope["r"].tolist(), x.grad.tolist(), type(scope["a"].grad_fn).__name__
    assert run(dlcore) == run(torch)


@SETTINGS
@given(shape=_shapes, data=st.data(), op=st.sampled_from(["mul_", "add_", "zero_", "copy_",
                                                          "exp_", "setitem"]))
def test_in_place_ops_at_the_end_of_chains_of_views_match_torch(shape, data, op):
    """A random chain of views of a non-leaf, then an in-place op on the last one: both libraries
    refuse it (an expanded view, one of unbind's outputs) or give the same values and the same
    gradients, for x and for the tensor written in."""
    chain, n_steps, probe = _view_chain(data, shape)
    x_values, = _arrays([shape], np.float64, seed=n_steps)
    s_values = np.linspace(0.5, 1.5, probe.numel()).reshape(tuple(probe.shape))
    w_values = np.arange(1.0, x_values.size + 1).reshape(shape)

    def run(lib):
        x = lib.tensor(x_values, requires_grad=True)
        s = lib.tensor(s_values, requires_grad=True)
        y = x * 1.5
        v = chain(lib, y)
        try:
            if op == "setitem":
                v[...] = s
            elif op in ("mul_", "add_", "copy_"):
                getattr(v, op)(s)
            else:
                getattr(v, op)()
            (y * lib.tensor(w_values)).sum().backward()
        except RuntimeError:
            return "refused"
        return (y.detach().cpu().numpy(), x.grad.cpu().numpy(),
                None if s.grad is None else s.grad.cpu().numpy())
    ours, theirs = run(dlcore), run(torch)
    # (torch's backward refuses a write that went into an expanded view, zero_ or fill_ of one:
    # elements sharing memory; dlcore gives the gradient, which is well defined there)
    expanded = any(step == 0 and n > 1 for n, step in zip(probe.shape, probe.stride()))
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs or expanded and op in ("zero_", "copy_", "setitem")
        return
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6)
