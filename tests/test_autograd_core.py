"""The autograd core as the course meets it: requires_grad, leaves, grad_fn and its printing,
backward and autograd.grad, accumulation, retain_graph, create_graph, detach, hooks, grad modes,
the errors PyTorch raises word for word (with `dlcore` for `torch`), anomaly mode, and that a
training loop neither leaks memory nor hits a recursion limit.

Most checks run the same code, written once as `lambda m: ...`, with m = dlcore and m = torch
(PyTorch is the oracle; those checks skip without it)."""
import gc
import os
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import dlcore
from dlcore.autograd.graph import AccumulateGrad


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _values(t):
    return None if t is None else np.asarray(t.detach().cpu().numpy() if hasattr(t, "detach") else t)


def _error(code, m):
    """(exception type name, message with the library's name replaced by 'dlcore')."""
    with pytest.raises(Exception) as info:
        code(m)
    from .oracle import on_default_device            # (needs torch)
    message = str(info.value).replace("torch.", "dlcore.")
    return type(info.value).__name__, on_default_device(message) if m is not dlcore else message


def _same_error(code, torch, expected_type=RuntimeError):
    """Run `code` on both libraries: the same exception type and, word for word, message (with
    the PyTorch dlcore mirrors). Returns dlcore's message."""
    from .oracle import assert_same_message
    ours, theirs = _error(code, dlcore), _error(code, torch)
    assert ours[0] == theirs[0] == expected_type.__name__
    assert_same_message(ours[1], theirs[1])
    return ours[1]


def _same(code, torch):
    """Run `code` on both libraries; it returns tensors (or None): equal values."""
    ours, theirs = code(dlcore), code(torch)
    if not isinstance(ours, tuple):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if a is None or b is None:
            assert a is None and b is None
        else:
            np.testing.assert_allclose(_values(a), _values(b), rtol=1e-6)
    return ours


# -- requires_grad, leaves, grad ----------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1.0, 2.0], requires_grad=True),
    lambda m: m.zeros(2, 3, requires_grad=True),
    lambda m: m.ones(3, requires_grad=True),
    lambda m: m.empty(2, requires_grad=True),
    lambda m: m.full((2,), 3.0, requires_grad=True),
    lambda m: m.zeros_like(m.ones(2), requires_grad=True),
    lambda m: m.ones_like(m.ones(2), requires_grad=True),
    lambda m: m.full_like(m.ones(2), 7.0, requires_grad=True),
    lambda m: m.tensor([1.0], dtype=m.float64, requires_grad=True),
    lambda m: m.ones(2).requires_grad_(),
    lambda m: m.ones(2).new_tensor([1.0, 2.0], requires_grad=True),
])
def test_creation_ops_make_leaves_that_require_grad(make, torch):
    for m in (dlcore, torch):
        t = make(m)
        assert t.requires_grad is True and t.is_leaf is True
        assert t.grad is None and t.grad_fn is None


def test_requires_grad_defaults_and_toggling():
    t = dlcore.ones(3)
    assert t.requires_grad is False and t.is_leaf is True
    assert t.requires_grad_() is t and t.requires_grad is True
    assert t.requires_grad_(False) is t and t.requires_grad is False


@pytest.mark.parametrize("code", [
    lambda m: m.zeros(3, dtype=m.int64, requires_grad=True),
    lambda m: m.tensor([1, 2], requires_grad=True),
    lambda m: m.arange(3, requires_grad=True),
    lambda m: m.tensor([True], requires_grad=True),
])
def test_integer_tensors_cannot_require_grad_on_creation(code, torch):
    message = _same_error(code, torch)
    assert message == "Only Tensors of floating point and complex dtype can require gradients"


def test_integer_tensors_cannot_require_grad_later(torch):
    message = _same_error(lambda m: m.arange(3).requires_grad_(), torch)
    assert message == "only Tensors of floating point dtype can require gradients"


def test_requires_grad_false_on_a_non_leaf_is_refused(torch):
    message = _same_error(lambda m: (m.ones(2, requires_grad=True) * 2).requires_grad_(False),
                          torch)
    assert message.startswith("you can only change requires_grad flags of leaf variables.")
    y = dlcore.ones(2, requires_grad=True) * 2
    assert y.requires_grad_(True) is y          # turning it on again is harmless


def test_is_leaf_and_grad_fn():
    x = dlcore.tensor([1.0, 2.0, 3.0], requires_grad=True)
    plain = dlcore.tensor([1.0, 2.0])
    y = x * 2
    assert x.is_leaf and plain.is_leaf and not y.is_leaf
    assert y.requires_grad and y.grad_fn is not None
    assert (plain * 2).grad_fn is None and not (plain * 2).requires_grad
    with dlcore.no_grad():
        z = x * 2
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad


