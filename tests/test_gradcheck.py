"""dlcore.autograd.gradcheck: passes on every differentiable op in float64, catches planted wrong
derivatives and says where (input, output, element, both values, both Jacobians), and follows
PyTorch's gradcheck: the same warnings, errors, numerical Jacobian and message."""
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore
from dlcore.autograd import GradcheckError, gradcheck, gradgradcheck
from dlcore.autograd.graph import differentiable


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# -- inputs ----------------------------------------------------------------------------------------
def _values(shape, domain, rng):
    """Float64 values for `shape` away from where the op is not differentiable."""
    size = int(np.prod(shape, dtype=np.int64))
    if domain == "any":
        v = rng.standard_normal(size)
    elif domain == "pos":                      # log, sqrt, division: positive, not near 0
        v = rng.uniform(0.5, 2.0, size)
    elif domain == "unit":                     # asin, acos, atanh: inside (-1, 1)
        v = rng.uniform(-0.8, 0.8, size)
    elif domain == "above1":                   # acosh
        v = rng.uniform(1.5, 3.0, size)
    elif domain == "away":                     # abs, relu, sign, clamp(-1, 1): off their kinks
        magnitude = np.where(rng.random(size) < 0.5, rng.uniform(0.2, 0.8, size),
                             rng.uniform(1.2, 2.0, size))
        v = magnitude * rng.choice([-1.0, 1.0], size)
    elif domain == "distinct":                 # max, sort, median: no ties, gaps >> eps
        v = rng.permutation(size) * 0.5 + rng.uniform(-0.1, 0.1, size)
    else:
        raise ValueError(domain)
    return v.reshape(shape)


