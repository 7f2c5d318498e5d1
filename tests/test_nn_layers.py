"""The layers and containers of dlcore.nn against PyTorch: printed forms, seeded initial weights,
forward values and gradients, container operations, errors, and chapter 5's models.
"""
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore
import dlcore.nn as dnn

torch = pytest.importorskip("torch")


def to_ours(text):
    return text.replace("torch.", "dlcore.")


def numpy_of(t):
    return t.detach().cpu().numpy()


def _texts_as_ours(value):
    """PyTorch's result with `torch.` read as `dlcore.` in its strings (reprs name the library)."""
    if isinstance(value, str):
        return to_ours(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_texts_as_ours(v) for v in value)
    return value


def outcome(fn, lib):
    try:
        return "ok", _texts_as_ours(fn(lib))
    except Exception as e:  # noqa: BLE001  (the exception is what is compared)
        return type(e).__name__, to_ours(str(e))


def assert_same_outcome(fn):
    ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
    assert ours == theirs


# -- printed forms ---------------------------------------------------------------------------------
MODULES = [
    lambda nn, lib: nn.Linear(3, 4),
    lambda nn, lib: nn.Linear(1, 1, bias=False),
    lambda nn, lib: nn.Linear(0, 2),
    lambda nn, lib: nn.Bilinear(2, 3, 4),
    lambda nn, lib: nn.Bilinear(2, 3, 4, bias=False),
    lambda nn, lib: nn.Identity(),
    lambda nn, lib: nn.Identity(54, unused="argument"),
    lambda nn, lib: nn.Flatten(),
    lambda nn, lib: nn.Flatten(0, 2),
    lambda nn, lib: nn.Unflatten(1, (2, 5)),
    lambda nn, lib: nn.Unflatten(-1, [4, -1]),
    lambda nn, lib: nn.Dropout(),
    lambda nn, lib: nn.Dropout(0.25, inplace=True),
    lambda nn, lib: nn.Dropout(1),
    lambda nn, lib: nn.Embedding(10, 3),
    lambda nn, lib: nn.Embedding(10, 3, padding_idx=-1, max_norm=1.5, norm_type=1.0,
                                 scale_grad_by_freq=True),
    lambda nn, lib: nn.Sequential(),
    lambda nn, lib: nn.Sequential(nn.Linear(1, 13), nn.Linear(13, 1)),
    lambda nn, lib: nn.Sequential(OrderedDict([("hidden_linear", nn.Linear(1, 8)),
                                               ("output_linear", nn.Linear(8, 1))])),
    lambda nn, lib: nn.Sequential(nn.Sequential(nn.Flatten(), nn.Dropout(0.1)), nn.Identity()),
    lambda nn, lib: nn.Sequential(nn.Linear(11, 64), nn.ReLU(), nn.Dropout(0.2),
                                  nn.Linear(64, 64), nn.LeakyReLU(0.1), nn.Linear(64, 1),
                                  nn.Sigmoid()),
    lambda nn, lib: nn.ModuleList([nn.Tanh(), nn.Tanh(), nn.Hardtanh(-2.0, 2.0)]),
    lambda nn, lib: nn.ModuleList(),
    lambda nn, lib: nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 3),
                                   nn.Identity(), nn.Identity(), nn.Identity()]),
    lambda nn, lib: nn.ModuleList([nn.Sequential(nn.Linear(1, 1)), nn.Sequential(nn.Linear(1, 1))]),
    lambda nn, lib: nn.ModuleDict({"b": nn.Linear(1, 2), "a": nn.Flatten()}),
    lambda nn, lib: nn.ModuleDict(),
    lambda nn, lib: nn.ParameterList([nn.Parameter(lib.ones(2, 3)), lib.zeros(4),
                                      nn.Parameter(lib.ones(1, dtype=lib.float64))]),
    lambda nn, lib: nn.ParameterList(),
    lambda nn, lib: nn.ParameterDict({"w": nn.Parameter(lib.ones(3)), "b": lib.zeros(2, 2)}),
    lambda nn, lib: nn.ParameterDict(),
]


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
@pytest.mark.parametrize("build", MODULES)
def test_module_prints_as_pytorchs(build):
    assert repr(build(dnn, dlcore)) == to_ours(repr(build(torch.nn, torch)))


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_nested_model_prints_as_pytorchs():
    def build(nn, lib):
        return nn.Sequential(OrderedDict([
            ("encoder", nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.Dropout(0.3))),
            ("blocks", nn.ModuleList([nn.Linear(6, 6) for _ in range(3)])),
            ("heads", nn.ModuleDict({"score": nn.Linear(6, 1), "embed": nn.Embedding(5, 6)})),
            ("params", nn.ParameterList([nn.Parameter(lib.zeros(6))])),
            ("decoder", nn.Sequential(nn.Unflatten(1, (2, 3)), nn.Identity())),
        ]))
    assert repr(build(dnn, dlcore)) == to_ours(repr(build(torch.nn, torch)))
    assert str(build(dnn, dlcore)) == to_ours(str(build(torch.nn, torch)))


