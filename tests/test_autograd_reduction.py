"""Gradients of reductions, scans, sorting and linear algebra, compared with PyTorch.

Each check builds the same leaves in both libraries, runs the op, backpropagates the same random
upstream gradient and compares the outputs, the grad_fn names PyTorch prints and the gradients.
Property tests draw shapes (0-d included), dims (int, tuple, negative, None), keepdim and data
with ties and zeros (drawn from a few small integers), and batch broadcasting for matmul."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import dlcore

torch = pytest.importorskip("torch")
from .oracle import skip_unless_mirrored  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None)
INF = float("inf")


# -- comparing with PyTorch ------------------------------------------------------------------------
def _leaves(lib, arrays, requires_grad):
    out = []
    for a, r in zip(arrays, requires_grad):
        if lib is torch:
            out.append(torch.tensor(a, requires_grad=r))
        else:
            out.append(dlcore.tensor(a, requires_grad=r))
    return out


def _float_outputs(result):
    items = result if isinstance(result, tuple) else (result,)
    return [r for r in items if r.dtype.is_floating_point]


def _run(lib, fn, arrays, requires_grad, upstream):
    leaves = _leaves(lib, arrays, requires_grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # var()'s degrees-of-freedom warning
        result = fn(lib, *leaves)
    outputs = _float_outputs(result)
    grads = [lib.tensor(g.reshape(tuple(o.shape))) for g, o in zip(upstream, outputs)]
    lib.autograd.backward(outputs, grads)
    names = [type(o.grad_fn).__name__ for o in outputs]
    return outputs, names, [t.grad for t in leaves]


def check(fn, *arrays, requires_grad=None, seed=0, rtol=None, atol=None):
    """fn(lib, *leaves) in dlcore and torch: same outputs, grad_fn names and leaf gradients."""
    arrays = [np.asarray(a) for a in arrays]
    requires_grad = requires_grad or [True] * len(arrays)
    float32 = any(a.dtype == np.float32 for a in arrays)
    rtol = rtol or (1e-4 if float32 else 1e-6)
    atol = atol or (1e-4 if float32 else 1e-8)
    # the upstream gradients, drawn once torch tells the output shapes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        probe = _float_outputs(fn(torch, *_leaves(torch, arrays, [False] * len(arrays))))
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(tuple(o.shape)).astype(str(o.dtype).replace("torch.", ""))
                for o in probe]
    try:
        t_out, t_names, t_grads = _run(torch, fn, arrays, requires_grad, upstream)
    except RuntimeError as error:
        skip_unless_mirrored(f"fails in its backward here ({error})")
        raise
    d_out, d_names, d_grads = _run(dlcore, fn, arrays, requires_grad, upstream)
    assert d_names == t_names
    for d, t in zip(d_out, t_out):
        assert tuple(d.shape) == tuple(t.shape)
        np.testing.assert_allclose(d.detach().cpu().numpy(), t.detach().cpu().numpy(), rtol=rtol, atol=atol,
                                   equal_nan=True)
    for d, t in zip(d_grads, t_grads):
        if t is None:
            assert d is None
            continue
        assert d is not None and str(d.dtype) == str(t.dtype).replace("torch", "dlcore")
        assert tuple(d.shape) == tuple(t.shape)
        np.testing.assert_allclose(d.cpu().numpy(), t.cpu().numpy(), rtol=rtol, atol=atol, equal_nan=True)


def check_second_order(fn, *arrays, seed=0):
    """d/dx of <grad of fn, v>, through create_graph=True, equals torch's."""
    results = []
    for lib in (torch, dlcore):
        leaves = _leaves(lib, arrays, [True] * len(arrays))
        out = fn(lib, *leaves)
        rng = np.random.default_rng(seed)
        g = lib.tensor(rng.standard_normal(tuple(out.shape)))
        grads = lib.autograd.grad(out, leaves, g, create_graph=True)
        v = [lib.tensor(rng.standard_normal(tuple(x.shape))) for x in leaves]
        total = sum((gi * vi).sum() for gi, vi in zip(grads, v) if gi.requires_grad)
        second = lib.autograd.grad(total, leaves, allow_unused=True)
        results.append([None if s is None else s.detach().cpu().numpy() for s in second])
    for t, d in zip(*results):
        if t is None or not np.any(t):
            assert d is None or not np.any(d)
        else:
            np.testing.assert_allclose(d, t, rtol=1e-6, atol=1e-9)


