"""Losses against torch: every loss's value and gradients (input and, where torch has one,
target) for each reduction over generated shapes and values, extremes included (probabilities
0 and 1, huge logits); weights, pos_weight, ignore_index, label smoothing, class
probabilities, N-d inputs; PyTorch's errors and warnings; the modules; gradcheck in float64."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import dlcore
import dlcore.nn as nn
import dlcore.nn.functional as F
from dlcore.autograd import gradcheck, gradgradcheck

from .test_nn_functional import check, float_arrays

torch = pytest.importorskip("torch")
import torch.nn as tnn  # noqa: E402

from .oracle import assert_same_message  # noqa: E402

REDUCTIONS = ["mean", "sum", "none"]
DTYPES = st.sampled_from(["float32", "float64"])


def probabilities(shape, dtype, seed, extremes=True):
    """Values in [0, 1], with exact 0s and 1s mixed in."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, shape)
    if extremes and p.size:
        p.reshape(-1)[rng.integers(0, p.size, max(1, p.size // 3))] = rng.choice([0.0, 1.0])
    return p.astype(dtype)


def class_targets(shape, n_classes, seed, ignore_index=None):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, n_classes, shape)
    if ignore_index is not None and targets.size:
        targets.reshape(-1)[rng.integers(0, targets.size, max(1, targets.size // 3))] = \
            ignore_index
    return targets


# -- regression losses -----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, extra", [("mse_loss", {}), ("l1_loss", {}),
                                         ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                                         ("smooth_l1_loss", {"beta": 0.0})])
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), dtype=DTYPES,
       seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 100.0, 1e5]),
       target_grad=st.booleans())
@settings(max_examples=15)
def test_regression_losses_match_torch(reduction, name, extra, shape, dtype, seed, scale,
                                       target_grad):
    input = float_arrays(shape, dtype, seed=seed) * scale
    target = float_arrays(shape, dtype, seed=seed + 1) * scale
    check(lambda f, lib, x, y: getattr(f, name)(x, y, reduction=reduction, **extra),
          input, target, requires=[True, target_grad])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss"])
@pytest.mark.parametrize("target_shape, target_dtype", [
    ((4,), "float32"), ((1, 3, 4), "float32"), ((3, 4), "float64"), ((3, 4), "int64")])
def test_regression_losses_broadcast_and_promote_like_torch(name, target_shape, target_dtype):
    target = float_arrays(target_shape, seed=1).astype(target_dtype)
    check(lambda f, lib, x, y: getattr(f, name)(x, y), float_arrays((3, 4)), target,
          requires=[True, target_dtype != "int64"])


def test_a_target_of_another_size_warns_like_torch():
    with pytest.warns(UserWarning, match=r"Using a target size \(dlcore.Size\(\[4\]\)\) that is "
                                         r"different to the input size \(dlcore.Size\(\[3, 4\]\)\)"
                                         r". This will likely lead to incorrect results"):
        F.mse_loss(dlcore.ones(3, 4), dlcore.ones(4))


@pytest.mark.parametrize("case", [
    lambda f, lib: f.mse_loss(lib.ones(3), lib.ones(3), reduction="avg"),
    lambda f, lib: f.l1_loss(lib.ones(3), lib.ones(3), reduction="avg"),
    lambda f, lib: f.smooth_l1_loss(lib.ones(3), lib.ones(3), reduction="Mean"),
    lambda f, lib: f.mse_loss(lib.ones(3, 4), lib.ones(2, 4)),
    lambda f, lib: f.mse_loss(lib.arange(3), lib.arange(3)),
    lambda f, lib: f.smooth_l1_loss(lib.arange(3), lib.arange(3)),
    lambda f, lib: f.l1_loss(lib.arange(3), lib.arange(3)),
    lambda f, lib: f.smooth_l1_loss(lib.ones(3), lib.zeros(3), beta=-1.0),
    lambda f, lib: f.mse_loss(lib.ones(3), lib.zeros(3), weight=lib.ones(2)),
    lambda f, lib: f.mse_loss(lib.zeros(0), lib.zeros(0)),
    lambda f, lib: f.mse_loss(lib.zeros(0), lib.zeros(0), reduction="sum"),
], ids=["mse-reduction", "l1-reduction", "smooth-reduction", "shapes", "mse-int", "smooth-int",
        "l1-int", "beta", "weight-size", "empty-mean", "empty-sum"])
