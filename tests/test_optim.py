"""dlcore.optim against torch.optim: parameter trajectories over 50 steps for every optimizer and
option combination, state_dict layout and round trips (also into torch and back), printed forms,
errors, the Optimizer base class, and the optimizer facts of chapter 4."""
import copy
import itertools

import numpy as np
import pytest

import dlcore
import dlcore.optim as optim
from dlcore.optim import optimizer as dlcore_optimizer

torch = pytest.importorskip("torch")
from torch.optim import optimizer as torch_optimizer  # noqa: E402

OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "ASGD", "RMSprop", "Rprop",
              "LBFGS"]


# -- the problem every optimizer solves: a small least-squares fit with fixed data -----------------
_rng = np.random.default_rng(0)
_X = _rng.standard_normal((16, 3))
_Y = _rng.standard_normal((16, 2))
_W0 = 0.5 * _rng.standard_normal((3, 2))
_B0 = np.array([0.1, -0.2])


def _problem(lib, dtype):
    """Parameters (a 3x2 weight and a bias) and a closure computing the loss and its gradients,
    written once for either library."""
    np_dtype = np.dtype(dtype)
    x, y = lib.tensor(_X.astype(np_dtype)), lib.tensor(_Y.astype(np_dtype))
    w = lib.tensor(_W0.astype(np_dtype), requires_grad=True)
    b = lib.tensor(_B0.astype(np_dtype), requires_grad=True)

    def loss_of(opt):
        def closure():
            opt.zero_grad()
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            return loss
        return closure
    return [w, b], loss_of


def _values(params):
    return np.concatenate([p.detach().cpu().numpy().ravel().astype(np.float64) for p in params])


def _trajectory(lib, name, options, dtype, steps=50):
    params, loss_of = _problem(lib, dtype)
    opt = getattr(lib.optim, name)(params, **options)
    closure = loss_of(opt)
    points = []
    for _ in range(steps):
        opt.step(closure)
        points.append(_values(params))
    return np.array(points)


def _assert_same_trajectory(ours, theirs, dtype):
    rtol = 1e-5 if dtype == "float32" else 1e-9
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


def _grid(**choices):
    """Every combination of the given options, as keyword dicts."""
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*choices.values())]


