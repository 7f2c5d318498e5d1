"""Gradients of the pointwise ops against real PyTorch.

Every differentiable pointwise op runs in both libraries on the same random inputs (broadcast
shapes including 0-d, float32 and float64, values inside the op's domain); the results, the
gradients of a random upstream gradient and the grad_fn names must agree. Then: grad_fn names of
the overloads PyTorch tells apart (`x ** 2`, `x ** y`, `2 ** x`, clamp with numbers or tensors,
...), second-order gradients, PyTorch's conventions at the special points (abs and relu at 0,
clamp at its bounds, ties of maximum, 0 ** 0), in-place ops on non-leaf tensors, numbers on the
left of an operator, and which ops keep what they need for a second backward."""
import math

import numpy as np
import pytest
from hypothesis import given, reject, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import dlcore

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DTYPES = ["float32", "float64"]
TOLERANCES = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-6, atol=1e-9)}


# -- inputs and comparison -------------------------------------------------------------------------
def values(rng, shape, domain):
    """Random values inside an op's domain (away from the points where it isn't smooth)."""
    if domain == "any":
        return rng.uniform(-3, 3, shape)
    if domain == "nonzero":                  # abs, relu, sign, divisors: keep off 0
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 3, shape)
    if domain == "positive":
        return rng.uniform(0.1, 3, shape)
    if domain == "unit":                     # asin, acos, atanh
        return rng.uniform(-0.9, 0.9, shape)
    if domain == "above1":                   # acosh
        return rng.uniform(1.1, 4, shape)
    if domain == "small":                    # tan: stay clear of its poles
        return rng.uniform(-1.2, 1.2, shape)
    raise ValueError(domain)