# -- strategies ------------------------------------------------------------------------------------
@st.composite
def arrays(draw, min_dims=0, max_dims=4, min_side=1, max_side=4, ties=False, dtype=None):
    """A float array: normal values, or (ties) small integers, so equal elements and zeros."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                                  max_side=max_side))
    dtype = dtype or draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if ties:
        return rng.integers(-2, 3, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@st.composite
def distinct(draw, min_dims=1, max_dims=3, max_side=5):
    """A float64 array of distinct values (sorting ops then agree on every index)."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1,
                                  max_side=max_side))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) / 4


@st.composite
def dims(draw, ndim, single=False):
    """None, one dim or a tuple of distinct dims (each maybe negative) of an ndim-dim tensor."""
    n = max(ndim, 1)
    pick = st.integers(0, n - 1).flatmap(lambda d: st.sampled_from([d, d - n]))
    if single:
        return draw(pick)
    chosen = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=n))
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(pick)
    return tuple(d - n if draw(st.booleans()) else d for d in chosen)


def _reduce(name, dim, keepdim, **kwargs):
    def fn(lib, x):
        if dim is None:
            return getattr(x, name)(**kwargs)
        return getattr(x, name)(dim, keepdim=keepdim, **kwargs)
    return fn


# -- sum, mean, sum_to_size ------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_sum_and_mean(data):
    x = data.draw(arrays())
    dim = data.draw(dims(x.ndim))
    keepdim = data.draw(st.booleans())
    for name in ("sum", "mean", "nansum"):
        check(_reduce(name, dim, keepdim), x)
    check(lambda lib, t: t.sum(dim, keepdim, dtype=lib.float64), x)


def test_sum_and_mean_special_dims():
    x = np.arange(24.0).reshape(2, 3, 4)
    check(lambda lib, t: t.sum(()), x)                       # an empty tuple reduces everything
    check(lambda lib, t: t.mean((0, -1), keepdim=True), x)
    check(lambda lib, t: t.sum(0), np.array(3.0))            # 0-d with dim 0
    check(lambda lib, t: lib.mean(t, -1, True), np.array(3.0))
    check(lambda lib, t: t.sum([1, 2]), x)
    check(lambda lib, t: t.sum(None), x)                     # dim given, even None: SumBackward1
    check(lambda lib, t: t.mean(dim=None, keepdim=True), x)
    check(lambda lib, t: lib.sum(t, dtype=lib.float64), np.float32(x))   # SumBackward0


def test_no_graph_without_grad():
    x = dlcore.ones(2, 3, requires_grad=True)
    with dlcore.no_grad():
        for y in (x.sum(), x.mean(1), x.prod(), x @ x.T, x.max(1).values, x.norm(), x.var()):
            assert y.grad_fn is None and not y.requires_grad
    y = dlcore.ones(2, 3) @ dlcore.ones(3, 2)
    assert y.grad_fn is None and not y.requires_grad


@SETTINGS
@given(st.data())
def test_sum_to_size(data):
    x = data.draw(arrays(min_dims=1))
    size = tuple(data.draw(st.sampled_from([1, n])) for n in x.shape)
    size = size[data.draw(st.integers(0, len(size))):]
    check(lambda lib, t: (t * 1).sum_to_size(size), x)


# -- prod ------------------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_prod_with_zeros(data):
    x = data.draw(arrays(ties=True, max_side=3, dtype=np.float64))     # 0, 1, 2 zeros and more
    if data.draw(st.booleans()):
        check(lambda lib, t: t.prod(), x)
    else:
        dim, keepdim = data.draw(dims(x.ndim, single=True)), data.draw(st.booleans())
        check(lambda lib, t: t.prod(dim, keepdim), x)


def test_prod_zero_counts():
    check(lambda lib, t: t.prod(), [2.0, 0.0, 3.0])
    check(lambda lib, t: t.prod(), [2.0, 0.0, 0.0])
    check(lambda lib, t: t.prod(0), [[2.0, 0.0], [0.0, 0.0], [3.0, 4.0]])
    check(lambda lib, t: t.prod(1, dtype=lib.float64), np.float32([[2, 3], [4, 5]]))
    check(lambda lib, t: t.prod(), np.array(0.0))