def test_chapter5_models_print_as_pytorchs():
    def build(nn, lib):
        seq = nn.Sequential(nn.Linear(1, 13), nn.Tanh(), nn.Linear(13, 1))
        named = nn.Sequential(OrderedDict([("hidden_linear", nn.Linear(1, 8)),
                                           ("hidden_activation", nn.Tanh()),
                                           ("output_linear", nn.Linear(8, 1))]))
        return repr(seq) + "\n" + repr(named)
    assert build(dnn, dlcore) == build(torch.nn, torch)
    assert build(dnn, dlcore).startswith("Sequential(\n  (0): Linear(in_features=1, "
                                         "out_features=13, bias=True)\n  (1): Tanh()\n")


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
def test_parameters_print_as_pytorchs_for_the_same_seed():
    dlcore.manual_seed(1)
    torch.manual_seed(1)
    ours, theirs = dnn.Linear(1, 1), torch.nn.Linear(1, 1)
    assert repr(ours.weight) == repr(theirs.weight)
    assert repr(ours.bias) == repr(theirs.bias)


# -- chapter 5: the same network three ways ----------------------------------------------------
def _three_ways(lib):
    nn = lib.nn

    class SubclassModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden_linear = nn.Linear(1, 13)
            self.hidden_activation = nn.Tanh()
            self.output_linear = nn.Linear(13, 1)

        def forward(self, input):
            return self.output_linear(self.hidden_activation(self.hidden_linear(input)))

    lib.manual_seed(123)
    models = [
        nn.Sequential(nn.Linear(1, 11), nn.Tanh(), nn.Linear(11, 1)),
        nn.Sequential(OrderedDict([("hidden_linear", nn.Linear(1, 12)),
                                   ("hidden_activation", nn.Tanh()),
                                   ("output_linear", nn.Linear(12, 1))])),
        SubclassModel(),
    ]
    table = []
    for model in models:
        table.append([(name, list(p.shape), p.numel()) for name, p in model.named_parameters()])
        table.append(repr(model))
    x = lib.linspace(-1, 1, 5).unsqueeze(1)
    outputs = [model(x).detach().cpu().numpy().copy() for model in models]
    return table, outputs


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
def test_chapter5_three_ways_table_matches_pytorch():
    (ours, our_outputs), (theirs, their_outputs) = _three_ways(dlcore), _three_ways(torch)
    assert ours == theirs
    assert ours[0] == [("0.weight", [11, 1], 11), ("0.bias", [11], 11),
                       ("2.weight", [1, 11], 11), ("2.bias", [1], 1)]
    assert ours[4] == [("hidden_linear.weight", [13, 1], 13), ("hidden_linear.bias", [13], 13),
                       ("output_linear.weight", [1, 13], 13), ("output_linear.bias", [1], 1)]
    for a, b in zip(our_outputs, their_outputs):          # same seed: same weights, same outputs
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_modules_in_a_plain_list_are_not_registered():
    def build(lib):
        nn = lib.nn

        class Listed(nn.Module):
            def __init__(self):
                super().__init__()
                self.plain = [nn.Linear(1, 14), nn.Linear(14, 1)]
                self.registered = nn.ModuleList([nn.Linear(1, 14)])
                self.named = nn.ModuleDict({"out": nn.Linear(14, 1)})
                self.add_module("extra", nn.Linear(2, 2))

        m = Listed()
        return [n for n, _ in m.named_parameters()], repr(m)
    ours, theirs = build(dlcore), build(torch)
    assert ours == theirs
    assert not any(name.startswith("plain") for name in ours[0])


