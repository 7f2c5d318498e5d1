"""dlcore.nn.functional against torch.nn.functional: linear, bilinear, dropout, embedding and
softmax/log_softmax (values, gradients, grad_fn names, errors), and gradcheck in float64 on
the differentiable primitives the functional module adds.

`check` (shared with test_nn_activations.py and test_nn_losses.py) runs one function in both
libraries on the same arrays and compares everything a learner could see."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes

import dlcore
import dlcore.nn.functional as F
from dlcore.autograd import gradcheck

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

from .oracle import skip_unless_mirrored  # noqa: E402

TOLERANCES = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-7, atol=1e-10)}


def _numpy(t):
    return t.detach().cpu().numpy()


def _node(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def _assert_close(ours, theirs):
    dtype = str(theirs.dtype).split(".")[1]
    assert str(ours.dtype) == f"dlcore.{dtype}"
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_numpy(ours), _numpy(theirs), equal_nan=True,
                               **TOLERANCES.get(dtype, {}))


def check(fn, *arrays, requires=None, seed=0, node=True):
    """fn(functional, lib, *tensors) in dlcore and torch on the same arrays: the same result
    (dtype, shape, values, grad_fn name) and, after backward of the same random upstream
    gradient, the same gradients; or the same error type and message. Returns our result."""
    requires = requires if requires is not None else [a.dtype.kind == "f" for a in arrays]
    ours_in = [dlcore.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    theirs_in = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, requires)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs = fn(TF, torch, *theirs_in)
        except Exception as e:  # noqa: BLE001  (whatever torch raises, we must raise too)
            base = next(c for c in type(e).__mro__ if c.__module__ == "builtins")
            with pytest.raises(base) as info:
                fn(F, dlcore, *ours_in)
            assert str(info.value).replace("dlcore", "torch") == str(e)
            return None
        ours = fn(F, dlcore, *ours_in)
    _assert_close(ours, theirs)
    if node:
        assert _node(ours) == _node(theirs)
    if theirs.requires_grad:
        upstream = np.random.default_rng(seed).uniform(-2, 2, tuple(theirs.shape))
        upstream = upstream.astype(str(theirs.dtype).split(".")[1])
        ours.backward(dlcore.tensor(upstream))
        try:
            theirs.backward(torch.tensor(upstream))
        except RuntimeError as error:
            skip_unless_mirrored(f"fails in its backward here ({error})")
            raise
    for o, t in zip(ours_in, theirs_in):
        assert (o.grad is None) == (t.grad is None)
        if t.grad is not None:
            _assert_close(o.grad, t.grad)
    return ours


def float_arrays(shape, dtype="float32", low=-4, high=4, seed=0):
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


# -- linear ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_shape", [(4,), (2, 4), (1, 4), (0, 4), (5, 2, 4), (2, 3, 2, 4)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear_matches_torch_with_its_node_names(input_shape, bias, dtype):
    # torch: a matrix with a bias is one addmm (AddmmBackward0); other shapes are viewed back
    # (ViewBackward0); without a bias it is matmul (MmBackward0, SqueezeBackward4, ...)
    arrays = [float_arrays(input_shape, dtype), float_arrays((3, 4), dtype, seed=1)]
    if bias:
        arrays.append(float_arrays((3,), dtype, seed=2))
    check(lambda f, lib, *t: f.linear(*t), *arrays)


@pytest.mark.parametrize("input_grad", [False, True])
def test_linear_node_lists_its_edges_in_addmm_order(input_grad):
    # torch's AddmmBackward0 points to the bias, the input, then (through TBackward0, which
    # dlcore leaves out) the weight
    def edges(lib):
        layer = lib.nn.Linear(3, 2)
        out = layer(lib.ones(4, 3, requires_grad=input_grad))
        return layer, [None if fn is None else getattr(fn, "variable", "weight side")
                       for fn, _ in out.grad_fn.next_functions]
    ours, ours_edges = edges(dlcore)
    theirs, theirs_edges = edges(torch)
    assert ours_edges[0] is ours.bias and theirs_edges[0] is theirs.bias
    assert (ours_edges[1] is None) == (theirs_edges[1] is None) == (not input_grad)
    assert ours_edges[2] is ours.weight and theirs_edges[2] == "weight side"


@given(rows=st.integers(0, 6), inputs=st.integers(1, 5), outputs=st.integers(1, 5),
       seed=st.integers(0, 2**16), requires=st.lists(st.booleans(), min_size=3, max_size=3))
@settings(max_examples=40)
def test_linear_gradients_over_generated_shapes(rows, inputs, outputs, seed, requires):
    arrays = [float_arrays((rows, inputs), seed=seed),
              float_arrays((outputs, inputs), seed=seed + 1),
              float_arrays((outputs,), seed=seed + 2)]
    check(lambda f, lib, *t: f.linear(*t), *arrays, requires=requires, seed=seed)


@pytest.mark.parametrize("case", [
    lambda lib: (lib.randn(2, 5), lib.randn(3, 4), lib.randn(3)),          # inner sizes
    lambda lib: (lib.randn(2, 4, dtype=lib.float64), lib.randn(3, 4), lib.randn(3)),
    lambda lib: (lib.randn(2, 4), lib.randn(3, 4), lib.randn(3, dtype=lib.float64)),
    lambda lib: (lib.randn(2, 4), lib.randn(3, 4), lib.randn(2)),          # bias size
    lambda lib: (lib.randn(2, 4), lib.randn(4), lib.randn(())),             # 1-D weight, bias
    lambda lib: (lib.randn(()), lib.randn(3, 4), None),
    lambda lib: (lib.randn(()), lib.randn(3, 4), lib.randn(3)),
    lambda lib: (lib.randn(5, 2, 4), lib.randn(3, 5), None),
], ids=["inner", "input-dtype", "bias-dtype", "bias-size", "vector-weight", "0d", "0d-bias",
        "batch"])
def test_linear_errors_match_torch(case):
    check(lambda f, lib: f.linear(*case(lib)))


def test_linear_refuses_a_list_like_torch():
    with pytest.raises(TypeError, match=r"linear\(\): argument 'input' \(position 1\) must be "
                                        r"Tensor, not list"):
        F.linear([1.0], dlcore.ones(3, 1))


def test_linear_gradcheck_including_second_order():
    x = dlcore.randn(3, 4, dtype=dlcore.float64, requires_grad=True)
    w = dlcore.randn(2, 4, dtype=dlcore.float64, requires_grad=True)
    b = dlcore.randn(2, dtype=dlcore.float64, requires_grad=True)
    assert gradcheck(F.linear, (x, w, b))
    assert dlcore.autograd.gradgradcheck(F.linear, (x, w, b))


# -- bilinear --------------------------------------------------------------------------------------
@pytest.mark.parametrize("shapes", [((2, 4), (2, 5)), ((4,), (5,)), ((6, 2, 4), (6, 2, 5)),
                                    ((0, 4), (0, 5))])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(shapes, bias):
    arrays = [float_arrays(shapes[0]), float_arrays(shapes[1], seed=1),
              float_arrays((3, 4, 5), seed=2)]
    if bias:
        arrays.append(float_arrays((3,), seed=3))
    check(lambda f, lib, *t: f.bilinear(*t), *arrays)


@pytest.mark.parametrize("shapes", [
    ((2, 4), (3, 5), (3, 4, 5), None), ((2, 4), (2, 6), (3, 4, 5), None),
    ((2, 3), (2, 5), (3, 4, 5), None), ((2, 4), (2, 5), (3, 4, 5), (4,)),
    ((2, 4), (5,), (3, 4, 5), None)])
def test_bilinear_errors_match_torch(shapes):
    def run(f, lib):
        a, b, w, bias = shapes
        return f.bilinear(lib.randn(*a), lib.randn(*b), lib.randn(*w),
                          None if bias is None else lib.randn(*bias))
    check(run)


def test_bilinear_gradcheck():
    tensors = [dlcore.randn(*s, dtype=dlcore.float64, requires_grad=True)
               for s in [(2, 3), (2, 4), (5, 3, 4), (5,)]]
    assert gradcheck(F.bilinear, tuple(tensors))


# -- dropout ---------------------------------------------------------------------------------------
@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("inplace", [False, True])
def test_dropout_draws_the_same_mask_as_torch_from_the_same_seed(p, inplace):
    array = float_arrays((6, 7))

    def run(f, lib, x):
        lib.manual_seed(7)
        return f.dropout(x * 1, p, inplace=inplace)
    result = check(run, array)
    kept = result.detach().cpu().numpy() != 0
    np.testing.assert_allclose(result.detach().cpu().numpy()[kept],
                               (array[kept] / (1 - p)) if p < 1 else [], rtol=1e-6)


def test_dropout_is_the_identity_outside_training_and_at_p0():
    x = dlcore.randn(3, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_dropout_refuses_a_probability_outside_0_1(p):
    check(lambda f, lib: f.dropout(lib.ones(3), p))


@pytest.mark.cpu_only(reason="seeded values from PyTorch's CPU random stream")
def test_dropout_float64_and_integer_inputs_behave_like_torch():
    check(lambda f, lib, x: (lib.manual_seed(1), f.dropout(x, 0.3))[1], float_arrays(5, "float64"))
    check(lambda f, lib: f.dropout(lib.arange(3), p=0.3))


# -- embedding -------------------------------------------------------------------------------------
INDICES = np.array([[1, 2, 4], [4, 3, 1]])


@pytest.mark.parametrize("options", [
    {}, {"padding_idx": 1}, {"padding_idx": -1}, {"scale_grad_by_freq": True},
    {"padding_idx": 4, "scale_grad_by_freq": True}, {"max_norm": 1.0},
    {"max_norm": 1.5, "norm_type": 1.0}])
def test_embedding_matches_torch(options):
    weight = float_arrays((5, 3)) * 2
    ours = check(lambda f, lib, w: f.embedding(lib.tensor(INDICES), w, **options), weight.copy())
    if "max_norm" in options:                 # the picked rows were renormalised in place
        theirs_weight = torch.tensor(weight.copy())
        TF.embedding(torch.tensor(INDICES), theirs_weight, **options)
        picked = ours.detach().cpu().numpy()
        assert np.all(np.linalg.norm(picked, ord=options.get("norm_type", 2), axis=-1)
                      <= options["max_norm"] + 1e-5)


@pytest.mark.parametrize("case", [
    lambda lib: (lib.tensor([1.0, 2.0]), {}), lambda lib: (lib.tensor([1, 5]), {}),
    lambda lib: (lib.tensor([1, -1]), {}), lambda lib: (lib.tensor([1, 2]), {"padding_idx": 5}),
    lambda lib: (lib.tensor([1, 2]), {"padding_idx": -6}),
    lambda lib: (lib.tensor(2), {}), lambda lib: (lib.tensor([1, 2], dtype=lib.int32), {})],
    ids=["float", "high", "negative", "padding-high", "padding-low", "0d", "int32"])
def test_embedding_errors_and_edge_cases_match_torch(case):
    def run(f, lib, w):
        indices, options = case(lib)
        return f.embedding(indices, w, **options)
    check(run, float_arrays((5, 3)))


def test_embedding_weight_must_be_a_matrix():
    check(lambda f, lib, w: f.embedding(lib.tensor([1, 2]), w), float_arrays(5))


def test_embedding_gradcheck():
    # (padding_idx and scale_grad_by_freq change the gradient on purpose: not checkable)
    weight = dlcore.randn(5, 3, dtype=dlcore.float64, requires_grad=True)
    indices = dlcore.tensor(INDICES)
    assert gradcheck(lambda w: F.embedding(indices, w), (weight,))


# -- softmax and log_softmax -----------------------------------------------------------------------
@given(shape=array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5), data=st.data(),
       dtype=st.sampled_from(["float32", "float64"]), name=st.sampled_from(
           ["softmax", "log_softmax", "softmin"]))
@settings(max_examples=60)
def test_softmax_family_over_generated_shapes(shape, data, dtype, name):
    dim = data.draw(st.integers(-max(len(shape), 1), max(len(shape), 1) - 1))
    scale = data.draw(st.sampled_from([1.0, 30.0, 1e4]))      # including huge logits
    array = float_arrays(shape, dtype, seed=data.draw(st.integers(0, 1000))) * scale
    check(lambda f, lib, x: getattr(f, name)(x, dim), array)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_with_infinite_logits_matches_torch(name):
    array = np.array([[1000.0, 0.0, -1000.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, 2.0],
                      [50.0, 50.0, 50.0]], dtype="float32")
    check(lambda f, lib, x: getattr(f, name)(x, 1), array)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("ndim", [0, 1, 2, 3, 4])
def test_softmax_without_dim_warns_and_picks_torch_dim(name, ndim):
    array = float_arrays((2,) * ndim)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been "
                                         "deprecated"):
        getattr(F, name)(dlcore.tensor(array))
    check(lambda f, lib, x: getattr(f, name)(x), array)


def test_softmax_dtype_argument_casts_first():
    check(lambda f, lib, x: f.softmax(x, 1, dtype=lib.float64), float_arrays((3, 4)))
    check(lambda f, lib, x: f.log_softmax(x, 0, dtype=lib.float64), float_arrays((3, 4)))


@pytest.mark.parametrize("case", [
    lambda f, lib: f.softmax(lib.arange(3), 0),
    lambda f, lib: f.log_softmax(lib.arange(6).view(2, 3), 0),
    lambda f, lib: f.softmax(lib.arange(6).view(2, 3), 1),
    lambda f, lib: f.softmax(lib.ones(2, 3), 2)],
    ids=["int-last", "int-first", "int-row", "dim"])
def test_softmax_errors_match_torch(case):
    check(case)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_gradcheck_and_second_order(name):
    x = dlcore.randn(3, 4, dtype=dlcore.float64, requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(lambda t: fn(t, 1), (x,))
    assert dlcore.autograd.gradgradcheck(lambda t: fn(t, 0), (x,))


def test_softmax_rows_sum_to_one_and_log_softmax_is_its_log():
    x = dlcore.tensor(float_arrays((5, 7)) * 40)
    probabilities = F.softmax(x, 1)
    np.testing.assert_allclose(probabilities.sum(1).cpu().numpy(), np.ones(5), rtol=1e-6)
    np.testing.assert_allclose(F.log_softmax(x, 1).exp().cpu().numpy(), probabilities.cpu().numpy(),
                               rtol=1e-5, atol=1e-30)