GRIDS = {
    "SGD": [o for o in _grid(lr=[0.05], momentum=[0, 0.9], dampening=[0, 0.5],
                             nesterov=[False, True], weight_decay=[0, 0.1],
                             maximize=[False, True])
            if not o["nesterov"] or (o["momentum"] > 0 and o["dampening"] == 0)],
    "Adam": _grid(lr=[0.01, 0.1], amsgrad=[False, True], weight_decay=[0, 0.1],
                  maximize=[False, True]) + [{"betas": (0.5, 0.9)}],
    "AdamW": _grid(lr=[0.01, 0.1], amsgrad=[False, True], weight_decay=[0, 0.1],
                   maximize=[False, True]),
    "Adagrad": _grid(lr=[0.1], lr_decay=[0, 0.01], weight_decay=[0, 0.1],
                     initial_accumulator_value=[0, 0.1], maximize=[False, True]),
    "Adadelta": _grid(lr=[1.0, 0.5], rho=[0.9, 0.5], weight_decay=[0, 0.1],
                      maximize=[False, True]),
    "Adamax": _grid(lr=[0.002, 0.05], weight_decay=[0, 0.1], maximize=[False, True]),
    "ASGD": _grid(lr=[0.05], lambd=[1e-4, 0.1], t0=[1e6, 10], weight_decay=[0, 0.1],
                  maximize=[False, True]),
    "RMSprop": _grid(lr=[0.01], centered=[False, True], momentum=[0, 0.5],
                     weight_decay=[0, 0.1], maximize=[False, True]) + [{"alpha": 0.5}],
    "Rprop": _grid(lr=[0.01, 0.1], maximize=[False, True])
             + [{"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05)}],
    # a few iterations only: a quadratic in 8 unknowns is solved after about 8, and from there on
    # the iterates are float32 rounding noise (the Rosenbrock test below goes further in float64)
    "LBFGS": _grid(lr=[1, 0.5], history_size=[100, 2], line_search_fn=[None, "strong_wolfe"],
                   max_iter=[2]) + [{"max_iter": 5, "max_eval": 3, "tolerance_change": 1e-3}],
}
# torch's other kernels (fused, foreach) round differently in places; dlcore has one, close to all
KERNEL_CASES = [("SGD", {"lr": 0.05, "momentum": 0.9, "fused": True}),
                ("SGD", {"lr": 0.05, "momentum": 0.9, "foreach": True}),
                ("Adam", {"lr": 0.05, "fused": True}), ("Adam", {"lr": 0.05, "foreach": True}),
                ("AdamW", {"lr": 0.05, "amsgrad": True, "fused": True}),
                ("Adagrad", {"fused": True}), ("RMSprop", {"centered": True, "foreach": True}),
                ("Rprop", {"foreach": True}), ("Adamax", {"foreach": True}),
                ("Adadelta", {"foreach": True})]
CASES = [(name, options) for name in OPTIMIZERS for options in GRIDS[name]] + KERNEL_CASES


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,options", CASES,
                         ids=["-".join([n] + [f"{k}={v}" for k, v in o.items()]) for n, o in CASES])
def test_trajectory_matches_torch(name, options, dtype):
    if options == {"alpha": 0.5} and dtype == "float32" and \
            dlcore.get_default_device().type == "cuda":
        pytest.skip("RMSprop with alpha=0.5 is ill-conditioned here: PyTorch's own float32 and "
                    "float64 runs part by 3.5% at step 20, so a GPU's rounding cannot follow the "
                    "CPU's step for step (float64 is compared)")
    steps = 3 if name == "LBFGS" else 50
    ours = _trajectory(dlcore, name, options, dtype, steps)
    theirs = _trajectory(torch, name, options, dtype, steps)
    _assert_same_trajectory(ours, theirs, dtype)


@pytest.mark.parametrize("line_search_fn,steps", [(None, 8), ("strong_wolfe", 30)])
def test_lbfgs_on_rosenbrock_matches_torch(line_search_fn, steps):
    """The banana-shaped valley; without a line search, L-BFGS with lr=1 amplifies rounding
    differences chaotically after a few dozen iterations, so that run is compared for fewer."""
    def run(lib):
        xy = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([xy], lr=1, max_iter=5, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
            loss.backward()
            return loss
        points = []
        for _ in range(steps):
            opt.step(closure)
            points.append(xy.detach().cpu().numpy().copy())
        return np.array(points), opt.state[xy]["func_evals"]
    (ours, our_evals), (theirs, their_evals) = run(dlcore), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert our_evals == their_evals
    if line_search_fn:
        np.testing.assert_allclose(ours[-1], [1.0, 1.0], atol=1e-5)


def test_parameter_without_gradient_is_left_alone():
    for name in OPTIMIZERS[:-1]:
        used = dlcore.tensor([1.0, 2.0], requires_grad=True)
        unused = dlcore.tensor([3.0], requires_grad=True)
        opt = getattr(optim, name)([used, unused], lr=0.1)
        (used ** 2).sum().backward()
        opt.step()
        assert unused.tolist() == [3.0] and used.tolist() != [1.0, 2.0], name
        assert name == "Adagrad" or unused not in opt.state or not opt.state[unused]


def test_parameter_groups_with_their_own_options():
    def run(lib):
        params, loss_of = _problem(lib, "float32")
        opt = lib.optim.SGD([{"params": [params[0]]},
                             {"params": params[1], "lr": 0.5, "momentum": 0.9}], lr=0.05)
        for _ in range(20):
            opt.step(loss_of(opt))
        return _values(params), opt
    (ours, opt), (theirs, torch_opt) = run(dlcore), run(torch)
    _assert_same_trajectory(ours, theirs, "float32")
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.5]
    assert repr(opt) == repr(torch_opt)


def test_add_param_group_later():
    def run(lib):
        params, loss_of = _problem(lib, "float32")
        opt = lib.optim.Adam([params[0]], lr=0.1)
        for i in range(10):
            if i == 5:
                opt.add_param_group({"params": [params[1]], "lr": 0.01})
            opt.step(loss_of(opt))
        return _values(params), opt
    (ours, opt), (theirs, torch_opt) = run(dlcore), run(torch)
    _assert_same_trajectory(ours, theirs, "float32")
    assert repr(opt) == repr(torch_opt)


def test_lr_as_a_one_element_tensor():
    ours = _trajectory(dlcore, "Adam", {"lr": dlcore.tensor(0.05)}, "float32", 20)
    theirs = _trajectory(torch, "Adam", {"lr": torch.tensor(0.05)}, "float32", 20)
    _assert_same_trajectory(ours, theirs, "float32")


# -- state -----------------------------------------------------------------------------------------
def _state_layout(state_dict):
    """The state dict with tensors replaced by (dtype name, shape, values), for comparison."""
    def describe(v):
        if isinstance(v, (dlcore.Tensor, torch.Tensor)):
            return (str(v.dtype).split(".")[-1], tuple(v.shape), v.detach().cpu().numpy().tolist())
        if isinstance(v, dict):
            return {k: describe(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(describe(x) for x in v)
        return v
    return describe(state_dict)


def _assert_same_layout(ours, theirs):
    """Same keys, nesting, dtypes and shapes, and values within float tolerance."""
    def check(a, b, where):
        if isinstance(b, tuple) and len(b) == 3 and isinstance(b[1], tuple):
            assert a[:2] == b[:2], where
            np.testing.assert_allclose(np.array(a[2], dtype=float), np.array(b[2], dtype=float),
                                       rtol=1e-5, atol=1e-7, err_msg=where)
        elif isinstance(b, dict):
            assert list(a) == list(b), where
            for k in b:
                check(a[k], b[k], f"{where}[{k!r}]")
        elif isinstance(b, (list, tuple)):
            assert type(a) is type(b) and len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b)):
                check(x, y, f"{where}[{i}]")
        elif isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-5), where
        else:
            assert a == b, where
    check(_state_layout(ours), _state_layout(theirs), "state_dict")