# -- seeded initialisation equals PyTorch's ------------------------------------------------------
@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@settings(max_examples=25)
@given(seed=st.integers(0, 2**31 - 1), fan_in=st.integers(0, 9), fan_out=st.integers(1, 9),
       bias=st.booleans(), dtype=st.sampled_from(["float32", "float64"]))
def test_linear_initial_weights_equal_pytorchs(seed, fan_in, fan_out, bias, dtype):
    dlcore.manual_seed(seed)
    torch.manual_seed(seed)
    with pytest.warns(UserWarning) if fan_in == 0 else _nothing():
        ours = dnn.Linear(fan_in, fan_out, bias=bias, dtype=getattr(dlcore, dtype))
    with pytest.warns(UserWarning) if fan_in == 0 else _nothing():
        theirs = torch.nn.Linear(fan_in, fan_out, bias=bias, dtype=getattr(torch, dtype))
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters(),
                                  strict=True):
        assert n1 == n2 and p1.dtype == getattr(dlcore, dtype)
        np.testing.assert_array_equal(numpy_of(p1), numpy_of(p2))
    # the next numbers drawn agree too: both consumed the same amount of the stream
    assert dlcore.rand(3).tolist() == torch.rand(3).tolist()


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@pytest.mark.parametrize("build", [
    lambda nn: nn.Bilinear(3, 2, 4), lambda nn: nn.Bilinear(1, 5, 2, bias=False),
    lambda nn: nn.Embedding(7, 3), lambda nn: nn.Embedding(7, 3, padding_idx=2),
    lambda nn: nn.Embedding(7, 3, padding_idx=-2),
    lambda nn: nn.Sequential(nn.Linear(4, 3), nn.Linear(3, 2), nn.Bilinear(2, 2, 1)),
])
@pytest.mark.parametrize("seed", [0, 7, 2024])
def test_layer_initial_weights_equal_pytorchs(build, seed):
    dlcore.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = build(dnn), build(torch.nn)
    assert dict(ours.named_parameters()).keys() == dict(theirs.named_parameters()).keys()
    for p1, p2 in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(numpy_of(p1), numpy_of(p2))


def test_reset_parameters_redraws():
    m = dnn.Linear(3, 2)
    before = numpy_of(m.weight).copy()
    weight = m.weight
    m.reset_parameters()
    assert m.weight is weight and not np.array_equal(before, numpy_of(m.weight))
    assert m.weight.is_leaf and m.weight.grad_fn is None


# -- forward values and gradients -----------------------------------------------------------------
def _same_forward_backward(build, inputs, seed=3, rtol=1e-5):
    """Build both, give them PyTorch's weights, run forward and backward on the same inputs."""
    dlcore.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = build(dnn), build(torch.nn)
    ours.load_state_dict({k: dlcore.tensor(v.cpu().numpy()) for k, v in theirs.state_dict().items()})
    x_ours = [dlcore.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    x_theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in inputs]
    out_ours, out_theirs = ours(*x_ours), theirs(*x_theirs)
    np.testing.assert_allclose(numpy_of(out_ours), numpy_of(out_theirs), rtol=rtol, atol=1e-6)
    weights = np.linspace(-1, 1, out_theirs.numel(), dtype=np.float32).reshape(out_theirs.shape)
    (out_ours * dlcore.tensor(weights)).sum().backward()
    (out_theirs * torch.tensor(weights)).sum().backward()
    for (name, p1), p2 in zip(ours.named_parameters(), theirs.parameters()):
        if p2.grad is None:
            assert p1.grad is None, name
        else:
            np.testing.assert_allclose(numpy_of(p1.grad), p2.grad.cpu().numpy(), rtol=rtol, atol=1e-5)
    for a, b in zip(x_ours, x_theirs):
        if b.grad is not None:
            np.testing.assert_allclose(numpy_of(a.grad), b.grad.cpu().numpy(), rtol=rtol, atol=1e-5)
    return out_ours


@settings(max_examples=20)
@given(batch=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       fan_in=st.integers(1, 6), fan_out=st.integers(1, 6), bias=st.booleans())
def test_linear_forward_and_gradients_equal_pytorchs(batch, fan_in, fan_out, bias):
    x = np.random.default_rng(len(batch) + fan_in).standard_normal(
        batch + [fan_in]).astype(np.float32)
    _same_forward_backward(lambda nn: nn.Linear(fan_in, fan_out, bias=bias), [x])


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_forward_and_gradients_equal_pytorchs(bias):
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((5, 3)).astype(np.float32)
    x2 = rng.standard_normal((5, 2)).astype(np.float32)
    _same_forward_backward(lambda nn: nn.Bilinear(3, 2, 4, bias=bias), [x1, x2])


