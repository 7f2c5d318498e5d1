"""Pointwise ops against real PyTorch: every binary op, operator (plain, reflected and in-place)
and unary function over random broadcastable shapes and all dtype pairs, checking result dtype,
shape and values, or that both libraries refuse with the same exception type. Plus: in-place ops
write through views, the in-place casting rule, integer division by zero, clamp, isclose, and
that NumPy's RuntimeWarnings never reach the user."""
import operator
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import dlcore

torch = pytest.importorskip("torch")

# NumPy's overflow/invalid warnings are expected here (inf and nan inputs). dlcore silences them
# for users (checked in a subprocess below); pytest's own warning capture bypasses that filter.
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
FLOATS = ["float16", "float32", "float64"]
HYPOTHESIS = settings(max_examples=60, deadline=None)


# -- data and comparison ---------------------------------------------------------------------------
def make_array(rng, shape, name, *, positive=False, small=False, specials=True):
    """Random values of dtype `name`: floats with some inf/nan/-0.0, ints over a modest range."""
    if name == "bool":
        return np.asarray(rng.integers(0, 2, shape)).astype(bool)
    if name in FLOATS:
        a = np.asarray(rng.standard_normal(shape) * (2 if small else 10)).astype(name)
        if specials and a.size and rng.random() < 0.3:
            a.flat[rng.integers(0, a.size)] = rng.choice([np.inf, -np.inf, np.nan, -0.0, 0.0])
        return np.abs(a) if positive else a
    low = 0 if positive or name == "uint8" else (-3 if small else -50)
    return np.asarray(rng.integers(low, 4 if small else 50, shape)).astype(name)


def to_dl(x):
    return dlcore.tensor(x) if isinstance(x, np.ndarray) else x


def to_torch(x):
    return torch.tensor(x) if isinstance(x, np.ndarray) else x


def _name(dtype):
    return str(dtype).split(".")[1]


def tolerances(name):
    return {"float16": (2e-3, 2e-3), "float32": (2e-5, 1e-6), "float64": (1e-12, 1e-14)}.get(
        name, (0, 0))


def assert_same(got, expected, context=""):
    """Same dtype, shape and values (exact for integers and bools, close for floats, NaN == NaN)."""
    if not isinstance(expected, torch.Tensor):
        assert got == expected, context
        return
    assert isinstance(got, dlcore.Tensor), context
    assert got.device == dlcore.get_default_device(), (context, got.device)   # (no silent move)
    assert _name(got.dtype) == _name(expected.dtype), context
    assert tuple(got.shape) == tuple(expected.shape), context
    a, b = got.cpu().numpy(), expected.cpu().numpy()
    if a.dtype.kind == "f":
        rtol, atol = tolerances(a.dtype.name)
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol,
                                   atol=atol, equal_nan=True, err_msg=context)
    else:
        np.testing.assert_array_equal(a, b, err_msg=context)


def run_both(f_dl, f_torch, dl_args, torch_args, context=""):
    """Call both; they must agree on the result or raise the same exception type."""
    try:
        expected = f_torch(*torch_args)
    except Exception as e:                               # noqa: BLE001  (any refusal must match)
        with pytest.raises(type(e)) as info:
            f_dl(*dl_args)
        assert type(info.value) is type(e), (context, info.value, e)
        return None
    got = f_dl(*dl_args)
    assert_same(got, expected, context)
    return got


# -- binary ops and operators ----------------------------------------------------------------------
BINARY_FUNCTIONS = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod",
                    "pow", "atan2", "maximum", "minimum", "fmax", "fmin", "hypot", "eq", "ne",
                    "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
                    "bitwise_and", "bitwise_or", "bitwise_xor"]
OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "&": operator.and_,
             "|": operator.or_, "^": operator.xor, "<": operator.lt, "<=": operator.le,
             ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
INPLACE_METHODS = ["add_", "sub_", "mul_", "div_", "true_divide_", "floor_divide_", "remainder_",
                   "fmod_", "pow_", "atan2_", "hypot_", "maximum_" if hasattr(torch.Tensor,
                   "maximum_") else "add_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_",
                   "logical_and_", "logical_or_", "logical_xor_", "bitwise_and_", "bitwise_or_",
                   "bitwise_xor_", "copy_"]