STATE_CASES = [("SGD", {"lr": 0.05}), ("SGD", {"lr": 0.05, "momentum": 0.9}),
               ("Adam", {"amsgrad": True}), ("AdamW", {}), ("Adagrad", {}), ("Adadelta", {}),
               ("Adamax", {}), ("ASGD", {"t0": 2}),
               ("RMSprop", {"centered": True, "momentum": 0.5}),
               ("Rprop", {}), ("LBFGS", {"history_size": 3})]


@pytest.mark.parametrize("name,options", STATE_CASES, ids=[n for n, _ in STATE_CASES])
def test_state_dict_layout_matches_torch(name, options):
    def run(lib):
        params, loss_of = _problem(lib, "float64")
        opt = getattr(lib.optim, name)(params, **options)
        before = opt.state_dict()
        for _ in range(3):
            opt.step(loss_of(opt))
        return before, opt.state_dict()
    (ours_before, ours), (theirs_before, theirs) = run(dlcore), run(torch)
    _assert_same_layout(ours_before, theirs_before)
    _assert_same_layout(ours, theirs)


def _to_torch(value):
    if isinstance(value, dlcore.Tensor):
        return torch.tensor(value.cpu().numpy())
    if isinstance(value, dict):
        return {k: _to_torch(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_torch(v) for v in value)
    return value


def _to_dlcore(value):
    if isinstance(value, torch.Tensor):
        return dlcore.tensor(value.cpu().numpy())
    if isinstance(value, dict):
        return {k: _to_dlcore(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_dlcore(v) for v in value)
    return value


@pytest.mark.parametrize("name,options", STATE_CASES, ids=[n for n, _ in STATE_CASES])
def test_state_dict_round_trip_continues_the_trajectory(name, options):
    """Run 5 steps, save; a fresh optimizer that loads the state (dlcore's own, and the same state
    carried into torch and back) continues exactly as the original does."""
    params, loss_of = _problem(dlcore, "float64")
    opt = getattr(optim, name)(params, **options)
    for _ in range(5):
        opt.step(loss_of(opt))
    saved = copy.deepcopy(opt.state_dict())
    start = [p.detach().clone() for p in params]
    for _ in range(5):
        opt.step(loss_of(opt))
    expected = _values(params)

    # into dlcore again
    params2, loss_of2 = _problem(dlcore, "float64")
    with dlcore.no_grad():
        for p, s in zip(params2, start):
            p.copy_(s)
    opt2 = getattr(optim, name)(params2, **options)
    opt2.load_state_dict(copy.deepcopy(saved))    # (loading shares the tensors, as in torch)
    for _ in range(5):
        opt2.step(loss_of2(opt2))
    # identical but for ASGD, whose float32 eta and mu come back as float64 (the parameter's
    # dtype: PyTorch's loading rule for every state tensor but "step")
    np.testing.assert_allclose(_values(params2), expected, rtol=1e-8)

    # into torch: torch continues the same way, and its state comes back into dlcore
    tparams, tloss_of = _problem(torch, "float64")
    with torch.no_grad():
        for p, s in zip(tparams, start):
            p.copy_(torch.tensor(s.cpu().numpy()))
    topt = getattr(torch.optim, name)(tparams, **options)
    topt.load_state_dict(_to_torch(saved))
    for _ in range(5):
        topt.step(tloss_of(topt))
    np.testing.assert_allclose(_values(tparams), expected, rtol=1e-9)

    params3, loss_of3 = _problem(dlcore, "float64")
    with dlcore.no_grad():
        for p, t in zip(params3, tparams):
            p.copy_(dlcore.tensor(t.detach().cpu().numpy()))
    opt3 = getattr(optim, name)(params3, **options)
    opt3.load_state_dict(_to_dlcore(topt.state_dict()))
    for _ in range(3):
        opt3.step(loss_of3(opt3))
        topt.step(tloss_of(topt))
    np.testing.assert_allclose(_values(params3), _values(tparams), rtol=1e-9)


def test_state_follows_the_parameter_dtype():
    p = dlcore.tensor([1.0, 2.0], dtype=dlcore.float64, requires_grad=True)
    opt = optim.Adam([p], amsgrad=True)
    (p ** 2).sum().backward()
    opt.step()
    state = opt.state[p]
    assert list(state) == ["step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]
    assert state["step"].dtype == dlcore.float32 and state["step"].shape == () and \
        state["step"].item() == 1.0
    assert all(state[k].dtype == dlcore.float64 for k in ("exp_avg", "exp_avg_sq"))


def test_load_state_dict_errors_match_torch():
    for lib in (dlcore, torch):
        a, b = (lib.tensor([1.0], requires_grad=True) for _ in range(2))
        one_group = lib.optim.SGD([a, b], lr=0.1).state_dict()
        two_groups = lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
        with pytest.raises(ValueError, match="^loaded state dict has a different number of "
                                             "parameter groups$"):
            two_groups.load_state_dict(one_group)
        with pytest.raises(ValueError, match="^loaded state dict contains a parameter group that "
                                             "doesn't match the size of optimizer's group$"):
            lib.optim.SGD([a], lr=0.1).load_state_dict(one_group)


def test_step_changes_the_version_autograd_checks():
    p = dlcore.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    loss = (p * p).sum()           # saves p for backward
    p.grad = dlcore.ones(2)
    opt.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


# -- the base class --------------------------------------------------------------------------------
def test_zero_grad():
    p = dlcore.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0] and not p.grad.requires_grad
    opt.zero_grad()
    assert p.grad is None


def test_closure_runs_with_gradients_on_and_its_loss_is_returned():
    p = dlcore.tensor([1.0, 2.0], requires_grad=True)
    for name in OPTIMIZERS:
        opt = getattr(optim, name)([p], lr=0.01)

        def closure():
            opt.zero_grad()
            loss = (p ** 2).sum()
            assert loss.requires_grad
            loss.backward()
            return loss
        with dlcore.no_grad():
            loss = opt.step(closure)
        assert isinstance(loss, dlcore.Tensor) and loss.requires_grad, name
    assert optim.SGD([p], lr=0.1).step() is None


def _raises_like_torch(make):
    """make(lib) raises in torch; dlcore raises the same type with the same message."""
    with pytest.raises(Exception) as expected:
        make(torch)
    with pytest.raises(type(expected.value)) as got:
        make(dlcore)
    assert str(got.value) == str(expected.value).replace("torch.", "dlcore."), got.value


def _param(lib):
    return lib.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.cpu_only(reason="messages name the CPU's tensor types (dlcore.FloatTensor)")
@pytest.mark.parametrize("make", [
    lambda lib: lib.optim.SGD(_param(lib), lr=0.1),                       # a tensor, not a list
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.SGD([1.0], lr=0.1),
    lambda lib: lib.optim.SGD([_param(lib) * 2], lr=0.1),                 # not a leaf
    lambda lib: lib.optim.SGD([{"params": {_param(lib)}}], lr=0.1),       # a set
    lambda lib: lib.optim.SGD([{"params": [_param(lib)]}, {"lr": 0.1}], lr=0.1),
    lambda lib: lib.optim.SGD([("w", _param(lib)), _param(lib)], lr=0.1),
    lambda lib: lib.optim.SGD([{"params": [("w", _param(lib))]}, {"params": [_param(lib)]}]),
    lambda lib: lib.optim.SGD([_param(lib)], lr=0.1).add_param_group([_param(lib)]),
], ids=["tensor", "empty", "number", "non-leaf", "set", "no-params", "names-missing",
        "groups-names-mixed", "group-not-dict"])
def test_params_errors_match_torch(make):
    _raises_like_torch(make)


def test_same_parameter_twice():
    for lib in (dlcore, torch):
        p = _param(lib)
        with pytest.raises(ValueError, match="^some parameters appear in more than one parameter "
                                             "group$"):
            lib.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
        with pytest.warns(UserWarning, match="optimizer contains a parameter group with "
                                             "duplicate parameters"):
            lib.optim.SGD([p, p], lr=0.1)


def test_named_parameters_and_required_defaults():
    for lib in (dlcore, torch):
        w, b = _param(lib), _param(lib)
        opt = lib.optim.SGD([("w", w), ("b", b)], lr=0.1)
        assert opt.param_groups[0]["param_names"] == ["w", "b"]
        assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]

        required = (dlcore_optimizer if lib is dlcore else torch_optimizer).required

        class Plain(lib.optim.Optimizer):
            def __init__(self, params, lr=required):
                super().__init__(params, {"lr": lr})
        with pytest.raises(ValueError, match="^parameter group didn't specify a value of required "
                                             "optimization parameter lr$"):
            Plain([w])
        assert Plain([w], lr=1).param_groups[0]["lr"] == 1
        with pytest.raises(NotImplementedError):
            Plain([w], lr=1).step()
        assert repr(required) == "<required parameter>"


def test_optimizer_deepcopy_and_pickle():
    import pickle
    p = _param(dlcore)
    opt = optim.Adam([p], lr=0.1)
    (p ** 2).sum().backward()
    opt.step()
    twin = copy.deepcopy(opt)
    assert twin.state_dict()["param_groups"] == opt.state_dict()["param_groups"]
    assert pickle.loads(pickle.dumps(opt)).defaults == opt.defaults


# -- hyper-parameter errors ------------------------------------------------------------------------
BAD_OPTIONS = [
    ("SGD", {"lr": -0.1}), ("SGD", {"lr": 0.1, "momentum": -1}),
    ("SGD", {"lr": 0.1, "weight_decay": -1}), ("SGD", {"lr": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.1, "fused": True, "foreach": True}),
    ("Adam", {"lr": -1}), ("Adam", {"eps": -1}), ("Adam", {"betas": (1.0, 0.9)}),
    ("Adam", {"betas": (0.9, -0.1)}), ("Adam", {"weight_decay": -1}), ("Adam", {"betas": (0.9, 1)}),
    ("Adam", {"fused": True, "foreach": True}), ("AdamW", {"lr": -1e-3}),
    ("AdamW", {"betas": (0.9, 1.5)}),
    ("Adagrad", {"lr": -1}), ("Adagrad", {"lr_decay": -1}), ("Adagrad", {"weight_decay": -1}),
    ("Adagrad", {"initial_accumulator_value": -1}), ("Adagrad", {"eps": -1}),
    ("Adadelta", {"lr": -1}), ("Adadelta", {"rho": 1.5}), ("Adadelta", {"eps": -1}),
    ("Adadelta", {"weight_decay": -1}),
    ("Adamax", {"lr": -1}), ("Adamax", {"eps": -1}), ("Adamax", {"betas": (0.9, 1.0)}),
    ("Adamax", {"weight_decay": -1}),
    ("ASGD", {"lr": -1}), ("ASGD", {"weight_decay": -1}),
    ("RMSprop", {"lr": -1}), ("RMSprop", {"eps": -1}), ("RMSprop", {"momentum": -1}),
    ("RMSprop", {"weight_decay": -1}), ("RMSprop", {"alpha": -1}),
    ("Rprop", {"lr": -1}), ("Rprop", {"etas": (1.5, 1.2)}), ("Rprop", {"etas": (0.5, 0.9)}),
    ("LBFGS", {"lr": -1}),
]


@pytest.mark.parametrize("name,options", BAD_OPTIONS,
                         ids=[f"{n}-{o}" for n, o in BAD_OPTIONS])
def test_hyper_parameter_errors_match_torch(name, options):
    _raises_like_torch(lambda lib: getattr(lib.optim, name)([_param(lib)], **options))


def test_tensor_lr_must_have_one_element():
    _raises_like_torch(lambda lib: lib.optim.SGD([_param(lib)], lr=lib.tensor([0.1, 0.2])))


def test_lbfgs_errors_match_torch():
    _raises_like_torch(lambda lib: lib.optim.LBFGS([{"params": [_param(lib)]},
                                                    {"params": [_param(lib)]}]))

    def bad_line_search(lib):
        p = _param(lib)
        opt = lib.optim.LBFGS([p], line_search_fn="armijo")

        def closure():
            opt.zero_grad()
            loss = (p ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
    _raises_like_torch(bad_line_search)


def test_differentiable_steps_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="differentiable=True is not supported"):
        optim.Adam([_param(dlcore)], differentiable=True)


# -- printed forms ---------------------------------------------------------------------------------
REPR_CASES = [(name, {}) for name in OPTIMIZERS] + [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "maximize": True}),
    ("Adam", {"lr": 1e-1, "betas": (0.8, 0.99), "amsgrad": True, "foreach": False}),
    ("AdamW", {"weight_decay": 0.0}), ("Adagrad", {"fused": True}),
    ("RMSprop", {"centered": True, "capturable": True}),
    ("LBFGS", {"line_search_fn": "strong_wolfe", "max_iter": 7}),
]


