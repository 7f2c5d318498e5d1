"""The tensor core and autograd on every device: each op runs on `device` (cpu, and cuda where
there is a GPU or the stand-in) and must give the CPU's values, on that device.

The CPU result is the oracle here (its agreement with PyTorch is tested elsewhere); what these
tests add is that the same code path works on the GPU backend and keeps results there.
"""
import warnings

import numpy as np
import pytest

import dlcore

# These tests choose their devices themselves (explicit device=, or the `device` fixture that runs
# each on cpu and cuda): a cuda default would only blur what they check.
pytestmark = pytest.mark.cpu_only(reason="runs on cpu and cuda through its own explicit devices")


def _pair(device, data, dtype=dlcore.float32, requires_grad=False):
    """The same tensor on the CPU and on `device`."""
    cpu = dlcore.tensor(data, dtype=dtype, requires_grad=requires_grad)
    return cpu, dlcore.tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def _placed(device):
    """The device a tensor made with `device=` lands on ('cuda' means cuda:0, the current one)."""
    return dlcore.empty(0, device=device).device


def _same(on_device, on_cpu, device, rtol=1e-6):
    """Results agree: same device as asked, same dtype and shape, same values."""
    if isinstance(on_cpu, (tuple, list)):
        for a, b in zip(on_device, on_cpu):
            _same(a, b, device, rtol)
        return
    assert on_device.device == _placed(device), f"result left {device}: {on_device.device}"
    assert on_device.dtype == on_cpu.dtype and on_device.shape == on_cpu.shape
    np.testing.assert_allclose(on_device.detach().cpu().numpy(), on_cpu.detach().numpy(),
                               rtol=rtol, atol=1e-6)


X = [[0.5, -1.5, 2.0], [3.0, 0.25, -0.75]]
Y = [[1.0, 2.0, -1.0], [0.5, -2.0, 4.0]]

POINTWISE = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a.abs() ** b, "scalar": lambda a, b: 2 * a - 1,
    "rsub": lambda a, b: 1 - a, "broadcast": lambda a, b: a + b[0], "maximum": dlcore.maximum,
    "where": lambda a, b: dlcore.where(a > b, a, b), "exp": lambda a, b: a.exp(),
    "sigmoid": lambda a, b: a.sigmoid(), "tanh": lambda a, b: a.tanh(),
    "relu": lambda a, b: a.relu(), "clamp": lambda a, b: a.clamp(-1, 1),
    "compare": lambda a, b: a >= b, "logical": lambda a, b: (a > 0) & (b > 0),
    "isnan": lambda a, b: (a / 0).isnan(), "int_ops": lambda a, b: a.long() // 2 + a.long() % 3,
    "erf": lambda a, b: a.erf(), "to_double": lambda a, b: a.double() * b.double(),
}


@pytest.mark.parametrize("name", POINTWISE)
def test_pointwise(device, name):
    (a, da), (b, db) = _pair(device, X), _pair(device, Y)
    _same(POINTWISE[name](da, db), POINTWISE[name](a, b), device)