INPLACE_OPERATORS = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul,
                     "/=": operator.itruediv, "//=": operator.ifloordiv, "%=": operator.imod,
                     "**=": operator.ipow, "&=": operator.iand, "|=": operator.ior,
                     "^=": operator.ixor}


def _binary_operands(rng, shapes, a, b):
    x = make_array(rng, shapes[0], a)
    # small non-negative exponents and divisors keep integer pow and division well defined
    y = make_array(rng, shapes[1], b, small=True)
    return x, y


@HYPOTHESIS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=4),
       a=st.sampled_from(NAMES), b=st.sampled_from(NAMES), seed=st.integers(0, 2 ** 32 - 1))
def test_binary_functions_and_operators_match_torch(shapes, a, b, seed):
    rng = np.random.default_rng(seed)
    x, y = _binary_operands(rng, shapes.input_shapes, a, b)
    for name in BINARY_FUNCTIONS:
        run_both(getattr(dlcore, name), getattr(torch, name), (to_dl(x), to_dl(y)),
                 (to_torch(x), to_torch(y)), f"{name} {a}{list(x.shape)} {b}{list(y.shape)}")
    for symbol, f in OPERATORS.items():
        run_both(f, f, (to_dl(x), to_dl(y)), (to_torch(x), to_torch(y)),
                 f"{symbol} {a}{list(x.shape)} {b}{list(y.shape)}")


def test_binary_all_dtype_pairs_with_zero_dim_operands():
    """Exhaustive over the 81 dtype pairs x {dims, 0-d} on each side (promotion corner cases)."""
    rng = np.random.default_rng(0)
    for a in NAMES:
        for b in NAMES:
            for sa, sb in [((3,), (3,)), ((3,), ()), ((), (3,)), ((), ())]:
                x, y = _binary_operands(rng, (sa, sb), a, b)
                for name in ("add", "sub", "mul", "div", "floor_divide", "remainder", "pow",
                             "maximum", "lt", "bitwise_xor", "atan2"):
                    run_both(getattr(dlcore, name), getattr(torch, name), (to_dl(x), to_dl(y)),
                             (to_torch(x), to_torch(y)), f"{name} {a}{sa} {b}{sb}")


SCALARS = [True, False, 0, 3, -2, 2.5, -0.5, 0.0, 300]


@pytest.mark.parametrize("a", NAMES)
def test_operators_with_python_numbers_match_torch(a):
    """`t op number` and the reflected `number op t` (the number's kind may promote)."""
    rng = np.random.default_rng(1)
    x = make_array(rng, (2, 3), a)
    x0 = make_array(rng, (), a)
    for value in SCALARS:
        for symbol, f in OPERATORS.items():
            for data in (x, x0):
                run_both(f, f, (to_dl(data), value), (to_torch(data), value),
                         f"t {symbol} {value!r} ({a})")
                run_both(f, f, (value, to_dl(data)), (value, to_torch(data)),
                         f"{value!r} {symbol} t ({a})")
        for name in ("add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "eq",
                     "lt", "bitwise_and", "maximum", "atan2", "logical_and"):
            run_both(getattr(dlcore, name), getattr(torch, name), (to_dl(x), value),
                     (to_torch(x), value), f"{name}(t, {value!r}) ({a})")


@pytest.mark.parametrize("a", NAMES)
def test_numpy_scalars_count_as_python_numbers(a):
    """`t * np.float64(2.5)` promotes like `t * 2.5`; a NumPy scalar on the left defers to us."""
    x = make_array(np.random.default_rng(7), (3,), a)
    for value in (np.float64(2.5), np.float32(-1.5), np.int64(3), np.int8(-2)):
        for symbol, f in OPERATORS.items():
            run_both(f, f, (dlcore.tensor(x), value), (torch.tensor(x), value),
                     f"t {symbol} {value!r} ({a})")
            run_both(f, f, (value, dlcore.tensor(x)), (value, torch.tensor(x)),
                     f"{value!r} {symbol} t ({a})")
    # (PyTorch takes np.bool_ as a float; dlcore takes it as the bool it is)
    assert (dlcore.tensor([1, 2]) + np.bool_(True)).dtype is dlcore.int64