def _inputs(specs, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(dlcore.tensor(_values(shape, domain, rng), dtype=dlcore.float64,
                               requires_grad=True) for shape, domain in specs)


A = [((2, 3), "any")]
P = [((2, 3), "pos")]
SQ = [((3, 3), "any")]

# (label, function of (m, *inputs), input specs [(shape, domain)])
OPS = [
    # pointwise unary
    ("neg", lambda m, x: -x, A),
    ("exp", lambda m, x: x.exp(), A),
    ("exp2", lambda m, x: m.exp2(x), A),
    ("expm1", lambda m, x: x.expm1(), A),
    ("log", lambda m, x: x.log(), P),
    ("log2", lambda m, x: x.log2(), P),
    ("log10", lambda m, x: x.log10(), P),
    ("log1p", lambda m, x: x.log1p(), P),
    ("sqrt", lambda m, x: x.sqrt(), P),
    ("rsqrt", lambda m, x: x.rsqrt(), P),
    ("reciprocal", lambda m, x: x.reciprocal(), P),
    ("square", lambda m, x: x.square(), A),
    ("sin", lambda m, x: x.sin(), A),
    ("cos", lambda m, x: x.cos(), A),
    ("tan", lambda m, x: x.tan(), [((2, 3), "unit")]),
    ("asin", lambda m, x: x.asin(), [((2, 3), "unit")]),
    ("acos", lambda m, x: x.acos(), [((2, 3), "unit")]),
    ("atan", lambda m, x: x.atan(), A),
    ("sinh", lambda m, x: x.sinh(), A),
    ("cosh", lambda m, x: x.cosh(), A),
    ("tanh", lambda m, x: x.tanh(), A),
    ("asinh", lambda m, x: x.asinh(), A),
    ("acosh", lambda m, x: x.acosh(), [((2, 3), "above1")]),
    ("atanh", lambda m, x: x.atanh(), [((2, 3), "unit")]),
    ("sigmoid", lambda m, x: x.sigmoid(), A),
    ("erf", lambda m, x: x.erf(), A),
    ("abs", lambda m, x: x.abs(), [((2, 3), "away")]),
    ("relu", lambda m, x: x.relu(), [((2, 3), "away")]),
    ("sign", lambda m, x: x.sign(), [((2, 3), "away")]),
    ("floor", lambda m, x: x.floor(), [((2, 3), "away")]),
    ("round", lambda m, x: x.round(), [((2, 3), "away")]),
    ("clamp", lambda m, x: x.clamp(-1.0, 1.0), [((2, 3), "away")]),
    ("clamp_min", lambda m, x: x.clamp(min=1.0), [((2, 3), "away")]),
    ("clamp_max", lambda m, x: x.clamp(max=-1.0), [((2, 3), "away")]),
    ("pow scalar", lambda m, x: x ** 3, A),
    ("pow square", lambda m, x: x ** 2, A),
    ("pow half", lambda m, x: x ** 0.5, P),
    ("pow negative", lambda m, x: x ** -1.5, P),
    ("rpow", lambda m, x: 2.0 ** x, A),
    # pointwise binary, with broadcasting
    ("add", lambda m, a, b: a + b, [((2, 3), "any"), ((3,), "any")]),
    ("add alpha", lambda m, a, b: m.add(a, b, alpha=2.5), [((2, 3), "any"), ((2, 1), "any")]),
    ("sub", lambda m, a, b: a - b, [((2, 1), "any"), ((1, 3), "any")]),
    ("rsub", lambda m, a: 1.0 - a, A),
    ("mul", lambda m, a, b: a * b, [((2, 3), "any"), ((3,), "any")]),
    ("mul 0-d", lambda m, a, b: a * b, [((2, 3), "any"), ((), "any")]),
    ("div", lambda m, a, b: a / b, [((2, 3), "any"), ((3,), "pos")]),
    ("rdiv", lambda m, a: 2.0 / a, P),
    ("pow tensor", lambda m, a, b: a ** b, [((2, 3), "pos"), ((3,), "any")]),
    ("atan2", lambda m, a, b: m.atan2(a, b), [((2, 3), "any"), ((2, 3), "pos")]),
    ("hypot", lambda m, a, b: m.hypot(a, b), [((2, 3), "pos"), ((2, 3), "pos")]),
    ("maximum", lambda m, a: m.maximum(a, a.detach() * 0 + 0.25), [((2, 3), "distinct")]),
    ("minimum", lambda m, a, b: m.minimum(a, b + 100), [((2, 3), "distinct"), ((2, 3), "unit")]),
    ("lerp", lambda m, a, b: m.lerp(a, b, 0.3), [((2, 3), "any"), ((2, 3), "any")]),
    ("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5),
     [((2, 3), "any"), ((2, 3), "any"), ((3,), "any")]),
    ("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=0.5),
     [((2, 3), "any"), ((2, 3), "any"), ((3,), "pos")]),
    ("where", lambda m, a, b: m.where(a > 0, a, b), [((2, 3), "away"), ((2, 3), "any")]),
    ("masked_fill", lambda m, a: a.masked_fill(a > 0, 0.0), [((2, 3), "away")]),
    # reductions
    ("sum", lambda m, x: x.sum(), A),
    ("sum dim", lambda m, x: x.sum(dim=1), A),
    ("sum dims keepdim", lambda m, x: x.sum(dim=(0, 2), keepdim=True), [((2, 3, 2), "any")]),
    ("mean", lambda m, x: x.mean(), A),
    ("mean dim", lambda m, x: x.mean(0), A),
    ("prod", lambda m, x: x.prod(), P),
    ("prod dim", lambda m, x: x.prod(1), P),
    ("var", lambda m, x: x.var(), A),
    ("var dim", lambda m, x: x.var(dim=1, unbiased=False), A),
    ("std", lambda m, x: x.std(), A),
    ("std dim", lambda m, x: x.std(0), A),
    ("norm", lambda m, x: x.norm(), A),
    ("norm p=1", lambda m, x: x.norm(p=1), [((2, 3), "away")]),
    ("norm dim", lambda m, x: x.norm(dim=1), A),
    ("logsumexp", lambda m, x: x.logsumexp(dim=1), A),
    ("max", lambda m, x: x.max(), [((2, 3), "distinct")]),
    ("max dim", lambda m, x: x.max(dim=1), [((2, 3), "distinct")]),
    ("min dim", lambda m, x: x.min(dim=0).values, [((2, 3), "distinct")]),
    ("amax", lambda m, x: x.amax(dim=1), [((2, 3), "distinct")]),
    ("amin", lambda m, x: x.amin(dim=0), [((2, 3), "distinct")]),
    ("median", lambda m, x: x.median(), [((2, 3), "distinct")]),
    ("sort", lambda m, x: x.sort(dim=1).values, [((2, 3), "distinct")]),
    ("topk", lambda m, x: x.topk(2).values, [((2, 3), "distinct")]),
    ("cumsum", lambda m, x: x.cumsum(dim=1), A),
    ("cumprod", lambda m, x: x.cumprod(dim=1), P),
    ("trace", lambda m, x: x.trace(), SQ),
    # linear algebra
    ("matmul dot", lambda m, a, b: a @ b, [((3,), "any"), ((3,), "any")]),
    ("matmul mv", lambda m, a, b: a @ b, [((2, 3), "any"), ((3,), "any")]),
    ("matmul vm", lambda m, a, b: a @ b, [((3,), "any"), ((3, 2), "any")]),
    ("matmul mm", lambda m, a, b: a @ b, [((2, 3), "any"), ((3, 2), "any")]),
    ("matmul batched", lambda m, a, b: a @ b, [((2, 2, 3), "any"), ((3, 2), "any")]),
    ("matmul broadcast", lambda m, a, b: a @ b, [((2, 1, 2, 3), "any"), ((2, 3, 1), "any")]),
    ("mm", lambda m, a, b: m.mm(a, b), [((2, 3), "any"), ((3, 2), "any")]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [((2, 2, 3), "any"), ((2, 3, 2), "any")]),
    ("mv", lambda m, a, b: m.mv(a, b), [((2, 3), "any"), ((3,), "any")]),
    ("dot", lambda m, a, b: m.dot(a, b), [((3,), "any"), ((3,), "any")]),
    ("outer", lambda m, a, b: m.outer(a, b), [((3,), "any"), ((2,), "any")]),
    ("addmm", lambda m, c, a, b: m.addmm(c, a, b), [((2,), "any"), ((2, 3), "any"),
                                                   ((3, 2), "any")]),
    ("det", lambda m, a: m.det(a), SQ),
    ("inverse", lambda m, a: m.inverse(a + 3 * m.eye(3, dtype=m.float64)), SQ),
    # views, shapes, indexing
    ("view", lambda m, x: x.view(3, 2), A),
    ("reshape", lambda m, x: x.t().reshape(-1), A),
    ("t", lambda m, x: x.t(), A),
    ("transpose", lambda m, x: x.transpose(0, 2), [((2, 3, 2), "any")]),
    ("permute", lambda m, x: x.permute(2, 0, 1), [((2, 3, 2), "any")]),
    ("unsqueeze", lambda m, x: x.unsqueeze(1), A),
    ("squeeze", lambda m, x: x.squeeze(), [((2, 1, 3), "any")]),
    ("flatten", lambda m, x: x.flatten(), [((2, 3, 2), "any")]),
    ("expand", lambda m, x: x.expand(2, 2, 3), [((2, 1, 3), "any")]),
    ("repeat", lambda m, x: x.repeat(2, 1), A),
    ("flip", lambda m, x: x.flip(1), A),
    ("roll", lambda m, x: x.roll(1, 1), A),
    ("narrow", lambda m, x: x.narrow(1, 1, 2), A),
    ("select", lambda m, x: x.select(1, 2), A),
    ("diagonal", lambda m, x: x.diagonal(1), A),
    ("getitem int", lambda m, x: x[1], A),
    ("getitem slice", lambda m, x: x[:, ::2], A),
    ("getitem index list", lambda m, x: x[[0, 1, 1]], A),
    ("getitem repeated index", lambda m, x: x[:, m.tensor([2, 0, 2, 2])], A),
    ("getitem mask", lambda m, x: x[x > 0], [((2, 3), "away")]),
    ("index_select", lambda m, x: x.index_select(1, m.tensor([2, 2, 0])), A),
    ("gather", lambda m, x: x.gather(1, m.tensor([[0, 0], [2, 1]])), A),
    ("take", lambda m, x: x.take(m.tensor([5, 0, 5])), A),
    ("masked_select", lambda m, x: x.masked_select(x > 0), [((2, 3), "away")]),
    ("cat", lambda m, a, b: m.cat([a, b], dim=1), [((2, 3), "any"), ((2, 2), "any")]),
    ("stack", lambda m, a, b: m.stack([a, b], dim=1), [((2, 3), "any"), ((2, 3), "any")]),
    ("split", lambda m, x: x.split(2, dim=1), A),
    ("chunk", lambda m, x: x.chunk(3, dim=1)[1], A),
    ("unbind", lambda m, x: x.unbind(1), A),
    ("tril", lambda m, x: x.tril(), SQ),
    ("triu", lambda m, x: x.triu(1), SQ),
    ("diag", lambda m, x: x.diag(), SQ),
    ("clone", lambda m, x: x.clone(), A),
    ("contiguous", lambda m, x: x.t().contiguous(), A),
    ("sum_to_size", lambda m, x: x.sum_to_size(1, 3), A),
    # in-place forms on non-leaf tensors
    ("add_", lambda m, a, b: (a * 1).add_(b), [((2, 3), "any"), ((3,), "any")]),
    ("mul_", lambda m, a, b: (a * 1).mul_(b), [((2, 3), "any"), ((2, 3), "any")]),
    ("exp_", lambda m, x: (x * 1).exp_(), A),
    ("pow_", lambda m, x: (x * 1).pow_(2), A),
    ("clamp_", lambda m, x: (x * 1).clamp_(-1, 1), [((2, 3), "away")]),
    ("mul_ on a view", lambda m, a, b: _mul_on_view(a, b), [((2, 3), "any"), ((3,), "any")]),
    ("copy_ on a view", lambda m, a, b: _copy_on_view(a, b), [((2, 3), "any"), ((3,), "any")]),
    ("iadd twice", lambda m, a, b: _iadd_twice(a, b), [((2, 3), "any"), ((2, 3), "any")]),
]


def _mul_on_view(a, b):
    y = a.exp()
    y = y * 1              # (exp saved its result: write into a copy)
    y.t()[1:].mul_(b[:2, None])
    return y


def _copy_on_view(a, b):
    y = a * a
    y[1].copy_(b)
    return y


def _iadd_twice(a, b):
    y = a * 2
    y += b
    y *= b
    return y


def _differentiable_or_skip(label, func, inputs):
    try:
        out = func(dlcore, *inputs)
    except AttributeError as error:
        pytest.skip(f"{label}: not in dlcore yet ({error})")
    except RuntimeError as error:
        if "not differentiable" in str(error):
            pytest.skip(f"{label}: {error}")
        raise
    outs = out if isinstance(out, tuple) else (out,)
    if not any(isinstance(o, dlcore.Tensor) and o.requires_grad for o in outs):
        pytest.skip(f"{label}: no derivative in dlcore yet")


@pytest.mark.parametrize("label, func, specs", OPS, ids=[row[0] for row in OPS])
def test_gradcheck_passes_on_every_differentiable_op(label, func, specs):
    inputs = _inputs(specs)
    _differentiable_or_skip(label, func, inputs)
    assert gradcheck(lambda *xs: func(dlcore, *xs), inputs)


SECOND_ORDER = ["mul", "div", "pow scalar", "pow tensor", "sum dim", "mean dim", "exp", "log",
                "tanh", "sigmoid", "sin", "sqrt", "matmul mm", "var dim", "norm", "cat",
                "getitem index list", "expand", "where", "diagonal", "mul_ on a view"]


@pytest.mark.parametrize("label", SECOND_ORDER)
def test_gradgradcheck_on_a_handful_of_ops(label):
    _, func, specs = next(row for row in OPS if row[0] == label)
    inputs = _inputs(specs, seed=1)
    _differentiable_or_skip(label, func, inputs)
    assert gradgradcheck(lambda *xs: func(dlcore, *xs), inputs)


def test_torch_agrees_that_the_table_passes(torch):
    """A few rows through torch.autograd.gradcheck too: the table's inputs are sound."""
    for label in ("div", "pow tensor", "atan2", "clamp", "norm p=1", "max dim", "matmul batched",
                  "getitem repeated index", "iadd twice"):
        _, func, specs = next(row for row in OPS if row[0] == label)
        inputs = tuple(torch.tensor(x.detach().cpu().numpy(), requires_grad=True)
                       for x in _inputs(specs))
        assert torch.autograd.gradcheck(lambda *xs: func(torch, *xs), inputs)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=0, max_size=3),
       st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 2**16),
       st.sampled_from(["add", "sub", "mul", "div"]))