def test_grad_is_none_until_backward():
    x = dlcore.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    assert x.grad is None
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert x.grad.requires_grad is False and x.grad.grad_fn is None


# -- grad_fn, next_functions, printing ------------------------------------------------------------
@pytest.mark.parametrize("code, name", [
    (lambda m, x: x * 2, "MulBackward0"),
    (lambda m, x: x + 1, "AddBackward0"),
    (lambda m, x: x - x, "SubBackward0"),
    (lambda m, x: x / 3, "DivBackward0"),
    (lambda m, x: x ** 2, "PowBackward0"),
    (lambda m, x: x ** x, "PowBackward1"),
    (lambda m, x: 2 ** x, "PowBackward2"),
    (lambda m, x: x.sum(), "SumBackward0"),
    (lambda m, x: x.mean(), "MeanBackward0"),
    (lambda m, x: x.view(3, 1), "ViewBackward0"),
    (lambda m, x: x.reshape(1, 3), "ViewBackward0"),
    (lambda m, x: x.expand(2, 3), "ExpandBackward0"),
    (lambda m, x: m.stack([x, x]), "StackBackward0"),
    (lambda m, x: x.unbind(0)[1], "UnbindBackward0"),
])
def test_grad_fn_names_equal_torch(code, name, torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        result = code(m, x)
        if m is dlcore and result.grad_fn is None:
            pytest.skip(f"{name}: no derivative in dlcore yet")
        assert type(result.grad_fn).__name__ == name
        assert result.grad_fn.name() == name


def test_next_functions_lead_to_accumulate_grad(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], requires_grad=True)
        loss = (x * w + 1).sum()
        add_node, nr = loss.grad_fn.next_functions[0]
        assert type(add_node).__name__ == "AddBackward0" and nr == 0
        mul_node = add_node.next_functions[0][0]
        assert type(mul_node).__name__ == "MulBackward0"
        (acc_x, nx), (acc_w, nw) = mul_node.next_functions
        assert type(acc_x).__name__ == "AccumulateGrad" and acc_x.variable is x and nx == 0
        assert type(acc_w).__name__ == "AccumulateGrad" and acc_w.variable is w and nw == 0
        assert acc_x.next_functions == ()
        # one AccumulateGrad per leaf while a graph references it
        assert (x * 3).grad_fn.next_functions[0][0] is acc_x
        if m is dlcore:
            assert isinstance(acc_x, AccumulateGrad)


def test_next_functions_of_an_input_that_does_not_require_grad(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        assert (x * c).grad_fn.next_functions[1] == (None, 0)


@pytest.mark.parametrize("expression", [
    "x + 2", "2 + x", "x - 2", "2 - x", "x * 2", "2 * x", "x / 2", "2 / x", "x ** 2", "2 ** x",
    "lib.where(x > 1, x, 0.0)", "lib.where(x > 1, 0.0, x)", "x.add(2, alpha=3)", "x.mul(True)",
    "lib.div(x, 2, rounding_mode='floor')", "x.clamp(0, 1)", "x * x", "x.lerp(x, 0.5)"])
def test_next_functions_list_python_number_operands_where_torch_does(torch, expression):
    """PyTorch wraps a number operand of add, sub, mul, div and where as a tensor and lists an
    edge (None, 0) for it; ops with number overloads (pow, clamp, rsub) list none."""
    edges = []
    for lib in (dlcore, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = eval(expression, {"x": x, "lib": lib})
        edges.append([type(f).__name__ if f is not None else None
                      for f, _ in y.grad_fn.next_functions])
        y.sum().backward()                       # the gradient still flows to x
        edges.append(x.grad.tolist())
    assert edges[:2] == edges[2:]


def test_multi_output_nodes_number_their_outputs(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        a, b, c = x.unbind(0)
        assert (a * b).grad_fn.next_functions == ((a.grad_fn, 0), (b.grad_fn, 1))
        assert a.grad_fn is c.grad_fn


@pytest.mark.parametrize("code", [
    lambda m: m.tensor([1.0, 2.0, 3.0], requires_grad=True),
    lambda m: m.zeros(2, 2, requires_grad=True),
    lambda m: m.ones((), requires_grad=True),
    lambda m: m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True),
    lambda m: m.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2,
    lambda m: m.tensor([1.0, 2.0, 3.0], requires_grad=True).sum(),
    lambda m: m.tensor([1.0, 2.0, 3.0], requires_grad=True).mean(),
    lambda m: m.tensor([1.5, 2.0], dtype=m.float64, requires_grad=True) * 2,
    lambda m: m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).view(4),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True) ** 2 + 1,
    lambda m: m.tensor([1.0, 2.0], requires_grad=True).detach(),
    lambda m: m.tensor([1.0, 2.0], requires_grad=True).unbind(0)[0],
    lambda m: m.stack([m.tensor(1.0, requires_grad=True), m.tensor(2.0)]),
    lambda m: m.tensor([1e-8, 1e8], requires_grad=True) * 1,
])
@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_repr_suffixes_equal_torch(code, torch):
    assert repr(code(dlcore)) == repr(code(torch)).replace("torch.", "dlcore.")


