"""Gradients of the matrix-shaping creation ops (diag, tril, triu) against PyTorch's."""
import numpy as np
import pytest

import dlcore

torch = pytest.importorskip("torch")


CASES = [
    ("diag of a vector", (4,), lambda m, x: m.diag(x)),
    ("diag of a vector, above", (3,), lambda m, x: m.diag(x, 1)),
    ("diag of a vector, below", (3,), lambda m, x: m.diag(x, -2)),
    ("diagonal of a matrix", (3, 4), lambda m, x: m.diag(x)),
    ("diagonal above", (3, 4), lambda m, x: m.diag(x, 2)),
    ("diagonal below", (4, 3), lambda m, x: m.diag(x, -1)),
    ("tril", (3, 4), lambda m, x: x.tril()),
    ("tril below", (4, 4), lambda m, x: m.tril(x, -1)),
    ("triu above", (3, 5), lambda m, x: x.triu(2)),
]


@pytest.mark.parametrize("name, shape, f", CASES, ids=[c[0] for c in CASES])
def test_gradients_and_node_names_match_torch(name, shape, f):
    rng = np.random.default_rng(len(name))
    data = rng.standard_normal(shape)
    x_dl = dlcore.tensor(data, requires_grad=True)
    x_t = torch.tensor(data, requires_grad=True)
    y_dl, y_t = f(dlcore, x_dl), f(torch, x_t)
    assert type(y_dl.grad_fn).__name__ == type(y_t.grad_fn).__name__
    upstream = rng.standard_normal(tuple(y_t.shape))
    y_dl.backward(dlcore.tensor(upstream))
    y_t.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x_dl.grad.cpu().numpy(), x_t.grad.cpu().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, shape, f", CASES, ids=[c[0] for c in CASES])
def test_gradcheck_passes(name, shape, f):
    x = dlcore.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    assert dlcore.autograd.gradcheck(lambda t: f(dlcore, t), (x,))