@pytest.mark.parametrize("a", NAMES)
def test_alpha_and_rounding_modes_match_torch(a):
    rng = np.random.default_rng(2)
    x, y = make_array(rng, (4,), a), make_array(rng, (4,), a, positive=True, small=True)
    for alpha in (2, 0.5, True):
        for name in ("add", "sub"):
            run_both(lambda p, q: getattr(dlcore, name)(p, q, alpha=alpha),
                     lambda p, q: getattr(torch, name)(p, q, alpha=alpha),
                     (to_dl(x), to_dl(y)), (to_torch(x), to_torch(y)), f"{name} alpha={alpha}")
    for mode in (None, "trunc", "floor"):
        for divisor in (y, 2, -3, 2.5):
            run_both(lambda p, q: dlcore.div(p, q, rounding_mode=mode),
                     lambda p, q: torch.div(p, q, rounding_mode=mode),
                     (to_dl(x), to_dl(divisor)), (to_torch(x), to_torch(divisor)),
                     f"div rounding_mode={mode} {a}")


@HYPOTHESIS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=4),
       a=st.sampled_from(NAMES), b=st.sampled_from(NAMES), seed=st.integers(0, 2 ** 32 - 1))
def test_inplace_methods_and_operators_match_torch(shapes, a, b, seed):
    """In-place forms: the result stays in self's dtype; a result of a higher kind is refused."""
    rng = np.random.default_rng(seed)
    self_shape = np.broadcast_shapes(*shapes.input_shapes)     # self must hold the result
    x, y = make_array(rng, self_shape, a), make_array(rng, shapes.input_shapes[1], b, small=True)
    for name in INPLACE_METHODS:
        tx, dx = torch.tensor(x), dlcore.tensor(x)
        got = run_both(getattr(dlcore.Tensor, name), getattr(torch.Tensor, name),
                       (dx, to_dl(y)), (tx, to_torch(y)), f"{name} {a} {b}")
        if got is not None:
            assert got is dx
    for symbol, f in INPLACE_OPERATORS.items():
        tx, dx = torch.tensor(x), dlcore.tensor(x)
        got = run_both(f, f, (dx, to_dl(y)), (tx, to_torch(y)), f"{symbol} {a} {b}")
        if got is not None:
            assert got is dx
    for value in SCALARS:
        for symbol, f in INPLACE_OPERATORS.items():
            run_both(f, f, (dlcore.tensor(x), value), (torch.tensor(x), value),
                     f"{symbol} {value!r} ({a})")


def test_inplace_result_type_errors():
    x = dlcore.tensor([1, 2])
    with pytest.raises(RuntimeError,
                       match="result type Float can't be cast to the desired output type Long"):
        x.add_(1.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        x /= 2
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        x.sqrt_()
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output "
                                           "type Bool"):
        dlcore.tensor([True]).add_(dlcore.tensor([2]))
    assert x.tolist() == [1, 2]                        # a refused op leaves self unchanged
    y = dlcore.tensor([1, 2], dtype=dlcore.int8)
    y += dlcore.tensor([300])                          # same kind, wider type: fine, wraps
    assert y.dtype is dlcore.int8 and y.tolist() == [45, 46]
    z = dlcore.ones(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast "
                                           r"shape \[2, 3\]"):
        z += dlcore.ones(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        dlcore.ones(2).expand(3, 2).add_(1)
    e = dlcore.ones(2).expand(3, 2)
    e.zero_()                                          # zero_/fill_ are allowed, as in PyTorch
    assert e.tolist() == [[0.0, 0.0]] * 3


# -- unary math ------------------------------------------------------------------------------------
UNARY = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos",
         "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
         "sigmoid", "reciprocal", "erf", "deg2rad", "rad2deg", "neg", "negative", "abs",
         "absolute", "floor", "ceil", "round", "trunc", "fix", "frac", "square", "sign", "sgn",
         "relu", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit", "logical_not",
         "bitwise_not", "nan_to_num", "positive", "arcsin", "arccos", "arctan", "arcsinh",
         "arccosh", "arctanh", "clone"]
SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 1e30, np.inf, -np.inf, np.nan, 100.0,
                     -100.0, 1e-30, 3.3, -7.7, 0.25])