def pair(array, requires_grad=True):
    """The same values as a dlcore tensor and a torch tensor."""
    return (dlcore.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def numpy_of(t):
    if isinstance(t, torch.Tensor):
        return t.detach().numpy(force=True)      # (sgn's gradient is one of torch's ZeroTensors)
    return t.detach().cpu().numpy()


def assert_close(actual, expected, dtype):
    """dlcore tensor `actual` against torch tensor `expected`: dtype, shape, values (nan == nan)."""
    assert actual is not None and expected is not None, (actual, expected)
    assert str(actual.dtype).split(".")[1] == str(expected.dtype).split(".")[1]
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(numpy_of(actual), numpy_of(expected), equal_nan=True,
                               **TOLERANCES[dtype])


def grad_fn_name(t):
    return None if t.grad_fn is None else type(t.grad_fn).__name__


def compare_gradients(fn, arrays, dtype, requires=None, upstream_seed=0):
    """Run `fn(lib, *tensors)` in both libraries, backward the same random gradient, compare."""
    requires = requires or [True] * len(arrays)
    pairs = [pair(a.astype(dtype), r) for a, r in zip(arrays, requires)]
    ours = fn(dlcore, *[p[0] for p in pairs])
    theirs = fn(torch, *[p[1] for p in pairs])
    assert_close(ours, theirs, str(theirs.dtype).split(".")[1])
    assert grad_fn_name(ours) == grad_fn_name(theirs)
    upstream = np.random.default_rng(upstream_seed).uniform(-2, 2, tuple(theirs.shape))
    upstream = upstream.astype(str(theirs.dtype).split(".")[1])
    ours.backward(dlcore.tensor(upstream))
    try:
        theirs.backward(torch.tensor(upstream))
    except RuntimeError as e:
        # torch's own clamp backward fails when x is smaller than its tensor bounds' broadcast
        if "doesn't match the broadcast shape" not in str(e):
            raise
        reject()
    for (d, t), r in zip(pairs, requires):
        if r:
            assert_close(d.grad, t.grad, dtype)
        else:
            assert d.grad is None and t.grad is None


# -- the ops: (id, fn(lib, *tensors), the domain of each tensor input) ----------------------------
UNARY = [
    ("exp", lambda t, x: x.exp(), "any"),
    ("exp2", lambda t, x: t.exp2(x), "any"),
    ("expm1", lambda t, x: x.expm1(), "any"),
    ("log", lambda t, x: x.log(), "positive"),
    ("log2", lambda t, x: x.log2(), "positive"),
    ("log10", lambda t, x: t.log10(x), "positive"),
    ("log1p", lambda t, x: x.log1p(), "positive"),
    ("sqrt", lambda t, x: x.sqrt(), "positive"),
    ("rsqrt", lambda t, x: x.rsqrt(), "positive"),
    ("reciprocal", lambda t, x: x.reciprocal(), "nonzero"),
    ("square", lambda t, x: x.square(), "any"),
    ("sin", lambda t, x: x.sin(), "any"),
    ("cos", lambda t, x: t.cos(x), "any"),
    ("tan", lambda t, x: x.tan(), "small"),
    ("asin", lambda t, x: x.asin(), "unit"),
    ("acos", lambda t, x: x.arccos(), "unit"),
    ("atan", lambda t, x: x.atan(), "any"),
    ("sinh", lambda t, x: x.sinh(), "any"),
    ("cosh", lambda t, x: x.cosh(), "any"),
    ("tanh", lambda t, x: x.tanh(), "any"),
    ("sigmoid", lambda t, x: t.sigmoid(x), "any"),
    ("asinh", lambda t, x: x.asinh(), "any"),
    ("acosh", lambda t, x: x.acosh(), "above1"),
    ("atanh", lambda t, x: x.arctanh(), "unit"),
    ("erf", lambda t, x: x.erf(), "any"),
    ("deg2rad", lambda t, x: x.deg2rad(), "any"),
    ("rad2deg", lambda t, x: x.rad2deg(), "any"),
    ("neg", lambda t, x: -x, "any"),
    ("negative", lambda t, x: t.negative(x), "any"),
    ("abs", lambda t, x: x.abs(), "nonzero"),
    ("sign", lambda t, x: x.sign(), "nonzero"),
    ("sgn", lambda t, x: x.sgn(), "nonzero"),
    ("floor", lambda t, x: x.floor(), "any"),
    ("ceil", lambda t, x: x.ceil(), "any"),
    ("round", lambda t, x: x.round(), "any"),
    ("round_decimals", lambda t, x: x.round(decimals=1), "any"),
    ("trunc", lambda t, x: x.trunc(), "any"),
    ("frac", lambda t, x: x.frac(), "any"),
    ("relu", lambda t, x: x.relu(), "nonzero"),
    ("nan_to_num", lambda t, x: x.nan_to_num(), "any"),
    ("clamp_numbers", lambda t, x: x.clamp(-0.5, 0.7), "any"),
    ("clamp_min_kw", lambda t, x: t.clamp(x, min=-0.5), "any"),
    ("clamp_max_kw", lambda t, x: x.clip(max=0.5), "any"),
    ("clamp_min", lambda t, x: x.clamp_min(0.3), "any"),
    ("clamp_max", lambda t, x: x.clamp_max(0.3), "any"),
    ("pow_2", lambda t, x: x ** 2, "any"),
    ("pow_3", lambda t, x: x.pow(3), "any"),
    ("pow_0", lambda t, x: x ** 0, "any"),
    ("pow_half", lambda t, x: x ** 0.5, "positive"),
    ("pow_minus_1.5", lambda t, x: t.pow(x, -1.5), "positive"),
    ("number_pow", lambda t, x: 2 ** x, "any"),
    ("number_pow_half", lambda t, x: t.pow(0.5, x), "any"),
    ("float_power", lambda t, x: t.float_power(x, 2), "any"),
    ("mul_number", lambda t, x: x * 2.5, "any"),
    ("div_number", lambda t, x: x / 3, "any"),
    ("rdiv", lambda t, x: 2 / x, "nonzero"),
    ("rsub", lambda t, x: 2 - x, "any"),
    ("radd", lambda t, x: 2 + x, "any"),
    ("sub_number", lambda t, x: x - 2, "any"),
    ("remainder_number", lambda t, x: x % 1.5, "any"),
    ("fmod_number", lambda t, x: x.fmod(1.5), "any"),
    ("div_floor", lambda t, x: t.div(x, 2, rounding_mode="floor"), "any"),
]

BINARY = [
    ("add", lambda t, x, y: x + y, "any", "any"),
    ("add_alpha", lambda t, x, y: t.add(x, y, alpha=2.5), "any", "any"),
    ("sub", lambda t, x, y: x - y, "any", "any"),
    ("sub_alpha", lambda t, x, y: x.sub(y, alpha=-3), "any", "any"),
    ("mul", lambda t, x, y: x * y, "any", "any"),
    ("div", lambda t, x, y: x / y, "any", "nonzero"),
    ("true_divide", lambda t, x, y: t.true_divide(x, y), "any", "nonzero"),
    ("div_trunc", lambda t, x, y: x.div(y, rounding_mode="trunc"), "any", "nonzero"),
    ("pow", lambda t, x, y: x ** y, "positive", "any"),
    ("float_power", lambda t, x, y: t.float_power(x, y), "positive", "any"),
    ("atan2", lambda t, x, y: t.atan2(x, y), "nonzero", "nonzero"),
    ("hypot", lambda t, x, y: t.hypot(x, y), "nonzero", "nonzero"),
    ("maximum", lambda t, x, y: t.maximum(x, y), "any", "any"),
    ("minimum", lambda t, x, y: t.minimum(x, y), "any", "any"),
    ("fmax", lambda t, x, y: t.fmax(x, y), "any", "any"),
    ("fmin", lambda t, x, y: x.fmin(y), "any", "any"),
    ("remainder", lambda t, x, y: x % y, "any", "nonzero"),
    ("fmod", lambda t, x, y: t.fmod(x, y), "any", "nonzero"),
    ("clamp_min_tensor", lambda t, x, y: x.clamp_min(y), "any", "any"),
    ("clamp_max_tensor", lambda t, x, y: t.clamp_max(x, y), "any", "any"),
    ("clamp_min_only", lambda t, x, y: x.clamp(min=y), "any", "any"),
    ("lerp_number", lambda t, x, y: t.lerp(x, y, 0.3), "any", "any"),
]

TERNARY = [
    ("clamp_tensors", lambda t, x, lo, hi: x.clamp(lo, hi), "any", "any", "any"),
    ("lerp_tensor", lambda t, x, y, w: t.lerp(x, y, w), "any", "any", "any"),
    ("addcmul", lambda t, x, y, z: t.addcmul(x, y, z, value=0.5), "any", "any", "any"),
    ("addcdiv", lambda t, x, y, z: x.addcdiv(y, z, value=2), "any", "any", "nonzero"),
]

OPS = ([(name, fn, (domain,)) for name, fn, domain in UNARY]
       + [(name, fn, domains) for name, fn, *domains in BINARY]
       + [(name, fn, domains) for name, fn, *domains in TERNARY])


def test_the_table_covers_enough_ops():
    assert len(OPS) >= 80


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, fn, domains", OPS, ids=[o[0] for o in OPS])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_gradients_match_torch(name, fn, domains, dtype, data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=len(domains), min_dims=0,
                                                     max_dims=3, max_side=4)).input_shapes
    # which inputs require grad: at least one (the others must still get no .grad)
    requires = data.draw(st.lists(st.booleans(), min_size=len(domains), max_size=len(domains))
                         .filter(any))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    arrays = [values(rng, s, d) for s, d in zip(shapes, domains)]
    compare_gradients(fn, arrays, dtype, requires)


