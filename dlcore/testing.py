"""Checks whose failures say what differs and what the likely cause is (for exercises and tests).

`assert_close` follows `torch.testing.assert_close`: the same rules, default tolerances, error
types and messages. When it recognises a common mistake (a transpose, a constant factor, a shift
by one, a float64 from NumPy) it adds a line saying so. `assert_same_storage`, `assert_layout`
and `check_gradient` are dlcore's own, for the chapters on views and on gradients.
"""
from collections.abc import Mapping, Sequence

import dlcore
from . import _dtype
from ._tensor import Tensor
from .backend import backend_of_array

__all__ = ["assert_close", "assert_same_storage", "assert_layout", "check_gradient"]

# PyTorch's default (rtol, atol) per dtype; integers and bool are compared exactly.
_DEFAULT_TOLERANCES = {_dtype.float16: (1e-3, 1e-5), _dtype.float32: (1.3e-6, 1e-5),
                       _dtype.float64: (1e-7, 1e-7)}


# -- assert_close ----------------------------------------------------------------------------------
def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False,
                 msg=None):
    """Assert that `actual` and `expected` are close, as torch.testing.assert_close does.

    Tensors must match in shape, device and dtype (and stride with `check_stride=True`), then
    agree elementwise within `atol + rtol * |expected|`; NumPy arrays are compared as tensors,
    Python numbers as 0-d tensors, sequences and mappings item by item. `msg` replaces the
    message (a string) or edits it (a callable taking the generated message)."""
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'atol' if atol is None else 'rtol'}.")
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                   check_dtype=check_dtype, check_stride=check_stride)
    failure = _compare(actual, expected, (), options)
    if failure is None:
        return
    message, item = failure
    if item:  # PyTorch's last line, before the causes dlcore adds
        head, *causes = message.split("\n\nLikely cause: ")
        head += "\n\nThe failure occurred for item " + "".join(f"[{key!r}]" for key in item)
        message = "\n\nLikely cause: ".join([head, *causes])
    if callable(msg):
        message = msg(message)
    elif msg is not None:
        message = msg
    raise AssertionError(message)


def _compare(actual, expected, item, options):
    """None when equal enough, else (message, item path). Raises TypeError on inputs it can't pair."""
    if actual is None and expected is None:
        return None
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            missing = sorted(set(expected) - set(actual), key=repr)
            extra = sorted(set(actual) - set(expected), key=repr)
            return ("The keys of the mappings do not match:\n"
                    f"Missing keys in the actual mapping: {missing}\n"
                    f"Additional keys in the actual mapping: {extra}", item)
        pairs = [(key, actual[key], expected[key]) for key in expected]
    elif _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            return f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", item
        pairs = [(i, a, e) for i, (a, e) in enumerate(zip(actual, expected))]
    else:
        return _compare_leaves(actual, expected, item, options)
    for key, a, e in pairs:
        failure = _compare(a, e, item + (key,), options)
        if failure is not None:
            return failure
    return None


def _is_sequence(x):
    return isinstance(x, Sequence) and not isinstance(x, str)


def _is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _compare_leaves(actual, expected, item, options):
    if _is_number(actual) and _is_number(expected):
        if options["check_dtype"] and type(actual) is not type(expected):
            return f"The (d)types do not match: {type(actual)} != {type(expected)}.", item
        actual, expected = dlcore.tensor(actual), dlcore.tensor(expected)
        if actual.is_floating_point():  # Python floats are doubles
            actual, expected = actual.double(), expected.double()
    elif _is_array(actual) and _is_array(expected):
        actual, expected = dlcore.as_tensor(actual), dlcore.as_tensor(expected)
    elif not (isinstance(actual, Tensor) and isinstance(expected, Tensor)):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} "
                        f"and {type(expected)}.")
    message = _compare_tensors(actual, expected, **options)
    return None if message is None else (message, item)


def _is_array(x):
    """A NumPy (or CuPy) array or NumPy scalar: something a dlcore backend holds."""
    try:
        backend_of_array(x)
    except TypeError:
        return False
    return True


