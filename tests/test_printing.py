"""Printing against real PyTorch: the same values, made into a tensor by both libraries (and put
through the same view op), must print byte for byte alike, with `dlcore` where PyTorch says
`torch`. Covers every dtype, 0-d to 4-d shapes with empty dimensions, tiny, huge, mixed,
integral, non-finite and negative-zero values, summarised tensors, views, print options,
grad suffixes, Storage and Size."""
import time
import warnings

import numpy as np
import pytest

import dlcore

torch = pytest.importorskip("torch")

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHAPES = [(), (1,), (5,), (0,), (3, 4), (0, 3), (2, 0, 4), (1, 1), (2, 3, 4), (3, 1, 2, 2),
          (2, 3, 0, 2), (12,), (4, 25)]
BIG_SHAPES = [(1001,), (40, 30), (12, 10, 10), (3, 4, 5, 20), (2, 2000), (1100, 1)]
# Value kinds for floating dtypes: each a function (rng, shape, np_dtype) -> values
FLOAT_KINDS = {
    "normal": lambda rng, shape: rng.randn(*shape),
    "tiny": lambda rng, shape: rng.randn(*shape) * 1e-6,
    "huge": lambda rng, shape: rng.randn(*shape) * 1e10,
    "mixed": lambda rng, shape: rng.randn(*shape) * 10.0 ** rng.randint(-8, 9, shape),
    "integral": lambda rng, shape: rng.randint(-500, 500, shape).astype(np.float64),
    "big_integral": lambda rng, shape: rng.randint(-10**9, 10**9, shape).astype(np.float64),
    "positive": lambda rng, shape: rng.rand(*shape) * 100,
    "negative": lambda rng, shape: -rng.rand(*shape) * 3,
    "rounding": lambda rng, shape: rng.choice([9.99996, -9.99996, 0.99995, 99.99999, 1e-4,
                                               0.00005, 999.95, 1e8, 12345.678], shape),
    "nonfinite": lambda rng, shape: rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0, 1.5, -2.0,
                                                 3.0], shape),
    "nonfinite_int": lambda rng, shape: rng.choice([np.nan, np.inf, -np.inf, -0.0, 4.0,
                                                     -70.0], shape),
    "zeros": lambda rng, shape: np.zeros(shape),
    "neg_zeros": lambda rng, shape: np.full(shape, -0.0),
    "only_nonfinite": lambda rng, shape: rng.choice([np.nan, np.inf, -np.inf], shape),
    "extreme": lambda rng, shape: rng.choice([1e-300, 1e300, -1e-310, 5e-324, 1.0, 1e-5,
                                               -1e200], shape),
}
FLOAT16_EXTRAS = {
    "half_extreme": lambda rng, shape: rng.choice([65504.0, -65504.0, 6e-8, 1e-5, 0.1, 3.0],
                                                  shape),
}
INT_KINDS = ["small", "range", "extremes", "zeros"]
VIEWS = ["none", "transpose", "step", "expand", "permute", "select", "narrow_step"]


def _int_values(rng, kind, shape, np_dtype):
    info = np.iinfo(np_dtype)
    if kind == "small":
        return rng.randint(max(info.min, -9), min(info.max, 10), shape)
    if kind == "range":
        return rng.randint(info.min, info.max, shape, dtype=np_dtype)
    if kind == "extremes":
        return rng.choice([info.min, info.max, 0, 1], shape)
    return np.zeros(shape)


def _values(rng, dtype, kind, shape):
    np_dtype = np.dtype(dtype)
    if dtype == "bool":
        values = rng.rand(*shape) > {"small": 0.5, "range": 0.0, "extremes": 1.0,
                                      "zeros": 0.3}[kind]
    elif np_dtype.kind in "iu":
        values = _int_values(rng, kind, shape, np_dtype)
    else:
        kinds = {**FLOAT_KINDS, **FLOAT16_EXTRAS}
        with np.errstate(over="ignore"):
            values = kinds[kind](rng, shape)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(np.asarray(values).astype(np_dtype))


def _apply_view(lib, t, view):
    """The same view op in either library; views that don't apply to the shape return t."""
    nd = t.dim()
    if view == "transpose" and nd >= 2:
        return t.transpose(0, nd - 1)
    if view == "step" and nd >= 1:
        return t[::2]
    if view == "expand":
        return t.unsqueeze(0).expand(3, *t.shape)
    if view == "permute" and nd >= 3:
        return t.permute(*reversed(range(nd)))
    if view == "select" and nd >= 2 and t.shape[0] > 0:
        return t.select(0, t.shape[0] - 1)
    if view == "narrow_step" and nd >= 2:
        return t[..., 1::3]
    return t