@pytest.mark.parametrize("fn", [lambda t, x, y: x * y, lambda t, x, y: x / y,
                                lambda t, x, y: t.maximum(x, y), lambda t, x, y: x ** y,
                                lambda t, x, y: t.atan2(x, y)])
def test_mixed_dtypes_get_gradients_in_their_own_dtype(fn):
    x32, t32 = pair(np.array([[0.5], [1.5]], "float32"))
    x64, t64 = pair(np.array([0.25, 2.0, 3.0]))
    ours, theirs = fn(dlcore, x32, x64), fn(torch, t32, t64)
    ours.sum().backward()
    theirs.sum().backward()
    assert_close(x32.grad, t32.grad, "float32")
    assert_close(x64.grad, t64.grad, "float64")


# -- grad_fn names of the overloads ----------------------------------------------------------------
NAMED = {
    "x + y": lambda t, x, y: x + y, "x + 2": lambda t, x, y: x + 2,
    "2 + x": lambda t, x, y: 2 + x, "add(2, x)": lambda t, x, y: t.add(2, x),
    "x - 2": lambda t, x, y: x - 2, "2 - x": lambda t, x, y: 2 - x,
    "sub(2, x)": lambda t, x, y: t.sub(2, x), "x * 2": lambda t, x, y: x * 2,
    "2 * x": lambda t, x, y: 2 * x, "x / 2": lambda t, x, y: x / 2,
    "2 / x": lambda t, x, y: 2 / x, "div(2, x)": lambda t, x, y: t.div(2, x),
    "x / y": lambda t, x, y: x / y, "div floor": lambda t, x, y: t.div(x, y, rounding_mode="floor"),
    "x // y": lambda t, x, y: x // y, "x // 2": lambda t, x, y: x // 2,
    "x ** 2": lambda t, x, y: x ** 2, "x ** 0": lambda t, x, y: x ** 0,
    "x ** y": lambda t, x, y: x ** y, "x.pow(y)": lambda t, x, y: x.pow(y),
    "2 ** x": lambda t, x, y: 2 ** x, "pow(2, x)": lambda t, x, y: t.pow(2, x),
    "square": lambda t, x, y: x.square(), "-x": lambda t, x, y: -x,
    "abs": lambda t, x, y: abs(x), "absolute": lambda t, x, y: x.absolute(),
    "sign": lambda t, x, y: x.sign(), "sgn": lambda t, x, y: x.sgn(),
    "round": lambda t, x, y: x.round(), "round(decimals=2)": lambda t, x, y: x.round(decimals=2),
    "fix": lambda t, x, y: x.fix(), "relu": lambda t, x, y: t.relu(x),
    "log1p": lambda t, x, y: x.log1p(), "expm1": lambda t, x, y: x.expm1(),
    "exp2": lambda t, x, y: x.exp2(), "log10": lambda t, x, y: x.log10(),
    "arcsinh": lambda t, x, y: x.arcsinh(), "deg2rad": lambda t, x, y: x.deg2rad(),
    "rad2deg": lambda t, x, y: x.rad2deg(), "nan_to_num": lambda t, x, y: x.nan_to_num(),
    "clamp(0, 1)": lambda t, x, y: x.clamp(0, 1), "clamp(min=0)": lambda t, x, y: x.clamp(min=0),
    "clip(max=1)": lambda t, x, y: x.clip(max=1), "clamp(y, None)": lambda t, x, y: x.clamp(y),
    "clamp(max=y)": lambda t, x, y: x.clamp(max=y), "clamp_min(0)": lambda t, x, y: x.clamp_min(0),
    "clamp_min(y)": lambda t, x, y: x.clamp_min(y), "clamp_max(0)": lambda t, x, y: x.clamp_max(0),
    "clamp_max(y)": lambda t, x, y: x.clamp_max(y), "maximum": lambda t, x, y: t.maximum(x, y),
    "fmin": lambda t, x, y: t.fmin(x, y), "arctan2": lambda t, x, y: t.arctan2(x, y),
    "hypot": lambda t, x, y: t.hypot(x, y), "lerp(x, y, 0.5)": lambda t, x, y: t.lerp(x, y, 0.5),
    "lerp(x, y, y)": lambda t, x, y: x.lerp(y, y), "addcmul": lambda t, x, y: x.addcmul(y, y),
    "addcdiv": lambda t, x, y: t.addcdiv(x, y, y), "x % 2": lambda t, x, y: x % 2,
    "x % y": lambda t, x, y: x % y, "2 % x": lambda t, x, y: 2 % x,
    "fmod(x, 2)": lambda t, x, y: x.fmod(2), "fmod(x, y)": lambda t, x, y: x.fmod(y),
    "float_power(x, 2)": lambda t, x, y: t.float_power(x, 2),
    "float_power(x, y)": lambda t, x, y: t.float_power(x, y),
    "float_power(2, x)": lambda t, x, y: t.float_power(2, x),
    "float_power(float32)": lambda t, x, y: t.float_power(x.float(), 2),
}