# -- var, std --------------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_var_std(data):
    x = data.draw(arrays(ties=data.draw(st.booleans())))
    dim = data.draw(dims(x.ndim))
    keepdim = data.draw(st.booleans())
    style = data.draw(st.sampled_from(["default", "unbiased", "correction"]))
    kwargs = {"default": {}, "unbiased": {"unbiased": data.draw(st.booleans())},
              "correction": {"correction": data.draw(st.sampled_from([0, 1, 2]))}}[style]
    for name in ("var", "std"):
        check(_reduce(name, dim, keepdim, **kwargs), x)
    for name in ("var_mean", "std_mean"):
        if dim is None:
            check(lambda lib, t: getattr(lib, name)(t, **kwargs), x)
        else:
            check(lambda lib, t: getattr(lib, name)(t, dim, keepdim=keepdim, **kwargs), x)


def test_var_std_overloads_and_edges():
    x = np.arange(6.0).reshape(2, 3) ** 2
    check(lambda lib, t: t.var(1, False), x)                 # var(dim, unbiased)
    check(lambda lib, t: t.std(False), x)                    # std(unbiased)
    check(lambda lib, t: t.std(), [1.0, 1.0])                # std 0: gradient 0, not nan
    check(lambda lib, t: t.var(), [1.0])                     # one element: nan
    check(lambda lib, t: lib.std_mean(t, 0)[1], x)           # only the mean used


# -- max, min, amax, amin, aminmax -----------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_max_min_ties(data):
    x = data.draw(arrays(ties=True))
    for name in ("max", "min"):
        check(lambda lib, t: getattr(t, name)(), x)          # ties share the gradient evenly
    dim, keepdim = data.draw(dims(x.ndim, single=True)), data.draw(st.booleans())
    for name in ("max", "min"):
        check(lambda lib, t: getattr(t, name)(dim, keepdim), x)
    dim = data.draw(dims(x.ndim))
    for name in ("amax", "amin"):
        if dim is None:
            check(lambda lib, t: getattr(t, name)(), x)
        else:
            check(lambda lib, t: getattr(t, name)(dim, keepdim), x)
    if data.draw(st.booleans()):
        check(lambda lib, t: lib.aminmax(t), x)
    else:
        d = data.draw(dims(x.ndim, single=True))
        check(lambda lib, t: lib.aminmax(t, dim=d, keepdim=keepdim), x)


def test_max_with_nan_and_binary_form():
    x = [1.0, float("nan"), float("nan")]
    check(lambda lib, t: t.max(), x)
    check(lambda lib, t: t.amax(), x)
    check(lambda lib, t, u: lib.max(t, u), [1.0, 5.0], [3.0, 2.0])
    check(lambda lib, t: t.max(0), np.array(2.0))


# -- norm ------------------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_norm(data):
    x = data.draw(arrays(ties=data.draw(st.booleans())))
    p = data.draw(st.sampled_from([2, 1, INF, -INF, 3, 0.5, 1.5, "fro", 0]))
    dim = data.draw(dims(x.ndim))
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:
        dim = dim[:2]
    keepdim = data.draw(st.booleans())
    if dim is None:
        check(lambda lib, t: t.norm(p), x)
    else:
        check(lambda lib, t: t.norm(p, dim, keepdim), x)


def test_norm_special_cases():
    check(lambda lib, t: t.norm(), [0.0, 0.0])                # gradient 0 at the zero vector
    check(lambda lib, t: t.norm(3), [0.0, 0.0])
    check(lambda lib, t: t.norm(1.5), [0.0, 0.0])
    check(lambda lib, t: t.norm(INF), [0.0, -2.0, 2.0])
    check(lambda lib, t: t.norm(0), [0.0, 1.0, -2.0])         # no gradient at all
    check(lambda lib, t: t.norm(dtype=lib.float64), np.float32([3, 4]))
    check(lambda lib, t: t.norm("fro", (0, 1)), np.arange(6.0).reshape(2, 3))
    check(lambda lib, t: t.norm("nuc"), [[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]])


# -- logsumexp, scans ------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_logsumexp(data):
    x = data.draw(arrays())
    dim = data.draw(dims(x.ndim))
    dim = tuple(range(x.ndim)) if dim is None else dim      # (PyTorch fails on dim=())
    keepdim = data.draw(st.booleans())
    check(lambda lib, t: t.logsumexp(dim, keepdim), x)


