"""Every fact Chapter 4 of the syllabus ("The mechanics of learning") shows, asserted directly on
dlcore with the chapter's own code (`import dlcore as torch`): the thermometer data, the linear
model and its loss, gradients by finite differences, by hand, by autograd and checked by
gradcheck, the training loops (diverging, stalling, normalised), the autograd loops, the
optimizers (`SGD`, `Adam`), the train/validation split and switching autograd off. Where a
number comes from PyTorch, the same computation in PyTorch is checked too (skipped without it)."""
import math

import numpy as np
import pytest

import dlcore as torch     # the chapter's code, unchanged

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


@pytest.fixture
def t_c():
    return torch.tensor(T_C)


@pytest.fixture
def t_u():
    return torch.tensor(T_U)


@pytest.fixture
def t_un(t_u):
    return 0.1 * t_u


# -- the chapter's functions, as written in the chapter --------------------------------------------
def model(t_u, w, b):
    return w * t_u + b


def loss_fn(t_p, t_c):
    squared_diffs = (t_p - t_c) ** 2
    return squared_diffs.mean()


def dloss_fn(t_p, t_c):
    dsq_diffs = 2 * (t_p - t_c) / t_p.size(0)
    return dsq_diffs


def dmodel_dw(t_u, w, b):
    return t_u


def dmodel_db(t_u, w, b):
    return 1.0


def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = dloss_fn(t_p, t_c)
    dloss_dw = dloss_dtp * dmodel_dw(t_u, w, b)
    dloss_db = dloss_dtp * dmodel_db(t_u, w, b)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])


def training_loop(n_epochs, learning_rate, params, t_u, t_c, losses=None):
    """Section 6: gradients by hand."""
    for epoch in range(1, n_epochs + 1):
        w, b = params
        t_p = model(t_u, w, b)
        loss = loss_fn(t_p, t_c)
        grad = grad_fn(t_u, t_c, t_p, w, b)
        params = params - learning_rate * grad
        if losses is not None:
            losses.append(float(loss))
    return params, float(loss)


def autograd_loop(n_epochs, learning_rate, params, t_u, t_c):
    """Section 7: autograd, zeroing the gradient and updating in place under no_grad."""
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:
            params.grad.zero_()
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        loss.backward()
        with torch.no_grad():
            params -= learning_rate * params.grad
    return params, loss


def detach_loop(n_epochs, learning_rate, params, t_u, t_c):
    """Section 7: autograd, a new leaf each epoch."""
    for epoch in range(1, n_epochs + 1):
        t_p = model(t_u, *params)
        loss = loss_fn(t_p, t_c)
        loss.backward()
        params = (params - learning_rate * params.grad).detach().requires_grad_()
    return params, loss


def close(tensor, values, atol=1e-4):
    return np.allclose(tensor.detach().cpu().numpy(), values, rtol=0, atol=atol)


# -- 2-3. data, model, loss ------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_data_and_the_untrained_model(t_u, t_c):
    assert t_u.shape == t_c.shape == torch.Size([11]) and t_u.dtype == torch.float32
    w = torch.ones(())
    b = torch.zeros(())
    t_p = model(t_u, w, b)
    assert repr(t_p) == ("tensor([35.7000, 55.9000, 58.2000, 81.9000, 56.3000, 48.9000, "
                         "33.9000, 21.8000,\n        48.4000, 60.4000, 68.4000])")
    loss = loss_fn(t_p, t_c)
    # the exact mean rounded to float32 (PyTorch 2.13 prints 1763.8848: another summation order)
    assert repr(loss) == "tensor(1763.8846)"
    exact = np.mean((np.array(T_U, np.float32).astype(np.float64) - np.array(T_C)) ** 2)
    assert loss.item() == float(np.float32(exact))
    assert repr(loss_fn(t_p.double(), t_c.double()).float()) == "tensor(1763.8846)"