@pytest.mark.parametrize("expression", list(NAMED))
def test_grad_fn_names_match_torch(expression):
    fn = NAMED[expression]
    x, tx = pair(np.array([0.5, 1.5, 2.5]))
    y, ty = pair(np.array([1.0, 0.5, 2.0]))
    ours, theirs = fn(dlcore, x, y), fn(torch, tx, ty)
    assert grad_fn_name(ours) == grad_fn_name(theirs)
    assert ours.requires_grad == theirs.requires_grad
    # where the gradients go (PyTorch also lists a (None, 0) edge for a number operand of
    # `x + 2` or a bound left out of `clamp(y, None)`: dlcore lists tensors only)
    ours_next = [type(n).__name__ for n, _ in ours.grad_fn.next_functions if n is not None]
    theirs_next = [type(n).__name__ for n, _ in theirs.grad_fn.next_functions if n is not None]
    assert ours_next == theirs_next


@pytest.mark.parametrize("fn, message", [
    (lambda x: x // 2, "derivative for aten::floor_divide is not implemented"),
    (lambda x: 2 % x, "derivative for aten::remainder is not implemented"),
])
def test_ops_without_a_derivative_fail_on_backward_as_in_torch(fn, message):
    x, tx = pair(np.array([1.5, 2.5]))
    ours, theirs = fn(x), fn(tx)
    assert repr(ours).endswith("grad_fn=<NotImplemented>)") == repr(theirs).endswith(
        "grad_fn=<NotImplemented>)")
    with pytest.raises(RuntimeError, match=message):
        theirs.sum().backward()
    with pytest.raises(RuntimeError, match=message):
        ours.sum().backward()


# -- second-order gradients ------------------------------------------------------------------------
SECOND_ORDER = {
    "exp": (lambda t, x, y: x.exp(), "any"),
    "tanh": (lambda t, x, y: x.tanh(), "any"),
    "sigmoid": (lambda t, x, y: x.sigmoid(), "any"),
    "sin": (lambda t, x, y: t.sin(x), "any"),
    "cos": (lambda t, x, y: x.cos(), "any"),
    "log": (lambda t, x, y: x.log(), "positive"),
    "sqrt": (lambda t, x, y: x.sqrt(), "positive"),
    "rsqrt": (lambda t, x, y: x.rsqrt(), "positive"),
    "reciprocal": (lambda t, x, y: x.reciprocal(), "positive"),
    "erf": (lambda t, x, y: x.erf(), "any"),
    "atan": (lambda t, x, y: x.atan(), "any"),
    "asin": (lambda t, x, y: x.asin(), "unit"),
    "mul": (lambda t, x, y: x * y, "any"),
    "mul_self": (lambda t, x, y: x * x, "any"),
    "div": (lambda t, x, y: x / (y * y + 1), "any"),
    "rdiv": (lambda t, x, y: 2 / (x * x + 1), "any"),
    "pow_3": (lambda t, x, y: x ** 3, "any"),
    "pow_2": (lambda t, x, y: x ** 2 * y, "any"),
    "pow_-1.5": (lambda t, x, y: x.pow(-1.5), "positive"),
    "number_pow": (lambda t, x, y: 3 ** x, "any"),
    "tanh_of_mul": (lambda t, x, y: (x * y).tanh() * x, "any"),
    "sigmoid_of_mul": (lambda t, x, y: (x * y).sigmoid() * x, "any"),
    "tanh_0d": (lambda t, x, y: x.sum().tanh() * y, "any"),
    "atan2": (lambda t, x, y: t.atan2(x, y + 4), "positive"),
    "hypot": (lambda t, x, y: t.hypot(x, y), "positive"),
    "addcmul": (lambda t, x, y: t.addcmul(x, x, y, value=2), "any"),
    "lerp": (lambda t, x, y: t.lerp(x, y, x), "any"),
    # the ops whose backward masks the gradient (with where)
    "pow_tensor": (lambda t, x, y: x ** y, "positive"),
    "relu": (lambda t, x, y: (x * y).relu() * x, "nonzero"),
    "abs": (lambda t, x, y: x.abs() * x, "nonzero"),
    "clamp": (lambda t, x, y: x.clamp(-1, 1) * x, "any"),
    "clamp_tensors": (lambda t, x, y: x.clamp(y - 1, y) * x * y, "any"),
    "maximum": (lambda t, x, y: t.maximum(x * x, y) * x, "any"),
    "fmin": (lambda t, x, y: t.fmin(x * x, y) * y, "any"),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order_gradients_match_torch(name, dtype):
    fn, domain = SECOND_ORDER[name]
    rng = np.random.default_rng(len(name))
    x, tx = pair(values(rng, (2, 3), domain).astype(dtype))
    y, ty = pair(values(rng, (3,), domain).astype(dtype))
    v = values(rng, (2, 3), "any").astype(dtype)
    results = []
    for lib, a, b in ((dlcore, x, y), (torch, tx, ty)):
        out = fn(lib, a, b)
        ga, gb = lib.autograd.grad(out.sum(), (a, b), create_graph=True, allow_unused=True)
        assert ga is not None and ga.requires_grad
        # the gradient of a weighted sum of the first gradient: a Hessian-vector product
        second = (ga * lib.tensor(v)).sum()
        if gb is not None:
            second = second + (gb * gb).sum()
        results.append((ga, gb) + lib.autograd.grad(second, (a, b), allow_unused=True))
    for ours, theirs in zip(*results):
        if theirs is None:
            assert ours is None or not np.any(numpy_of(ours))
        else:
            assert_close(ours, theirs, dtype)


def test_third_order_gradient_of_exp_and_sin():
    x = dlcore.tensor([0.3, -1.2], requires_grad=True)
    g1, = dlcore.autograd.grad((x.exp() * x.sin()).sum(), x, create_graph=True)
    g2, = dlcore.autograd.grad(g1.sum(), x, create_graph=True)
    g3, = dlcore.autograd.grad(g2.sum(), x)
    tx = torch.tensor([0.3, -1.2], requires_grad=True)
    t1, = torch.autograd.grad((tx.exp() * tx.sin()).sum(), tx, create_graph=True)
    t2, = torch.autograd.grad(t1.sum(), tx, create_graph=True)
    t3, = torch.autograd.grad(t2.sum(), tx)
    assert_close(g3, t3, "float32")


@pytest.mark.parametrize("fn", ["tanh", "sigmoid"])
def test_gradients_of_tanh_and_sigmoid_are_one_node_as_in_torch(fn):
    """Their derivatives go through the result, as one op (TanhBackwardBackward0): the graph of a
    first gradient, and the second and third derivatives through it, are torch's."""
    grads = []
    for lib in (dlcore, torch):
        x = lib.tensor([0.3, -1.2, 2.0], requires_grad=True)
        g1, = lib.autograd.grad(getattr(x, fn)().sum(), x, create_graph=True)
        grads.append((g1.grad_fn.name(), [f and f.name() for f, _ in g1.grad_fn.next_functions]))
        g2, = lib.autograd.grad((g1 * g1).sum(), x, create_graph=True)
        g3, = lib.autograd.grad(g2.sum(), x)
        grads.append((g1, g2, g3))
    names, ours, torch_names, theirs = grads
    assert names == torch_names
    for a, b in zip(ours, theirs):
        assert_close(a, b, "float32")


# -- special points: PyTorch's conventions ---------------------------------------------------------
INF, NAN = math.inf, math.nan
SPECIAL = {
    "abs at 0": (lambda t, x: x.abs(), [0.0, -0.0, 1.0, -2.0]),
    "sign at 0": (lambda t, x: x.sign(), [0.0, 1.0, -2.0]),
    "relu at 0": (lambda t, x: x.relu(), [0.0, -0.0, 1.0, -2.0]),
    "sqrt at 0": (lambda t, x: x.sqrt(), [0.0, 4.0]),
    "log at 0": (lambda t, x: x.log(), [0.0, 1.0]),
    "clamp at its bounds": (lambda t, x: x.clamp(-1, 1), [-1.0, 1.0, -1.5, 1.5, 0.0]),
    "clamp_min at its bound": (lambda t, x: x.clamp(min=1), [1.0, 0.5, 2.0]),
    "clamp_max at its bound": (lambda t, x: x.clamp_max(1), [1.0, 0.5, 2.0]),
    "clamp with min > max": (lambda t, x: x.clamp(2, 1), [0.0, 1.5, 3.0]),
    "clamp of nan": (lambda t, x: x.clamp(0, 1), [NAN, 0.5]),
    "relu of nan": (lambda t, x: x.relu(), [NAN, 0.5]),
    "x ** 0 at 0": (lambda t, x: x ** 0, [0.0, -1.0, 2.0]),
    "x ** 0.5 at 0": (lambda t, x: x ** 0.5, [0.0, -1.0, 4.0]),
    "x ** 2 of negatives": (lambda t, x: x ** 2, [-3.0, 0.0]),
    "x ** -1 at 0": (lambda t, x: x ** -1, [0.0, -2.0]),
    "x ** 1.5 of negatives": (lambda t, x: x ** 1.5, [-2.0, 0.0, 2.0]),
    "0 ** x": (lambda t, x: 0 ** x, [0.0, -1.0, 1.5, 2.0]),
    "0.0 ** x": (lambda t, x: t.pow(0.0, x), [0.0, -1.0, 1.5]),
    "(-2) ** x": (lambda t, x: (-2) ** x, [0.0, -1.0, 1.5, 2.0]),
    "nan_to_num": (lambda t, x: x.nan_to_num(), [NAN, INF, -INF, 1.0]),
    "nan_to_num values": (lambda t, x: x.nan_to_num(0.5, 2.0, -2.0), [NAN, INF, -INF, 1.0]),
    "floor at integers": (lambda t, x: x.floor(), [1.0, -2.0, 0.5]),
    "frac at integers": (lambda t, x: x.frac(), [1.0, -2.0, 0.5]),
    "round halves": (lambda t, x: x.round(), [0.5, 1.5, -2.5]),
    "asin at 1": (lambda t, x: x.asin(), [1.0, -1.0, 0.0]),
    "atanh at 1": (lambda t, x: x.atanh(), [1.0, 0.0]),
    "reciprocal at 0": (lambda t, x: x.reciprocal(), [0.0, -0.0, 2.0]),
    "x % 1 at integers": (lambda t, x: x % 1, [1.0, -2.0, 0.5]),
}


@pytest.mark.parametrize("case", list(SPECIAL))
@pytest.mark.parametrize("upstream", [1.0, INF])
def test_gradients_at_special_points_match_torch(case, upstream):
    fn, points = SPECIAL[case]
    x, tx = pair(np.array(points))
    ours, theirs = fn(dlcore, x), fn(torch, tx)
    assert_close(ours, theirs, "float64")
    # an infinite upstream gradient shows where a gradient is cut off (0) or multiplied (nan)
    ours.backward(dlcore.full(tuple(ours.shape), upstream, dtype=dlcore.float64))
    theirs.backward(torch.full(tuple(theirs.shape), upstream, dtype=torch.float64))
    assert_close(x.grad, tx.grad, "float64")


SPECIAL_BINARY = {
    "maximum ties": (lambda t, a, b: t.maximum(a, b), [1.0, 2.0, 3.0, NAN], [1.0, 1.0, 4.0, 1.0]),
    "minimum ties": (lambda t, a, b: t.minimum(a, b), [1.0, 2.0, 3.0, NAN], [1.0, 1.0, 4.0, 1.0]),
    "fmax ties and nan": (lambda t, a, b: t.fmax(a, b), [1.0, NAN, 3.0, 2.0, NAN],
                          [1.0, 1.0, NAN, 4.0, NAN]),
    "fmin ties and nan": (lambda t, a, b: t.fmin(a, b), [1.0, NAN, 3.0, 2.0, NAN],
                          [1.0, 1.0, NAN, 4.0, NAN]),
    "clamp_min tensor tie": (lambda t, a, b: a.clamp_min(b), [1.0, 0.0, 2.0], [1.0, 1.0, 1.0]),
    "clamp_max tensor tie": (lambda t, a, b: a.clamp_max(b), [1.0, 0.0, 2.0], [1.0, 1.0, 1.0]),
    "x ** y at 0 ** 0": (lambda t, a, b: a ** b, [0.0, 0.0, 0.0, 2.0, -2.0, -2.0],
                         [0.0, 2.0, -1.0, 0.0, 0.5, 2.0]),
    "x / y by 0": (lambda t, a, b: a / b, [1.0, 0.0, -1.0], [0.0, 0.0, 0.0]),
    "atan2 at the origin": (lambda t, a, b: t.atan2(a, b), [0.0, 1.0], [0.0, 0.0]),
    "hypot at the origin": (lambda t, a, b: t.hypot(a, b), [0.0, 3.0], [0.0, 4.0]),
    "remainder at multiples": (lambda t, a, b: a % b, [4.0, -4.0, 5.0], [2.0, 2.0, -2.0]),
    "fmod at multiples": (lambda t, a, b: a.fmod(b), [4.0, -4.0, 5.0], [2.0, 2.0, -2.0]),
    "div trunc": (lambda t, a, b: a.div(b, rounding_mode="trunc"), [4.0, -5.0], [2.0, 2.0]),
}


@pytest.mark.parametrize("case", list(SPECIAL_BINARY))
@pytest.mark.parametrize("upstream", [1.0, INF])
def test_binary_gradients_at_special_points_match_torch(case, upstream):
    fn, a_points, b_points = SPECIAL_BINARY[case]
    a, ta = pair(np.array(a_points))
    b, tb = pair(np.array(b_points))
    ours, theirs = fn(dlcore, a, b), fn(torch, ta, tb)
    assert_close(ours, theirs, "float64")
    ours.backward(dlcore.full(tuple(ours.shape), upstream, dtype=dlcore.float64))
    theirs.backward(torch.full(tuple(theirs.shape), upstream, dtype=torch.float64))
    assert_close(a.grad, ta.grad, "float64")
    assert_close(b.grad, tb.grad, "float64")


def test_clamp_with_tensor_bounds_at_ties_and_crossed_bounds():
    x, tx = pair(np.array([-1.0, 0.0, 0.5, 1.0, 2.0, 0.5]))
    lo, tlo = pair(np.array([0.0, 0.0, 0.0, 1.5, 3.0, 0.5]))
    hi, thi = pair(np.array([0.5, 0.0, 0.5, 1.0, 1.0, 0.5]))
    x.clamp(lo, hi).backward(dlcore.ones(6, dtype=dlcore.float64))
    tx.clamp(tlo, thi).backward(torch.ones(6, dtype=torch.float64))
    for ours, theirs in ((x, tx), (lo, tlo), (hi, thi)):
        assert_close(ours.grad, theirs.grad, "float64")
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]


def test_maximum_splits_a_tie_half_and_half():
    a = dlcore.tensor([2.0, 2.0], requires_grad=True)
    b = dlcore.tensor([2.0, 1.0], requires_grad=True)
    dlcore.maximum(a, b).sum().backward()
    assert a.grad.tolist() == [0.5, 1.0] and b.grad.tolist() == [0.5, 0.0]


def test_abs_and_relu_have_zero_gradient_at_zero():
    x = dlcore.tensor([0.0, 2.0, -2.0], requires_grad=True)
    (x.abs() + x.relu()).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, -1.0]