def test_logsumexp_infinities():
    check(lambda lib, t: t.logsumexp(0), [-INF, -INF])
    check(lambda lib, t: t.logsumexp(0), [INF, 1.0])


@SETTINGS
@given(st.data())
def test_scans(data):
    x = data.draw(arrays(ties=data.draw(st.booleans()), max_side=5))
    dim = data.draw(dims(x.ndim, single=True))
    for name in ("cumsum", "cumprod", "cummax", "cummin"):
        check(lambda lib, t: getattr(t, name)(dim), x)
    check(lambda lib, t: t.cumsum(dim, dtype=lib.float64), x)


def test_cumprod_zeros():
    check(lambda lib, t: t.cumprod(0), [2.0, 0.0, 3.0, 0.0, 5.0])
    check(lambda lib, t: t.cumprod(1), [[0.0, 2.0, 3.0], [2.0, 3.0, 0.0], [1.0, 0.0, 0.0]])


# -- sorting and order statistics ------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_sort_topk_kthvalue_median_mode(data):
    x = data.draw(distinct())
    dim = data.draw(dims(x.ndim, single=True))
    keepdim, flag = data.draw(st.booleans()), data.draw(st.booleans())
    n = x.shape[dim]
    k = data.draw(st.integers(1, n))
    check(lambda lib, t: t.sort(dim, flag), x)
    check(lambda lib, t: t.topk(k, dim, flag), x)
    check(lambda lib, t: t.kthvalue(k, dim, keepdim), x)
    check(lambda lib, t: t.median(dim, keepdim), x)
    check(lambda lib, t: t.median(), x)
    check(lambda lib, t: t.mode(dim, keepdim), x)
    check(lambda lib, t: t.msort(), x)


def test_order_statistics_with_ties():
    x = [1.0, 3.0, 3.0, 2.0, 3.0]
    check(lambda lib, t: t.median(), x)                      # shared among the three 3s
    check(lambda lib, t: t.mode(0), x)
    check(lambda lib, t: t.sort(0, True), x)
    check(lambda lib, t: t.sort(0), np.array(2.0))


def test_nanmean_and_nansum():
    x = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 4.0]])
    check(lambda lib, t: t.nansum(), x)
    check(lambda lib, t: t.nansum(1), x)
    check(lambda lib, t: t.nanmean(), x)
    check(lambda lib, t: t.nanmean(0, True), x)


# -- matrix products -------------------------------------------------------------------------------
@st.composite
def matmul_shapes(draw):
    """Operand shapes for matmul: vectors, matrices, and batches that broadcast."""
    n, m, p = (draw(st.integers(1, 3)) for _ in range(3))
    rank_a, rank_b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))
    batch_a = [draw(st.sampled_from([1, b])) for b in batch][4 - rank_a:] if rank_a > 2 else []
    batch_b = [draw(st.sampled_from([1, b])) for b in batch][4 - rank_b:] if rank_b > 2 else []
    a = (m,) if rank_a == 1 else tuple(batch_a) + (n, m)
    b = (m,) if rank_b == 1 else tuple(batch_b) + (m, p)
    return a, b


@settings(max_examples=80, deadline=None)
@given(matmul_shapes(), st.sampled_from([(True, True), (True, False), (False, True)]),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 100))
def test_matmul(shapes, requires_grad, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    check(lambda lib, x, y: x @ y, a, b, requires_grad=list(requires_grad))
    check(lambda lib, x, y: lib.matmul(x, y), a, b, requires_grad=list(requires_grad))


@pytest.mark.parametrize("a, b", [
    ((1, 3, 4), (2, 4, 5)), ((2, 3, 4), (1, 4, 5)), ((1, 3, 4), (1, 4, 5)),
    ((3, 4), (2, 4, 1)), ((1, 4), (2, 4, 5)), ((3, 4), (2, 2, 4, 5)), ((4,), (2, 4, 5)),
    ((2, 3, 4), (4,)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 0), (0, 2)), ((0, 3), (2, 3, 4)),
])
@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)])
def test_matmul_node_names(a, b, requires_grad):
    rng = np.random.default_rng(0)
    check(lambda lib, x, y: x @ y, rng.standard_normal(a), rng.standard_normal(b),
          requires_grad=list(requires_grad))