def test_model_forward_and_gradients_equal_pytorchs():
    x = np.random.default_rng(1).standard_normal((6, 2, 3)).astype(np.float32)
    _same_forward_backward(lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(6, 5),
                                                    nn.Identity(), nn.Unflatten(1, (5, 1)),
                                                    nn.Flatten(0)), [x])


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_forward_and_gradients_equal_pytorchs(padding_idx):
    indices = np.array([[0, 1, 3], [3, 3, 1]])
    _same_forward_backward(lambda nn: nn.Embedding(4, 5, padding_idx=padding_idx), [indices])
    m = dnn.Embedding(4, 5, padding_idx=padding_idx)
    if padding_idx is not None:
        assert not m.weight[padding_idx].any()


@pytest.mark.parametrize("options", [dict(max_norm=1.0), dict(max_norm=0.5, norm_type=1.0),
                                     dict(scale_grad_by_freq=True, padding_idx=0)])
def test_embedding_options_equal_pytorchs(options):
    indices = np.array([0, 2, 2, 4])
    ours = _same_forward_backward(lambda nn: nn.Embedding(5, 3, **options), [indices])
    dlcore.manual_seed(3)
    torch.manual_seed(3)
    theirs = torch.nn.Embedding(5, 3, **options)
    theirs(torch.tensor(indices))                   # max_norm renormalises the rows it reads
    np.testing.assert_allclose(numpy_of(ours), numpy_of(theirs(torch.tensor(indices))),
                               rtol=1e-6)


def test_embedding_from_pretrained():
    table = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    for freeze in (True, False):
        ours = dnn.Embedding.from_pretrained(dlcore.tensor(table), freeze=freeze)
        theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze)
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        assert repr(ours) == repr(theirs)
        assert ours(dlcore.tensor([2, 0])).tolist() == theirs(torch.tensor([2, 0])).tolist()


def test_dropout_zeroes_and_rescales_in_training_and_passes_through_in_eval():
    dlcore.manual_seed(0)
    drop = dnn.Dropout(0.25)
    x = dlcore.ones(4000)
    y = drop(x)
    assert set(np.unique(numpy_of(y)).tolist()) == {0.0, float(np.float32(1) / np.float32(0.75))}
    assert abs(float((y == 0).float().mean()) - 0.25) < 0.03
    assert drop.eval()(x) is x or drop(x).tolist() == x.tolist()
    assert dnn.Dropout(0.0)(x).tolist() == x.tolist()
    assert not dnn.Dropout(1.0)(x).any()


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.Dropout(-0.1),
    lambda lib: lib.nn.Dropout(1.5),
    lambda lib: lib.nn.Unflatten(1, 6),
    lambda lib: lib.nn.Unflatten(1, (2, 3.0)),
    lambda lib: lib.nn.Unflatten(1, (2, 2))(lib.ones(2, 5)),
    lambda lib: lib.nn.Flatten(3)(lib.ones(2, 3)),
    lambda lib: lib.nn.Embedding(3, 2, padding_idx=3),
    lambda lib: lib.nn.Embedding(3, 2, padding_idx=-4),
    lambda lib: lib.nn.Embedding(3, 2, _weight=lib.ones(2, 2)),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)),
    lambda lib: lib.nn.Bilinear(0, 2, 2),
    lambda lib: lib.nn.Linear(3, 2)(lib.ones(2, 4)),
])
def test_layer_errors_match_pytorch(fn):
    ours, theirs = outcome(fn, dlcore), outcome(fn, torch)
    assert ours[0] == theirs[0] != "ok"
    if ours[0] not in ("RuntimeError",):                 # shape errors: the type, not the text
        assert ours[1] == theirs[1]


# -- containers ------------------------------------------------------------------------------------
def _names(module):
    return list(module._modules.keys()), [type(m).__name__ for m in module._modules.values()]