# -- backward -------------------------------------------------------------------------------------
def test_backward_of_a_scalar_and_with_a_gradient(torch):
    def scalar(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        (x * w + x ** 2).mean().backward()
        return x.grad, w.grad

    def vector(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        (x * x).backward(m.tensor([1.0, 0.5, 0.0]))
        return x.grad

    def matrix(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        (x * 3).backward(m.tensor([[1.0, 2.0], [3.0, 4.0]]))
        return x.grad

    def zero_dim_gradient(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward(m.tensor(2.0))
        return x.grad

    for code in (scalar, vector, matrix, zero_dim_gradient):
        _same(code, torch)


@pytest.mark.parametrize("gradient", [
    lambda m: m.ones(2),
    lambda m: m.ones(1, 3),
    lambda m: m.ones(3, 1),
])
def test_backward_gradient_of_the_wrong_shape(gradient, torch):
    message = _same_error(lambda m: (m.ones(3, requires_grad=True) * 2).backward(gradient(m)),
                          torch)
    assert message.startswith("Mismatch in shape: grad_output[0] has a shape of dlcore.Size(")


def test_backward_gradient_of_the_wrong_shape_for_a_scalar(torch):
    message = _same_error(lambda m: m.ones(3, requires_grad=True).sum().backward(m.ones(1)), torch)
    assert message == ("Mismatch in shape: grad_output[0] has a shape of dlcore.Size([1]) and "
                       "output[0] has a shape of dlcore.Size([]).")


def test_backward_on_a_non_scalar_needs_a_gradient(torch):
    message = _same_error(lambda m: (m.ones(3, requires_grad=True) * 2).backward(), torch)
    assert message == "grad can be implicitly created only for scalar outputs"


def test_backward_on_a_tensor_that_does_not_require_grad(torch):
    message = _same_error(lambda m: m.ones(3).sum().backward(), torch)
    assert message == "element 0 of tensors does not require grad and does not have a grad_fn"
    with dlcore.no_grad():
        y = dlcore.ones(3, requires_grad=True).sum()
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        y.backward()


def test_backward_on_a_leaf_fills_its_own_grad(torch):
    def code(m):
        x = m.tensor(3.0, requires_grad=True)
        x.backward()
        return x.grad
    _same(code, torch)


def test_gradients_accumulate(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        for _ in range(3):
            (x * x).sum().backward()
        first = x.grad.clone()
        x.grad.zero_()
        (x * 5).sum().backward()
        return first, x.grad
    first, after_zero = _same(code, torch)
    assert first.tolist() == [6.0, 12.0] and after_zero.tolist() == [5.0, 5.0]


def test_accumulation_keeps_the_same_grad_tensor():
    x = dlcore.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    grad = x.grad
    (x * 3).sum().backward()
    assert x.grad is grad and grad.tolist() == [5.0, 5.0]


def test_a_leaf_used_twice_gets_the_sum(torch):
    def code(m):
        x = m.tensor([1.0, -2.0], requires_grad=True)
        y = x * 3
        (y * y + y + x).sum().backward()
        return x.grad
    _same(code, torch)


def test_broadcast_gradients_are_summed_back(torch):
    def code(m):
        w = m.tensor([[2.0], [3.0]], requires_grad=True)      # (2, 1)
        b = m.tensor(0.5, requires_grad=True)                 # ()
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)     # (3,)
        ((w * x + b) ** 2).mean().backward()
        return w.grad, b.grad, x.grad
    w_grad, b_grad, x_grad = _same(code, torch)
    assert w_grad.shape == dlcore.Size([2, 1]) and b_grad.shape == dlcore.Size([])


def test_float64_gradients_stay_float64(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        (x * m.tensor([1.0, 1.0])).sum().backward()
        return x.grad
    (grad,) = _same(code, torch)
    assert grad.dtype == dlcore.float64


# -- retain_graph, create_graph --------------------------------------------------------------------
def test_a_second_backward_through_a_freed_graph_fails(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    message = _same_error(code, torch)
    assert message == (
        "Trying to backward through the graph a second time (or directly access saved tensors "
        "after they have already been freed). Saved intermediate values of the graph are freed "
        "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
        "backward through the graph a second time or if you need to access saved tensors after "
        "calling backward.")


def test_retain_graph_allows_a_second_backward(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    assert _same(code, torch)[0].tolist() == [4.0, 8.0]


def test_graphs_that_save_nothing_can_backward_twice(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x + x).sum()
        y.backward()
        y.backward()
        return x.grad
    assert _same(code, torch)[0].tolist() == [4.0, 4.0]


def test_create_graph_gives_higher_derivatives(torch):
    def code(m):
        x = m.tensor([1.0, 2.0, -3.0], requires_grad=True)
        (dx,) = m.autograd.grad((x ** 3).sum(), x, create_graph=True)      # 3x²
        (dxx,) = m.autograd.grad(dx.sum(), x, create_graph=True)           # 6x
        (dxxx,) = m.autograd.grad(dxx.sum(), x)                            # 6
        return dx, dxx, dxxx
    dx, dxx, dxxx = _same(code, torch)
    assert dx.tolist() == [3.0, 12.0, 27.0]
    assert dxx.tolist() == [6.0, 12.0, -18.0] and dxxx.tolist() == [6.0, 6.0, 6.0]


def test_create_graph_results_carry_a_graph():
    x = dlcore.tensor(2.0, requires_grad=True)
    (d1,) = dlcore.autograd.grad(x ** 3, x, create_graph=True)
    assert d1.requires_grad and d1.grad_fn is not None and d1.item() == 12.0
    (d1_plain,) = dlcore.autograd.grad(x ** 3, x)
    assert not d1_plain.requires_grad and d1_plain.grad_fn is None


def test_backward_with_create_graph_then_grad_of_the_grad(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        first = x.grad.detach().clone()
        (second,) = m.autograd.grad(x.grad.sum(), x)
        return first, second
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # torch warns about the grad <-> graph cycle
        _same(code, torch)


def test_mixed_second_derivative(torch):
    def code(m):
        a = m.tensor(2.0, requires_grad=True)
        b = m.tensor(3.0, requires_grad=True)
        (da,) = m.autograd.grad(a * a * b, a, create_graph=True)   # 2ab
        return m.autograd.grad(da, b)                               # 2a
    assert _same(code, torch)[0].item() == 4.0


# -- autograd.grad -------------------------------------------------------------------------------
def test_autograd_grad_returns_without_touching_grad(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        grads = m.autograd.grad((a * b).sum(), [a, b])
        assert a.grad is None and b.grad is None and isinstance(grads, tuple)
        return grads
    _same(code, torch)


def test_autograd_grad_with_grad_outputs(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        return m.autograd.grad(a * b, [a, b], grad_outputs=m.tensor([1.0, -1.0]))
    _same(code, torch)


def test_autograd_grad_of_several_outputs(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        return m.autograd.grad([(a * a).sum(), a.sum()], [a])
    _same(code, torch)


def test_autograd_grad_allow_unused_and_materialize(torch):
    def unused(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        return m.autograd.grad((a * 2).sum(), [a, b], allow_unused=True)

    def materialized(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        return m.autograd.grad((a * 2).sum(), [a, b], materialize_grads=True)
    assert _same(unused, torch)[1] is None
    assert _same(materialized, torch)[1].tolist() == [0.0, 0.0]


def test_autograd_grad_unused_input_error(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        m.autograd.grad((a * 2).sum(), [a, b])
    message = _same_error(code, torch)
    assert message == ("The differentiated Tensor at index 1 appears to not have been used in "
                       "the graph. Set allow_unused=True if this is the desired behavior.")


def test_autograd_grad_of_an_input_that_does_not_require_grad(torch):
    message = _same_error(
        lambda m: m.autograd.grad((m.ones(2, requires_grad=True) * 2).sum(), m.ones(2)), torch)
    assert message == "One of the differentiated Tensors does not require grad"


def test_autograd_grad_frees_the_graph_unless_retained(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        y = (a * a).sum()
        m.autograd.grad(y, a)
        m.autograd.grad(y, a)
    assert _same_error(code, torch).startswith("Trying to backward through the graph a second")

    a = dlcore.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sum()
    first = dlcore.autograd.grad(y, a, retain_graph=True)[0]
    assert dlcore.autograd.grad(y, a)[0].tolist() == first.tolist() == [2.0, 4.0]


def test_autograd_grad_wrt_an_intermediate(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        return m.autograd.grad((h * h).sum(), h)
    _same(code, torch)


def test_autograd_backward_with_inputs_fills_only_those(torch):
    def code(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0], requires_grad=True)
        m.autograd.backward([(a * b).sum()], inputs=[a])
        return a.grad, b.grad
    assert _same(code, torch)[1] is None


# -- detach, retain_grad, hooks --------------------------------------------------------------------
def test_detach_shares_storage_and_cuts_the_graph(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        assert d.requires_grad is False and d.grad_fn is None and d.is_leaf
        assert d.data_ptr() == y.data_ptr()
        d[0] = 10.0                      # shared memory: the write shows in y
        assert y[0].item() == 10.0
        assert x.detach().data_ptr() == x.data_ptr()


def test_detach_in_place(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        assert y.detach_() is y
        assert y.requires_grad is False and y.grad_fn is None and y.is_leaf
    message = _error(lambda m: (m.ones(2, requires_grad=True) * 1).view(2).detach_(), dlcore)
    assert message == ("RuntimeError", "Can't detach views in-place. Use detach() instead.")


def test_detach_then_requires_grad_makes_a_new_leaf(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        p = (x * 2).detach().requires_grad_()
        assert p.is_leaf and p.requires_grad and p.grad is None
        (p * p).sum().backward()
        assert p.grad.tolist() == [4.0, 8.0] and x.grad is None


def test_retain_grad_keeps_a_non_leaf_gradient(torch):
    def code(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        assert y.retains_grad and not x.retains_grad
        (y * y).sum().backward()
        return y.grad, x.grad
    _same(code, torch)


def test_non_leaf_grad_is_none_without_retain_grad():
    x = dlcore.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # PyTorch warns here; see the xfail below
        assert y.grad is None


def test_reading_grad_of_a_non_leaf_warns_as_in_torch(torch):
    messages = []
    for lib in (dlcore, torch):
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 2
        with pytest.warns(UserWarning, match="not a leaf Tensor") as caught:
            assert y.grad is None
        messages.append(str(caught[0].message).split(" (Triggered internally")[0])
        y.retain_grad()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert y.grad is None                # no warning once the gradient is kept
    assert messages[0] == messages[1]


@pytest.mark.parametrize("value, error", [
    ("3", TypeError), ("m.zeros(2)", RuntimeError), ("m.zeros(3, dtype=m.float64)", RuntimeError),
    ("m.zeros(3, dtype=m.int64)", RuntimeError), ("m.zeros(3, dtype=m.uint8)", RuntimeError)])
def test_assigning_a_wrong_grad_is_refused_as_in_torch(torch, value, error):
    def code(m):
        x = m.ones(3, requires_grad=True)
        x.grad = eval(value, {"m": m})
    _same_error(code, torch, error)


def test_assigning_and_deleting_grad(torch):
    def code(m):
        x, y = m.ones(3, requires_grad=True), m.ones(3)
        x.grad, y.grad = m.full((3,), 2.0), m.zeros(3)     # (any tensor may hold a .grad)
        before = x.grad.clone()
        del x.grad
        return before, x.grad, y.grad
    _same(code, torch)


def test_retain_grad_errors(torch):
    message = _same_error(lambda m: m.ones(2).retain_grad(), torch)
    assert message == "can't retain_grad on Tensor that has requires_grad=False"


def test_hook_replaces_the_gradient_and_can_be_removed(torch):
    def code(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        handle = x.register_hook(lambda g: g * 10)
        (x * 1).sum().backward()
        with_hook = x.grad.clone()
        handle.remove()
        x.grad = None
        (x * 1).sum().backward()
        return with_hook, x.grad
    with_hook, without = _same(code, torch)
    assert with_hook.tolist() == [10.0] * 3 and without.tolist() == [1.0] * 3


def test_hook_on_a_non_leaf_changes_what_flows_on(torch):
    def code(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.register_hook(lambda g: g + 1)
        (y * 3).sum().backward()
        return x.grad
    assert _same(code, torch)[0].tolist() == [4.0, 4.0]


def test_hook_returning_none_observes_the_gradient(torch):
    for m in (dlcore, torch):
        seen = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: seen.append(g.clone()))
        (x * 2).sum().backward()
        assert [s.tolist() for s in seen] == [[2.0, 2.0]] and x.grad.tolist() == [2.0, 2.0]


def test_several_hooks_run_in_order(torch):
    def code(m):
        x = m.tensor([1.0], requires_grad=True)
        x.register_hook(lambda g: g + 1)
        x.register_hook(lambda g: g * 10)
        (x * 1).sum().backward()
        return x.grad
    assert _same(code, torch)[0].tolist() == [20.0]


def test_hook_on_a_tensor_without_grad(torch):
    message = _same_error(lambda m: m.ones(2).register_hook(lambda g: g), torch)
    assert message == "cannot register a hook on a tensor that doesn't require gradient"


# -- grad modes ------------------------------------------------------------------------------------
def test_no_grad_and_enable_grad_as_context_managers(torch):
    for m in (dlcore, torch):
        x = m.ones(2, requires_grad=True)
        assert m.is_grad_enabled()
        with m.no_grad():
            assert not m.is_grad_enabled()
            assert not (x * 2).requires_grad
            with m.enable_grad():
                assert m.is_grad_enabled() and (x * 2).requires_grad
            assert not m.is_grad_enabled()
        assert m.is_grad_enabled() and (x * 2).requires_grad


def test_grad_modes_as_decorators(torch):
    for m in (dlcore, torch):
        x = m.ones(2, requires_grad=True)

        @m.no_grad()
        def frozen(t):
            """doc"""
            return t * 2

        @m.enable_grad()
        def recording(t):
            return t * 2

        @m.set_grad_enabled(False)
        def also_frozen(t):
            return t * 2

        @m.inference_mode()
        def inferring(t):
            return t * 2

        assert m.is_grad_enabled()            # decorating switches nothing
        assert frozen.__name__ == "frozen" and frozen.__doc__ == "doc"
        assert not frozen(x).requires_grad and not also_frozen(x).requires_grad
        assert not inferring(x).requires_grad
        with m.no_grad():
            assert recording(x).requires_grad
        assert m.is_grad_enabled()


def test_set_grad_enabled_as_a_function_and_a_context_manager(torch):
    for m in (dlcore, torch):
        x = m.ones(2, requires_grad=True)
        m.set_grad_enabled(False)
        try:
            assert not m.is_grad_enabled() and not (x * 2).requires_grad
        finally:
            m.set_grad_enabled(True)
        assert m.is_grad_enabled()
        for mode in (True, False):
            with m.set_grad_enabled(mode):
                assert (x * 2).requires_grad is mode
            assert m.is_grad_enabled()


def test_set_grad_enabled_wants_a_bool(torch):
    message = _same_error(lambda m: m.set_grad_enabled(1), torch, TypeError)
    assert message == "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not int"


def test_inference_mode(torch):
    for m in (dlcore, torch):
        x = m.ones(2, requires_grad=True)
        with m.inference_mode():
            assert not m.is_grad_enabled() and not (x * 2).requires_grad
        with m.inference_mode(False):
            assert (x * 2).requires_grad
        assert m.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with dlcore.no_grad():
            1 / 0
    assert dlcore.is_grad_enabled()


def test_autograd_namespace_holds_the_grad_modes():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
                 "is_grad_enabled"):
        assert getattr(dlcore.autograd, name) is getattr(dlcore, name)


# -- in-place operations and version counters ------------------------------------------------------
def test_in_place_on_a_leaf_that_requires_grad(torch):
    for code in (lambda m: m.ones(2, requires_grad=True).add_(1),
                 lambda m: m.ones(2, requires_grad=True).mul_(2),
                 lambda m: m.ones(2, requires_grad=True).zero_()):
        message = _same_error(code, torch)
        assert message == ("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def test_in_place_operator_on_a_leaf(torch):
    def code(m):
        x = m.ones(2, requires_grad=True)
        x += 1
    assert _same_error(code, torch) == ("a leaf Variable that requires grad is being used in an "
                                        "in-place operation.")


def test_in_place_on_a_leaf_is_fine_under_no_grad(torch):
    for m in (dlcore, torch):
        x = m.ones(2, requires_grad=True)
        with m.no_grad():
            x -= 0.5
            x.mul_(4)
        assert x.tolist() == [2.0, 2.0] and x.is_leaf and x.requires_grad


def test_in_place_on_a_non_leaf_records_the_graph(torch):
    def code(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(m.tensor([1.0, -1.0, 0.5]))
        assert type(y.grad_fn).__name__ == "MulBackward0"
        y.sum().backward()
        return x.grad
    _same(code, torch)


@pytest.mark.parametrize("modify, expected", [
    (lambda y: y.add_(1), "output 0 of Add, is at version 1; expected version 0"),
    (lambda y: (y.mul_(2), y.mul_(3)), "output 0 of Mul, is at version 2; expected version 0"),
])
def test_version_counter_error_word_for_word(modify, expected, torch):
    def code(m):
        x = m.ones(3, requires_grad=True)
        y = x * 1
        z = y * y            # saves y
        modify(y)            # then y changes in place
        z.sum().backward()
    from .oracle import on_default_device
    message = _same_error(code, torch)
    assert message == on_default_device(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [dlcore.FloatTensor [3]], which is {expected} instead. Hint: enable anomaly "
        "detection to find the operation that failed to compute its gradient, with "
        "dlcore.autograd.set_detect_anomaly(True, check_nan=False).")


def test_version_counter_counts_writes_through_views(torch):
    for m in (dlcore, torch):
        x = m.zeros(4)
        v = x[1:3]
        assert x._version == 0
        v.add_(1)
        v[0] = 5.0
        x.zero_()
        assert x._version == v._version == 3


def test_version_counter_error_names_a_leaf_modified_under_no_grad(torch):
    def code(m):
        w = m.ones(2, 2, requires_grad=True)
        loss = (w * w).sum()
        with m.no_grad():
            w.add_(1)        # an optimizer step before backward
        loss.backward()
    from .oracle import on_default_device
    message = _same_error(code, torch)
    assert on_default_device("[dlcore.FloatTensor [2, 2]] is at version 1; expected version 0 "
                             "instead.") in message


@pytest.mark.xfail(strict=False, reason="dlcore keeps the version counter on the Storage, so "
                   "`.data` (same storage) shares it; PyTorch gives `.data` a counter of its own")
def test_writing_through_data_is_not_counted(torch):
    def code(m):
        x = m.ones(3, requires_grad=True)
        y = x * 1
        z = y * y
        y.data.add_(1)
        z.sum().backward()
        return x.grad
    _same(code, torch)


# -- NumPy -----------------------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="detach().numpy() shares the tensor's memory")
def test_numpy_of_a_tensor_that_requires_grad(torch):
    for code in (lambda m: m.ones(2, requires_grad=True).cpu().numpy(),
                 lambda m: (m.ones(2, requires_grad=True) * 2).cpu().numpy()):
        message = _same_error(code, torch)
        assert message == ("Can't call numpy() on Tensor that requires grad. Use "
                           "tensor.detach().numpy() instead.")
    x = dlcore.ones(2, requires_grad=True)
    array = x.detach().numpy()
    array[0] = 7.0
    assert x[0].item() == 7.0


# -- anomaly mode ----------------------------------------------------------------------------------
@pytest.fixture
def anomaly_off():
    yield
    dlcore.autograd.set_detect_anomaly(False)


def _modified_saved_tensor_backward(m):
    x = m.ones(3, requires_grad=True)
    y = x * 1
    z = y * y            # the line anomaly mode must name
    y.add_(1)
    z.sum().backward()


def test_anomaly_mode_switches(anomaly_off, torch):
    for m, enabled, check_nan in (
            (dlcore, dlcore.autograd.is_anomaly_enabled,
             dlcore.autograd.is_anomaly_check_nan_enabled),
            (torch, torch.is_anomaly_enabled, torch.is_anomaly_check_nan_enabled)):
        assert not enabled() and check_nan()
        m.autograd.set_detect_anomaly(True)            # a plain call switches it on
        assert enabled()
        m.autograd.set_detect_anomaly(False)
        assert not enabled()
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            assert enabled() and not check_nan()
        assert not enabled() and check_nan()           # the block restores the previous mode


def test_detect_anomaly_warns_that_it_is_slow(anomaly_off):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled. This mode will "
                                         "increase the runtime and should only be enabled for "
                                         "debugging."):
        with dlcore.autograd.detect_anomaly():
            assert dlcore.autograd.is_anomaly_enabled()
    assert not dlcore.autograd.is_anomaly_enabled()


def test_anomaly_mode_names_the_forward_line(anomaly_off):
    with pytest.warns(UserWarning, match=r"(?s)Error detected in MulBackward0\. Traceback of "
                                         r"forward call that caused the error:\n.*z = y \* y"):
        with dlcore.autograd.set_detect_anomaly(True):
            with pytest.raises(RuntimeError) as info:
                _modified_saved_tensor_backward(dlcore)
    message = str(info.value)
    assert message.startswith("one of the variables needed for gradient computation has been "
                              "modified by an inplace operation")
    # PyTorch's hint under anomaly mode, then where the failing node was made
    assert ("Hint: the backtrace further above shows the operation that failed to compute its "
            "gradient. The variable in question was changed in there or anywhere later. Good "
            "luck!") in message
    assert "\n\nThe forward call that caused this error:\n" in message
    trace = message.split("The forward call that caused this error:\n")[1]
    assert "test_autograd_core.py" in trace and "z = y * y" in trace
    assert "dlcore/" not in trace.replace("\\", "/")       # only the user's frames


def test_anomaly_mode_off_leaves_messages_alone(torch):
    message = _same_error(_modified_saved_tensor_backward, torch)
    assert "The forward call" not in message


def test_anomaly_mode_catches_nan_gradients(anomaly_off, torch):
    def code(m):
        with m.autograd.set_detect_anomaly(True):
            x = m.tensor([-1.0, 4.0], requires_grad=True)
            (x ** 0.5).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _error(code, dlcore), _error(code, torch)
    assert ours[1].split("\n")[0] == theirs[1] == ("Function 'PowBackward0' returned nan values "
                                                   "in its 0th output.")
    with dlcore.autograd.set_detect_anomaly(True, check_nan=False):
        x = dlcore.tensor([-1.0, 4.0], requires_grad=True)
        (x ** 0.5).sum().backward()
        assert np.isnan(x.grad[0].item())


def test_anomaly_mode_as_a_decorator(anomaly_off):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        @dlcore.autograd.detect_anomaly()
        def step():
            assert dlcore.autograd.is_anomaly_enabled()
            return 1
    assert step() == 1 and not dlcore.autograd.is_anomaly_enabled()


# -- memory and depth ------------------------------------------------------------------------------
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def _chapter4_epochs(params, t_un, t_c, n):
    for _ in range(n):
        if params.grad is not None:
            params.grad.zero_()
        w, b = params
        loss = ((w * t_un + b - t_c) ** 2).mean()
        loss.backward()
        with dlcore.no_grad():
            params -= 1e-2 * params.grad
    return loss


def _rss_bytes():
    """The process's resident memory now (Linux), or None elsewhere."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def _traced(run):
    """(bytes still held after run(), peak bytes during it), counting what run() allocates."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()


def test_training_loop_memory_stays_flat():
    """10,000 epochs of chapter 4's loop: epochs 9000-10000 peak no higher than epochs 1000-2000,
    neither window keeps what it allocates, and the process does not grow in between (a graph
    kept alive per epoch would add megabytes). Tracing every allocation is slow, so only the two
    windows are traced; the resident size covers the epochs between them. (What the first window
    holds may be a library's caches filled once, as CuPy's on a GPU: the later window must not.)"""
    t_c, t_un = dlcore.tensor(T_C), 0.1 * dlcore.tensor(T_U)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    gc.collect()
    _chapter4_epochs(params, t_un, t_c, 1000)
    early_held, early_peak = _traced(lambda: _chapter4_epochs(params, t_un, t_c, 1000))
    rss_before = _rss_bytes()
    _chapter4_epochs(params, t_un, t_c, 7000)
    rss_after = _rss_bytes()
    late_held, late_peak = _traced(lambda: _chapter4_epochs(params, t_un, t_c, 1000))
    assert late_peak <= early_peak * 1.5 + 64 * 1024, (early_peak, late_peak)
    assert late_held < 64 * 1024, (early_held, late_held)
    if dlcore.get_default_device().type == "cpu":
        assert early_held < 64 * 1024, (early_held, late_held)
    if rss_before is not None:
        assert rss_after - rss_before < 4 * 2**20, (rss_before, rss_after)
    assert abs(_chapter4_epochs(params, t_un, t_c, 1).item() - 2.927647) < 1e-3


def _cyclic_garbage_after(run):
    """How many objects `run()` leaves for the cyclic garbage collector (0: every graph was freed
    by reference counting as soon as the loop dropped it)."""
    run()                   # warm-up: caches, first-call allocations
    gc.collect()
    gc.disable()
    try:
        run()
        return gc.collect()
    finally:
        gc.enable()


def test_chapter4_graphs_are_freed_without_the_garbage_collector():
    t_c, t_un = dlcore.tensor(T_C), 0.1 * dlcore.tensor(T_U)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    assert _cyclic_garbage_after(lambda: _chapter4_epochs(params, t_un, t_c, 50)) == 0


def _tanh_epochs(n, backward):
    t_c, t_un = dlcore.tensor(T_C), 0.1 * dlcore.tensor(T_U)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    for _ in range(n):
        w, b = params
        loss = (((w * t_un + b).tanh() - t_c) ** 2).mean()     # tanh saves its result
        if backward:
            loss.backward()
            params = (params - 1e-2 * params.grad).detach().requires_grad_()


def test_graphs_saving_their_result_are_freed_after_backward():
    assert _cyclic_garbage_after(lambda: _tanh_epochs(50, backward=True)) == 0


def test_graphs_never_backpropagated_are_freed_too():
    assert _cyclic_garbage_after(lambda: _tanh_epochs(50, backward=False)) == 0


def test_a_deep_chain_backprops_without_recursion_errors():
    x = dlcore.tensor([1.0, 2.0], dtype=dlcore.float64, requires_grad=True)
    y = x
    depth = max(5000, sys.getrecursionlimit() * 3)
    for _ in range(depth):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), [1.0001 ** depth] * 2, rtol=1e-9)
    del y                       # freeing the chain must not recurse either
    gc.collect()


def test_a_deep_chain_is_freed_without_recursion_errors():
    x = dlcore.ones(2, requires_grad=True)
    y = x
    for _ in range(max(20000, sys.getrecursionlimit() * 10)):
        y = y + 1.0
    del y