@pytest.mark.parametrize("a", NAMES)
def test_unary_functions_and_inplace_forms_match_torch(a):
    """Int and bool inputs give float32 (or an error, as in PyTorch); inf and nan included."""
    rng = np.random.default_rng(3)
    x = SPECIALS.astype(a) if a in FLOATS else make_array(rng, (17,), a)
    for name in UNARY:
        run_both(getattr(dlcore, name), getattr(torch, name), (dlcore.tensor(x),),
                 (torch.tensor(x),), f"{name} {a}")
        method = name + "_"
        if hasattr(torch.Tensor, method):
            dx, tx = dlcore.tensor(x), torch.tensor(x)
            got = run_both(getattr(dlcore.Tensor, method), getattr(torch.Tensor, method), (dx,),
                           (tx,), f"{method} {a}")
            if got is not None:
                assert got is dx
    for symbol, f in {"-": operator.neg, "+": operator.pos, "~": operator.invert,
                      "abs": abs}.items():
        run_both(f, f, (dlcore.tensor(x),), (torch.tensor(x),), f"{symbol} {a}")


@pytest.mark.parametrize("a", ["bool", "int64", "float32", "float64"])
def test_unary_on_zero_dim_and_empty_tensors(a):
    for x in (np.array(2, dtype=a), np.zeros((0, 3), dtype=a)):
        for name in UNARY:
            run_both(getattr(dlcore, name), getattr(torch, name), (dlcore.tensor(x),),
                     (torch.tensor(x),), f"{name} {a}{list(x.shape)}")


def test_unary_examples():
    x = dlcore.tensor([1, 4, 9])
    assert dlcore.sqrt(x).dtype is dlcore.float32 and dlcore.sqrt(x).tolist() == [1.0, 2.0, 3.0]
    assert dlcore.sign(dlcore.tensor([float("nan"), -2.0, 0.0])).tolist() == [0.0, -1.0, 0.0]
    assert dlcore.round(dlcore.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    assert dlcore.round(dlcore.tensor([1.25, 1234.5]), decimals=1).tolist() == \
        pytest.approx([1.2, 1234.5])
    assert dlcore.sigmoid(dlcore.tensor([-1000.0, 0.0, 1000.0])).tolist() == [0.0, 0.5, 1.0]
    assert dlcore.relu(dlcore.tensor([-1, 2])).tolist() == [0, 2]
    assert dlcore.floor(x) is not x and dlcore.floor(x).tolist() == [1, 4, 9]
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -dlcore.tensor([True])
    with pytest.raises(TypeError, match="only implemented on integer and Boolean-type tensors"):
        ~dlcore.tensor([1.0])


def test_round_matches_torch():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.25, 1.35, 1234.5, -1234.567, 0.125], dtype=np.float32)
    for decimals in (0, 1, 2, -1, -2):
        run_both(lambda t: dlcore.round(t, decimals=decimals),
                 lambda t: torch.round(t, decimals=decimals), (dlcore.tensor(x),),
                 (torch.tensor(x),), f"round decimals={decimals}")


# -- clamp, isclose, equal -------------------------------------------------------------------------
@pytest.mark.parametrize("a", NAMES)
def test_clamp_matches_torch(a):
    rng = np.random.default_rng(4)
    x = make_array(rng, (2, 3), a)
    bounds = [(None, 2), (-1, None), (-1, 2), (0.5, 2.5), (3, -3), (True, None),
              (np.array([0, 1, 2]), None), (None, np.array([[1], [2]])),
              (np.array([-1.5, 0.0, 1.5]), np.array(2.0))]
    for lo, hi in bounds:
        for f in ("clamp", "clip"):
            run_both(lambda t, p, q: getattr(dlcore, f)(t, min=p, max=q),
                     lambda t, p, q: getattr(torch, f)(t, min=p, max=q),
                     (dlcore.tensor(x), to_dl(lo), to_dl(hi)),
                     (torch.tensor(x), to_torch(lo), to_torch(hi)), f"{f}({lo}, {hi}) {a}")
        run_both(lambda t, p, q: t.clamp_(p, q), lambda t, p, q: t.clamp_(p, q),
                 (dlcore.tensor(x), to_dl(lo), to_dl(hi)),
                 (torch.tensor(x), to_torch(lo), to_torch(hi)), f"clamp_({lo}, {hi}) {a}")
    for name in ("clamp_min", "clamp_max"):
        run_both(getattr(dlcore, name), getattr(torch, name), (dlcore.tensor(x), 1),
                 (torch.tensor(x), 1), f"{name} {a}")
        run_both(getattr(dlcore.Tensor, name + "_"), getattr(torch.Tensor, name + "_"),
                 (dlcore.tensor(x), 1), (torch.tensor(x), 1), f"{name}_ {a}")
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        dlcore.clamp(dlcore.tensor(x))