def test_regression_loss_errors_and_edges_match_torch(case):
    check(case)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_regression_losses_match_torch(name, reduction):
    check(lambda f, lib, x, y, w: getattr(f, name)(x, y, reduction=reduction, weight=w),
          float_arrays((3, 4)), float_arrays((3, 4), seed=1), np.abs(float_arrays((3, 4), seed=2)),
          requires=[True, True, False])


@pytest.mark.parametrize("size_average, reduce", [(None, False), (False, None), (True, True),
                                                  (False, True)])
def test_deprecated_size_average_and_reduce_flags(size_average, reduce):
    check(lambda f, lib, x, y: f.mse_loss(x, y, size_average=size_average, reduce=reduce),
          float_arrays((3, 4)), float_arrays((3, 4), seed=1))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        F.l1_loss(dlcore.ones(2), dlcore.ones(2), size_average=size_average, reduce=reduce)


def test_elementwise_mean_is_a_deprecated_mean():
    with pytest.warns(UserWarning, match="reduction='elementwise_mean' is deprecated"):
        loss = F.mse_loss(dlcore.tensor([1.0, 3.0]), dlcore.zeros(2), reduction="elementwise_mean")
    assert loss.item() == 5.0


@pytest.mark.cpu_only(reason="compares printed forms with PyTorch's CPU tensors (no device=)")
def test_mse_of_the_chapter4_model_is_the_exact_mean_rounded_once():
    t_c = dlcore.tensor([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
    t_u = dlcore.tensor([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])
    loss = nn.MSELoss()(t_u, t_c)
    exact = np.mean((t_u.cpu().numpy().astype(np.float64) - t_c.cpu().numpy().astype(np.float64)) ** 2)
    assert loss.item() == float(np.float32(exact))
    assert str(loss) == "tensor(1763.8846)"


# -- binary cross-entropy --------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), dtype=DTYPES,
       seed=st.integers(0, 2**16), weighted=st.booleans(), target_grad=st.booleans())
@settings(max_examples=20)
def test_binary_cross_entropy_matches_torch_including_0_and_1(reduction, shape, dtype, seed,
                                                               weighted, target_grad):
    # inputs 0 and 1 make log -inf: torch clamps it at -100 (and its gradient stays finite)
    arrays = [probabilities(shape, dtype, seed), probabilities(shape, dtype, seed + 1)]
    if weighted:
        arrays.append(np.abs(float_arrays(shape[-1:], dtype, seed=seed + 2)))

    def run(f, lib, x, y, *w):
        return f.binary_cross_entropy(x, y, *w, reduction=reduction)
    # (torch's target gradient is -logit(x): infinite where x is 0 or 1, so stay inside there)
    if target_grad:
        arrays[0] = probabilities(shape, dtype, seed, extremes=False) * 0.98 + 0.01
    check(run, *arrays, requires=[True, target_grad, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5), dtype=DTYPES,
       seed=st.integers(0, 2**16), scale=st.sampled_from([1.0, 30.0, 1e3]),
       weighted=st.booleans(), pos_weighted=st.booleans(), target_grad=st.booleans())
@settings(max_examples=20)
def test_binary_cross_entropy_with_logits_matches_torch(reduction, shape, dtype, seed, scale,
                                                        weighted, pos_weighted, target_grad):
    # huge logits: the stable form stays finite where sigmoid would round to 0 or 1
    logits = float_arrays(shape, dtype, seed=seed) * scale
    target = probabilities(shape, dtype, seed + 1)
    weight = np.abs(float_arrays(shape[-1:], dtype, seed=seed + 2))
    pos_weight = np.abs(float_arrays(shape[-1:], dtype, seed=seed + 3))

    def run(f, lib, x, y, w, pw):
        return f.binary_cross_entropy_with_logits(x, y, w if weighted else None,
                                                  reduction=reduction,
                                                  pos_weight=pw if pos_weighted else None)
    check(run, logits, target, weight, pos_weight, requires=[True, target_grad, False, False])


@pytest.mark.parametrize("case", [
    lambda f, lib: f.binary_cross_entropy(lib.tensor([0.5, 1.5]), lib.tensor([1.0, 0.0])),
    lambda f, lib: f.binary_cross_entropy(lib.tensor([0.5, 0.5]), lib.tensor([2.0, 0.0])),
    lambda f, lib: f.binary_cross_entropy(lib.tensor([0.5, 2.0]), lib.tensor([2.0, 0.0])),
    lambda f, lib: f.binary_cross_entropy(lib.tensor([float("nan")]), lib.tensor([0.0])),
    lambda f, lib: f.binary_cross_entropy(lib.rand(3, 4), lib.rand(4)),
    lambda f, lib: f.binary_cross_entropy(lib.rand(3), lib.rand(3, dtype=lib.float64)),
    lambda f, lib: f.binary_cross_entropy(lib.ones(3, dtype=lib.int32),
                                          lib.ones(3, dtype=lib.int32)),
    lambda f, lib: f.binary_cross_entropy(lib.rand(3), lib.rand(3), reduction="avg"),
    lambda f, lib: f.binary_cross_entropy_with_logits(lib.rand(3, 4), lib.rand(4)),
    lambda f, lib: f.binary_cross_entropy_with_logits(lib.rand(3), lib.ones(3, dtype=lib.int64)),
    lambda f, lib: f.binary_cross_entropy_with_logits(lib.ones(3, dtype=lib.int32),
                                                      lib.ones(3, dtype=lib.int32)),
    lambda f, lib: f.binary_cross_entropy_with_logits(lib.rand(2, 3), lib.rand(2, 3),
                                                      pos_weight=lib.rand(2)),
    lambda f, lib: f.binary_cross_entropy_with_logits(lib.rand(3), lib.rand(3), reduction="x"),
], ids=["input-range", "target-range", "both-range", "nan", "bce-size", "bce-dtype",
        "bce-int", "bce-reduction", "logits-size", "logits-int-target",
        "logits-int", "pos-weight", "logits-reduction"])
def test_binary_cross_entropy_errors_match_torch(case):
    check(case)


def test_bce_weight_that_cannot_broadcast_is_refused():
    # (the message is broadcast_shapes's, naming the shapes)
    messages = []
    for f, lib in ((F, dlcore), (torch.nn.functional, torch)):
        with pytest.raises(RuntimeError) as info:
            f.binary_cross_entropy(lib.rand(3), lib.rand(3), weight=lib.rand(2))
        messages.append(str(info.value))
    assert_same_message(*messages)
    assert "broadcastable to [3]" in messages[0]


def test_bce_of_a_confident_mistake_costs_100():
    loss = F.binary_cross_entropy(dlcore.tensor([0.0, 1.0]), dlcore.tensor([1.0, 0.0]))
    assert loss.item() == 100.0


# -- negative log likelihood and cross-entropy -----------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@given(batch=st.integers(0, 4), n_classes=st.integers(1, 5),
       spatial=st.lists(st.integers(1, 3), max_size=3), dtype=DTYPES, seed=st.integers(0, 2**16),
       weighted=st.booleans(), ignore=st.sampled_from([None, -100, 0, 2]),
       scale=st.sampled_from([1.0, 50.0, 1e4]))