def _compare_tensors(actual, expected, *, rtol, atol, equal_nan, check_device, check_dtype,
                     check_stride):
    if actual.shape != expected.shape:
        return _attribute_mismatch("shape", actual.shape, expected.shape,
                                   _shape_causes(actual, expected))
    if check_device and actual.device != expected.device:
        return _attribute_mismatch("device", actual.device, expected.device,
                                   ["Move one of them with .to(device) (or .cpu()) first."])
    if check_dtype and actual.dtype != expected.dtype:
        return _attribute_mismatch("dtype", actual.dtype, expected.dtype,
                                   _dtype_causes(actual.dtype, expected.dtype))
    if check_stride and actual.stride() != expected.stride():
        return _attribute_mismatch("stride()", actual.stride(), expected.stride(),
                                   [_stride_cause(actual.stride(), expected.stride())])
    if rtol is None:
        rtol, atol = (max(pair) for pair in zip(_tolerances(actual.dtype), _tolerances(expected.dtype)))
    actual, expected = actual.detach().cpu(), expected.detach().cpu()
    if actual.dtype != expected.dtype:
        common = dlcore.promote_types(actual.dtype, expected.dtype)
        actual, expected = actual.to(common), expected.to(common)

    if rtol == 0 and atol == 0:
        matches = actual == expected
        if equal_nan and actual.is_floating_point():
            matches = matches | (actual.isnan() & expected.isnan())
    else:
        matches = dlcore.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if bool(matches.all()):
        return None
    if actual.dim() == 0:
        message = _scalar_mismatch(actual.item(), expected.item(), rtol, atol)
    else:
        message = _tensor_mismatch(actual, expected, matches, rtol, atol)
    return _with_causes(message, _value_causes(actual, expected, rtol, atol))


def _tolerances(dtype):
    return _DEFAULT_TOLERANCES.get(dtype, (0.0, 0.0))


def _attribute_mismatch(attribute, actual, expected, causes):
    return _with_causes(f"The values for attribute '{attribute}' do not match: "
                        f"{actual} != {expected}.", causes)


def _with_causes(message, causes):
    causes = [cause for cause in causes if cause]
    return message + "".join("\n\nLikely cause: " + cause for cause in causes)


def _difference_line(kind, difference, index, tolerance):
    line = f"{kind.title()} difference: {difference}" if index is None else (
        f"Greatest {kind} difference: {difference} at index {index}")
    return line + (f" (up to {tolerance} allowed)" if tolerance > 0 else "")


def _mismatch(what, extra, abs_diff, abs_index, atol, rel_diff, rel_index, rtol):
    equal = rtol == 0 and atol == 0
    return "\n".join([f"{what} are not {'equal' if equal else 'close'}!", "", extra,
                      _difference_line("absolute", abs_diff, abs_index, atol),
                      _difference_line("relative", rel_diff, rel_index, rtol)])


def _scalar_mismatch(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                     rel_diff, None, rtol)


def _tensor_mismatch(actual, expected, matches, rtol, atol):
    """PyTorch's report: how many elements differ, the largest differences and where."""
    shape = tuple(matches.shape)
    total = matches.numel()
    mismatched = total - int(matches.sum().item())
    actual, expected, matches = actual.flatten(), expected.flatten(), matches.flatten()
    if not actual.is_floating_point():     # integers and bools: differences as int64
        actual, expected = actual.long(), expected.long()
    abs_diff = (actual - expected).abs()
    abs_diff[matches] = 0                  # only mismatches count
    rel_diff = abs_diff / expected.abs()
    rel_diff[matches] = 0
    max_abs, abs_at = abs_diff.max(0)
    max_rel, rel_at = rel_diff.max(0)
    return _mismatch("Tensor-likes", f"Mismatched elements: {mismatched} / {total} "
                     f"({mismatched / total:.1%})", max_abs.item(),
                     _unravel(int(abs_at.item()), shape), atol, max_rel.item(),
                     _unravel(int(rel_at.item()), shape), rtol)


