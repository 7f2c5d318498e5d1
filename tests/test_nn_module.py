"""nn.Module and nn.Parameter against PyTorch: registration, traversal, state_dict, hooks, modes,
conversions, printed forms and error messages.

Most tests build the same model in both libraries with `build(lib)` and compare what each
prints or raises; `torch.` in PyTorch's messages reads `dlcore.` in ours.
"""
import copy
import io
import os
import pathlib
import pickle
import subprocess
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import dlcore
import dlcore.nn as dnn

torch = pytest.importorskip("torch")

LIBS = [pytest.param(dlcore, id="dlcore"), pytest.param(torch, id="torch")]


def same_text(ours, theirs):
    assert ours == theirs.replace("torch.", "dlcore.").replace("torch ", "dlcore ")


def outcome(fn, lib):
    """('ok', result) or (exception type name, message) for fn(lib)."""
    try:
        return "ok", fn(lib)
    except Exception as e:  # noqa: BLE001  (the exception is what is compared)
        return type(e).__name__, str(e).replace("torch.", "dlcore.").replace("torch ", "dlcore ")


def same_outcome(fn, compare_result=lambda a, b: a == b):
    ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] != "ok":
        assert ours[1] == theirs[1]
    else:
        assert compare_result(ours[1], theirs[1]), (ours[1], theirs[1])


def numpy_of(t):
    return t.detach().cpu().numpy()