@pytest.mark.parametrize("a", NAMES)
def test_isclose_allclose_equal_match_torch(a):
    rng = np.random.default_rng(5)
    x = make_array(rng, (6,), a)
    y = x.copy()
    if a in FLOATS:
        y = (y * (1 + np.array([0, 1e-6, 1e-3, 0, 0, 0]))).astype(a)
    else:
        y[0] = y[0] ^ 1 if a != "bool" else not y[0]
    for kwargs in ({}, {"rtol": 0, "atol": 0}, {"atol": 1.0}, {"equal_nan": True},
                   {"rtol": 1e-2}):
        for f in ("isclose", "allclose"):
            run_both(lambda p, q: getattr(dlcore, f)(p, q, **kwargs),
                     lambda p, q: getattr(torch, f)(p, q, **kwargs),
                     (dlcore.tensor(x), dlcore.tensor(y)), (torch.tensor(x), torch.tensor(y)),
                     f"{f} {kwargs} {a}")
    for other in (y, x, x[:3], x.astype(np.float64)):
        run_both(dlcore.equal, torch.equal, (dlcore.tensor(x), dlcore.tensor(other)),
                 (torch.tensor(x), torch.tensor(other)), f"equal {a}")


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="Float did not match Long"):
        dlcore.isclose(dlcore.tensor([1.0]), dlcore.tensor([1]))
    with pytest.raises(TypeError, match="must be Tensor"):
        dlcore.isclose(dlcore.tensor([1.0]), 1.0)
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero"):
        dlcore.isclose(dlcore.tensor([1.0]), dlcore.tensor([1.0]), rtol=-1)
    with pytest.raises(RuntimeError, match="The size of tensor a \\(2\\) must match"):
        dlcore.allclose(dlcore.ones(2), dlcore.ones(3))


# -- in-place ops write through views --------------------------------------------------------------
def test_inplace_through_views_changes_the_base():
    points = dlcore.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    points[1].zero_()
    assert points.tolist() == [[4.0, 1.0], [0.0, 0.0], [2.0, 1.0]]
    points[:, 0].add_(10)
    assert points.tolist() == [[14.0, 1.0], [10.0, 0.0], [12.0, 1.0]]
    t = points.t()
    t[1].mul_(2)
    assert points[:, 1].tolist() == [2.0, 0.0, 2.0]
    column = points[:, 1]
    column += 1
    column.clamp_(max=2.5).sqrt_()
    assert points[:, 1].tolist() == pytest.approx([2.5 ** 0.5, 1.0, 2.5 ** 0.5])
    points[0].fill_(7)
    points[2].copy_(dlcore.tensor([8, 9]))
    assert points[0].tolist() == [7.0, 7.0] and points[2].tolist() == [8.0, 9.0]
    view = points.view(6)
    view.neg_()
    assert points[0].tolist() == [-7.0, -7.0]
    assert view.storage() is points.storage()


def test_fill_and_copy_cast_like_pytorch():
    x = dlcore.ones(3, dtype=dlcore.uint8)
    assert x.fill_(-2).tolist() == [254] * 3
    with pytest.raises(RuntimeError, match="value cannot be converted to type uint8_t without"):
        x.fill_(300)
    assert x.fill_(dlcore.tensor(300)).tolist() == [44] * 3      # a tensor value just casts
    assert x.copy_(dlcore.tensor([300, -1, 2])).tolist() == [44, 255, 2]
    assert dlcore.ones(2, dtype=dlcore.int64).fill_(2.7).tolist() == [2, 2]
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        x.fill_(dlcore.tensor([1]))
    with pytest.raises(TypeError, match="fill_"):
        x.fill_("a")
    y = dlcore.zeros(2, 3)
    y.copy_(dlcore.tensor([1, 2, 3]))                              # broadcast
    assert y.tolist() == [[1.0, 2.0, 3.0]] * 2
    with pytest.raises(RuntimeError, match="must match the size"):
        y.copy_(dlcore.ones(2))