def _unravel(flat_index, shape):
    index = []
    for size in reversed(shape):
        flat_index, position = divmod(flat_index, size)
        index.append(position)
    return tuple(reversed(index))


# -- likely causes -----------------------------------------------------------------------------------
def _shape_causes(actual, expected):
    a, e = tuple(actual.shape), tuple(expected.shape)
    if len(a) >= 2 and a == e[:-2] + (e[-1], e[-2]):
        return ["the shape of expected with its last two dims swapped: a transpose too many "
                "(or too few)?"]
    if len(a) == len(e) and sorted(a) == sorted(e):
        return ["the dims of expected in another order: a permute() with the wrong order?"]
    if tuple(n for n in a if n != 1) == tuple(n for n in e if n != 1):
        return ["the same elements with a dim of size 1 more or fewer: an unsqueeze() or "
                "squeeze() missing? Beware: (3,) and (3, 1) broadcast together to (3, 3)."]
    if len(a) == len(e):
        off = [d for d in range(len(a)) if a[d] != e[d]]
        if len(off) == 1 and abs(a[off[0]] - e[off[0]]) == 1:
            d = off[0]
            return [f"dim {d} has {a[d]} elements, expected {e[d]}: off by one (e.g. one-hot "
                    "columns counted as the largest label instead of the largest label + 1, "
                    "or a slice end that leaves one out)?"]
    if actual.numel() == expected.numel():
        return ["the same number of elements in another shape: a view() or reshape() to the "
                "wrong shape?"]
    return []


def _dtype_causes(actual, expected):
    if actual == _dtype.float64 and expected.is_floating_point:
        return [f"{actual} where {expected} was expected: NumPy's default float is float64 and "
                "from_numpy() keeps it, so does .double(); convert with .float()."]
    if expected == _dtype.float64 and actual.is_floating_point:
        return [f"{actual} where {expected} was expected: tensors of Python floats get the default "
                "dtype, float32; ask for dtype=float64 or convert with .double()."]
    if actual.is_floating_point and not expected.is_floating_point:
        return [f"a float tensor where {expected} was expected: a division (/ always gives "
                "floats), or a conversion missing (.long(), .to(dtype))?"]
    if expected.is_floating_point and not actual.is_floating_point:
        return [f"{actual} where {expected} was expected: a tensor built from Python ints (or "
                "an integer op) stays integer; convert with .float()."]
    return []


def _stride_cause(actual, expected):
    """Why a tensor has `actual` strides where `expected` ones were wanted, if it is clear."""
    actual, expected = tuple(actual), tuple(expected)
    if len(actual) < 2 or actual == expected:
        return None
    actual_rows = list(actual) == sorted(actual, reverse=True)      # laid out row by row
    expected_rows = list(expected) == sorted(expected, reverse=True)
    if expected_rows and not actual_rows:
        return "a transpose, not a view?"
    if actual_rows and not expected_rows:
        return ("a view, not a transpose? view() and reshape() lay the elements out row by "
                "row; t(), transpose() and permute() swap the strides instead.")
    if not actual_rows and sorted(actual) == sorted(expected):
        return "the dims permuted in another order?"
    return None