REDUCTIONS = {
    "sum": lambda a: a.sum(), "sum_dim": lambda a: a.sum(1, keepdim=True), "mean": lambda a: a.mean(0),
    "prod": lambda a: a.prod(1), "max": lambda a: a.max(), "max_dim": lambda a: a.max(1),
    "argmax": lambda a: a.argmax(1), "var": lambda a: a.var(1), "std": lambda a: a.std(),
    "logsumexp": lambda a: a.logsumexp(1), "cumsum": lambda a: a.cumsum(1),
    "norm": lambda a: a.norm(), "sort": lambda a: a.sort(1), "topk": lambda a: a.topk(2, 1),
    "all": lambda a: (a > -2).all(), "median": lambda a: a.median(1), "unique": lambda a: a.round().unique(),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions(device, name):
    a, da = _pair(device, X)
    _same(REDUCTIONS[name](da), REDUCTIONS[name](a), device)


def test_creation(device):
    d = _placed(device)
    assert str(d) == ("cpu" if device == "cpu" else "cuda:0")
    made = [dlcore.zeros(2, 3, device=device), dlcore.ones(2, device=device, dtype=dlcore.int64),
            dlcore.full((2,), 7.0, device=device), dlcore.empty(3, device=device),
            dlcore.arange(5, device=device), dlcore.linspace(0, 1, 5, device=device),
            dlcore.eye(3, device=device), dlcore.tensor([[1, 2]], device=device),
            dlcore.zeros_like(dlcore.ones(2, device=device)),
            dlcore.ones(2, device=device).new_zeros(3), dlcore.rand(3, device=device),
            dlcore.randn(2, 2, device=device), dlcore.randint(0, 5, (4,), device=device),
            dlcore.randperm(4, device=device), dlcore.scalar_tensor(2, device=device)]
    for t in made:
        assert t.device == d and t.storage().device == d
    assert dlcore.arange(5, device=device).tolist() == [0, 1, 2, 3, 4]
    assert dlcore.eye(2, device=device).sum().item() == 2
    assert sorted(dlcore.randperm(6, device=device).tolist()) == list(range(6))


def test_views_share_storage_on_the_device(device):
    t = dlcore.arange(12.0, device=device).view(3, 4)
    views = [t.T, t[1], t[:, 1:3], t.view(2, 6), t.unsqueeze(0), t.expand(2, 3, 4)[0],
             t.transpose(0, 1).contiguous().T.reshape(3, 4)]
    for v in views[:-1]:
        assert v.device == t.device and v.storage() is t.storage()
    t[1, 2] = 100.0
    assert views[1][2].item() == 100.0 and views[0][2, 1].item() == 100.0
    t.T[0].zero_()
    assert t[:, 0].tolist() == [0.0, 0.0, 0.0]
    assert t[:, 1:3].stride() == (4, 1) and t[:, 1:3].storage_offset() == 1
    assert not t.T.is_contiguous() and t.T.contiguous().is_contiguous()
    _same(t.T.contiguous(), t.cpu().T.contiguous(), device)


INDEXING = {
    "int": lambda a: a[1], "slice": lambda a: a[:, ::2], "list": lambda a: a[[1, 0, 1]],
    "tensor": lambda a: a[dlcore.tensor([0, 1])], "mask": lambda a: a[a > 0],
    "pair": lambda a: a[[0, 1], [2, 0]], "gather": lambda a: a.gather(1, dlcore.tensor([[0], [2]],
                                                                                      device=a.device)),
    "index_select": lambda a: a.index_select(1, dlcore.tensor([2, 0], device=a.device)),
    "nonzero": lambda a: (a > 0).nonzero(), "masked_fill": lambda a: a.masked_fill(a < 0, 0.0),
    "cat": lambda a: dlcore.cat([a, a * 2], 1), "stack": lambda a: dlcore.stack([a, a], 0),
    "chunk": lambda a: a.chunk(3, 1), "flip": lambda a: a.flip(1), "tril": lambda a: a.tril(),
}


@pytest.mark.parametrize("name", INDEXING)
def test_indexing_and_joins(device, name):
    a, da = _pair(device, X)
    _same(INDEXING[name](da), INDEXING[name](a), device)


def test_index_assignment_and_scatter(device):
    a, da = _pair(device, X)
    gradients = []
    for t in (a, da):
        # (no warnings either: CuPy 14 warns of its deprecated cupyx.scatter_add)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            t[0, 1] = 5.0
            t[t < 0] = -1.0
            t[[1, 1], [0, 2]] = dlcore.tensor([8.0, 9.0], device=t.device)
            t.index_add_(1, dlcore.tensor([0, 0], device=t.device),
                         dlcore.ones(2, 2, device=t.device))
            t.index_put_((dlcore.tensor([0, 0], device=t.device),), dlcore.ones(3, device=t.device),
                         accumulate=True)
            leaf = t.detach().requires_grad_()
            leaf[[1, 1, 0]].sum().backward()            # repeated rows: their gradients add up
            gradients.append(leaf.grad)
    _same(da, a, device)
    _same(gradients[1], gradients[0], device)


LINALG = {
    "matmul": lambda a, b: a @ b.T, "mv": lambda a, b: a @ b[0], "dot": lambda a, b: a[0] @ b[0],
    "bmm": lambda a, b: dlcore.bmm(a.unsqueeze(0), b.T.unsqueeze(0)),
    "addmm": lambda a, b: dlcore.addmm(a[:, :2], a, b.T, beta=0.5),
    "einsum": lambda a, b: dlcore.einsum("ij,kj->ik", a, b), "outer": lambda a, b: dlcore.outer(a[0], b[0]),
}


@pytest.mark.parametrize("name", LINALG)
def test_linalg(device, name):
    (a, da), (b, db) = _pair(device, X), _pair(device, Y)
    _same(LINALG[name](da, db), LINALG[name](a, b), device, rtol=1e-5)


def test_autograd(device):
    (w, dw), (b, db) = _pair(device, X, requires_grad=True), _pair(device, Y, requires_grad=True)
    x, dx = _pair(device, [[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    for W, B, inp in ((w, b, x), (dw, db, dx)):
        h = (W @ inp).tanh()
        loss = ((h - 0.5) ** 2).mean() + (B.exp() * W).sum() + W[W > 0].sum() + \
            dlcore.cat([W, B]).logsumexp(0).sum()
        loss.backward()
    for got, expected in ((dw.grad, w.grad), (db.grad, b.grad)):
        _same(got, expected, device, rtol=1e-5)
    assert dw.grad.device == dw.device and dw.is_leaf


def test_gradients_accumulate_and_flow_across_a_move(device):
    w = dlcore.tensor([1.0, -2.0, 3.0], requires_grad=True)
    on_device = w.to(device)
    assert on_device.grad_fn is None if device == "cpu" else on_device.grad_fn.name() == "ToCopyBackward0"
    (on_device * on_device).sum().backward()
    (on_device.sum() * 2).backward()
    assert w.grad.device == dlcore.device("cpu") and w.grad.tolist() == [4.0, -2.0, 8.0]


def test_printing(device):
    t = dlcore.tensor([[1.5, -2.0], [0.25, 3.0]], device=device)
    suffix = "" if device == "cpu" else ", device='cuda:0'"
    assert repr(t) == "tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  3.0000]]" + suffix + ")"
    assert repr(dlcore.arange(3, device=device)) == "tensor([0, 1, 2]" + suffix + ")"
    assert repr(t.requires_grad_()) .endswith(suffix + ", requires_grad=True)")
    assert repr(dlcore.tensor(2.5, device=device, dtype=dlcore.float64)) == \
        "tensor(2.5000" + suffix + ", dtype=dlcore.float64)"
    big = dlcore.arange(2000.0, device=device)
    assert repr(big) == repr(big.cpu())[:-1] + suffix + ")"