@settings(max_examples=20)
def test_class_index_losses_match_torch(reduction, name, batch, n_classes, spatial, dtype, seed,
                                        weighted, ignore, scale):
    # (N, C), (N, C, d1), (N, C, d1, d2) -- torch's nll_loss2d -- and (N, C, d1, d2, d3)
    input = float_arrays((batch, n_classes, *spatial), dtype, seed=seed) * scale
    target = class_targets((batch, *spatial), n_classes, seed + 1, ignore)
    weight = np.abs(float_arrays((n_classes,), dtype, seed=seed + 2)) + 0.1
    options = {} if ignore is None else {"ignore_index": ignore}

    def run(f, lib, x, t, w):
        return getattr(f, name)(x, t, w if weighted else None, reduction=reduction, **options)
    check(run, input, target, weight, requires=[True, False, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("target", [np.array(2), np.array([3])])
def test_unbatched_input_matches_torch(reduction, name, target):
    # (torch's own backward fails for a 1-D input with a one-element 1-D target: values only)
    check(lambda f, lib, x: getattr(f, name)(x, lib.tensor(target), reduction=reduction),
          float_arrays((5,)), requires=[target.ndim == 0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(batch=st.integers(0, 4), n_classes=st.integers(1, 5),
       spatial=st.lists(st.integers(1, 3), max_size=2), dtype=DTYPES, seed=st.integers(0, 2**16),
       weighted=st.booleans(), smoothing=st.sampled_from([0.0, 0.1, 1.0]),
       target_grad=st.booleans())
@settings(max_examples=20)
def test_cross_entropy_with_class_probabilities_matches_torch(reduction, batch, n_classes,
                                                              spatial, dtype, seed, weighted,
                                                              smoothing, target_grad):
    shape = (batch, n_classes, *spatial)
    target = np.random.default_rng(seed).dirichlet(np.ones(n_classes), (batch, *spatial))
    target = np.moveaxis(target, -1, 1).astype(dtype).reshape(shape)
    weight = np.abs(float_arrays((n_classes,), dtype, seed=seed + 2))

    def run(f, lib, x, p, w):
        return f.cross_entropy(x, p, w if weighted else None, reduction=reduction,
                               label_smoothing=smoothing)
    check(run, float_arrays(shape, dtype, seed=seed) * 10, target, weight,
          requires=[True, target_grad, False])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@given(batch=st.integers(1, 4), n_classes=st.integers(2, 5), seed=st.integers(0, 2**16),
       weighted=st.booleans(), smoothing=st.sampled_from([0.05, 0.3, 1.0]),
       spatial=st.lists(st.integers(1, 3), max_size=2))
@settings(max_examples=20)
def test_cross_entropy_with_label_smoothing_matches_torch(reduction, batch, n_classes, seed,
                                                          weighted, smoothing, spatial):
    target = class_targets((batch, *spatial), n_classes, seed + 1, ignore_index=-100)
    weight = np.abs(float_arrays((n_classes,), seed=seed + 2)) + 0.1

    def run(f, lib, x, t, w):
        return f.cross_entropy(x, t, w if weighted else None, reduction=reduction,
                               label_smoothing=smoothing)
    check(run, float_arrays((batch, n_classes, *spatial), seed=seed), target, weight,
          requires=[True, False, False])


def test_every_target_ignored_gives_nan_mean_and_zero_gradient_like_torch():
    for reduction in REDUCTIONS:
        check(lambda f, lib, x: f.cross_entropy(x, lib.tensor([-100, -100]),
                                                reduction=reduction), float_arrays((2, 3)))


def test_cross_entropy_of_extreme_logits_is_finite():
    logits = dlcore.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(logits, dlcore.tensor([1, 1]))
    # the first sample costs 2e4 (its logit is 2e4 below the best), the second 0: mean 1e4
    assert loss.item() == pytest.approx(1e4)
    loss.backward()
    assert np.isfinite(logits.grad.cpu().numpy()).all()


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@pytest.mark.parametrize("case", [
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 4])),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, -1])),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0.0, 1.0, 2.0])),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1])),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 2], dtype=lib.int32)),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.randn(3, 5)),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 3]), label_smoothing=1.5),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.rand(3, 4), label_smoothing=1.5),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 3]), weight=lib.rand(5)),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.rand(3, 4), weight=lib.rand(3)),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.ones(3, 4, dtype=lib.int64)),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.rand(3, 4), ignore_index=1),
    lambda f, lib: f.cross_entropy(lib.ones(3, 4, dtype=lib.int32), lib.tensor([0, 1, 3])),
    lambda f, lib: f.cross_entropy(lib.randn(3, 4), lib.tensor([0, 1, 3]), reduction="avg"),
    lambda f, lib: f.nll_loss(lib.randn(()), lib.tensor(2)),
    lambda f, lib: f.nll_loss(lib.randn(4), lib.tensor([2, 1])),
    lambda f, lib: f.nll_loss(lib.randn(3, 4), lib.tensor([[2], [1], [1]])),
    lambda f, lib: f.nll_loss(lib.randn(3, 4), lib.tensor(2)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4, dtype=lib.int32), lib.tensor([1, 2, 3])),
    lambda f, lib: f.nll_loss(lib.randn(3, 4), lib.tensor([1, 2, 3]),
                              weight=lib.ones(4, dtype=lib.float64)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4), lib.tensor([1, 2, 3]), weight=lib.ones(4, 1)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4), lib.tensor([1, 2, 3], dtype=lib.uint8)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4, 5), lib.zeros(3, 4, dtype=lib.int64)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4, 5, 6), lib.zeros(3, 4, 6, dtype=lib.int64)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4, 5, 6), lib.zeros(3, 5, dtype=lib.int64)),
    lambda f, lib: f.nll_loss(lib.randn(3, 4, 5, 6), lib.zeros(3, 5, 6, dtype=lib.int64),
                              weight=lib.ones(3)),
    lambda f, lib: f.nll_loss(lib.randn(2, 3, 4, 5), lib.full((2, 4, 5), -2)),
], ids=["high", "negative", "float-target", "batch", "int32-target", "shape", "smoothing",
        "smoothing-probabilities", "weight-size", "probability-weight-size", "int-probabilities",
        "probability-ignore", "int-input", "reduction", "nll-0d", "nll-1d-target", "nll-2d-target",
        "nll-0d-target", "nll-int-input", "nll-weight-dtype", "nll-weight-shape", "nll-uint8",
        "nll-3d-target", "nll-4d-size", "nll-4d-target-dims", "nll-4d-weight", "nll-4d-bounds"])