SEQUENTIAL_OPERATIONS = [
    lambda s, nn: s[0],
    lambda s, nn: s[-1],
    lambda s, nn: s[-3],
    lambda s, nn: s[1:],
    lambda s, nn: s[::2],
    lambda s, nn: s[5],
    lambda s, nn: s[-4],
    lambda s, nn: len(s),
    lambda s, nn: [type(m).__name__ for m in s],
    lambda s, nn: s.append(nn.Flatten()),
    lambda s, nn: s.insert(1, nn.Flatten()),
    lambda s, nn: s.insert(-1, nn.Flatten()),
    lambda s, nn: s.insert(3, nn.Flatten()),
    lambda s, nn: s.insert(9, nn.Flatten()),
    lambda s, nn: s.extend([nn.Flatten(), nn.Identity()]),
    lambda s, nn: s.pop(1),
    lambda s, nn: s.pop(-1),
    lambda s, nn: s.__delitem__(0),
    lambda s, nn: s.__delitem__(slice(0, 2)),
    lambda s, nn: s.__setitem__(-1, nn.Flatten()),
    lambda s, nn: s + nn.Sequential(nn.Flatten()),
    lambda s, nn: s + [nn.Flatten()],
    lambda s, nn: s * 2,
    lambda s, nn: 2 * s,
    lambda s, nn: s * 0,
    lambda s, nn: s.__iadd__(nn.Sequential(nn.Identity())),
    lambda s, nn: s.__imul__(2),
]


@pytest.mark.parametrize("operation", SEQUENTIAL_OPERATIONS)
def test_sequential_operations_match_pytorch(operation):
    def run(lib):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1))
        result = operation(s, nn)
        shown = repr(result) if isinstance(result, nn.Module) else result
        return shown, repr(s)
    assert_same_outcome(run)


def test_sequential_slices_share_modules_and_keep_names():
    layers = OrderedDict([("a", dnn.Linear(1, 2)), ("b", dnn.Identity()), ("c", dnn.Linear(2, 1))])
    s = dnn.Sequential(layers)
    tail = s[1:]
    assert type(tail) is dnn.Sequential and list(tail._modules) == ["b", "c"]
    assert tail.c is s.c
    assert s.c(s.b(s.a(dlcore.ones(1, 1)))).tolist() == s(dlcore.ones(1, 1)).tolist()
    assert s.append(dnn.Identity()) is s and list(s._modules)[-1] == "3"


MODULE_LIST_OPERATIONS = [
    lambda m, nn: m[1],
    lambda m, nn: m[-1],
    lambda m, nn: m[1:],
    lambda m, nn: m[3],
    lambda m, nn: len(m),
    lambda m, nn: m.append(nn.Flatten()),
    lambda m, nn: m.extend([nn.Flatten()]),
    lambda m, nn: m.extend(nn.Flatten()),
    lambda m, nn: m.insert(0, nn.Flatten()),
    lambda m, nn: m.pop(0),
    lambda m, nn: m.__delitem__(slice(1, None)),
    lambda m, nn: m.__setitem__(0, nn.Flatten()),
    lambda m, nn: m + nn.ModuleList([nn.Flatten()]),
    lambda m, nn: m.__iadd__([nn.Identity()]),
]


@pytest.mark.parametrize("operation", MODULE_LIST_OPERATIONS)
def test_module_list_operations_match_pytorch(operation):
    def run(lib):
        nn = lib.nn
        m = nn.ModuleList([nn.Linear(1, 1), nn.Identity(), nn.Identity()])
        result = operation(m, nn)
        shown = repr(result) if isinstance(result, nn.Module) else result
        return shown, repr(m)
    assert_same_outcome(run)


MODULE_DICT_OPERATIONS = [
    lambda d, nn: d["lin"],
    lambda d, nn: d["nothing"],
    lambda d, nn: list(d),
    lambda d, nn: list(d.keys()),
    lambda d, nn: [type(v).__name__ for v in d.values()],
    lambda d, nn: [k for k, _ in d.items()],
    lambda d, nn: "lin" in d,
    lambda d, nn: len(d),
    lambda d, nn: d.pop("lin"),
    lambda d, nn: d.clear(),
    lambda d, nn: d.update([("z", nn.Flatten()), ("a", nn.Identity())]),
    lambda d, nn: d.update({"z": nn.Flatten(), "a": nn.Identity()}),
    lambda d, nn: d.update(3),
    lambda d, nn: d.update([nn.Flatten()]),
    lambda d, nn: d.update([("a", nn.Flatten(), 3)]),
    lambda d, nn: d.__setitem__("new", nn.Flatten()),
    lambda d, nn: d.__setitem__("new", 3),
    lambda d, nn: d.__delitem__("act"),
]