def _value_causes(actual, expected, rtol, atol):
    """Patterns of a wrong result: transposed, scaled by a constant, shifted by one, NaN or inf."""
    if not (actual.is_floating_point() or expected.is_floating_point()):
        actual, expected = actual.double(), expected.double()
    causes = []
    bad = ~actual.isfinite() & expected.isfinite()
    if bool(bad.any()):
        first = _unravel(int(bad.flatten().int().argmax().item()), tuple(actual.shape))
        causes.append(f"actual has {actual[first].item()} at index {first} where expected is "
                      "finite: a division by zero, log of 0, or a step size (learning rate) so "
                      "large that the values blow up?")
        return causes
    close = _close_enough(actual, expected, rtol, atol)
    if actual.dim() == 2 and actual.shape[0] == actual.shape[1] > 1 and close(actual, expected.t()):
        return ["actual equals expected transposed: a transpose too many (or too few)?"]
    factor = _constant_factor(actual, expected)
    if factor is not None:
        return [_factor_cause("actual", factor)]
    for d in reversed(range(actual.dim())):   # the last dim first: one-hot classes
        n = actual.shape[d]
        if n < 2 or close(expected.narrow(d, 1, n - 1), expected.narrow(d, 0, n - 1)):
            continue                            # shifting changes nothing along this dim
        if close(actual.narrow(d, 1, n - 1), expected.narrow(d, 0, n - 1)):
            return [f"actual is expected shifted one place forward along dim {d} (each value "
                    "at index i + 1 instead of i): an index off by one, e.g. 1-based labels "
                    "used as 0-based indices?"]
        if close(actual.narrow(d, 0, n - 1), expected.narrow(d, 1, n - 1)):
            return [f"actual is expected shifted one place back along dim {d} (each value at "
                    "index i - 1 instead of i): an index off by one?"]
    return causes


def _close_enough(actual, expected, rtol, atol):
    rtol, atol = max(rtol, 1e-5), max(atol, 1e-8)

    def close(a, b):
        common = dlcore.promote_types(a.dtype, b.dtype)
        return dlcore.allclose(a.to(common), b.to(common), rtol=rtol, atol=atol)
    return close


def _constant_factor(actual, expected):
    """k when actual = k * expected everywhere (k != 1, expected not all zero), else None.
    For a single element any two numbers have a ratio: only a round one (2, 1/3) is a pattern."""
    actual, expected = actual.double(), expected.double()
    scale = float((expected * expected).sum().item())
    if actual.numel() == 0 or scale == 0:
        return None
    factor = float((actual * expected).sum().item()) / scale      # least squares
    if abs(factor - 1) < 1e-6 or factor == 0:
        return None
    magnitude = float(expected.abs().max().item())
    if not dlcore.allclose(actual, factor * expected, rtol=1e-4, atol=1e-6 * magnitude):
        return None
    if actual.numel() == 1 and "." in _nice(factor):
        return None
    return factor


def _nice(factor):
    """Display a factor as n or 1/n when it is one (within 0.1 %), else with 4 digits."""
    for n in range(2, 1001):
        if abs(factor - n) < 1e-3 * n:
            return str(n)
        if abs(factor - 1 / n) < 1e-3 / n:
            return f"1/{n}"
        if abs(factor + n) < 1e-3 * n:
            return str(-n)
    return f"{factor:.4g}"


def _factor_cause(what, factor):
    """The likely cause of `what` being `factor` times the right value."""
    nice = _nice(factor)
    said = f"{what} is {nice} × the expected value everywhere"
    if nice == "-1":
        return (f"{what} has the wrong sign everywhere: a difference taken the other way round "
                "(prediction - target vs target - prediction), or a step added instead of "
                "subtracted?")
    if nice == "2":
        return (f"{said} (off by a factor of 2): backward() run twice without zeroing the "
                "gradient (zero_grad()), or the 2 of d(x²)/dx = 2x counted twice?")
    if nice == "1/2":
        return (f"{said} (off by a factor of 1/2): the 2 of d(x²)/dx = 2x forgotten, or an "
                "extra division by 2?")
    if nice.isdigit():
        return (f"{said} (off by a factor of {nice}): summing over {nice} values where the "
                f"mean is taken (or gradients accumulated over {nice} steps without "
                "zero_grad())?")
    if nice.startswith("1/"):
        return (f"{said} (off by a factor of {nice}): dividing by {nice[2:]} once too often, "
                "e.g. averaging twice, or a mean where a sum is wanted?")
    return (f"{said} (off by a factor of {nice}): a constant missing or extra, or a learning "
            "rate or scale applied a different number of times?")


# -- views and layouts -------------------------------------------------------------------------------
def _require_tensor(x, name):
    if not isinstance(x, Tensor):
        raise AssertionError(f"{name} is a {type(x).__module__}.{type(x).__qualname__}, "
                             "expected a tensor")