def test_matmul_of_transposed_operands():
    rng = np.random.default_rng(1)
    check(lambda lib, x, y: x.mT @ y, rng.standard_normal((2, 4, 3)), rng.standard_normal((4, 5)))
    check(lambda lib, x, y: x @ y.mT, rng.standard_normal((3, 4)), rng.standard_normal((2, 5, 4)))


def test_products():
    rng = np.random.default_rng(2)
    r = rng.standard_normal
    check(lambda lib, x, y: lib.mm(x, y), r((3, 4)), r((4, 2)))
    check(lambda lib, x, y: x.bmm(y), r((2, 3, 4)), r((2, 4, 5)))
    check(lambda lib, x, y: lib.mv(x, y), r((3, 4)), r(4))
    check(lambda lib, x, y: x.dot(y), r(4), r(4))
    check(lambda lib, x, y: lib.vdot(x, y), r(4), r(4))
    check(lambda lib, x, y: lib.outer(x, y), r(3), r(4))
    check(lambda lib, x, y: x.ger(y), r(3), r(4))
    check(lambda lib, x, y: lib.outer(x, y), np.float32(r(3)), r(4))      # promotes
    check(lambda lib, x, y: lib.dot(x, y), r(4), r(4), requires_grad=[False, True])


@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0)])
def test_scaled_products(beta, alpha):
    rng = np.random.default_rng(3)
    r = rng.standard_normal
    kw = {"beta": beta, "alpha": alpha}
    check(lambda lib, i, a, b: lib.addmm(i, a, b, **kw), r((3, 5)), r((3, 4)), r((4, 5)))
    check(lambda lib, i, a, b: lib.addmm(i, a, b, **kw), r(5), r((3, 4)), r((4, 5)))  # a bias
    check(lambda lib, i, a, b: i.addmv(a, b, **kw), r(3), r((3, 4)), r(4))
    check(lambda lib, i, a, b: lib.baddbmm(i, a, b, **kw), r((2, 3, 5)), r((2, 3, 4)),
          r((2, 4, 5)))
    check(lambda lib, i, a, b: lib.addbmm(i, a, b, **kw), r((3, 5)), r((2, 3, 4)), r((2, 4, 5)))
    check(lambda lib, i, a, b: lib.addr(i, a, b, **kw), r((3, 4)), r(3), r(4))
    check(lambda lib, i, a, b: lib.addmm(i, a, b, **kw), r((3, 5)), r((3, 4)), r((4, 5)),
          requires_grad=[False, True, False])


def test_trace_det_inverse():
    rng = np.random.default_rng(4)
    r = rng.standard_normal
    check(lambda lib, x: x.trace(), r((3, 3)))
    check(lambda lib, x: lib.trace(x), r((2, 4)))
    check(lambda lib, x: lib.det(x), r((3, 3)))
    check(lambda lib, x: lib.det(x), r((2, 3, 3)))
    check(lambda lib, x: lib.det(x), [[1.0, 2.0], [2.0, 4.0]])   # singular: zero, as PyTorch
    check(lambda lib, x: lib.inverse(x), r((3, 3)) + 3 * np.eye(3))
    check(lambda lib, x: x.inverse(), r((2, 3, 3)) + 3 * np.eye(3))


# -- in-place forms on non-leaf tensors ------------------------------------------------------------
def test_inplace_forms():
    rng = np.random.default_rng(5)
    r = rng.standard_normal
    check(lambda lib, i, a, b: (i * 1).addmm_(a, b, beta=0.5), r((3, 5)), r((3, 4)), r((4, 5)))
    check(lambda lib, i, a, b: (i * 1).baddbmm_(a, b, alpha=2), r((2, 3, 5)), r((2, 3, 4)),
          r((2, 4, 5)))

    def matmul_in_place(lib, x, y):
        z = x * 1
        z @= y
        return z
    check(matmul_in_place, r((3, 4)), r((4, 4)))