# -- in-place ops on non-leaf tensors -------------------------------------------------------------
INPLACE = {
    "sigmoid_": (lambda y, o: y.sigmoid_(), "any"),
    "exp_": (lambda y, o: y.exp_(), "any"),
    "tanh_": (lambda y, o: y.tanh_(), "any"),
    "relu_": (lambda y, o: y.relu_(), "nonzero"),
    "relu_ function": (lambda y, o: (torch_or_dlcore(y)).relu_(y), "nonzero"),
    "abs_": (lambda y, o: y.abs_(), "nonzero"),
    "neg_": (lambda y, o: y.neg_(), "any"),
    "sqrt_": (lambda y, o: y.sqrt_(), "positive"),
    "log_": (lambda y, o: y.log_(), "positive"),
    "arcsin_": (lambda y, o: y.arcsin_(), "unit"),
    "floor_": (lambda y, o: y.floor_(), "any"),
    "round_": (lambda y, o: y.round_(), "any"),
    "sign_": (lambda y, o: y.sign_(), "nonzero"),
    "square_": (lambda y, o: y.square_(), "any"),
    "clamp_": (lambda y, o: y.clamp_(-0.5, 0.5), "any"),
    "clamp_ tensors": (lambda y, o: y.clamp_(min=o), "any"),
    "clip_": (lambda y, o: y.clip_(max=0.3), "any"),
    "clamp_min_": (lambda y, o: y.clamp_min_(0.1), "any"),
    "pow_": (lambda y, o: y.pow_(3), "any"),
    "pow_ tensor": (lambda y, o: y.pow_(o), "positive"),
    "add_": (lambda y, o: y.add_(o, alpha=2), "any"),
    "sub_": (lambda y, o: y.sub_(o), "any"),
    "mul_": (lambda y, o: y.mul_(o), "any"),
    "div_": (lambda y, o: y.div_(o * o + 1), "any"),
    "+=": (lambda y, o: iadd(y, o), "any"),
    "*=": (lambda y, o: imul(y, 3.0), "any"),
    "/=": (lambda y, o: itruediv(y, o * o + 1), "any"),
    "**=": (lambda y, o: ipow(y, 2), "any"),
    "-=": (lambda y, o: isub(y, 1.0), "any"),
    "lerp_": (lambda y, o: y.lerp_(o, 0.25), "any"),
    "addcmul_": (lambda y, o: y.addcmul_(o, o, value=0.5), "any"),
    "addcdiv_": (lambda y, o: y.addcdiv_(o, o * o + 1), "any"),
    "atan2_": (lambda y, o: y.atan2_(o * o + 1), "any"),
    "hypot_": (lambda y, o: y.hypot_(o), "nonzero"),
    "remainder_": (lambda y, o: y.remainder_(o * o + 1), "any"),
    "nan_to_num_": (lambda y, o: y.nan_to_num_(), "any"),
    "float_power_": (lambda y, o: y.float_power_(2), "any"),
}


