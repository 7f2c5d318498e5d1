"""dlcore.testing: assert_close as PyTorch's (same errors and messages), and the likely causes
that it, assert_same_storage, assert_layout and check_gradient add to a failure."""
import numpy as np
import pytest

import dlcore
from dlcore.testing import assert_close, assert_layout, assert_same_storage, check_gradient


def _failure(check, *args, **kwargs):
    with pytest.raises(Exception) as info:
        check(*args, **kwargs)
    return info.type, str(info.value)


# -- assert_close against torch.testing.assert_close ----------------------------------------------
CASES = [
    ("tensor([1., 2., 3.])", "tensor([1., 2.5, 3.])", {}),
    ("tensor([[1., 2.], [3., 4.]])", "tensor([[1., 2.], [3., 5.]])", {}),
    ("tensor([1, 2, 3])", "tensor([1, 2, 4])", {}),
    ("tensor([True, False])", "tensor([True, True])", {}),
    ("tensor([1., 2., 3.])", "tensor([1., 2.])", {}),
    ("tensor([1., 2., 3.])", "tensor([1., 2., 3.], dtype=M.float64)", {}),
    ("tensor([1., 2.], dtype=M.float64)", "tensor([1., 2.0001])", {"check_dtype": False}),
    ("tensor(1.)", "tensor(2.)", {}),
    ("tensor(2)", "tensor(3)", {}),
    ("tensor([0., 2.])", "tensor([0., 0.])", {}),
    ("tensor([1., float('nan')])", "tensor([1., 2.])", {}),
    ("tensor([1., float('nan')])", "tensor([1., float('nan')])", {"equal_nan": True}),
    ("ones(2, 3).t()", "ones(3, 2)", {"check_stride": True}),
    ("tensor([1., 2.])", "tensor([1., 2.])", {"rtol": 1e-3}),
    ("tensor([1., 2.])", "tensor([1., 3.])", {"msg": "custom"}),
    ("tensor([1., 2.])", "[1., 2.]", {}),
    ("1.0", "2.0", {}),
    ("1", "2", {}),
    ("1", "1.0", {}),
    ("[1., 2., 3.]", "[1., 2., 4.]", {}),
    ("(1.0, 2.0)", "(1.0,)", {}),
    ("{'a': 1.0}", "{'b': 1.0}", {}),
    ("{'a': 1.0}", "{'a': 2.0}", {}),
    ("[tensor([1., 2.])]", "[tensor([1., 3.])]", {}),
    ("None", "None", {}),
    ("tensor([1., 2.])", "tensor([1.0000001, 2.])", {}),
]


@pytest.mark.parametrize("actual, expected, options", CASES, ids=[f"{a} vs {e}" for a, e, _ in CASES])
def test_assert_close_fails_like_torch(actual, expected, options):
    torch = pytest.importorskip("torch")

    def build(module, text):
        return eval(text, {"tensor": module.tensor, "ones": module.ones, "M": module})

    outcomes = []
    for module in (dlcore, torch):
        try:
            module.testing.assert_close(build(module, actual), build(module, expected), **options)
            outcomes.append(None)
        except Exception as error:
            # dlcore adds its "Likely cause" paragraphs after PyTorch's message
            message = str(error).split("\n\nLikely cause: ")[0]
            outcomes.append((type(error), message.replace("dlcore.", "torch.")))
    ours, theirs = outcomes
    assert ours == theirs