def test_gradcheck_over_broadcast_shapes(shape, keep, seed, op):
    other = [s if k else 1 for s, k in zip(shape, keep)][len(shape) // 2:]
    a, b = _inputs([(tuple(shape), "any"), (tuple(other), "pos")], seed)
    func = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
            "mul": lambda x, y: x * y, "div": lambda x, y: x / y}[op]
    assert gradcheck(func, (a, b))


# -- planted wrong derivatives --------------------------------------------------------------------
@differentiable(saves=("input",))
def _square_wrong(input):
    return input * input


@_square_wrong.backward
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * 3 * x                   # wrong: d(x²)/dx = 2x


_SCALE = np.ones((2, 3))
_SCALE[1, 2] = 1.5


@differentiable(saves=("input",))
def _square_wrong_at_one_element(input):
    return input * input


@_square_wrong_at_one_element.backward
def _(ctx, grad):
    (x,) = ctx.inputs
    return grad * 2 * x * dlcore.tensor(_SCALE)    # right except at element [1, 2]


@differentiable(inputs=("input", "other"), saves=("input", "other"))
def _mul_wrong_for_other(input, other):
    return input * other


@_mul_wrong_for_other.backward
def _(ctx, grad):
    a, b = ctx.inputs
    return grad * b, grad * a * 2         # wrong: d(ab)/db = a