def torch_or_dlcore(t):
    return dlcore if isinstance(t, dlcore.Tensor) else torch


def iadd(y, o):
    y += o
    return y


def imul(y, o):
    y *= o
    return y


def itruediv(y, o):
    y /= o
    return y


def ipow(y, o):
    y **= o
    return y


def isub(y, o):
    y -= o
    return y


@pytest.mark.parametrize("case", list(INPLACE))
def test_inplace_ops_on_non_leaf_tensors_give_torch_gradients(case):
    fn, domain = INPLACE[case]
    rng = np.random.default_rng(len(case))
    x_values = values(rng, (2, 3), domain)
    o_values = values(rng, (3,), "positive" if case == "pow_ tensor" else "any")
    results = []
    for lib in (dlcore, torch):
        x = lib.tensor(x_values, requires_grad=True)
        other = lib.tensor(o_values, requires_grad=True)
        y = x * 1.0                           # a non-leaf: in-place ops on it are recorded
        returned = fn(y, other)
        assert returned is y
        (y * lib.tensor(values(np.random.default_rng(1), (2, 3), "any"))).sum().backward()
        results.append((y, x.grad, other.grad, grad_fn_name(y)))
    (y, x_grad, other_grad, name), (ty, tx_grad, tother_grad, tname) = results
    assert name == tname
    assert_close(y, ty, "float64")
    assert_close(x_grad, tx_grad, "float64")
    if tother_grad is None:
        assert other_grad is None
    else:
        assert_close(other_grad, tother_grad, "float64")