@pytest.mark.parametrize("name,options", REPR_CASES, ids=[f"{n}-{o}" for n, o in REPR_CASES])
def test_repr_matches_torch(name, options):
    def make(lib):
        a, b = _param(lib), _param(lib)
        opt = getattr(lib.optim, name)([a], **options)
        if name != "LBFGS":
            opt.add_param_group({"params": [b], "lr": 0.5})
        return opt
    assert repr(make(dlcore)) == repr(make(torch))


def test_repr_of_sgd_shows_every_option():
    opt = optim.SGD([_param(dlcore)], lr=0.1)
    assert repr(opt) == ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
                         "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
                         "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)")


def test_dir_lists_the_optimizers():
    public = [n for n in dir(optim) if not n.startswith("_")]
    assert public == ["ASGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "LBFGS",
                      "Optimizer", "RMSprop", "Rprop", "SGD", "lr_scheduler"]
    assert set(public) <= set(dir(torch.optim))
    assert all(issubclass(getattr(optim, n), optim.Optimizer) for n in OPTIMIZERS)


@pytest.mark.parametrize("name", OPTIMIZERS + ["Optimizer"])
def test_signatures_match_torch(name):
    import inspect

    def parameters(cls):
        return [(p.name, p.kind, p.default) for p in
                inspect.signature(cls.__init__).parameters.values()]
    ours, theirs = parameters(getattr(optim, name)), parameters(getattr(torch.optim, name))
    assert ours == theirs