# -- integer division by zero, bools ---------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1, 2]) // 0, lambda m: m.tensor([1, 2]) % 0,
    lambda m: m.fmod(m.tensor([1, 2]), 0), lambda m: m.tensor([1, 2]) // m.tensor([1, 0]),
    lambda m: m.div(m.tensor([1]), 0, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([1]), 0, rounding_mode="floor"),
    lambda m: m.tensor([1], dtype=m.int8).remainder_(m.tensor([0], dtype=m.int8)),
])
def test_integer_division_by_zero(make):
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        make(dlcore)
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        make(torch)


def test_float_division_by_zero_gives_inf_and_nan():
    x = dlcore.tensor([1.0, -1.0, 0.0])
    assert (x / 0).tolist()[:2] == [float("inf"), float("-inf")]
    assert dlcore.isnan(x / 0)[2].item()
    assert (dlcore.tensor([1, 2]) / 0).tolist() == [float("inf")] * 2     # true division: float


def test_integer_powers():
    assert (dlcore.tensor([2, 3]) ** 2).tolist() == [4, 9]
    assert (dlcore.tensor([-1, 1, 2, 0]) ** dlcore.tensor([-3, -2, -1, -1])).tolist() == \
        [-1, 1, 0, 0]
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        dlcore.tensor([2, 3]) ** -1
    assert (2 ** dlcore.tensor([-1, 2])).tolist() == [0, 4]
    assert (2.5 ** dlcore.tensor([-1, 2])).tolist() == pytest.approx([0.4, 6.25])


def test_bool_arithmetic_refusals():
    b = dlcore.tensor([True, False])
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        b - b
    with pytest.raises(RuntimeError, match="with a bool tensor is not supported"):
        1 - b
    with pytest.raises(NotImplementedError, match="\"div_floor_cpu\" not implemented for 'Bool'"):
        b // b
    assert (b + b).tolist() == [True, False] and (b * 2).dtype is dlcore.int64
    with pytest.raises(NotImplementedError, match="\"bitwise_and_cpu\" not implemented for"
                                                  " 'Float'"):
        dlcore.ones(2) & dlcore.ones(2)


def test_operators_with_unsupported_types():
    x = dlcore.ones(2)
    assert (x == None) is False and (x != None) is True          # noqa: E711
    assert (x == "a") is False
    with pytest.raises(TypeError):
        x < None                                                    # noqa: B015
    with pytest.raises(TypeError):
        x + "a"
    with pytest.raises(TypeError):
        x + [1, 2]


def test_out_argument():
    out = dlcore.zeros(2)
    r = dlcore.add(dlcore.tensor([1, 2]), 1, out=out)
    assert r is out and out.tolist() == [2.0, 3.0]
    empty = dlcore.zeros(0)
    dlcore.mul(dlcore.ones(3), 2, out=empty)
    assert empty.tolist() == [2.0] * 3 and empty.storage_offset() == 0
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output "
                                           "type Long"):
        dlcore.add(dlcore.ones(2), 1, out=dlcore.zeros(2, dtype=dlcore.int64))
    with pytest.raises(RuntimeError, match="output with shape"):
        dlcore.exp(dlcore.ones(2), out=dlcore.zeros(3))


def test_lerp_addcmul_addcdiv_match_torch():
    rng = np.random.default_rng(6)
    x, y, w = (rng.standard_normal(5).astype(np.float32) for _ in range(3))
    for weight in (0.25, 0.75, w):
        run_both(dlcore.lerp, torch.lerp, (dlcore.tensor(x), dlcore.tensor(y), to_dl(weight)),
                 (torch.tensor(x), torch.tensor(y), to_torch(weight)), "lerp")
    for f in ("addcmul", "addcdiv"):
        run_both(lambda a, b, c: getattr(dlcore, f)(a, b, c, value=0.5),
                 lambda a, b, c: getattr(torch, f)(a, b, c, value=0.5),
                 (dlcore.tensor(x), dlcore.tensor(y), dlcore.tensor(w)),
                 (torch.tensor(x), torch.tensor(y), torch.tensor(w)), f)
    ints = np.array([1, 2]), np.array([3, 4])
    for f in (dlcore.lerp, torch.lerp):
        module = dlcore if f is dlcore.lerp else torch
        with pytest.raises(NotImplementedError):
            f(module.tensor(ints[0]), module.tensor(ints[1]), 0.5)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        dlcore.addcdiv(dlcore.tensor([1]), dlcore.tensor([2]), dlcore.tensor([3]))
    run_both(dlcore.float_power, torch.float_power, (dlcore.tensor([2, 3]), 2),
             (torch.tensor([2, 3]), 2), "float_power")