def _generate_cases():
    """Deterministic cases: (id, numpy values, view name)."""
    rng = np.random.RandomState(1234)
    cases = []
    for dtype in DTYPES:
        floating = dtype.startswith("float")
        kinds = list(FLOAT_KINDS) + (list(FLOAT16_EXTRAS) if dtype == "float16" else []) \
            if floating else INT_KINDS
        for kind in kinds:
            for shape in SHAPES:
                # every shape for the common kinds; a few shapes for the rest keeps the count sane
                if kind not in ("normal", "small", "mixed", "nonfinite") and rng.rand() < 0.55:
                    continue
                view = VIEWS[rng.randint(len(VIEWS))]
                cases.append((f"{dtype}-{kind}-{'x'.join(map(str, shape))}-{view}",
                              _values(rng, dtype, kind, shape), view))
        for shape in BIG_SHAPES:
            kind = kinds[rng.randint(len(kinds))]
            view = VIEWS[rng.randint(len(VIEWS))]
            cases.append((f"{dtype}-{kind}-{'x'.join(map(str, shape))}-{view}-big",
                          _values(rng, dtype, kind, shape), view))
    return cases


CASES = _generate_cases()


def _both(values, view="none"):
    """The same tensor (same values, same view) in dlcore and in torch."""
    return (_apply_view(dlcore, dlcore.from_numpy(values.copy()), view),
            _apply_view(torch, torch.from_numpy(values.copy()), view))


def _expected(tt):
    return repr(tt).replace("torch", "dlcore")


def _assert_same_repr(values, view="none"):
    dl, tt = _both(values, view)
    assert dl.shape == tuple(tt.shape) and dl.stride() == tt.stride()
    assert repr(dl) == _expected(tt)
    assert str(dl) == str(tt).replace("torch", "dlcore")


@pytest.fixture(autouse=True)
def _default_printoptions():
    """Every test starts and ends with the default print options and default dtype."""
    dlcore.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    yield
    dlcore.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    dlcore.set_default_dtype(dlcore.float32)
    torch.set_default_dtype(torch.float32)


def test_enough_generated_cases():
    assert len(CASES) >= 300


@pytest.mark.parametrize("values, view", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_repr_matches_torch(values, view):
    _assert_same_repr(values, view)


# -- print options --------------------------------------------------------------------------------
OPTION_SETS = [
    dict(precision=2), dict(precision=8), dict(precision=0), dict(sci_mode=True),
    dict(sci_mode=False), dict(threshold=5), dict(threshold=5, edgeitems=1),
    dict(threshold=10, edgeitems=0), dict(edgeitems=5, threshold=30), dict(linewidth=40),
    dict(linewidth=120), dict(linewidth=10), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=6), dict(threshold=0), dict(precision=3, sci_mode=True,
                                                                 linewidth=60),
]
# a sample of the generated cases, each printed under every option set
OPTION_CASES = CASES[::13]


@pytest.mark.parametrize("options", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
def test_printoptions_match_torch(options):
    dlcore.set_printoptions(**options)
    torch.set_printoptions(**options)
    assert dlcore.get_printoptions() == torch._tensor_str.get_printoptions()
    for _, values, view in OPTION_CASES:
        _assert_same_repr(values, view)


def test_get_printoptions_and_profiles():
    assert dlcore.get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3,
                                             linewidth=80, sci_mode=None)
    for profile in ("short", "full", "default"):
        dlcore.set_printoptions(profile=profile)
        torch.set_printoptions(profile=profile)
        assert dlcore.get_printoptions() == torch._tensor_str.get_printoptions()


def test_sci_mode_is_reset_by_any_call():
    # as in PyTorch, sci_mode goes back to None when a later call leaves it out
    dlcore.set_printoptions(sci_mode=True)
    dlcore.set_printoptions(precision=3)
    assert dlcore.get_printoptions()["sci_mode"] is None


def test_printoptions_context_manager_restores():
    values = np.array([1.123456789, 2e-3, 30.0])
    before = repr(dlcore.from_numpy(values))
    with dlcore.printoptions(precision=7, sci_mode=True), \
            torch._tensor_str.printoptions(precision=7, sci_mode=True):
        _assert_same_repr(values)
        assert dlcore.get_printoptions()["precision"] == 7
    assert repr(dlcore.from_numpy(values)) == before
    assert dlcore.get_printoptions() == torch._tensor_str.get_printoptions()