def net(lib, hidden=4):
    """A model with a parameter, a persistent and a non-persistent buffer, children, a shared
    child, a plain-list module (not registered) and a ModuleList (registered)."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.body = nn.Sequential(nn.Linear(2, hidden), nn.Linear(hidden, 1))
            self.shared = self.body[1]                     # the same module twice
            self.plain = [nn.Linear(1, 1)]                 # a plain list: not registered
            self.heads = nn.ModuleList([nn.Linear(1, 1), nn.Identity()])

        def forward(self, x):
            return self.heads[0](self.body(x)) * self.scale

    lib.manual_seed(0)
    return Net()


# -- Parameter -------------------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_parameter_prints_and_behaves_like_pytorchs():
    for values in ([1.0, 2.0], [[0.5, -1.25]], 3.0):
        same_text(repr(dnn.Parameter(dlcore.tensor(values))),
                  repr(torch.nn.Parameter(torch.tensor(values))))
    same_text(repr(dnn.Parameter()), repr(torch.nn.Parameter()))
    same_text(repr(dnn.Parameter(dlcore.tensor([1, 2]), requires_grad=False)),
              repr(torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False)))
    same_outcome(lambda lib: lib.nn.Parameter(lib.tensor([1, 2])))
    p = dnn.Parameter(dlcore.ones(2))
    assert isinstance(p, dlcore.Tensor) and isinstance(p, dnn.Parameter)
    assert isinstance(p, dlcore.FloatTensor)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    # operations give plain tensors, as in PyTorch
    for result in (p * 2, p.data, p.detach(), p[0], p.clone()):
        assert type(result) is dlcore.Tensor


def test_parameter_shares_memory_with_its_data_and_detaches_from_a_graph():
    x = dlcore.zeros(3)
    p = dnn.Parameter(x)
    x[0] = 5.0
    assert p[0].item() == 5.0
    y = dlcore.ones(2, requires_grad=True) * 2
    q = dnn.Parameter(y)
    assert q.is_leaf and q.grad_fn is None and q.requires_grad


def test_parameter_copies_pickles_and_saves():
    p = dnn.Parameter(dlcore.tensor([1.0, -2.0]))
    p.grad = dlcore.ones(2)
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is dnn.Parameter and clone.requires_grad
        assert clone.tolist() == [1.0, -2.0] and clone.grad is None       # as PyTorch's
        clone.data[0] = 9.0
        assert p[0].item() == 1.0                                          # a real copy
    frozen = copy.deepcopy(dnn.Parameter(dlcore.ones(1), requires_grad=False))
    assert not frozen.requires_grad
    memo_twice = copy.deepcopy([p, p])
    assert memo_twice[0] is memo_twice[1]
    buffer = io.BytesIO()
    dlcore.save({"p": p}, buffer)
    buffer.seek(0)
    loaded = dlcore.load(buffer)["p"]
    assert type(loaded) is dnn.Parameter and loaded.requires_grad and loaded.tolist() == [1, -2]


# -- registration ----------------------------------------------------------------------------------
@pytest.mark.parametrize("lib", LIBS)
def test_registration_rules(lib):
    m = net(lib)
    assert [n for n, _ in m.named_parameters()] == [
        "scale", "body.0.weight", "body.0.bias", "body.1.weight", "body.1.bias",
        "heads.0.weight", "heads.0.bias"]
    # the plain list's Linear is invisible; the shared child is listed once
    assert len(list(m.parameters())) == 7
    assert [n for n, _ in m.named_parameters(remove_duplicate=False)].count("shared.weight") == 1
    assert [n for n, _ in m.named_parameters(recurse=False)] == ["scale"]
    assert [n for n, _ in m.named_buffers()] == ["steps", "cache"]
    # a module registered twice is one child per name, but walked (and counted) once
    assert [n for n, _ in m.named_children()] == ["body", "shared", "heads"]
    assert [n for n, _ in m.named_modules()] == ["", "body", "body.0", "body.1", "heads",
                                                  "heads.0", "heads.1"]
    assert len(list(m.modules())) == 7 and len(list(m.modules(remove_duplicate=False))) == 8
    assert list(m.state_dict()) == ["scale", "steps", "body.0.weight", "body.0.bias",
                                    "body.1.weight", "body.1.bias", "shared.weight",
                                    "shared.bias", "heads.0.weight", "heads.0.bias"]
    assert m.get_parameter("body.1.bias") is m.body[1].bias
    assert m.get_submodule("heads.1") is m.heads[1] and m.get_submodule("") is m
    assert m.get_buffer("steps") is m.steps


def test_traversal_and_state_dict_match_pytorch():
    ours, theirs = net(dlcore), net(torch)
    for method in ("named_parameters", "named_buffers", "named_children", "named_modules"):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()]
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert type(ours_sd) is OrderedDict
    assert [(k, tuple(v.shape)) for k, v in ours_sd.items()] == \
        [(k, tuple(v.shape)) for k, v in theirs_sd.items()]
    assert ours_sd._metadata == theirs_sd._metadata
    # the entries share memory with the parameters but are detached
    entry = ours_sd["body.0.weight"]
    assert type(entry) is dlcore.Tensor and not entry.requires_grad
    entry[0, 0] = 7.0
    assert ours.body[0].weight[0, 0].item() == 7.0
    kept = ours.state_dict(keep_vars=True)["scale"]
    assert kept is ours.scale
    assert list(ours.state_dict(prefix="model.")) == list(theirs.state_dict(prefix="model."))


def test_setattr_moves_names_between_registries_and_delattr_removes_them():
    for lib in (dlcore, torch):
        m = lib.nn.Module()
        m.x = lib.nn.Linear(1, 1)
        m.x = lib.nn.Parameter(lib.ones(1))     # a module's name reused for a Parameter
        assert "x" in m._parameters and "x" not in m._modules
        m.register_buffer("b", lib.ones(1))
        m.b = lib.zeros(2)                      # a tensor assigned to a buffer name stays a buffer
        assert m._buffers["b"].tolist() == [0.0, 0.0]
        m.p = lib.nn.Parameter(lib.ones(1))
        m.p = None                              # None keeps the slot
        assert "p" in m._parameters and m.p is None
        del m.x, m.b, m.p
        assert not m._modules and not m._buffers and not m._parameters
        m.value = 3                             # an ordinary attribute
        assert m.value == 3 and "value" in m.__dict__


REGISTRATION_ERRORS = [
    lambda lib: lib.nn.Linear(1, 1).nothing,
    lambda lib: setattr(lib.nn.Linear(1, 1), "weight", lib.ones(1, 1)),
    lambda lib: setattr(lib.nn.Sequential(lib.nn.Linear(1, 1)), "0", lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_buffer("weight", lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_buffer("a.b", lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_buffer("", lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_buffer("b", [1.0]),
    lambda lib: lib.nn.Linear(1, 1).register_buffer(3, lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_parameter("p", lib.ones(1)),
    lambda lib: lib.nn.Linear(1, 1).register_parameter("a.b", lib.nn.Parameter(lib.ones(1))),
    lambda lib: lib.nn.Linear(1, 1).register_parameter("in_features",
                                                      lib.nn.Parameter(lib.ones(1))),
    lambda lib: setattr(lib.nn.Linear(1, 1), "bias", lib.nn.Linear(1, 1)),
    lambda lib: lib.nn.Linear(1, 1).add_module("m", 3),
    lambda lib: lib.nn.Linear(1, 1).add_module("a.b", lib.nn.Identity()),
    lambda lib: lib.nn.Linear(1, 1).add_module("", lib.nn.Identity()),
    lambda lib: lib.nn.Linear(1, 1).add_module("weight", lib.nn.Identity()),
    lambda lib: lib.nn.Linear(1, 1).get_submodule("nothing"),
    lambda lib: lib.nn.Sequential(lib.nn.Linear(1, 1)).get_submodule("0.weight"),
    lambda lib: lib.nn.Sequential(lib.nn.Linear(1, 1)).get_parameter("0.nothing"),
    lambda lib: lib.nn.Sequential(lib.nn.Linear(1, 1)).get_parameter("0.in_features"),
    lambda lib: lib.nn.Linear(1, 1).get_buffer("weight"),
    lambda lib: lib.nn.Linear(1, 1).train("yes"),
    lambda lib: lib.nn.Module()(lib.ones(1)),
    lambda lib: lib.nn.Module(3),
    lambda lib: lib.nn.Module(x=3),
]


@pytest.mark.cpu_only(reason="messages name the CPU's tensor types (dlcore.FloatTensor)")
@pytest.mark.parametrize("fn", REGISTRATION_ERRORS)
def test_registration_errors_match_pytorch(fn):
    ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
    assert ours[0] == theirs[0] != "ok"
    assert ours[1] == theirs[1]


def test_registration_before_init_is_refused_like_pytorch():
    for value in ("parameter", "module", "buffer"):
        def fn(lib):
            class Early(lib.nn.Module):
                def __init__(self):
                    if value == "parameter":
                        self.p = lib.nn.Parameter(lib.ones(1))
                    elif value == "module":
                        self.m = lib.nn.Identity()
                    else:
                        self.register_buffer("b", lib.ones(1))
                    super().__init__()
            return Early()
        ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
        assert ours == theirs and ours[0] == "AttributeError"


def test_dir_lists_registered_names():
    m = net(dlcore)
    names = dir(m)
    assert {"scale", "steps", "cache", "body", "heads", "forward", "training"} <= set(names)
    assert names == sorted(names)
    assert "0" not in dir(m.body) and "append" in dir(m.body)


# -- load_state_dict -------------------------------------------------------------------------------
def test_state_dict_round_trip_with_pytorch_gives_identical_outputs():
    ours, theirs = net(dlcore, hidden=5), net(torch, hidden=5)
    theirs.load_state_dict({k: torch.from_numpy(numpy_of(v).copy())
                            for k, v in ours.state_dict().items()})
    x = np.linspace(-2, 2, 14, dtype=np.float32).reshape(7, 2)
    # (equal to the last bit or two: the matrix products may add in another order)
    np.testing.assert_allclose(numpy_of(ours(dlcore.tensor(x))),
                               numpy_of(theirs(torch.tensor(x))), rtol=1e-6, atol=1e-7)
    # and back: PyTorch's trained values into a fresh dlcore model
    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(1.5).add_(0.25)
    fresh = net(dlcore, hidden=5)
    result = fresh.load_state_dict({k: dlcore.tensor(v.cpu().numpy())
                                    for k, v in theirs.state_dict().items()})
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_allclose(numpy_of(fresh(dlcore.tensor(x))),
                               numpy_of(theirs(torch.tensor(x))), rtol=1e-6, atol=1e-7)


def test_load_copies_into_the_same_parameter_objects():
    m = dnn.Linear(2, 2)
    weight = m.weight
    m.load_state_dict({"weight": dlcore.full((2, 2), 3.0), "bias": dlcore.zeros(2)})
    assert m.weight is weight and weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert weight.requires_grad and weight.is_leaf


def _torch_linear_state(lib, **entries):
    state = OrderedDict(weight=lib.ones(3, 2), bias=lib.ones(3))
    state.update({k: (v(lib) if callable(v) else v) for k, v in entries.items()})
    return OrderedDict((k, v) for k, v in state.items() if v is not None)


LOAD_CASES = [
    dict(),
    dict(bias=None),
    dict(extra=lambda lib: lib.ones(1)),
    dict(bias=None, extra=lambda lib: lib.ones(1), **{"sub.x": lambda lib: lib.ones(1)}),
    dict(weight=lambda lib: lib.ones(2, 2)),
    dict(weight=lambda lib: lib.ones(2, 2), bias=None),
    dict(bias=[1.0, 2.0, 3.0]),
]


@pytest.mark.parametrize("case", LOAD_CASES)
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_report_matches_pytorch(case, strict):
    def fn(lib):
        model = lib.nn.Sequential(OrderedDict(lin=lib.nn.Linear(2, 3)))
        state = OrderedDict(("lin." + k, v) for k, v in _torch_linear_state(lib, **case).items())
        return repr(model.load_state_dict(state, strict=strict))
    same_outcome(fn, lambda a, b: a == b)


def test_load_state_dict_result_is_a_named_tuple_like_pytorchs():
    ours = dnn.Linear(2, 3).load_state_dict({"weight": dlcore.ones(3, 2), "x": dlcore.ones(1)},
                                            strict=False)
    theirs = torch.nn.Linear(2, 3).load_state_dict({"weight": torch.ones(3, 2),
                                                    "x": torch.ones(1)}, strict=False)
    assert ours.missing_keys == theirs.missing_keys == ["bias"]
    assert ours.unexpected_keys == theirs.unexpected_keys == ["x"]
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    missing, unexpected = ours
    assert (missing, unexpected) == (["bias"], ["x"])
    same_outcome(lambda lib: lib.nn.Linear(1, 1).load_state_dict([("weight", 1)]))


def test_load_state_dict_with_assign_replaces_the_parameters():
    m = dnn.Linear(2, 1)
    m.load_state_dict({"weight": dlcore.ones(1, 2), "bias": dlcore.zeros(1)}, assign=True)
    assert type(m.weight) is dnn.Parameter and m.weight.requires_grad
    assert m.weight.tolist() == [[1.0, 1.0]]


def test_state_dict_saves_and_loads_through_dlcore_save(tmp_path):
    m = net(dlcore)
    dlcore.save(m.state_dict(), tmp_path / "model.pt")
    loaded = dlcore.load(tmp_path / "model.pt")
    assert loaded._metadata == m.state_dict()._metadata
    fresh = net(dlcore)
    with dlcore.no_grad():
        for p in fresh.parameters():
            p.zero_()
    fresh.load_state_dict(loaded)
    x = dlcore.ones(3, 2)
    assert fresh(x).tolist() == m(x).tolist()


def test_state_dict_hooks():
    m = dnn.Linear(1, 1)
    seen = []
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: seen.append(("pre", prefix)))
    h = m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: seen.append(sorted(sd)))
    m.state_dict()
    assert seen == [("pre", ""), ["bias", "weight"]]
    h.remove()
    m.register_load_state_dict_post_hook(lambda mod, keys: keys.unexpected_keys.clear())
    assert repr(m.load_state_dict({**m.state_dict(), "junk": dlcore.ones(1)})) == \
        "<All keys matched successfully>"


def test_extra_state_round_trips():
    class Counter(dnn.Module):
        def __init__(self):
            super().__init__()
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]

    a, b = Counter(), Counter()
    a.count = 5
    assert list(a.state_dict()) == ["_extra_state"]
    b.load_state_dict(a.state_dict())
    assert b.count == 5


# -- modes, gradients, conversions ----------------------------------------------------------------
def test_train_eval_zero_grad_requires_grad_apply():
    m = net(dlcore)
    assert m.training and all(c.training for c in m.modules())
    assert m.eval() is m and not any(c.training for c in m.modules())
    m.train()
    assert all(c.training for c in m.modules())
    m(dlcore.ones(3, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m and not any(p.requires_grad for p in m.parameters())
    visited = []
    assert m.apply(lambda mod: visited.append(type(mod).__name__)) is m
    # children first; the shared Linear is visited under both of its names
    assert visited == ["Linear", "Linear", "Sequential", "Linear", "Linear", "Identity",
                       "ModuleList", "Net"]


@pytest.mark.parametrize("convert, dtype", [
    (lambda m: m.double(), dlcore.float64), (lambda m: m.to(dlcore.float64), dlcore.float64),
    (lambda m: m.to(dtype=dlcore.float16), dlcore.float16), (lambda m: m.half(), dlcore.float16),
    (lambda m: m.to(dlcore.zeros(1, dtype=dlcore.float64)), dlcore.float64),
    (lambda m: m.to("cpu", dlcore.float64), dlcore.float64),
    (lambda m: m.type(dlcore.float64), dlcore.float64),
    (lambda m: m.double().float(), dlcore.float32), (lambda m: m.cpu(), dlcore.float32),
    (lambda m: m.to("cpu"), dlcore.float32), (lambda m: m.to(device="cpu"), dlcore.float32),
])
def test_conversions_keep_the_parameter_objects(convert, dtype):
    m = net(dlcore)
    m(dlcore.ones(1, 2)).sum().backward()
    params = list(m.parameters())
    before = [p.detach().clone() for p in params]
    assert convert(m) is m
    assert [id(p) for p in m.parameters()] == [id(p) for p in params]     # an optimizer's view
    for p, old in zip(params, before):
        assert p.dtype == dtype and p.requires_grad and p.is_leaf
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.detach().double().cpu().numpy(), old.double().cpu().numpy(), rtol=1e-3)
    assert m.steps.dtype == dtype and m.cache.dtype == dtype          # buffers too


def test_to_refuses_integer_dtypes_like_pytorch():
    same_outcome(lambda lib: lib.nn.Linear(1, 1).to(lib.int64))
    m = dnn.Module()
    m.register_buffer("index", dlcore.tensor([1, 2]))
    m.double()
    assert m.index.dtype == dlcore.int64


def test_to_with_cuda_raises_where_there_is_no_gpu():
    if dlcore.cuda.is_available() if hasattr(dlcore, "cuda") else False:
        pytest.skip("a GPU is present")
    with pytest.raises(Exception):
        dnn.Linear(1, 1).cuda()


# -- hooks -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lib", LIBS)
def test_forward_hooks_run_in_order_and_can_replace(lib):
    log = []
    m = lib.nn.Linear(2, 2)
    with lib.no_grad():
        m.weight.copy_(lib.eye(2))
        m.bias.zero_()
    h1 = m.register_forward_pre_hook(lambda mod, args: log.append("pre") or (args[0] * 2,))
    m.register_forward_pre_hook(lambda mod, args: log.append("pre-first"), prepend=True)
    m.register_forward_pre_hook(
        lambda mod, args, kwargs: log.append(("pre-kw", sorted(kwargs))), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: log.append("post") or out + 1)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append("post-kw"),
                            with_kwargs=True)
    out = m(lib.ones(1, 2))
    assert out.tolist() == [[3.0, 3.0]]
    assert log == ["pre-first", "pre", ("pre-kw", []), "post", "post-kw"]
    h1.remove()
    log.clear()
    assert m(lib.ones(1, 2)).tolist() == [[2.0, 2.0]]
    assert "pre" not in log


@pytest.mark.parametrize("lib", LIBS)
def test_always_call_forward_hook_runs_when_forward_raises(lib):
    log = []
    m = lib.nn.Linear(2, 2)
    m.register_forward_hook(lambda mod, args, out: log.append("always"), always_call=True)
    m.register_forward_hook(lambda mod, args, out: log.append("normal"))
    with pytest.raises(RuntimeError):
        m(lib.ones(1, 3))
    assert log == ["always"]


def _backward_hook_record(lib, input_requires_grad, replace=False):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 2))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.arange(p.numel(), dtype=lib.float32).reshape(p.shape) / 7 - i)
    log = []

    def as_lists(grads):
        return [None if g is None else g.cpu().numpy().copy() for g in grads]

    def hook(mod, grad_input, grad_output):
        log.append(("hook", as_lists(grad_input), as_lists(grad_output)))
        if replace and grad_input[0] is not None:
            return (grad_input[0] * 10,)

    model[1].register_full_backward_hook(hook)
    model[1].register_full_backward_pre_hook(
        lambda mod, grad_output: log.append(("pre", as_lists(grad_output))))
    x = lib.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]], requires_grad=input_requires_grad)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (model(x) ** 2).sum().backward()
    log.append(("warnings", len(caught)))
    log.append(("first layer grad", as_lists([model[0].weight.grad])))
    return log


@pytest.mark.parametrize("input_requires_grad", [True, False])
@pytest.mark.parametrize("replace", [False, True])
def test_full_backward_hooks_see_pytorchs_gradients(input_requires_grad, replace):
    def assert_close(ours, theirs):
        if isinstance(theirs, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5)
        elif isinstance(theirs, (list, tuple)):
            assert type(ours) is type(theirs) and len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                assert_close(a, b)
        else:
            assert ours == theirs
    assert_close(_backward_hook_record(dlcore, input_requires_grad, replace),
                 _backward_hook_record(torch, input_requires_grad, replace))


def test_full_backward_hook_fires_at_outputs_when_no_input_requires_grad():
    for lib in (dlcore, torch):
        m = lib.nn.Linear(2, 1)
        seen = []
        m.register_full_backward_hook(lambda mod, gi, go: seen.append((gi, len(go))))
        with pytest.warns(UserWarning, match="Full backward hook is firing"):
            m(lib.ones(1, 2)).sum().backward()
        assert seen == [((None,), 1)]


def test_backward_hook_output_has_pytorchs_grad_fn_name():
    m = dnn.Linear(2, 1)
    m.register_full_backward_hook(lambda *args: None)
    out = m(dlcore.ones(1, 2, requires_grad=True))
    assert out.grad_fn.name() == "BackwardHookFunctionBackward"
    with dlcore.no_grad():                      # no graph: the hook machinery stays out of it
        assert m(dlcore.ones(1, 2)).grad_fn is None


# -- printing --------------------------------------------------------------------------------------
def test_custom_module_repr_matches_pytorch():
    def build(lib):
        nn = lib.nn

        class Block(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.n = n
                self.inner = nn.Sequential(nn.Linear(n, n), nn.Identity())

            def extra_repr(self):
                return f"n={self.n}\nsecond line"

        class Outer(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Block(2)
                self.empty = nn.Module()
                self.none = None
                self.add_module("missing", None)

        return repr(Outer())
    assert build(dlcore) == build(torch)


def test_state_dict_crosses_over_with_the_interop_helpers():
    ours, theirs = net(dlcore, hidden=3), net(torch, hidden=3)
    with torch.no_grad():
        for p in theirs.parameters():
            p.fill_(0.5)
    theirs.load_state_dict(dlcore.utils.to_torch(ours))
    x = np.ones((2, 2), dtype=np.float32)
    np.testing.assert_allclose(numpy_of(ours(dlcore.tensor(x))), numpy_of(theirs(torch.tensor(x))),
                               rtol=1e-6)
    back = net(dlcore, hidden=3)
    with dlcore.no_grad():
        back.body[0].weight.fill_(9.0)
    back.load_state_dict(dlcore.utils.from_torch(theirs))
    assert back.body[0].weight.tolist() == ours.body[0].weight.tolist()


_ON_A_GPU = r"""
import dlcore, dlcore.nn as nn
model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
model.register_buffer("steps", dlcore.zeros(1))
weight = model[0].weight
weight.grad = dlcore.ones(3, 2)
assert model.cuda() is model
assert model[0].weight is weight and weight.requires_grad and weight.is_leaf
assert {str(p.device) for p in model.parameters()} == {"cuda:0"}
assert str(weight.grad.device) == "cuda:0" and str(model.steps.device) == "cuda:0"
out = model(dlcore.ones(4, 2).cuda())
assert str(out.device) == "cuda:0" and out.grad_fn.name() == "AddmmBackward0"
assert {str(v.device) for v in model.state_dict().values()} == {"cuda:0"}
model.to("cpu", dlcore.float64)
assert model[0].weight is weight and str(weight.device) == "cpu" and weight.dtype == dlcore.float64
model.to(device="cuda")
assert repr(nn.ParameterList([model[0].bias])) == (
    "ParameterList(  (0): Parameter containing: [dlcore.float64 of size 3 (cuda:0)])")
assert repr(nn.ParameterDict({"b": model[0].bias})) == (
    "ParameterDict(  (b): Parameter containing: [dlcore.cuda.DoubleTensor of size 3 (cuda:0)])")
model.to(dlcore.zeros(1))
assert str(weight.device) == "cpu" and weight.dtype == dlcore.float32
print("ok")
"""


def test_module_moves_to_a_gpu_in_place():
    """Module.cuda()/to('cuda') on the test-only CUDA stand-in (DLCORE_FAKE_CUDA=1), in a fresh
    process: parameters stay the same objects, grads and buffers move with them."""
    root = pathlib.Path(__file__).resolve().parent.parent
    env = dict(os.environ, DLCORE_FAKE_CUDA="1", PYTHONPATH=str(root))
    result = subprocess.run([sys.executable, "-c", _ON_A_GPU], env=env, cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
