"""Matrix products and linear algebra compared with PyTorch: every matmul shape combination
(1-D, 2-D, batched with broadcasting), dtype rules (no promotion), and the exact error messages."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore

torch = pytest.importorskip("torch")

SETTINGS = settings(max_examples=80, deadline=None)
DTYPES = ["float32", "float64", "int64", "int32"]


from .oracle import (assert_same, compare as _compare, is_plain_array,  # noqa: E402
                     mirrored_only, raises_like, raises_type_error_like_torch,
                     shares_memory, skip_unless_mirrored)


def compare(fn, rtol=1e-5, atol=1e-5):
    """fn(dlcore) and fn(torch) give the same result, or the same exception and message."""
    _compare(fn, rtol, atol)


def maker(shape, dtype, seed):
    """module -> tensor of small integers (exact products) with the given shape and dtype."""
    values = np.random.default_rng(seed).integers(-3, 4, size=shape)

    def make(m):
        return m.as_tensor(values.astype(dtype))
    return make


# -- matmul: every combination of dims -------------------------------------------------------------
@st.composite
def matmul_shapes(draw, min_size=0):
    """Shapes for a @ b: 1-D, 2-D or batched on each side, batch dims that broadcast (or, now
    and then, don't), inner sizes that agree (or, now and then, don't). Sizes may be 0."""
    size = st.integers(min_size, 4)
    n, k, p = draw(size), draw(size), draw(size)
    k2 = k if draw(st.integers(0, 4)) else draw(size)
    a_dims, b_dims = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), min_size=2, max_size=2))

    def batch_for(ndims):
        dims = batch[len(batch) - (ndims - 2):] if ndims > 2 else []
        return [1 if draw(st.integers(0, 3)) == 0 else d for d in dims]
    a = [k] if a_dims == 1 else batch_for(a_dims) + [n, k]
    b = [k2] if b_dims == 1 else batch_for(b_dims) + [k2, p]
    if a_dims > 2 and b_dims > 2 and draw(st.integers(0, 5)) == 0:
        a[0] += 1                                       # batch dims that don't broadcast
    return tuple(a), tuple(b)


@SETTINGS
@given(shapes=matmul_shapes(), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 99),
       transposed=st.booleans())
def test_matmul_matches_torch_for_all_shapes(shapes, dtype, seed, transposed):
    make_a, b = maker(shapes[0], dtype, seed), maker(shapes[1], dtype, seed + 1)

    def a(m):
        t = make_a(m)
        if transposed and t.dim() > 1:      # the same values in column-major layout
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        return t
    compare(lambda m: m.matmul(a(m), b(m)))
    compare(lambda m: a(m) @ b(m))


@SETTINGS
@given(shapes=matmul_shapes(min_size=1), dtypes=st.lists(st.sampled_from(DTYPES + ["bool"]),
                                                          min_size=2, max_size=2))
def test_matmul_dtype_errors_match_torch(shapes, dtypes):
    # (Not with empty operands: there PyTorch's bmm/mm return zeros of some dtype, unchecked.)
    if "bool" in dtypes and dtypes[0] != dtypes[1] and len(shapes[1]) == 1:
        skip_unless_mirrored("refuses a bool operand of a matrix-vector product before it "
                             "compares the dtypes (NotImplementedError)")
    a, b = maker(shapes[0], dtypes[0], 0), maker(shapes[1], dtypes[1], 1)
    compare(lambda m: m.matmul(a(m), b(m)))


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                                    ((5, 2, 3), (3,)), ((3,), (5, 3, 2)), ((5, 2, 3), (3, 4)),
                                    ((2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2))])
def test_matmul_of_floats_is_close_to_torch(shapes):
    rng = np.random.default_rng(0)
    x, y = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    compare(lambda m: m.matmul(m.as_tensor(x.copy()), m.as_tensor(y.copy())))


@pytest.mark.parametrize("expr", [
    "m.matmul(m.ones(3, 2), m.ones(3, 2))", "m.matmul(m.ones(3), m.ones(4))",
    "m.matmul(m.ones(3), m.ones(4, 2))", "m.matmul(m.ones(2, 3), m.ones(4))",
    "m.matmul(m.ones(5, 2, 3), m.ones(4))", "m.matmul(m.ones(3), m.ones(5, 4, 2))",
    "m.matmul(m.ones(5, 2, 3), m.ones(5, 4, 2))", "m.matmul(m.ones(5, 2, 3), m.ones(4, 3, 2))",
    "m.matmul(m.ones(2, 3), m.ones(5, 4, 2))", "m.matmul(m.ones(5, 2, 3), m.ones(2, 2))",
    "m.matmul(m.ones(5, 1, 2, 3), m.ones(4, 4, 2))", "m.matmul(m.tensor(2.), m.ones(3))",
    "m.matmul(m.ones(3), m.tensor(2.))", "m.matmul(m.ones(3, 2), m.ones(2, 2).double())",
    "m.matmul(m.ones(3, 2).int(), m.ones(2, 2).long())",
    "m.matmul(m.ones(3), m.ones(3).double())", "m.matmul(m.ones(2, 3), m.ones(3).double())",
    "m.matmul(m.ones(4, 2, 3), m.ones(4, 3, 2).double())",
    "m.matmul(m.ones(3, 2).bool(), m.ones(2, 2).bool())",
    "m.matmul(m.ones(2, 3).bool(), m.ones(3).bool())",
    "m.matmul(m.ones(3).bool(), m.ones(3).bool())",
    "m.matmul(m.ones(4, 2, 3).bool(), m.ones(4, 3, 2).bool())",
    "m.mm(m.ones(3, 2), m.ones(3, 2))", "m.mm(m.ones(3, 2), m.ones(3))",
    "m.mm(m.ones(3), m.ones(3, 2))",
    "m.mm(m.ones(3, 2).t(), m.ones(3, 2).int())",
    "m.mm(m.ones(3, 3).bool(), m.ones(3, 3).double())",
    "m.mm(m.ones(2, 2), m.ones(2, 2).half())", "m.mm(m.ones(2, 2), m.ones(2, 2).to(m.int8))",
    "m.mm(m.ones(2, 2), m.ones(2, 2).to(m.uint8))", "m.mm(m.ones(2, 2), m.ones(2, 2).short())",
    "m.bmm(m.ones(2, 3), m.ones(3, 2))", "m.bmm(m.ones(2, 2, 3), m.ones(2, 3))",
    "m.bmm(m.ones(2, 2, 3), m.ones(3, 3, 2))", "m.bmm(m.ones(2, 2, 3), m.ones(2, 2, 2))",
    "m.bmm(m.ones(2, 2, 3), m.ones(2, 3, 2).double())",
    "m.bmm(m.ones(2, 2, 3).bool(), m.ones(2, 3, 2))",
    "m.mv(m.ones(2, 3), m.ones(2))", "m.mv(m.ones(2, 3), m.ones(3, 1))",
    "m.mv(m.ones(3), m.ones(3))",
    "m.mv(m.ones(2, 3), m.ones(3).double())", "m.mv(m.ones(2, 3).bool(), m.ones(3).bool())",
    "m.dot(m.ones(3), m.ones(3).double())", "m.dot(m.ones(3), m.ones(4))",
    "m.dot(m.ones(3, 1), m.ones(3))", "m.dot(m.ones(3).bool(), m.ones(3).bool())",
    "m.dot(m.ones(3), m.ones(4).double())", "m.vdot(m.ones(3), m.ones(4))",
    "m.inner(m.ones(3), m.ones(4))", "m.inner(m.ones(2, 3), m.ones(4, 5))",
    "m.inner(m.ones(2, 3), m.ones(4, 3).double())", "m.inner(m.ones(3).bool(), m.ones(3).bool())",
    "m.outer(m.ones(2, 1), m.ones(3))", "m.outer(m.ones(2), m.ones(3, 1))",
    "m.addmm(m.ones(2, 2), m.ones(2, 4), m.ones(4, 3))",
    "m.addmm(m.ones(3).double(), m.ones(2, 4), m.ones(4, 3))",
    "m.addmm(m.ones(3).int(), m.ones(2, 4), m.ones(4, 3))",
    "m.addmm(m.ones(3), m.ones(2, 4).int(), m.ones(4, 3).int())",
    "m.addmm(m.ones(2, 3), m.ones(2, 4).int(), m.ones(4, 3))",
    "m.addmm(m.ones(2, 3), m.ones(4), m.ones(4, 3))",
    "m.addmm(m.ones(2, 3), m.ones(2, 4), m.ones(5, 3))",
    "m.ones(1, 3).addmm_(m.ones(2, 4), m.ones(4, 3))",
    "m.addmv(m.ones(3), m.ones(2, 4), m.ones(4))",
    "m.addmv(m.ones(2), m.ones(2, 4), m.ones(4).double())",
    "m.addmv(m.ones(2).double(), m.ones(2, 4), m.ones(4))",
    "m.baddbmm(m.ones(2, 3), m.ones(5, 2, 4), m.ones(4, 4, 3))",
    "m.baddbmm(m.ones(2, 2), m.ones(5, 2, 4), m.ones(5, 4, 3))",
    "m.addbmm(m.ones(2, 2), m.ones(5, 2, 4), m.ones(5, 4, 3))",
    "m.ones(2, 3).baddbmm_(m.ones(1, 2, 4), m.ones(1, 4, 3))",
    "m.einsum('ij,jk->ik', m.ones(2, 3), m.ones(3, 2).double())",
    "m.einsum('ij,jk->ik', m.ones(2, 3), m.ones(4, 2))", "m.einsum('i,i', m.ones(3), m.ones(4))",
    "m.einsum('ij,j', m.ones(3))", "m.einsum('ij', m.ones(3))",
    "m.tensordot(m.ones(2, 3), m.ones(4, 5), dims=1)",
    "m.tensordot(m.ones(2, 3), m.ones(4, 5), dims=([1], [1]))",
    "m.tensordot(m.ones(2, 3, 4), m.ones(4, 3, 5).double(), dims=([2], [0]))",
    "m.tensordot(m.ones(2, 3), m.ones(3, 5), dims=3)",
    "m.tensordot(m.ones(2, 3), m.ones(3, 5), dims=-1)",
    "m.tensordot(m.ones(2, 3).bool(), m.ones(3, 2).bool(), 1)",
    "m.trace(m.arange(6.))", "m.trace(m.tensor([[True, True], [False, True]]))",
    "m.det(m.tensor([[1, 2], [3, 4]]))", "m.det(m.ones(2, 3))", "m.det(m.ones(3))",
    "m.det(m.ones(2, 2).half())",
    "m.inverse(m.tensor([[1., 2.], [2., 4.]]))", "m.inverse(m.ones(3, 2, 2))",
    "m.inverse(m.tensor([[[1., 0.], [0., 1.]], [[1., 2.], [2., 4.]]]))",
    "m.inverse(m.tensor([[0., 0.], [0., 0.]]))",
    pytest.param("m.inverse(m.tensor([[1., 2., 3.], [2., 4., 6.], [1., 1., 1.]]))",
                 marks=pytest.mark.cpu_only(reason="CuPy factors the transpose, whose LU ends on "
                                            "a pivot of 1e-7 (1/3 rounded), not 0: no error, as "
                                            "PyTorch's CPU inverse of the transpose")),
    "m.inverse(m.tensor([[1., 2., 4.], [2., 4., 8.], [1., 1., 1.]]))",   # singular either way
    "m.inverse(m.tensor([[1, 2], [3, 4]]))", "m.inverse(m.ones(2, 3))",
    "m.inverse(m.ones(2, 2).half())",
])
def test_errors_match_torch(expr):
    try:
        eval(expr, {"m": torch})
    except Exception as theirs:  # noqa: BLE001
        raises_like(theirs, lambda: eval(expr, {"m": dlcore}))
        return
    skip_unless_mirrored("raises no error here")
    pytest.fail("PyTorch raised no error")


@pytest.mark.parametrize("expr", [
    "m.matmul(m.ones(3), 2.)", "m.matmul(None, m.ones(2, 3))", "m.mm(m.ones(2, 3), [1])",
    "m.ones(3) @ 2", "2 @ m.ones(3)", "[1., 2.] @ m.ones(2)", "m.ones(2, 3) @ None",
])
def test_type_errors_like_torch(expr):
    raises_type_error_like_torch(lambda m: eval(expr, {"m": m}))


# -- the other products ----------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "m.mm(A(2, 3), A(3, 4))", "m.mm(A(2, 3).int(), A(3, 4).int())", "A(2, 3).mm(A(3, 2).t().t())",
    "m.bmm(A(5, 2, 3), A(5, 3, 4))", "m.bmm(A(5, 2, 3).long(), A(5, 3, 4).long())",
    "m.mv(A(2, 3), A(3))", "A(2, 3).mv(A(3).double().float())", "m.dot(A(4), A(4))",
    "m.dot(A(4).int(), A(4).int())", "A(3).dot(A(3))", "m.vdot(A(4), A(4))",
    "m.inner(A(2, 3), A(4, 3))", "m.inner(A(3), A(3))", "m.inner(A(2, 3), m.tensor(2.))",
    "m.inner(A(2, 3).int(), m.tensor(2.))", "m.outer(A(2), A(3).double())",
    "m.outer(A(2).int(), A(3))",
    "m.outer(A(2).bool(), A(3).bool())", "m.ger(A(2), A(3))",
    "m.addmm(A(3), A(2, 4), A(4, 3), beta=2, alpha=0.5)", "m.addmm(A(2, 3), A(2, 4), A(4, 3))",
    "m.addmm(A(2, 3).int(), A(2, 4).int(), A(4, 3).int(), alpha=0.5)",
    "m.addmm(m.full((2, 3), float('nan')), A(2, 4), A(4, 3), beta=0)",
    "A(2, 3).addmm(A(2, 4), A(4, 3))",
    "m.addmv(A(2), A(2, 4), A(4), beta=0)", "m.addmv(A(2), A(2, 4), A(4), alpha=3)",
    "m.baddbmm(A(2, 3), A(5, 2, 4), A(5, 4, 3), beta=2)",
    "m.addbmm(A(2, 3), A(5, 2, 4), A(5, 4, 3))",
    "m.addbmm(A(3), A(5, 2, 4), A(5, 4, 3), alpha=-1)", "m.addr(A(2, 3), A(2), A(3).double())",
    "m.addr(m.zeros(2, 3), A(2), A(3), beta=2, alpha=3)",
    "m.einsum('ij,jk->ik', A(2, 3), A(3, 2))", "m.einsum('ij,jk->ik', [A(2, 3), A(3, 2)])",
    "m.einsum('ii', A(3, 3).int())", "m.einsum('ii->i', A(3, 3).int())",
    "m.einsum('i->', A(3).bool())",
    "m.einsum('ij->j', A(2, 3).bool())", "m.einsum('i,i->', A(3).int(), A(3).int())",
    "m.einsum('...ij,...jk', A(2, 3, 4), A(4, 5))",
    "m.einsum('bij,bjk->bik', A(2, 3, 4), A(2, 4, 5))",
    "m.einsum('ij->ji', A(2, 3))", "m.einsum('i,j->ij', A(2), A(3))",
    "m.tensordot(A(2, 3, 4), A(3, 4, 5))",
    "m.tensordot(A(2, 3, 4), A(4, 3, 5), dims=([1, 2], [1, 0]))",
    "m.tensordot(A(2, 3, 4), A(4, 3, 5), dims=1)", "m.tensordot(A(2, 3), A(3, 5), dims=0)",
    "m.tensordot(A(2, 3).int(), A(3, 5).int(), dims=1)",
    "m.tensordot(A(2, 3), A(3, 2), dims=[[1], [0]])",
    "m.kron(A(2, 3), A(2).long())", "m.kron(A(2, 2).int(), A(2).bool())", "m.kron(A(2), A(3))",
    "m.trace(A(3, 3).int())", "m.trace(A(2, 3))",
    pytest.param("m.trace(A(2, 2).half())", marks=mirrored_only("has no float16 CPU trace")),
    "m.trace(A(2, 2).byte())",
    "A(4, 4).trace()", "m.det(m.tensor([[1., 2.], [3., 4.]]))", "m.det(m.ones(4, 2, 2))",
    "m.det(m.ones(0, 0))", "m.det(m.eye(3).double() * 2)",
    "m.inverse(m.tensor([[1., 2.], [3., 4.]]))",
    "m.inverse(m.ones(0, 0))", "m.inverse(m.eye(3) * 4)", "A(2, 2).det()",
    "m.matmul(m.ones(0, 3), m.ones(3, 2))", "m.matmul(m.ones(2, 0), m.ones(0, 2))",
    "m.matmul(A(2, 3).half(), A(3, 2).half())",
    "m.matmul(A(3, 2).to(m.uint8), A(2, 2).to(m.uint8))",
    "m.mm(A(2, 3), A(3, 2), out=m.empty(2, 2))",
])
def test_products_match_torch(expr):
    def A(*shape):
        return lambda m: m.as_tensor(
            np.arange(np.prod(shape), dtype=np.float32).reshape(shape) % 5 - 2)

    def run(m):
        return eval(expr, {"m": m, "A": lambda *s: A(*s)(m)})
    compare(run, rtol=2e-3 if "half" in expr else 1e-5)


@SETTINGS
@given(n=st.integers(1, 5), batch=st.lists(st.integers(1, 3), max_size=2), seed=st.integers(0, 99),
       dtype=st.sampled_from(["float32", "float64"]))
def test_det_and_inverse_match_torch(n, batch, seed, dtype):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(tuple(batch) + (n, n)) + 3 * np.eye(n)).astype(dtype)   # invertible
    compare(lambda m: m.det(m.as_tensor(a.copy())), rtol=1e-4)
    compare(lambda m: m.as_tensor(a.copy()).inverse(), rtol=1e-4, atol=1e-5)


@SETTINGS
@given(n=st.integers(0, 4), k=st.integers(0, 4), p=st.integers(0, 4), seed=st.integers(0, 99),
       beta=st.sampled_from([0, 1, 0.5, -2]), alpha=st.sampled_from([1, 2, -0.5]),
       input_shape=st.sampled_from(["full", "row", "column", "scalar"]))
def test_addmm_family_matches_torch(n, k, p, seed, beta, alpha, input_shape):
    shape = {"full": (n, p), "row": (p,), "column": (n, 1), "scalar": ()}[input_shape]
    x, a, b = maker(shape, "float32", seed), maker((n, k), "float32", seed + 1), \
        maker((k, p), "float32", seed + 2)
    compare(lambda m: m.addmm(x(m), a(m), b(m), beta=beta, alpha=alpha))
    batch1, batch2 = maker((3, n, k), "float32", seed), maker((3, k, p), "float32", seed + 1)
    compare(lambda m: m.baddbmm(x(m), batch1(m), batch2(m), beta=beta, alpha=alpha))
    compare(lambda m: m.addbmm(x(m), batch1(m), batch2(m), beta=beta, alpha=alpha))
    if n and k:     # (PyTorch's addmv returns `input` as is when the product is empty)
        v = maker((k,), "float32", seed + 3)
        y = maker((n,) if input_shape != "scalar" else (), "float32", seed)
        compare(lambda m: m.addmv(y(m), a(m), v(m), beta=beta, alpha=alpha))


def test_inplace_addmm_family_writes_into_self():
    for name, args in [("addmm_", ((2, 4), (4, 3))), ("baddbmm_", ((1, 2, 4), (1, 4, 3))),
                       ("addbmm_", ((5, 2, 4), (5, 4, 3))), ("addr_", ((2,), (3,)))]:
        shape = (1, 2, 3) if name == "baddbmm_" else (2, 3)
        t, base = dlcore.ones(shape), torch.ones(shape)
        r = getattr(t, name)(*(dlcore.ones(s) for s in args), alpha=2)
        expected = getattr(base, name)(*(torch.ones(s) for s in args), alpha=2)
        assert r is t
        assert_same(t, expected)
    v = dlcore.ones(2)
    assert dlcore.addmv_(v, dlcore.ones(2, 4), dlcore.ones(4)) is v and v.tolist() == [5., 5.]


# -- operators, methods, results -------------------------------------------------------------------
def test_matmul_operators():
    a, b = dlcore.arange(6.).reshape(2, 3), dlcore.arange(12.).reshape(3, 4)
    expected = torch.arange(6.).reshape(2, 3) @ torch.arange(12.).reshape(3, 4)
    assert (a @ b).tolist() == expected.tolist()
    assert a.__matmul__(2) is NotImplemented and a.__rmatmul__([1]) is NotImplemented
    assert b.__rmatmul__(a).tolist() == (a @ b).tolist()
    c = a
    c @= b                      # as in PyTorch: a new tensor, `a` is unchanged
    assert c is not a and c.shape == (2, 4) and a.shape == (2, 3)
    v = dlcore.tensor([1., 2., 3.])
    r = v @ v
    assert r.dim() == 0 and r.item() == 14.0 and is_plain_array(r)


def test_products_are_methods_and_functions_as_in_torch():
    t = dlcore.ones(2, 2)
    for name in ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm",
                 "addmv", "addbmm", "baddbmm", "addr", "kron", "trace", "det", "inverse"]:
        assert callable(getattr(dlcore, name)) and callable(getattr(t, name)), name
    for name in ["einsum", "tensordot"]:
        assert callable(getattr(dlcore, name)) and not hasattr(t, name), name
    for name in ["addmm_", "addmv_", "addbmm_", "baddbmm_", "addr_"]:
        assert callable(getattr(t, name)), name
    assert hasattr(dlcore, "addmv_") and not hasattr(dlcore, "addmm_")


def test_results_are_fresh_contiguous_arrays():
    a = dlcore.arange(6.).reshape(2, 3)
    for r in [dlcore.einsum("ij->ji", a), dlcore.einsum("ii->i", dlcore.eye(3)), a @ a.t(),
              dlcore.tensordot(a, a, dims=0), dlcore.trace(dlcore.eye(3)),
              dlcore.inverse(dlcore.eye(2))]:
        assert not shares_memory(r, a)
        assert r.is_contiguous() and is_plain_array(r)


def test_float32_matmul_stays_float32_and_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 32)).astype(np.float32)
    y = rng.standard_normal((32, 16)).astype(np.float32)
    r = dlcore.from_numpy(x) @ dlcore.from_numpy(y)
    assert r.dtype is dlcore.float32
    np.testing.assert_array_equal(r.cpu().numpy(), x @ y)            # the very same BLAS call