def test_why_pytorch_prints_1763_8848(t_u, t_c):
    """Both means are the float32 sum of the eleven squares divided by 11. dlcore's sum is the
    exact sum correctly rounded to float32; PyTorch's vectorised sum (several partial sums,
    combined at the end) rounds differently and ends one float32 step (2**-9 at this size) higher,
    which the division carries over as one step of the mean (2**-13)."""
    squares = (t_u - t_c) ** 2
    exact_sum = np.sum((np.array(T_U, np.float32).astype(np.float64) - np.array(T_C)) ** 2)
    assert squares.sum().item() == float(np.float32(exact_sum)) == 19402.73046875
    assert squares.mean().item() == float(np.float32(np.float32(19402.73046875) / np.float32(11)))
    real = pytest.importorskip("torch")
    real_squares = (real.tensor(T_U) - real.tensor(T_C)) ** 2
    assert real_squares.sum().item() == 19402.73046875 + 2 ** -9
    assert real_squares.mean().item() == (real_squares.sum() / 11).item()
    assert repr(real_squares.mean()) == "tensor(1763.8848)"
    assert real_squares.mean().item() - squares.mean().item() == 2 ** -13


def test_broadcasting_of_the_scalar_parameters(t_u):
    w, b = torch.ones(()), torch.zeros(())
    assert (w * t_u).shape == torch.Size([11]) and (w * t_u + b).shape == torch.Size([11])


# -- 4. finite differences -------------------------------------------------------------------------
def test_gradient_by_finite_differences_and_one_step(t_u, t_c):
    w, b = torch.ones(()), torch.zeros(())
    delta = 0.1
    loss_rate_of_change_w = (loss_fn(model(t_u, w + delta, b), t_c) -
                             loss_fn(model(t_u, w - delta, b), t_c)) / (2.0 * delta)
    loss_rate_of_change_b = (loss_fn(model(t_u, w, b + delta), t_c) -
                             loss_fn(model(t_u, w, b - delta), t_c)) / (2.0 * delta)
    # the loss is quadratic in w and b: the central difference is exact up to float32 rounding
    assert abs(loss_rate_of_change_w.item() - 4517.2969) < 5e-3
    assert abs(loss_rate_of_change_b.item() - 82.6) < 5e-3
    learning_rate = 1e-2
    w = w - learning_rate * loss_rate_of_change_w
    b = b - learning_rate * loss_rate_of_change_b
    assert abs(w.item() - (1 - 45.172969)) < 1e-4 and abs(b.item() + 0.826) < 1e-4


# -- 5. gradients by hand --------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_hand_derived_gradient(t_u, t_c):
    w, b = torch.ones(()), torch.zeros(())
    t_p = model(t_u, w, b)
    grad = grad_fn(t_u, t_c, t_p, w, b)
    assert grad.shape == torch.Size([2])
    assert np.allclose(grad.cpu().numpy(), [4517.2969, 82.6000], rtol=1e-6)
    assert repr(grad) in ("tensor([4517.2969,   82.6000])", "tensor([4517.2964,   82.6000])")


def test_hand_derived_gradient_agrees_with_autograd_and_finite_differences(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    loss = loss_fn(model(t_u, *params), t_c)
    loss.backward()
    w, b = torch.ones(()), torch.zeros(())
    by_hand = grad_fn(t_u, t_c, model(t_u, w, b), w, b)
    assert np.allclose(params.grad.cpu().numpy(), by_hand.cpu().numpy(), rtol=1e-6)
    # float64 central differences with a small step: the same numbers
    u, c = np.array(T_U), np.array(T_C)

    def loss64(w, b):
        return np.mean((w * u + b - c) ** 2)
    h = 1e-6
    numerical = [(loss64(1 + h, 0) - loss64(1 - h, 0)) / (2 * h),
                 (loss64(1, h) - loss64(1, -h)) / (2 * h)]
    assert np.allclose(by_hand.cpu().numpy(), numerical, rtol=1e-6)


def test_gradcheck_confirms_the_chapter_gradients():
    t_u64 = torch.tensor(T_U, dtype=torch.float64)
    t_c64 = torch.tensor(T_C, dtype=torch.float64)
    params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p: loss_fn(model(t_u64, *p), t_c64), (params,))
    assert torch.autograd.gradcheck(lambda w, b: model(t_u64, w, b),
                                    (torch.tensor(1.0, dtype=torch.float64, requires_grad=True),
                                     torch.tensor(0.0, dtype=torch.float64, requires_grad=True)))