def test_set_printoptions_exported():
    assert dlcore.set_printoptions is dlcore._tensor_str.set_printoptions
    assert callable(dlcore.get_printoptions) and callable(dlcore.printoptions)


# -- suffixes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_default_dtype_changes_suffix(dtype):
    dlcore.set_default_dtype(dlcore.float64)
    torch.set_default_dtype(torch.float64)
    for shape in [(3,), (0,), (2, 0)]:
        _assert_same_repr(np.random.RandomState(0).randn(*shape).astype(dtype))


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (300,), (2000,), (0,)])
def test_requires_grad_suffix(shape):
    values = np.asarray(np.random.RandomState(1).randn(*shape), np.float64)
    dl, tt = _both(values)
    dl.requires_grad_()
    tt.requires_grad_()
    assert repr(dl) == _expected(tt)


class _FakeNode:
    """Stands in for an autograd node: prints by its name()."""

    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class AddBackward0:
    """A node without name(): printed by its class name."""


@pytest.mark.parametrize("shape", [(), (4,), (3, 3), (2000,)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_fn_suffix(shape, dtype):
    values = np.asarray(np.random.RandomState(2).randn(*shape), dtype)
    dl, tt = _both(values)
    tt = tt.requires_grad_() + 1
    dl = dl + 1
    dl.requires_grad = True
    dl.grad_fn = _FakeNode("AddBackward0")
    assert repr(dl) == _expected(tt)
    dl.grad_fn = AddBackward0()
    assert repr(dl) == _expected(tt)


def test_suffix_wraps_past_linewidth():
    # one full line of nine values: the dtype suffix goes on its own line, then requires_grad
    # joins it there
    values = np.linspace(0.1, 0.9, 9).astype(np.float16)
    dl, tt = _both(values)
    dl.requires_grad_()
    tt.requires_grad_()
    assert "],\n       dtype=dlcore.float16, requires_grad=True)" in _expected(tt)
    assert repr(dl) == _expected(tt)


def test_tensor_contents_override():
    dl = dlcore.from_numpy(np.arange(3, dtype=np.int32))
    tt = torch.from_numpy(np.arange(3, dtype=np.int32))
    expected = tt.__repr__(tensor_contents="[...]").replace("torch", "dlcore")
    assert dl.__repr__(tensor_contents="[...]") == expected == "tensor([...], dtype=dlcore.int32)"


# -- speed: summarising slices first --------------------------------------------------------------
def test_huge_tensor_prints_fast():
    values = np.random.RandomState(3).randn(10**7).astype(np.float32)
    dl, tt = _both(values)
    start = time.perf_counter()
    text = repr(dl)
    assert time.perf_counter() - start < 0.5
    assert text == _expected(tt)
    # non-contiguous too: the edges are gathered without copying the whole tensor
    square = values.reshape(2000, 5000)
    dl, tt = dlcore.from_numpy(square).t(), torch.from_numpy(square).t()
    start = time.perf_counter()
    text = repr(dl)
    assert time.perf_counter() - start < 0.5
    assert text == _expected(tt)


def test_full_profile_scans_without_python_loops():
    values = np.random.RandomState(4).rand(1200, 2).astype(np.float64) * 1e5
    dlcore.set_printoptions(profile="full")
    torch.set_printoptions(profile="full")
    _assert_same_repr(values)


# -- Storage and Size -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 6])
def test_storage_repr(dtype, n):
    values = _values(np.random.RandomState(n), dtype, "normal" if dtype.startswith("float")
                     else "small", (n,))
    dl, tt = _both(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected_lines = str(tt.storage()).split("\n")
    lines = repr(dl.storage()).split("\n")
    assert lines[:-1] == expected_lines[:-1]
    assert lines[-1] == f"[dlcore.{dl.dtype._typed_name}Storage of size {n}]"
    assert str(dl.storage()) == repr(dl.storage())


def test_storage_of_a_view_prints_whole_storage():
    values = np.arange(6, dtype=np.float32)
    dl, tt = _both(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = str(tt[::2].storage()).split("\n")
    lines = repr(dl[::2].storage()).split("\n")
    assert lines[:-1] == expected[:-1]
    assert lines[-1] == "[dlcore.FloatStorage of size 6]"


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (1, 0, 5), (2, 3, 4, 5)])
def test_size_repr(shape):
    assert repr(dlcore.Size(shape)) == repr(torch.Size(shape)).replace("torch", "dlcore")
    assert str(dlcore.zeros(shape).shape) == str(torch.zeros(shape).shape).replace("torch",
                                                                                    "dlcore")