# -- NumPy warnings never reach the user -----------------------------------------------------------
def test_no_numpy_warnings_reach_the_user():
    """Run overflowing, dividing-by-zero and invalid ops in a fresh interpreter with warnings shown
    (-W default): nothing may be printed on stderr."""
    code = textwrap.dedent("""
        import dlcore as d
        x = d.tensor([0., 1., -1., float('inf'), float('nan')])
        ops = [lambda: x / 0, lambda: x // 0, lambda: x % 0, lambda: d.log(x), lambda: d.sqrt(x),
               lambda: x.exp() * 1e38, lambda: x ** 0.5, lambda: d.acosh(x), lambda: d.atanh(x),
               lambda: d.reciprocal(x), lambda: d.rsqrt(x), lambda: d.tensor([-1000.]).sigmoid(),
               lambda: d.ones(2, dtype=d.float16) + 100000, lambda: d.tensor([1e40]).half(),
               lambda: d.tensor([float('nan')]).long(), lambda: d.tensor([1e300], dtype=d.float32),
               lambda: d.tensor([100], dtype=d.int8) * d.tensor([100], dtype=d.int8),
               lambda: d.fmod(x, 0.), lambda: d.tensor([float('inf')]) - float('inf'),
               lambda: d.zeros(3).fill_(float('nan')).div_(0.), lambda: d.tensor([0.]).log_(),
               lambda: d.isclose(x, x), lambda: d.logspace(0, 400, 3), lambda: x.sign(),
               lambda: d.arange(0, 1, 0.1, dtype=d.float16), lambda: x.float_power(-1000)]
        for op in ops:
            op()
        print("ok")
    """)
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-W", "default", "-c", code], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""


@pytest.mark.parametrize("scalar", ["0.9707841", "3.3333333", "5001", "m.tensor(0.9707841)",
                                    "m.tensor(0.9707841, dtype=m.float64)", "m.tensor(5001)"])
@pytest.mark.parametrize("expression", ["x * s", "s * x", "x / s", "x // s", "x.mul(s)",
                                        "x.div(s)", "x.clone().mul_(s)", "x.clone().div_(s)",
                                        "x + s", "x - s", "x % s"])
def test_float16_by_a_scalar_rounds_as_torch(expression, scalar):
    """float16 x times, over or floor-divided by a scalar: PyTorch computes in float32 with the
    scalar whole and rounds once (other ops round the scalar to float16 first): bit for bit."""
    torch = pytest.importorskip("torch")
    x = (np.random.default_rng(1).standard_normal(2000) * 300).astype(np.float16)
    results = []
    for m in (dlcore, torch):
        s = eval(scalar, {"m": m})
        results.append(eval(expression, {"x": m.tensor(x), "s": s}).cpu().numpy())
    np.testing.assert_array_equal(*results)


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod", "true_divide"])
def test_float16_division_of_two_tensors_rounds_as_torch(op):
    """float16 floor division follows PyTorch's kernel step by step in float16 (NumPy's works
    in float32 and rounds once: one in 30 quotients came out one off): bit for bit, with zeros,
    negative zeros and zero divisors among the values."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = (rng.standard_normal(20000) * 1000).astype(np.float16)
    b = (rng.standard_normal(20000) * 3).astype(np.float16)
    a[:20], b[20:40], a[40:50] = 0, 0, -0.0
    results = [getattr(m, op)(m.tensor(a), m.tensor(b)).cpu().numpy() for m in (dlcore, torch)]
    np.testing.assert_array_equal(*results)
    numbers = ~np.isnan(results[1])                 # (a NaN's sign means nothing)
    np.testing.assert_array_equal(np.signbit(results[0][numbers]), np.signbit(results[1][numbers]))