@differentiable(saves=("input",))
def _sum_of_squares_ignoring_grad(input):
    return (input * input).sum()


@_sum_of_squares_ignoring_grad.backward
def _(ctx, grad):
    (x,) = ctx.inputs
    return 2 * x                          # right for a grad of 1, but forgets to multiply by it


@differentiable(saves=("input",))
def _cube_first_order_only(input):
    return input * input * input


@_cube_first_order_only.backward
def _(ctx, grad):
    (x,) = ctx.inputs
    # right first derivative, but computed outside the graph: no second derivative
    return grad * dlcore.tensor(3 * x.detach().cpu().numpy() ** 2)


def test_a_planted_wrong_derivative_is_reported():
    x = _inputs([((3,), "any")])[0]
    with pytest.raises(GradcheckError) as info:
        gradcheck(_square_wrong, (x,))
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\n"
                              "numerical:tensor([[")
    assert "\nanalytical:tensor([[" in message
    assert "dtype=dlcore.float64" in message
    assert "Largest mismatch at input 0 element [" in message


def test_the_report_names_the_element_that_disagrees():
    x = _inputs([((2, 3), "pos")])[0]
    with pytest.raises(GradcheckError) as info:
        gradcheck(_square_wrong_at_one_element, x)
    value = x[1, 2].item()
    expected = (f"Largest mismatch at input 0 element [1, 2], output 0 element [1, 2]: "
                f"numerical {2 * value:.6g}, analytical {3 * value:.6g} ")
    assert expected in str(info.value)
    # both full Jacobians, PyTorch's layout: one row per input element, one column per output one
    numerical = str(info.value).split("numerical:")[1].split("\nanalytical:")[0]
    assert numerical.count("[") == 1 + 6