def test_gradcheck_catches_a_wrong_hand_derivative():
    """A hand-derived gradient wired in as a backward: the chapter's, then one with the classic
    mistake (forgetting the 2 of the square), which gradcheck reports."""
    from dlcore.autograd.graph import differentiable
    t_u64 = torch.tensor(T_U, dtype=torch.float64)
    t_c64 = torch.tensor(T_C, dtype=torch.float64)

    def thermometer_loss(factor):
        @differentiable(saves=("input",))
        def loss_of_params(input):
            return loss_fn(model(t_u64, *input), t_c64)

        @loss_of_params.backward
        def _(ctx, grad):
            (params,) = ctx.inputs
            t_p = model(t_u64, *params)
            dloss_dtp = factor * (t_p - t_c64) / t_p.size(0)
            return grad * torch.stack([(dloss_dtp * t_u64).sum(), dloss_dtp.sum()])
        return loss_of_params

    params = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(thermometer_loss(2), params)
    with pytest.raises(torch.autograd.GradcheckError, match="Largest mismatch at input 0 "
                                                            "element \\[0\\], output 0"):
        torch.autograd.gradcheck(thermometer_loss(1), params)


# -- 6. the training loop --------------------------------------------------------------------------
def test_learning_rate_1e_2_on_raw_inputs_diverges(t_u, t_c):
    losses = []
    params, _ = training_loop(100, 1e-2, torch.tensor([1.0, 0.0]), t_u, t_c, losses)
    assert f"{losses[0]:.2f}" == "1763.88"
    assert losses[1] == 5802484.5
    assert all(b > 1000 * a for a, b in zip(losses[:9], losses[1:10]))     # exploding
    assert math.isfinite(losses[9]) and losses[10] == math.inf             # inf by epoch 11
    assert all(math.isnan(v) for v in params.tolist())


def test_learning_rate_1e_4_is_stable_but_stalls(t_u, t_c):
    losses = []
    params, loss = training_loop(100, 1e-4, torch.tensor([1.0, 0.0]), t_u, t_c, losses)
    assert f"{losses[1]:.4f}" == "323.0905" and f"{losses[2]:.4f}" == "78.9296"
    assert abs(loss - 29.0227) < 1e-3 and abs(losses[-2] - loss) < 1e-3     # stalled
    assert close(params, [0.2327, -0.0438])


def test_normalised_inputs_100_epochs(t_un, t_c):
    params, loss = training_loop(100, 1e-2, torch.tensor([1.0, 0.0]), t_un, t_c)
    assert abs(loss - 22.1487) < 1e-4
    assert close(params, [2.7553, -2.5162])


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_normalised_inputs_5000_epochs(t_un, t_c):
    params, loss = training_loop(5000, 1e-2, torch.tensor([1.0, 0.0]), t_un, t_c)
    assert f"{loss:.6f}" == "2.927648"
    assert close(params, [5.3671, -17.3012])
    assert repr(params) == "tensor([  5.3671, -17.3012])"
    # undoing the 0.1: the Fahrenheit-to-Celsius conversion, 5/9 and -160/9
    assert abs(params[0].item() * 0.1 - 5 / 9) < 0.02
    assert abs(params[1].item() - (-160 / 9)) < 0.5


# -- 7. autograd -----------------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_params_grad_starts_as_none_and_backward_fills_it(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    assert params.grad is None
    loss = loss_fn(model(t_u, *params), t_c)
    assert loss.requires_grad and loss.grad_fn is not None
    assert type(loss.grad_fn).__name__ == "MeanBackward0"
    loss.backward()
    assert repr(params.grad) == "tensor([4517.2969,   82.6000])"


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_gradients_accumulate_then_zero(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    for _ in range(2):
        loss_fn(model(t_u, *params), t_c).backward()
    assert repr(params.grad) == "tensor([9034.5938,  165.2000])"
    params.grad.zero_()
    assert params.grad.tolist() == [0.0, 0.0]


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_autograd_loop_with_zero_grad(t_un, t_c):
    params, loss = autograd_loop(5000, 1e-2, torch.tensor([1.0, 0.0], requires_grad=True),
                                 t_un, t_c)
    assert repr(params) == "tensor([  5.3671, -17.3012], requires_grad=True)"
    assert params.is_leaf and f"{loss.item():.4f}" == "2.9276"


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_autograd_loop_with_detach_requires_grad(t_un, t_c):
    params, loss = detach_loop(5000, 1e-2, torch.tensor([1.0, 0.0], requires_grad=True),
                               t_un, t_c)
    assert repr(params) == "tensor([  5.3671, -17.3012], requires_grad=True)"
    assert params.is_leaf and params.grad is None
    by_hand, _ = training_loop(5000, 1e-2, torch.tensor([1.0, 0.0]), t_un, t_c)
    assert close(params, by_hand.cpu().numpy(), atol=1e-4)


def test_loops_agree_with_torch(t_un, t_c):
    real = pytest.importorskip("torch")
    ours, _ = detach_loop(500, 1e-2, torch.tensor([1.0, 0.0], requires_grad=True), t_un, t_c)
    theirs = real.tensor([1.0, 0.0], requires_grad=True)
    ru, rc = 0.1 * real.tensor(T_U), real.tensor(T_C)
    for _ in range(500):
        loss = ((theirs[0] * ru + theirs[1] - rc) ** 2).mean()
        loss.backward()
        theirs = (theirs - 1e-2 * theirs.grad).detach().requires_grad_()
    assert np.allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), rtol=1e-5)