def test_inplace_op_on_a_saved_result_is_caught_as_in_torch():
    for lib in (dlcore, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()                           # exp keeps its result for backward
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        z = x.sin()                           # sin keeps its input, not its result
        z.add_(1)
        z.sum().backward()
        np.testing.assert_allclose(numpy_of(x.grad), np.cos([1.0, 2.0]), rtol=1e-6)


def test_inplace_ops_in_a_row_on_a_non_leaf():
    x, tx = pair(np.array([0.5, -1.0, 2.0]))
    y, ty = x * 2, tx * 2
    y.sin_().mul_(3).add_(1).relu_()
    ty.sin_().mul_(3).add_(1).relu_()
    assert grad_fn_name(y) == grad_fn_name(ty)
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad, "float64")


@pytest.mark.parametrize("method", ["exp_", "relu_", "sigmoid_", "clamp_"])
def test_inplace_on_a_leaf_that_requires_grad_is_refused(method):
    x = dlcore.tensor([1.0, 2.0], requires_grad=True)
    args = (0, 1) if method == "clamp_" else ()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation."):
        getattr(x, method)(*args)


# -- numbers on the left ---------------------------------------------------------------------------
LEFT = {
    "2 + x": lambda t, x: 2 + x, "2.5 - x": lambda t, x: 2.5 - x, "2 * x": lambda t, x: 2 * x,
    "2 / x": lambda t, x: 2 / x, "2 ** x": lambda t, x: 2 ** x, "0.5 ** x": lambda t, x: 0.5 ** x,
    "add(2, x)": lambda t, x: t.add(2, x), "add(2, x, alpha=3)": lambda t, x: t.add(2, x, alpha=3),
    "sub(2, x)": lambda t, x: t.sub(2, x), "sub(2, x, alpha=3)": lambda t, x: t.sub(2, x, alpha=3),
    "mul(2, x)": lambda t, x: t.mul(2, x), "div(2, x)": lambda t, x: t.div(2, x),
    "true_divide(2, x)": lambda t, x: t.true_divide(2, x), "pow(3, x)": lambda t, x: t.pow(3, x),
    "1 - x * x": lambda t, x: 1 - x * x, "True + x": lambda t, x: True + x,
    "3 / x / 2": lambda t, x: 3 / x / 2, "2 ** -x": lambda t, x: 2 ** -x,
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("expression", list(LEFT))
def test_numbers_on_the_left(expression, dtype):
    arrays = [np.array([[0.5, -1.5, 2.0], [1.0, 3.0, -0.25]])]
    compare_gradients(LEFT[expression], arrays, dtype)


def test_alpha_scales_the_gradient_of_other():
    x = dlcore.tensor([1.0, 2.0], requires_grad=True)
    y = dlcore.tensor([3.0, 4.0], requires_grad=True)
    (dlcore.add(x, y, alpha=2.5) + x.sub(y, alpha=-0.5)).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0] and y.grad.tolist() == [3.0, 3.0]