@pytest.mark.parametrize("operation", MODULE_DICT_OPERATIONS)
def test_module_dict_operations_match_pytorch(operation):
    def run(lib):
        nn = lib.nn
        d = nn.ModuleDict({"lin": nn.Linear(1, 1), "act": nn.Identity()})
        result = operation(d, nn)
        shown = repr(result) if isinstance(result, nn.Module) else result
        return shown, repr(d)
    assert_same_outcome(run)


PARAMETER_LIST_OPERATIONS = [
    lambda p, lib: [type(x).__name__ for x in p],
    lambda p, lib: type(p[0]).__name__,
    lambda p, lib: p[-1].tolist(),
    lambda p, lib: p[5],
    lambda p, lib: p[1:],
    lambda p, lib: len(p),
    lambda p, lib: p.append(lib.zeros(3)),
    lambda p, lib: p.append("not a tensor"),
    lambda p, lib: p.extend([lib.zeros(1), lib.nn.Parameter(lib.ones(2))]),
    lambda p, lib: p.extend(lib.zeros(2)),
    lambda p, lib: p.__setitem__(0, lib.ones(5)),
    lambda p, lib: [n for n, _ in p.named_parameters()],
    lambda p, lib: p(1),
]


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
@pytest.mark.parametrize("operation", PARAMETER_LIST_OPERATIONS)
def test_parameter_list_operations_match_pytorch(operation):
    def run(lib):
        p = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2)), lib.zeros(2, 2)])
        result = operation(p, lib)
        shown = repr(result) if isinstance(result, lib.nn.Module) else result
        return shown, repr(p)
    assert_same_outcome(run)


PARAMETER_DICT_OPERATIONS = [
    lambda p, lib: list(p),
    lambda p, lib: list(reversed(p)),
    lambda p, lib: type(p["b"]).__name__,
    lambda p, lib: p["nothing"],
    lambda p, lib: p[0],
    lambda p, lib: p.get("nothing", 5),
    lambda p, lib: "a" in p,
    lambda p, lib: len(p),
    lambda p, lib: p.pop("a").tolist(),
    lambda p, lib: p.popitem()[0],
    lambda p, lib: p.setdefault("c", lib.ones(1)).tolist(),
    lambda p, lib: p.update({"z": lib.ones(1), "c": lib.zeros(1)}),
    lambda p, lib: p.update(OrderedDict([("z", lib.ones(1)), ("c", lib.zeros(1))])),
    lambda p, lib: p.update([("z", lib.ones(1))]),
    lambda p, lib: p.update(5),
    lambda p, lib: p.update([("z",)]),
    lambda p, lib: p.clear(),
    lambda p, lib: list(p.copy().keys()),
    lambda p, lib: list(p.fromkeys(["x", "y"]).keys()),
    lambda p, lib: [k for k, _ in (p | lib.nn.ParameterDict({"q": lib.ones(1)})).items()],
    lambda p, lib: [n for n, _ in p.named_parameters()],
    lambda p, lib: p(1),
]


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
@pytest.mark.parametrize("operation", PARAMETER_DICT_OPERATIONS)
def test_parameter_dict_operations_match_pytorch(operation):
    def run(lib):
        p = lib.nn.ParameterDict({"b": lib.nn.Parameter(lib.ones(2)), "a": lib.zeros(2)})
        result = operation(p, lib)
        shown = repr(result) if isinstance(result, lib.nn.Module) else result
        return shown, repr(p)
    assert_same_outcome(run)


def test_container_contents_are_registered_and_trained():
    def build(lib):
        nn = lib.nn
        lib.manual_seed(5)
        model = nn.Module()
        model.seq = nn.Sequential(nn.Linear(2, 2))
        model.lst = nn.ModuleList([nn.Linear(2, 2)])
        model.dct = nn.ModuleDict({"k": nn.Linear(2, 1)})
        model.plst = nn.ParameterList([lib.ones(2)])
        model.pdct = nn.ParameterDict({"s": lib.ones(1)})
        return model
    ours, theirs = build(dlcore), build(torch)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert all(p.requires_grad for p in ours.parameters())
    assert len(list(ours.parameters())) == 8
    ours.eval()
    assert not ours.lst[0].training