# -- chapter 4 -------------------------------------------------------------------------------------
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def _model(t_u, w, b):
    return w * t_u + b


def _loss_fn(t_p, t_c):
    return ((t_p - t_c) ** 2).mean()


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_chapter4_sgd_one_step():
    t_u, t_c = dlcore.tensor(T_U), dlcore.tensor(T_C)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    optimizer = optim.SGD([params], lr=1e-5)
    loss = _loss_fn(_model(t_u, *params), t_c)
    loss.backward()
    optimizer.step()
    assert repr(params) == "tensor([ 9.5483e-01, -8.2600e-04], requires_grad=True)"

    t_un = 0.1 * t_u
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    optimizer = optim.SGD([params], lr=1e-2)
    loss = _loss_fn(_model(t_un, *params), t_c)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    assert repr(params) == "tensor([1.7761, 0.1064], requires_grad=True)"


def _training_loop(n_epochs, optimizer, params, t_u, t_c):
    for epoch in range(1, n_epochs + 1):
        loss = _loss_fn(_model(t_u, *params), t_c)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return params, loss


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_chapter4_sgd_loop_on_normalised_input():
    t_un, t_c = 0.1 * dlcore.tensor(T_U), dlcore.tensor(T_C)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    params, loss = _training_loop(5000, optim.SGD([params], lr=1e-2), params, t_un, t_c)
    assert repr(params) == "tensor([  5.3671, -17.3012], requires_grad=True)"
    assert loss.item() == pytest.approx(2.927648, abs=2e-6)


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_chapter4_adam_on_raw_input():
    t_u, t_c = dlcore.tensor(T_U), dlcore.tensor(T_C)
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    params, loss = _training_loop(2000, optim.Adam([params], lr=1e-1), params, t_u, t_c)
    assert repr(params) == "tensor([  0.5367, -17.3021], requires_grad=True)"
    # torch ends at 2.9276464: the loss oscillates by ~2e-6 over the last epochs, so its 7th
    # digit depends on float32 rounding, which differs in the last bit from torch's here and there
    assert loss.item() == pytest.approx(2.927646, abs=3e-6)