def test_numpy_arrays_compare_as_tensors():
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    kind, message = _failure(assert_close, np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    assert kind is AssertionError and "Greatest absolute difference: 1.0 at index (1,)" in message


def test_rtol_and_atol_go_together():
    kind, message = _failure(assert_close, dlcore.ones(2), dlcore.ones(2), atol=1e-3)
    assert kind is ValueError and message.endswith("but got no rtol.")


# -- likely causes --------------------------------------------------------------------------------
def _cause(check, *args, **kwargs):
    kind, message = _failure(check, *args, **kwargs)
    assert kind is AssertionError
    return message


def test_a_transposed_result_is_named():
    x = dlcore.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert "actual equals expected transposed" in _cause(assert_close, x.t(), x)
    wide = dlcore.ones(2, 3)
    assert "last two dims swapped" in _cause(assert_close, wide.t(), wide)


def test_a_constant_factor_is_named():
    x = dlcore.tensor([1.0, -2.0, 3.0])
    assert "(off by a factor of 2)" in _cause(assert_close, 2 * x, x)
    assert "(off by a factor of 1/3): dividing by 3 once too often" in _cause(assert_close, x / 3, x)
    assert "wrong sign everywhere" in _cause(assert_close, -x, x)
    assert "Likely cause" not in _cause(assert_close, x + dlcore.tensor([0.0, 0.0, 1.0]), x)


def test_a_one_hot_off_by_one_is_named():
    labels = dlcore.tensor([0, 2, 1])
    expected = dlcore.zeros(3, 4).scatter_(1, labels.unsqueeze(1), 1.0)
    shifted = dlcore.zeros(3, 4).scatter_(1, (labels + 1).unsqueeze(1), 1.0)
    message = _cause(assert_close, shifted, expected)
    assert "shifted one place forward along dim 1" in message
    assert "1-based labels used as 0-based indices" in message
    assert "off by one" in _cause(assert_close, dlcore.zeros(3, 3), dlcore.zeros(3, 4))


def test_dtype_causes():
    f32, f64 = dlcore.ones(2), dlcore.ones(2, dtype=dlcore.float64)
    assert "NumPy's default float is float64" in _cause(assert_close, f64, f32)
    assert "convert with .float()" in _cause(assert_close, dlcore.ones(2, dtype=dlcore.int64), f32)


def test_nan_where_expected_is_finite():
    message = _cause(assert_close, dlcore.tensor([1.0, float("inf")]), dlcore.tensor([1.0, 2.0]))
    assert "actual has inf at index (1,)" in message


def test_assert_same_storage():
    a = dlcore.arange(9)
    assert_same_storage(a.view(3, 3), a)
    assert_same_storage(a.view(3, 3).t()[1:], a)
    message = _cause(assert_same_storage, a.view(3, 3).clone(), a, name="b", base_name="a")
    assert message.startswith("expected a view of a but got a copy: b has a storage of its own")
    assert "changing the dtype" in _cause(assert_same_storage, a.float(), a)
    assert "expected a tensor" in _cause(assert_same_storage, a.cpu().numpy(), a)


def test_assert_layout():
    a = dlcore.arange(9.0)
    assert_layout(a.view(3, 3)[1:, 1:], size=(2, 2), stride=(3, 1), offset=4)
    assert (_cause(assert_layout, a.view(3, 3).t(), size=(3, 3), stride=(3, 1), name="b")
            == "b: stride (1, 3), expected (3, 1): a transpose, not a view?")
    points = dlcore.ones(3, 2)
    assert "a view, not a transpose?" in _cause(assert_layout, points.view(2, 3), stride=(1, 2))
    message = _cause(assert_layout, a.view(3, 3)[1:, 1:].clone(), size=(2, 2), stride=(3, 1),
                     offset=4, name="c")
    assert message.startswith("c: stride (2, 1), expected (3, 1): a contiguous copy")
    assert "; storage offset 0, expected 4: a copy starts at 0" in message
    assert _cause(assert_layout, a, size=(3, 3)) == "tensor: size (9,), expected (3, 3)"


# -- check_gradient ------------------------------------------------------------------------------
T_U = [35.7, 55.9, 58.2, 81.9, 56.3]
T_C = [0.5, 14.0, 15.0, 28.0, 11.0]


def _data(params):
    """The thermometer data on the parameters' device (a test may run on a GPU)."""
    return (dlcore.tensor(T_U, device=params.device), dlcore.tensor(T_C, device=params.device))


def _loss(params):
    t_u, t_c = _data(params)
    return ((params[0] * t_u + params[1] - t_c) ** 2).mean()


def _hand_gradient(params):
    t_u, t_c = _data(params)
    error = params[0] * t_u + params[1] - t_c
    return dlcore.stack([(2 * error * t_u).mean(), (2 * error).mean()])


def test_check_gradient_passes_right_gradients():
    params = dlcore.tensor([1.0, 0.0])
    assert check_gradient(_loss, params)                    # autograd vs finite differences
    assert check_gradient(_loss, params, _hand_gradient)    # by hand vs autograd
    assert check_gradient(lambda x: (x.double() ** 3).sum(), dlcore.tensor([0.5, -1.0]))


@pytest.mark.parametrize("scale, cause", [
    (2.0, "off by a factor of 2): backward() run twice without zeroing the gradient"),
    (0.5, "off by a factor of 1/2): the 2 of d(x²)/dx = 2x forgotten"),
    (5.0, "off by a factor of 5): summing over 5 values where the mean is taken"),
    (0.2, "off by a factor of 1/5): dividing by 5 once too often, e.g. averaging twice"),
    (-1.0, "wrong sign everywhere"),
])
def test_check_gradient_names_the_factor(scale, cause):
    params = dlcore.tensor([1.0, 0.0])
    message = _cause(check_gradient, _loss, params, lambda p: scale * _hand_gradient(p))
    assert cause in message
    assert "expected (autograd): [" in message


def test_check_gradient_names_the_wrong_element():
    params = dlcore.tensor([1.0, 0.0])
    message = _cause(check_gradient, _loss, params,
                     lambda p: _hand_gradient(p) * dlcore.tensor([1.0, 0.0]))
    assert "wrong at 1 of 2 elements, first at index (1,) (the others are right" in message


def test_check_gradient_of_accumulated_grad():
    params = dlcore.tensor([1.0, 0.0], requires_grad=True)
    for _ in range(2):                     # backward twice, no zero_grad
        _loss(params).backward()
    assert "zero_grad()" in _cause(check_gradient, _loss, params.detach(), params.grad)


def test_check_gradient_catches_a_cut_graph_and_a_non_scalar():
    params = dlcore.tensor([1.0, 0.0])
    message = _cause(check_gradient, lambda p: dlcore.tensor(_loss(p).item()), params)
    assert "was the graph cut" in message
    with pytest.raises(TypeError, match="must return a scalar"):
        check_gradient(lambda p: p * 2, params)