# -- what a node keeps: a second backward through it -----------------------------------------------
TWICE = {
    "x + y": lambda t, x, y: x + y, "x - y": lambda t, x, y: x - y, "x * y": lambda t, x, y: x * y,
    "x / y": lambda t, x, y: x / y, "x * 2": lambda t, x, y: x * 2, "2 - x": lambda t, x, y: 2 - x,
    "-x": lambda t, x, y: -x, "abs": lambda t, x, y: x.abs(), "floor": lambda t, x, y: x.floor(),
    "sign": lambda t, x, y: x.sign(), "frac": lambda t, x, y: x.frac(),
    "deg2rad": lambda t, x, y: x.deg2rad(), "exp": lambda t, x, y: x.exp(),
    "sin": lambda t, x, y: x.sin(), "relu": lambda t, x, y: x.relu(),
    "x ** 2": lambda t, x, y: x ** 2, "x ** y": lambda t, x, y: x ** y,
    "2 ** x": lambda t, x, y: 2 ** x, "clamp": lambda t, x, y: x.clamp(0, 1),
    "lerp number": lambda t, x, y: t.lerp(x, y, 0.5), "lerp tensor": lambda t, x, y: x.lerp(y, y),
    "maximum": lambda t, x, y: t.maximum(x, y), "x % 2": lambda t, x, y: x % 2,
    "x % y": lambda t, x, y: x % y, "round": lambda t, x, y: x.round(),
    "nan_to_num": lambda t, x, y: x.nan_to_num(), "addcdiv": lambda t, x, y: x.addcdiv(y, y),
}


@pytest.mark.parametrize("expression", list(TWICE))
def test_second_backward_fails_exactly_where_torch_fails(expression):
    fn = TWICE[expression]
    outcomes = []
    for lib in (dlcore, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = lib.tensor([2.0, 0.25], requires_grad=True)
        out = fn(lib, x, y).sum()
        out.backward(retain_graph=False)
        try:
            out.backward()
            outcomes.append("twice")
        except RuntimeError as e:
            assert "backward through the graph a second time" in str(e)
            outcomes.append("freed")
    assert outcomes[0] == outcomes[1]