def test_class_loss_errors_match_torch(case):
    check(lambda f, lib: (lib.manual_seed(0), case(f, lib))[1])


# -- gradcheck (float64) on the new primitives -----------------------------------------------------
def _float64(*shape, low=-2.0, high=2.0, seed=0):
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return dlcore.tensor(values, requires_grad=True)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_on_every_loss(reduction):
    x, y = _float64(3, 4), _float64(3, 4, seed=1)
    p, q = _float64(3, 4, low=0.05, high=0.95, seed=2), _float64(3, 4, low=0, high=1, seed=3)
    targets = dlcore.tensor([1, 0, 3])
    weight = dlcore.tensor([0.5, 1.0, 2.0, 1.5], dtype=dlcore.float64)
    cases = [
        (lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y)),
        (lambda a, b: F.l1_loss(a, b, reduction=reduction), (x, y)),
        (lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.7), (x, y)),
        (lambda a, b: F.binary_cross_entropy(a, b, weight, reduction=reduction), (p, q)),
        (lambda a, b: F.binary_cross_entropy_with_logits(a, b, weight, reduction=reduction,
                                                         pos_weight=weight), (x, q)),
        (lambda a: F.nll_loss(a, targets, weight, reduction=reduction), (x,)),
        (lambda a: F.cross_entropy(a, targets, weight, reduction=reduction,
                                   label_smoothing=0.2), (x,)),
        (lambda a, b: F.cross_entropy(a, F.softmax(b, 1), reduction=reduction), (x, y)),
    ]
    for fn, inputs in cases:
        assert gradcheck(fn, inputs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradgradcheck_on_the_smooth_losses(reduction):
    x, y = _float64(3, 4), _float64(3, 4, seed=1)
    q = _float64(3, 4, low=0, high=1, seed=3)
    targets = dlcore.tensor([1, 0, 3])
    for fn, inputs in [(lambda a, b: F.mse_loss(a, b, reduction=reduction), (x, y)),
                       (lambda a, b: F.binary_cross_entropy_with_logits(a, b,
                                                                        reduction=reduction),
                        (x, q)),
                       (lambda a: F.cross_entropy(a, targets, reduction=reduction), (x,))]:
        assert gradgradcheck(fn, inputs)


# -- modules ---------------------------------------------------------------------------------------
MODULES = [
    (lambda m, lib: m.MSELoss(), "regression"), (lambda m, lib: m.MSELoss(reduction="sum"),
                                                 "regression"),
    (lambda m, lib: m.L1Loss(reduction="none"), "regression"),
    (lambda m, lib: m.SmoothL1Loss(beta=0.5), "regression"),
    (lambda m, lib: m.MSELoss(size_average=False), "regression"),
    (lambda m, lib: m.BCELoss(), "probability"),
    (lambda m, lib: m.BCELoss(weight=lib.tensor([1.0, 2.0, 0.5, 1.0])), "probability"),
    (lambda m, lib: m.BCEWithLogitsLoss(), "logits"),
    (lambda m, lib: m.BCEWithLogitsLoss(pos_weight=lib.tensor([2.0, 1.0, 1.0, 3.0])), "logits"),
    (lambda m, lib: m.NLLLoss(), "classes"),
    (lambda m, lib: m.NLLLoss(weight=lib.tensor([1.0, 2.0, 0.5, 1.0]), ignore_index=2),
     "classes"),
    (lambda m, lib: m.CrossEntropyLoss(), "classes"),
    (lambda m, lib: m.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"), "classes"),
    (lambda m, lib: m.CrossEntropyLoss(weight=lib.tensor([1.0, 2.0, 0.5, 1.0])), "classes"),
]
INPUTS = {
    "regression": (float_arrays((3, 4)), float_arrays((3, 4), seed=1)),
    "probability": (probabilities((3, 4), "float32", 0), probabilities((3, 4), "float32", 1)),
    "logits": (float_arrays((3, 4)), probabilities((3, 4), "float32", 1)),
    "classes": (float_arrays((3, 4)), np.array([0, 2, 3])),
}


@pytest.mark.parametrize("make, kind", MODULES)
def test_loss_modules_match_torch(make, kind):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = make(nn, dlcore), make(tnn, torch)
    assert repr(ours) == repr(theirs)
    for setting in ("reduction", "beta", "ignore_index", "label_smoothing"):
        assert getattr(ours, setting, None) == getattr(theirs, setting, None)
    assert list(ours.state_dict()) == list(theirs.state_dict())          # weights are buffers
    assert list(ours.parameters()) == []
    check(lambda f, lib, x, t: make(nn if lib is dlcore else tnn, lib)(x, t), *INPUTS[kind],
          requires=[True, False])


def test_a_bad_reduction_is_accepted_by_the_module_and_refused_when_used():
    for m, lib in ((nn, dlcore), (tnn, torch)):
        loss = m.MSELoss(reduction="avg")
        with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
            loss(lib.ones(2), lib.ones(2))


def test_chapter5_loss_node_is_a_single_mse_node():
    model_output = dlcore.randn(11, 1, requires_grad=True)
    loss = nn.MSELoss()(model_output, dlcore.randn(11, 1))
    assert type(loss.grad_fn).__name__ == "MseLossBackward0"
    assert loss.grad_fn.next_functions[0][0].variable is model_output