def test_the_report_names_the_input_among_several_and_its_argument_position():
    a, b = _inputs([((2,), "any"), ((2,), "any")])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, scale, y: _mul_wrong_for_other(x, y) * scale, (a, 2.0, b))
    message = str(info.value)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 1,\n")
    assert "Largest mismatch at input 1 (argument 2 of the function) element [" in message


def test_the_report_names_the_output_among_several():
    a, b = _inputs([((2,), "any"), ((2,), "any")])
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: (x + y, _mul_wrong_for_other(x, y)), (a, b))
    assert str(info.value).startswith("Jacobian mismatch for output 1 with respect to input 1,")


def test_a_backward_that_ignores_grad_output_is_caught(torch):
    x = _inputs([((3,), "any")])[0]
    with pytest.raises(GradcheckError, match="^backward not multiplied by grad_output$"):
        gradcheck(_sum_of_squares_ignoring_grad, x)


def test_a_backward_that_is_not_reentrant_is_caught():
    calls = []

    @differentiable()
    def drifting(input):
        return input * 1

    @drifting.backward
    def _(ctx, grad):
        calls.append(1)
        return grad * (1 + 1e-3 * len(calls))

    x = _inputs([((2,), "any")])[0]
    with pytest.raises(GradcheckError, match="^Backward is not reentrant, i.e., running backward "
                                             "with same input and grad_output multiple times"):
        gradcheck(drifting, x, atol=1e-2)