def assert_same_storage(actual, base, *, name="actual", base_name="base"):
    """Assert that `actual` is a view of `base`: both look at the same storage (no copy)."""
    _require_tensor(actual, name)
    _require_tensor(base, base_name)
    if actual.untyped_storage() is base.untyped_storage() or (
            actual.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()):
        return
    message = (f"expected a view of {base_name} but got a copy: {name} has a storage of its "
               f"own, so writing into {name} does not change {base_name}.")
    if actual.dtype != base.dtype:
        cause = (f"{name} is {actual.dtype}, {base_name} is {base.dtype}: changing the dtype "
                 "(.float(), .to(dtype)) always copies.")
    else:
        cause = ("view(), t(), transpose(), permute() and slicing share the storage; clone(), "
                 "contiguous() of a non-contiguous tensor, reshape() where no view is possible, "
                 "tensor(...) and indexing with a list, a tensor or a mask make copies.")
    raise AssertionError(_with_causes(message, [cause]))


def assert_layout(tensor, size=None, stride=None, offset=None, *, name="tensor"):
    """Assert a tensor's size, stride and storage offset (those given); one message lists every
    difference, with the likely cause."""
    _require_tensor(tensor, name)
    problems = []
    if size is not None and tuple(tensor.size()) != tuple(size):
        problems.append(f"size {tuple(tensor.size())}, expected {tuple(size)}")
    if stride is not None and tensor.stride() != tuple(stride):
        problem = f"stride {tensor.stride()}, expected {tuple(stride)}"
        cause = _stride_cause(tensor.stride(), stride)
        if cause is None and tensor.is_contiguous():
            cause = "a contiguous copy (contiguous(), clone(), reshape()) instead of a view?"
        problems.append(problem + (f": {cause}" if cause else ""))
    if offset is not None and tensor.storage_offset() != offset:
        problem = f"storage offset {tensor.storage_offset()}, expected {offset}"
        if tensor.storage_offset() == 0:
            problem += (": a copy starts at 0 in a storage of its own, while a slice starts "
                        "where its first element sits in the original storage")
        problems.append(problem)
    if problems:
        raise AssertionError(f"{name}: " + "; ".join(problems))