# -- second order ----------------------------------------------------------------------------------
@pytest.mark.parametrize("fn, shapes", [
    (lambda lib, x: x.sum(1) ** 2, [(3, 4)]),
    (lambda lib, x: x.mean((0, 2), keepdim=True) ** 3, [(2, 3, 4)]),
    (lambda lib, x, y: x @ y, [(3, 4), (4, 5)]),
    (lambda lib, x, y: (x @ y) ** 2, [(2, 3, 4), (4,)]),
    (lambda lib, x, y: (x @ y).exp(), [(4,), (2, 4, 3)]),
    (lambda lib, x, y: lib.mm(x, y) ** 2, [(3, 4), (4, 2)]),
    (lambda lib, x: x.var(1), [(3, 4)]),
    (lambda lib, x: x.var(correction=0) * x.sum(), [(3, 4)]),
    (lambda lib, x: x.std(0), [(3, 4)]),
    (lambda lib, x: x.norm(), [(3, 4)]),
    (lambda lib, x: x.norm(dim=1), [(3, 4)]),
    (lambda lib, x: x.norm(3, 0), [(3, 4)]),
    (lambda lib, x: x.logsumexp(1), [(3, 4)]),
    (lambda lib, x: x.prod(1), [(3, 4)]),
    (lambda lib, x: x.cumsum(1) ** 2, [(3, 4)]),
    (lambda lib, i, x, y: lib.addmm(i, x, y, beta=0.5, alpha=2) ** 2, [(3, 2), (3, 4), (4, 2)]),
    (lambda lib, x: x.max(1)[0] ** 2, [(3, 4)]),
    (lambda lib, x: x.amax(0) ** 2, [(3, 4)]),
    (lambda lib, x: x.sort(1)[0] ** 2, [(3, 4)]),
    (lambda lib, x: x.cumprod(1), [(3, 4)]),
    (lambda lib, x: lib.std_mean(x, 1)[0], [(3, 4)]),
    (lambda lib, x: lib.det(x), [(3, 3)]),
    (lambda lib, x: lib.inverse(x), [(3, 3)]),
])
def test_second_order(fn, shapes):
    rng = np.random.default_rng(6)
    check_second_order(fn, *(rng.standard_normal(s) for s in shapes))


# -- saved tensors: second backward and in-place changes -------------------------------------------
def test_second_backward_and_version_checks():
    x = dlcore.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.cumsum(0).sum()                     # nothing saved: a second backward works
    y.backward()
    y.backward()
    assert x.grad.tolist() == [6.0, 4.0, 2.0]
    v = x.var()                               # saves x: the graph is freed after backward
    v.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        v.backward()
    z = x * 1
    s = z.prod()
    z.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.backward()


# -- einsum, tensordot, inner, kron ----------------------------------------------------------------
@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(3,), (3,)]), ("i,j->ij", [(3,), (4,)]), ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]), ("ij->i", [(3, 4)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]), ("ij,ij->i", [(3, 4), (3, 4)]), ("ij,j->i", [(3, 4), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij", [(3, 4)]),
    ("ij,jk", [(3, 4), (4, 5)]), ("i->i", [(3,)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]), ("iij->ij", [(3, 3, 2)]),
])
def test_einsum(equation, shapes):
    rng = np.random.default_rng(7)
    check(lambda lib, *ts: lib.einsum(equation, *ts), *(rng.standard_normal(s) for s in shapes))


def test_tensordot_inner_kron():
    rng = np.random.default_rng(8)
    r = rng.standard_normal
    check(lambda lib, a, b: lib.tensordot(a, b, 2), r((2, 3, 4)), r((3, 4, 5)))
    check(lambda lib, a, b: lib.tensordot(a, b, 0), r(2), r(3))
    check(lambda lib, a, b: lib.tensordot(a, b, ([0, 2], [2, 0])), r((4, 3, 2)), r((2, 5, 4)))
    check(lambda lib, a, b: lib.inner(a, b), r(4), r(4))
    check(lambda lib, a, b: lib.inner(a, b), r((2, 3, 4)), r((5, 4)))
    check(lambda lib, a, b: lib.inner(a, b), r((2, 3)), np.array(2.0))
    check(lambda lib, a, b: lib.kron(a, b), r(2), r(3))
    check(lambda lib, a, b: lib.kron(a, b), r((2, 2)), r(3))
    check(lambda lib, a, b: lib.kron(a, b), r((2, 3)), r((2, 1, 2)))
    check_second_order(lambda lib, a, b: lib.einsum("ij,jk->ik", a, b) ** 2, r((2, 3)), r((3, 2)))