def test_a_missing_second_derivative_is_caught_by_gradgradcheck():
    x = _inputs([((3,), "any")])[0]
    assert gradcheck(_cube_first_order_only, x)
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to "
                                             "input 0,"):
        gradgradcheck(_cube_first_order_only, x)
    assert gradgradcheck(lambda t: t * t * t, x)


def test_raise_exception_false_returns_false():
    x = _inputs([((3,), "any")])[0]
    assert gradcheck(_square_wrong, x, raise_exception=False) is False
    assert gradcheck(lambda t: t * t, x, raise_exception=False) is True


def test_tolerances_are_allclose_ones():
    x = _inputs([((3,), "pos")])[0]
    # 3x vs 2x: a relative error of 50% passes only with rtol >= 0.5 (atol=0)
    assert not gradcheck(_square_wrong, x, atol=0, rtol=0.4, raise_exception=False)
    assert gradcheck(_square_wrong, x, atol=0, rtol=0.51)


# -- PyTorch's behaviour -------------------------------------------------------------------------
class _WrongSquare:
    """The same planted error as a torch.autograd.Function."""

    @staticmethod
    def make(torch):
        class WrongSquare(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x
        return WrongSquare.apply


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mismatch_message_equals_torch(dtype, torch):
    values = np.array([[0.5, -1.25, 2.0], [1.5, 0.25, -0.75]])
    ours = dlcore.tensor(values, dtype=getattr(dlcore, dtype), requires_grad=True)
    theirs = torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(GradcheckError) as mine:
            gradcheck(_square_wrong, ours)
        with pytest.raises(Exception) as torch_error:
            torch.autograd.gradcheck(_WrongSquare.make(torch), theirs)
    assert type(torch_error.value).__name__ == "GradcheckError"
    torch_message = str(torch_error.value).replace("torch.", "dlcore.")
    assert str(mine.value).startswith(torch_message)          # then the "Largest mismatch" line


def test_float32_inputs_warn_like_torch(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with pytest.warns(UserWarning) as record:
            m.autograd.gradcheck(lambda a, b: a * b, (2.0, x), raise_exception=False)
        assert [str(w.message) for w in record] == [
            "Input #1 requires gradient and is not a double precision floating point or complex. "
            "This check will likely fail if all the inputs are not of double precision floating "
            "point or complex. "]


def test_float32_numerical_jacobian_equals_torch(torch):
    """In float32 the central difference is coarse: the same coarse numbers as PyTorch's."""
    values = [1.0, 2.0, 3.0]
    messages = []
    for m in (dlcore, torch):
        x = m.tensor(values, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                m.autograd.gradcheck(lambda t: t * 2, x)
        messages.append(str(info.value))
    assert "numerical:tensor([[1.9670, 0.0000, 0.0000]" in messages[1]
    assert messages[0].startswith(messages[1])


def test_no_input_requiring_grad(torch):
    from .oracle import assert_same_message
    messages = []
    for m in (dlcore, torch):
        with pytest.raises(ValueError) as info:
            m.autograd.gradcheck(lambda t: t * 2, (m.ones(2, dtype=m.float64),))
        messages.append(str(info.value))
    assert messages[0] == ("gradcheck expects at least one input tensor to require gradient, but "
                           "none of them have requires_grad=True.")
    assert_same_message(*messages)


def test_stride_zero_inputs_are_refused(torch):
    for m in (dlcore, torch):
        x = m.ones(3, dtype=m.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match=re.escape(
                "The 0th input has a dimension with stride 0. gradcheck only supports inputs "
                "that are non-overlapping to be able to compute the numerical gradients "
                "correctly. You should call .contiguous on the input before passing it to "
                "gradcheck.")):
            m.autograd.gradcheck(lambda t: t * 2, (x.expand(2, 3),))


def test_outputs_that_do_not_require_grad_must_not_depend_on_the_inputs(torch):
    for m in (dlcore, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        with pytest.raises(Exception, match="^Numerical gradient for function expected to be "
                                            "zero$") as info:
            m.autograd.gradcheck(lambda t: t.detach() * 2, (x,))
        assert type(info.value).__name__ == "GradcheckError"
        assert m.autograd.gradcheck(lambda t: m.ones(2, dtype=m.float64), (x,))


def test_non_tensor_and_non_differentiable_arguments_pass_through(torch):
    for m in (dlcore, torch):
        a = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        c = m.tensor([3.0, 4.0], dtype=m.float64)            # no requires_grad: not checked
        assert m.autograd.gradcheck(lambda x, k, y: (x * y) ** k, (a, 2, c))


def test_outputs_that_are_not_tensors_are_ignored():
    x = _inputs([((2,), "any")])[0]
    assert gradcheck(lambda t: (t * 2, 3, "label"), x)
    assert not gradcheck(lambda t: (3, _square_wrong(t)), x, raise_exception=False)


def test_a_single_tensor_input_and_a_list(torch):
    x = _inputs([((2,), "any")])[0]
    assert gradcheck(lambda t: t * t, x)
    assert gradcheck(lambda t, u: t * u, [x, x.detach().clone().requires_grad_()])


def test_inputs_are_left_as_they_were():
    x = _inputs([((2, 3), "any")])[0]
    before = x.detach().clone()
    gradcheck(lambda t: t.exp() if hasattr(t, "exp") else t, x, raise_exception=False)
    assert np.array_equal(x.detach().cpu().numpy(), before.cpu().numpy()) and x.grad is None


def test_views_of_the_input_are_perturbed_too():
    x = _inputs([((4,), "any")])[0]
    assert gradcheck(lambda t: t[1:] * t[:-1], x)


def test_unsupported_modes_say_so():
    x = _inputs([((2,), "any")])[0]
    with pytest.raises(NotImplementedError, match="forward-mode"):
        gradcheck(lambda t: t * 2, x, check_forward_ad=True)
    assert gradcheck(lambda t: t * 2, x, fast_mode=True)


def test_exports():
    import sys
    assert dlcore.autograd.gradcheck is gradcheck and callable(gradcheck)
    assert dlcore.autograd.gradgradcheck is gradgradcheck
    assert issubclass(GradcheckError, RuntimeError)
    assert sys.modules["dlcore.autograd.gradcheck"].GradcheckError is GradcheckError