# -- gradients ---------------------------------------------------------------------------------------
def check_gradient(fn, inputs, gradient=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                   name="gradient"):
    """Check a gradient of the scalar function `fn(*inputs)` (a loss) with respect to its
    floating-point tensor inputs.

    `gradient` is what to check: a tensor (one per input, in a tuple or list for several), or a
    function called as `gradient(*inputs)` that returns them, like a hand-derived gradient. It
    is compared with autograd's gradient of fn, taken on float64 copies of the inputs (or, when
    fn cuts the graph, with finite differences). Without `gradient`, fn's own backward is
    checked against central finite differences, (f(x + eps) - f(x - eps)) / (2 eps). Returns
    True, or raises AssertionError saying which element differs and, where it can tell, why
    (off by a factor of 2, the wrong sign, ...)."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.is_floating_point()]
    if not positions:
        raise TypeError("check_gradient needs at least one floating-point tensor among the inputs")
    if gradient is None:
        actual = _autograd_gradient(fn, inputs, positions, double=False)
        if actual is None:
            raise AssertionError("fn's result does not require grad, so autograd has no "
                                 f"{name} to give: was the graph cut (detach(), .item(), "
                                 "no_grad(), a NumPy round trip)?")
        expected, precise = _numerical_gradient(fn, inputs, positions, eps)
        source = "finite differences"
        if not precise:         # fn computes in float32: finite differences are coarser
            rtol, atol = max(rtol, 1e-2), max(atol, 1e-3)
    else:
        actual = gradient(*inputs) if callable(gradient) else gradient
        actual = list(actual) if isinstance(actual, (tuple, list)) else [actual]
        if len(actual) != len(positions):
            raise AssertionError(f"got {len(actual)} gradients for {len(positions)} inputs")
        expected = _autograd_gradient(fn, inputs, positions, double=True)
        source = "autograd"
        if expected is None:
            expected, _ = _numerical_gradient(fn, inputs, positions, eps)
            source = "finite differences"
    for i, a, e in zip(positions, actual, expected):
        which = name if len(positions) == 1 else f"{name} for input {i}"
        if a is None:
            raise AssertionError(f"{which} is None: was backward() called, and does the result "
                                 "depend on this input through tensor operations (no .item(), "
                                 "no detach())?")
        _require_tensor(a, which)
        if tuple(a.shape) != tuple(e.shape):
            raise AssertionError(f"{which} has size {tuple(a.shape)}, expected "
                                 f"{tuple(e.shape)} (the size of the input)")
        a, e = a.detach().cpu().double(), e.detach().cpu().double()
        if not dlcore.allclose(a, e, rtol=rtol, atol=atol):
            raise AssertionError(_gradient_mismatch(which, a, e, rtol, atol, source))
    return True


def _autograd_gradient(fn, inputs, positions, double):
    """Autograd's gradient of fn for each input in `positions` (fresh leaves, float64 copies
    when `double`), or None when fn's result does not require grad."""
    leaves = list(inputs)
    for i in positions:
        leaf = inputs[i].detach().clone()
        leaves[i] = (leaf.double() if double else leaf).requires_grad_()
    with dlcore.enable_grad():
        result = fn(*leaves)
    _scalar_result(result)
    if not (isinstance(result, Tensor) and result.requires_grad):
        return None
    grads = dlcore.autograd.grad(result, [leaves[i] for i in positions], allow_unused=True)
    return [dlcore.zeros_like(leaves[i]) if g is None else g for i, g in zip(positions, grads)]


def _numerical_gradient(fn, inputs, positions, eps):
    """Central differences for each input in `positions`, on float64 copies of the inputs, and
    whether fn kept float64 (it may not: a 0-d float64 tensor times float32 data is float32)."""
    # (on the inputs' own device: fn may use other tensors that live there)
    copies = [x.detach().double().clone() if i in positions else x
              for i, x in enumerate(inputs)]
    with dlcore.no_grad():
        probe = fn(*copies)
    precise = not isinstance(probe, Tensor) or probe.dtype == dlcore.float64
    gradients = []
    for i in positions:
        flat = copies[i].view(-1)
        result = dlcore.zeros(flat.shape, dtype=dlcore.float64, device=flat.device)
        with dlcore.no_grad():
            for k in range(flat.numel()):
                original = flat[k].item()
                step = eps if precise else 1e-3 * max(1.0, abs(original))
                flat[k] = original + step
                plus = _scalar_result(fn(*copies))
                flat[k] = original - step
                minus = _scalar_result(fn(*copies))
                flat[k] = original
                result[k] = (plus - minus) / (2 * step)
        gradients.append(result.view(inputs[i].shape))
    return gradients, precise


def _scalar_result(value):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise TypeError("check_gradient: fn must return a scalar (like a loss), but it "
                            f"returned a tensor of size {tuple(value.shape)}")
        return value.item()
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"check_gradient: fn must return a scalar tensor, not {type(value).__name__}")


def _gradient_mismatch(which, actual, expected, rtol, atol, source):
    factor = _constant_factor(actual, expected)
    if factor is not None:
        head = _factor_cause(which, factor)
    else:
        wrong = ~dlcore.isclose(actual, expected, rtol=rtol, atol=atol)
        where = [_unravel(k, tuple(actual.shape)) for k in
                 wrong.flatten().nonzero().flatten().tolist()]
        head = f"{which} is wrong at {len(where)} of {actual.numel()} elements, first at index " \
               f"{where[0]}"
        if len(where) < actual.numel():
            head += " (the others are right: one term of the derivative missing or wrong?)"
    return (f"{head}\n  expected ({source}): {expected.tolist()}\n"
            f"  got: {actual.tolist()}")