def _trajectory_on(device, name, options, steps=5):
    """Steps on `device`; the state must live there too. Returns the weights and the state."""
    x, y = dlcore.tensor(_X, device=device), dlcore.tensor(_Y, device=device)
    w = dlcore.tensor(_W0, device=device, requires_grad=True)
    opt = getattr(optim, name)([w], **options)

    def closure():
        opt.zero_grad()
        loss = ((x @ w - y) ** 2).mean()
        loss.backward()
        return loss
    for _ in range(steps):
        opt.step(closure)
    for key, value in opt.state[w].items():
        if isinstance(value, dlcore.Tensor) and value.dim() > 0:
            assert value.device == w.device, (name, key)
    return w.detach().cpu().numpy()


_ON_A_FAKE_GPU = """
import sys
sys.path.insert(0, "tests")
import numpy as np
from test_optim import CASES, _trajectory_on
for name, options in CASES:
    np.testing.assert_allclose(_trajectory_on("cuda", name, options),
                               _trajectory_on("cpu", name, options), rtol=1e-12, err_msg=name)
print("ok")
"""


def test_every_optimizer_runs_on_the_cuda_stand_in():
    """The updates are written for any array library: on the test-only CUDA stand-in
    (DLCORE_FAKE_CUDA=1, whose arrays refuse to mix with NumPy's as CuPy's do), in a fresh
    process, each optimizer keeps its state on the device and steps as on the CPU."""
    import os
    import pathlib
    import subprocess
    import sys
    root = pathlib.Path(__file__).resolve().parent.parent
    env = dict(os.environ, DLCORE_FAKE_CUDA="1", PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-c", _ON_A_FAKE_GPU], env=env, cwd=root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.gpu
@pytest.mark.parametrize("name,options", CASES[::7], ids=[n for n, _ in CASES[::7]])
def test_on_cuda_the_trajectory_is_the_cpus(name, options):
    np.testing.assert_allclose(_trajectory_on("cuda", name, options),
                               _trajectory_on("cpu", name, options), rtol=1e-9)