# -- 8. optimizers ---------------------------------------------------------------------------------
def optimizer_loop(n_epochs, optimizer, params, t_u, t_c):
    """Section 8: the optimizer does the update."""
    for epoch in range(1, n_epochs + 1):
        loss = loss_fn(model(t_u, *params), t_c)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return params, loss.item()


def test_optim_lists_the_chapters_optimizers():
    names = [name for name in dir(torch.optim) if name[0].isupper()]
    assert {"SGD", "Adam", "Optimizer"} <= set(names)
    assert all(isinstance(getattr(torch.optim, name), type) for name in names)


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_sgd_one_step_updates_params_in_place(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=1e-5)
    loss_fn(model(t_u, *params), t_c).backward()
    optimizer.step()
    assert repr(params) == "tensor([ 9.5483e-01, -8.2600e-04], requires_grad=True)"
    # exactly params - lr * grad, with the gradient [4517.2969, 82.6000]
    assert close(params, [1 - 1e-5 * 4517.2969, -1e-5 * 82.6], atol=1e-7)
    assert params.is_leaf and params.grad is not None


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_sgd_with_zero_grad_on_normalised_inputs(t_un, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=1e-2)
    params.grad = torch.tensor([123.0, 456.0])      # stale: zero_grad must clear it
    loss = loss_fn(model(t_un, *params), t_c)
    optimizer.zero_grad()
    assert params.grad is None                      # set_to_none=True, PyTorch's default
    loss.backward()
    optimizer.step()
    assert repr(params) == "tensor([1.7761, 0.1064], requires_grad=True)"


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_sgd_loop_reaches_the_hand_derived_result(t_un, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    params, loss = optimizer_loop(5000, torch.optim.SGD([params], lr=1e-2), params, t_un, t_c)
    assert repr(params) == "tensor([  5.3671, -17.3012], requires_grad=True)"
    assert f"{loss:.6f}" == "2.927648"
    by_hand, _ = training_loop(5000, 1e-2, torch.tensor([1.0, 0.0]), t_un, t_c)
    assert close(params, by_hand.cpu().numpy(), atol=1e-5)


@pytest.mark.cpu_only(reason="the syllabus prints CPU tensors (no device=)")
def test_adam_trains_on_raw_inputs(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    params, loss = optimizer_loop(2000, torch.optim.Adam([params], lr=1e-1), params, t_u, t_c)
    assert repr(params) == "tensor([  0.5367, -17.3021], requires_grad=True)"
    assert abs(loss - 2.927646) < 5e-6                 # PyTorch prints 2.927646
    # the same line as SGD's on t_un: the weight is ten times smaller on ten times larger inputs
    assert abs(params[0].item() * 10 - 5.3671) < 2e-3


def test_sgd_with_lr_1e_2_on_raw_inputs_diverges(t_u, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    _, loss = optimizer_loop(100, torch.optim.SGD([params], lr=1e-2), params, t_u, t_c)
    assert math.isnan(loss)


def test_optimizers_agree_with_torch(t_u, t_c):
    real = pytest.importorskip("torch")
    for name, lr, inputs, n_epochs in [("SGD", 1e-2, 0.1 * t_u, 500), ("Adam", 1e-1, t_u, 2000)]:
        ours = torch.tensor([1.0, 0.0], requires_grad=True)
        ours, our_loss = optimizer_loop(n_epochs, getattr(torch.optim, name)([ours], lr=lr),
                                        ours, inputs, t_c)
        theirs = real.tensor([1.0, 0.0], requires_grad=True)
        optimizer = getattr(real.optim, name)([theirs], lr=lr)
        real_inputs, real_t_c = real.tensor(inputs.tolist()), real.tensor(T_C)
        for _ in range(n_epochs):
            loss = ((theirs[0] * real_inputs + theirs[1] - real_t_c) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        assert np.allclose(ours.detach().cpu().numpy(), theirs.detach().numpy(), rtol=1e-5), name
        assert abs(our_loss - loss.item()) < 1e-5 * loss.item(), name


# -- 9. training, validation and overfitting -------------------------------------------------------
def _split(t_u, t_c):
    n_samples = t_u.shape[0]
    n_val = int(0.2 * n_samples)
    shuffled_indices = torch.randperm(n_samples)
    train_indices = shuffled_indices[:-n_val]
    val_indices = shuffled_indices[-n_val:]
    return train_indices, val_indices


@pytest.mark.cpu_only(reason="the seeded split is PyTorch's CPU random stream")
def test_seeded_randperm_split_matches_torch(t_u, t_c):
    torch.manual_seed(1)
    train_indices, val_indices = _split(t_u, t_c)
    assert train_indices.tolist() == [0, 10, 2, 3, 7, 6, 4, 8, 1]
    assert val_indices.tolist() == [9, 5]
    assert sorted(train_indices.tolist() + val_indices.tolist()) == list(range(11))
    real = pytest.importorskip("torch")
    real.manual_seed(1)
    assert real.randperm(11).tolist() == train_indices.tolist() + val_indices.tolist()


@pytest.mark.cpu_only(reason="the seeded split is PyTorch's CPU random stream")
def test_training_with_a_validation_set(t_u, t_c):
    torch.manual_seed(1)
    train_indices, val_indices = _split(t_u, t_c)
    train_t_un, train_t_c = 0.1 * t_u[train_indices], t_c[train_indices]
    val_t_un, val_t_c = 0.1 * t_u[val_indices], t_c[val_indices]
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    train_losses, val_losses = [], []
    for epoch in range(1, 3001):
        train_loss = loss_fn(model(train_t_un, *params), train_t_c)
        with torch.no_grad():
            val_loss = loss_fn(model(val_t_un, *params), val_t_c)
            assert val_loss.requires_grad is False
        train_loss.backward()
        params = (params - 1e-2 * params.grad).detach().requires_grad_()
        train_losses.append(train_loss.item())
        val_losses.append(val_loss.item())
    # the same run in PyTorch ends at train 2.8541, val 3.9680, params [5.4240, -17.2490]
    assert abs(train_losses[-1] - 2.8541) < 1e-3 and abs(val_losses[-1] - 3.9680) < 1e-3
    assert close(params, [5.4240, -17.2490], atol=2e-4)
    assert train_losses[-1] < train_losses[0] and val_losses[-1] < val_losses[0]


# -- 10. switching autograd off --------------------------------------------------------------------
def test_no_grad_validation_and_set_grad_enabled(t_un, t_c):
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    with torch.no_grad():
        val_loss = loss_fn(model(t_un, *params), t_c)
    assert val_loss.requires_grad is False and val_loss.grad_fn is None

    def calc_forward(t_u, t_c, is_train):
        with torch.set_grad_enabled(is_train):
            t_p = model(t_u, *params)
            loss = loss_fn(t_p, t_c)
        return loss

    assert calc_forward(t_un, t_c, True).requires_grad is True
    assert calc_forward(t_un, t_c, False).requires_grad is False
    assert torch.is_grad_enabled()


# -- exercise: the quadratic model -----------------------------------------------------------------
def test_exercise_quadratic_model(t_un, t_c):
    def model2(t_u, w2, w1, b):
        return w2 * t_u ** 2 + w1 * t_u + b

    # only the model and the number of parameters change; gradcheck confirms its gradients
    t_un64, t_c64 = t_un.double(), t_c.double()
    params = torch.tensor([1.0, 1.0, 0.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda p: loss_fn(model2(t_un64, *p), t_c64), params)

    def train(learning_rate, n_epochs):
        params = torch.tensor([1.0, 1.0, 0.0], requires_grad=True)
        for epoch in range(n_epochs):
            loss = loss_fn(model2(t_un, *params), t_c)
            loss.backward()
            params = (params - learning_rate * params.grad).detach().requires_grad_()
        return params, loss.item()

    # the linear model's learning rate now diverges (t_un ** 2 reaches 67)...
    assert math.isnan(train(1e-2, 300)[1])
    # ...a smaller one learns (PyTorch: loss 3.8617, params [0.5570, -0.8881, -0.8753])
    params, loss = train(1e-4, 5000)
    assert abs(loss - 3.8617) < 2e-3 and close(params, [0.5570, -0.8881, -0.8753], atol=2e-3)
