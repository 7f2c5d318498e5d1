"""The misuse table: common mistakes, each with the exception dlcore raises, a pattern its message
must match (naming the problem), and whether real PyTorch raises the same exception type for the
same code. Each row's code is written once, as `lambda m: ...`, and run with m = dlcore and
m = torch."""
import re
import warnings

import numpy as np
import pytest

import dlcore

SAME = "same"   # the mirror column: PyTorch raises the same exception type for the same call

# (description, code, exception, message pattern, mirror, dlcore names the row needs)
MISUSES = [
    # -- shapes ---------------------------------------------------------------------------------
    ("view: shape does not match the number of elements", lambda m: m.ones(2, 3).view(4),
     RuntimeError, r"shape '\[4\]' is invalid for input of size 6", SAME, ()),
    ("view of a non-contiguous tensor", lambda m: m.ones(2, 3).t().view(6),
     RuntimeError, r"view size is not compatible with input tensor's size and stride.*"
                   r"Use \.reshape\(\.\.\.\) instead", SAME, ()),
    ("view with two -1", lambda m: m.ones(6).view(-1, -1),
     RuntimeError, "only one dimension can be inferred", SAME, ()),
    ("reshape: shape does not match", lambda m: m.ones(6).reshape(4, 2),
     RuntimeError, r"shape '\[4, 2\]' is invalid for input of size 6", SAME, ()),
    ("matmul: inner sizes differ", lambda m: m.ones(2, 3) @ m.ones(2, 3),
     RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)", SAME,
     ("matmul",)),
    ("mm of 1-D tensors", lambda m: m.mm(m.ones(3), m.ones(3)),
     RuntimeError, "self must be a matrix", SAME, ("mm",)),
    ("cat: sizes differ off the cat dim", lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
     RuntimeError, r"Sizes of tensors must match except in dimension 0\. Expected size 3 but got "
                   r"size 4 for tensor number 1", SAME, ()),
    ("cat: numbers of dims differ", lambda m: m.cat([m.ones(2, 3), m.ones(3)]),
     RuntimeError, "Tensors must have same number of dimensions: got 2 and 1", SAME, ()),
    ("stack of unequal shapes", lambda m: m.stack([m.ones(2), m.ones(3)]),
     RuntimeError, r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and "
                   r"\[3\] at entry 1", SAME, ()),
    ("add: shapes do not broadcast", lambda m: m.ones(2, 3) + m.ones(4),
     RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
                   r"non-singleton dimension 1", SAME, ()),
    ("in-place add whose result is bigger than self", lambda m: m.ones(3).add_(m.ones(2, 3)),
     RuntimeError, r"output with shape \[3\] doesn't match the broadcast shape \[2, 3\]", SAME,
     ()),
    ("permute with the wrong number of dims", lambda m: m.ones(2, 3).permute(0),
     RuntimeError, r"number of dimensions in the tensor input does not match the length of the "
                   r"desired ordering of dimensions i\.e\. input\.dim\(\) = 2 is not equal to "
                   r"len\(dims\) = 1", SAME, ()),
    ("permute with a repeated dim", lambda m: m.ones(2, 3).permute(0, 0),
     RuntimeError, r"permute\(\): duplicate dims are not allowed", SAME, ()),
    ("expand to a mismatched size", lambda m: m.ones(2, 3).expand(4, 3),
     RuntimeError, r"The expanded size of the tensor \(4\) must match the existing size \(2\) at "
                   r"non-singleton dimension 0", SAME, ()),
    ("expand with fewer sizes than dims", lambda m: m.ones(2, 3).expand(3),
     RuntimeError, r"the number of sizes provided \(1\) must be greater or equal to the number of "
                   r"dimensions in the tensor \(2\)", SAME, ()),
    ("narrow past the end", lambda m: m.ones(5).narrow(0, 3, 4),
     RuntimeError, r"start \(3\) \+ length \(4\) exceeds dimension size \(5\)", SAME, ()),
    ("split sizes that do not sum to the dim", lambda m: m.ones(5).split([2, 2]),
     RuntimeError, r"split_with_sizes expects split_sizes to sum exactly to 5", SAME, ()),
    ("chunk into zero chunks", lambda m: m.ones(5).chunk(0),
     RuntimeError, r"chunk expects `chunks` to be greater than 0, got: 0", SAME, ()),
    ("mT of a 1-D tensor", lambda m: m.ones(3).mT,
     RuntimeError, r"tensor\.mT is only supported on matrices or batches of matrices\. Got 1-D",
     SAME, ()),
    # -- dims -----------------------------------------------------------------------------------
    ("sum over a dim out of range", lambda m: m.ones(2, 3).sum(dim=2),
     IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
     SAME, ("sum",)),
    ("transpose of a dim out of range", lambda m: m.ones(2, 3).transpose(0, 3),
     IndexError, r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 3\)",
     SAME, ()),
    ("unsqueeze at a dim out of range", lambda m: m.ones(2, 3).unsqueeze(4),
     IndexError, r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 4\)",
     SAME, ()),
    ("squeeze of a dim out of range", lambda m: m.ones(2, 3).squeeze(-3),
     IndexError, r"Dimension out of range .* but got -3\)", SAME, ()),
    ("size() of a dim out of range", lambda m: m.ones(2, 3).size(2),
     IndexError, r"Dimension out of range .* but got 2\)", SAME, ()),
    # -- indexing -------------------------------------------------------------------------------
    ("index out of range", lambda m: m.ones(3)[5],
     IndexError, "index 5 is out of bounds for dimension 0 with size 3", SAME, ()),
    ("negative index out of range", lambda m: m.ones(2, 3)[:, -4],
     IndexError, "index -4 is out of bounds for dimension 1 with size 3", SAME, ()),
    ("too many indices", lambda m: m.ones(2, 3)[0, 0, 0],
     IndexError, "too many indices for tensor of dimension 2", SAME, ()),
    ("slice with a negative step", lambda m: m.ones(5)[::-1],
     ValueError, "step must be greater than zero", SAME, ()),
    ("float index", lambda m: m.ones(5)[1.5],
     IndexError, r"only integers, slices .* are valid indices \(got float\)", SAME, ()),
    ("index tensor of floats", lambda m: m.ones(3)[m.tensor([0.0, 1.0])],
     IndexError, "tensors used as indices must be long, int, byte or bool tensors", SAME, ()),
    ("index tensor out of range", lambda m: m.ones(3)[m.tensor([0, 3])],
     IndexError, "index 3 is out of bounds for dimension 0 with size 3", SAME, ()),
    ("masked_fill with a non-bool mask", lambda m: m.ones(3).masked_fill(m.tensor([1, 0, 1]), 0.),
     RuntimeError, "masked_fill_ only supports boolean masks, but got mask with dtype long",
     SAME, ("masked_fill",)),
    ("bool mask of the wrong shape", lambda m: m.ones(3)[m.tensor([True, False])],
     IndexError, r"The shape of the mask \[2\] at index 0 does not match the shape of the indexed "
                 r"tensor \[3\] at index 0", SAME, ()),
    ("scatter_ with an index of the wrong rank",
     lambda m: m.zeros(3, 4).scatter_(1, m.tensor([0, 1]), 1.0),
     RuntimeError, "Index tensor must have the same number of dimensions as self tensor", SAME,
     ("scatter_",)),
    ("gather with an index out of bounds", lambda m: m.ones(2, 3).gather(1, m.tensor([[5]])),
     RuntimeError, "index 5 is out of bounds for dimension 1 with size 3", SAME, ("gather",)),
    ("assigning a value of the wrong shape", lambda m: m.ones(2, 3).__setitem__(0, m.ones(4)),
     RuntimeError, r"The expanded size of the tensor \(3\) must match the existing size \(4\)",
     SAME, ()),
    # -- values and dtypes ------------------------------------------------------------------------
    ("tensor() of a value the dtype cannot hold", lambda m: m.tensor([300], dtype=m.uint8),
     RuntimeError, "value cannot be converted to type uint8 without overflow", SAME, ()),
    ("full() with a value the dtype cannot hold", lambda m: m.full((2,), 300, dtype=m.uint8),
     RuntimeError, "value cannot be converted to type uint8_t without overflow", SAME, ()),
    ("fill_ with a value the dtype cannot hold", lambda m: m.ones(2, dtype=m.int8).fill_(1000),
     RuntimeError, "value cannot be converted to type int8_t without overflow", SAME, ()),
    ("item() of a many-element tensor", lambda m: m.ones(3).item(),
     RuntimeError, "a Tensor with 3 elements cannot be converted to Scalar", SAME, ()),
    ("float() of a many-element tensor", lambda m: float(m.ones(3)),
     ValueError, "only one element tensors can be converted to Python scalars", SAME, ()),
    ("int() of a many-element tensor", lambda m: int(m.ones(2)),
     ValueError, "only one element tensors can be converted to Python scalars", SAME, ()),
    ("truth value of a many-element tensor", lambda m: bool(m.ones(3)),
     RuntimeError, "Boolean value of Tensor with more than one value is ambiguous", SAME, ()),
    ("truth value of an empty tensor", lambda m: bool(m.ones(0)),
     RuntimeError, "Boolean value of Tensor with no values is ambiguous", SAME, ()),
    ("requires_grad=True on an int tensor", lambda m: m.tensor([1, 2], requires_grad=True),
     RuntimeError, "Only Tensors of floating point and complex dtype can require gradients", SAME,
     ()),
    ("requires_grad_() on an int tensor", lambda m: m.tensor([1, 2]).requires_grad_(),
     RuntimeError, "only Tensors of floating point dtype can require gradients", SAME, ()),
    ("numpy() of a tensor that requires grad",
     lambda m: m.ones(2, requires_grad=True).cpu().numpy(),
     RuntimeError, r"Can't call numpy\(\) on Tensor that requires grad\. Use "
                   r"tensor\.detach\(\)\.numpy\(\) instead", SAME, ()),
    ("bitwise and of float tensors", lambda m: m.ones(2) & m.ones(2),
     NotImplementedError, "\"bitwise_and_cpu\" not implemented for 'Float'", SAME, ()),
    ("~ of a float tensor", lambda m: ~m.ones(2),
     TypeError, r"~ \(operator\.invert\) is only implemented on integer and Boolean-type tensors",
     SAME, ()),
    ("integer to a negative power", lambda m: m.tensor([2, 3]) ** -1,
     RuntimeError, "Integers to negative integer powers are not allowed", SAME, ()),
    ("integer division by zero", lambda m: m.tensor([1, 2]) // 0,
     RuntimeError, "^ZeroDivisionError$", SAME, ()),
    ("integer remainder by zero", lambda m: m.tensor([1, 2]) % m.tensor([1, 0]),
     RuntimeError, "^ZeroDivisionError$", SAME, ()),
    ("in-place float result into an int tensor", lambda m: m.tensor([1, 2]).add_(1.5),
     RuntimeError, "result type Float can't be cast to the desired output type Long", SAME, ()),
    ("in-place sqrt_ of an int tensor", lambda m: m.tensor([1, 4]).sqrt_(),
     RuntimeError, "result type Float can't be cast to the desired output type Long", SAME, ()),
    ("out= tensor of a lower dtype kind",
     lambda m: m.add(m.ones(2), 1, out=m.zeros(2, dtype=m.int64)),
     RuntimeError, "result type Float can't be cast to the desired output type Long", SAME, ()),
    ("subtracting bool tensors", lambda m: m.tensor([True]) - m.tensor([False]),
     RuntimeError, r"Subtraction, the `-` operator, with two bool tensors is not supported\. Use "
                   r"the `\^` or `logical_xor\(\)` operator instead", SAME, ()),
    ("negating a bool tensor", lambda m: -m.tensor([True, False]),
     RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported", SAME, ()),
    ("in-place op on an expanded tensor", lambda m: m.ones(2).expand(3, 2).mul_(2),
     RuntimeError, "more than one element of the written-to tensor refers to a single memory "
                   r"location\. Please clone\(\) the tensor", SAME, ()),
    ("isclose of tensors of different dtypes",
     lambda m: m.isclose(m.ones(2), m.ones(2, dtype=m.int64)),
     RuntimeError, "Float did not match Long", SAME, ()),
    ("clamp without bounds", lambda m: m.clamp(m.ones(2)),
     RuntimeError, "At least one of 'min' or 'max' must not be None", SAME, ()),
    ("fill_ with a 1-D tensor", lambda m: m.ones(2).fill_(m.ones(1)),
     RuntimeError, "fill_ only supports 0-dimension value tensor but got tensor with 1 "
                   "dimensions", SAME, ()),
    ("copy_ from a tensor that does not broadcast", lambda m: m.ones(2, 3).copy_(m.ones(2)),
     RuntimeError, r"The size of tensor a \(3\) must match the size of tensor b \(2\)", SAME, ()),
    ("div with an unknown rounding mode",
     lambda m: m.div(m.ones(2), 2, rounding_mode="round"),
     RuntimeError, "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                   "'round'", SAME, ()),
    ("add with a float alpha on integer tensors",
     lambda m: m.add(m.tensor([1]), m.tensor([1]), alpha=0.5),
     RuntimeError, "For integral input tensors, argument alpha must not be a floating point "
                   "number", SAME, ()),
    ("maximum with a number", lambda m: m.maximum(m.ones(2), 0.5),
     TypeError, r"maximum\(\): argument 'other' .*must be Tensor, not float", SAME, ()),
    ("a tensor plus a list", lambda m: m.ones(2) + [1, 2],
     TypeError, "unsupported operand type.*'list'", SAME, ()),
    ("len() of a 0-d tensor", lambda m: len(m.tensor(1.0)),
     TypeError, r"len\(\) of a 0-d tensor", SAME, ()),
    ("iterating over a 0-d tensor", lambda m: iter(m.tensor(1.0)),
     TypeError, "iteration over a 0-d tensor", SAME, ()),
    # -- creation -------------------------------------------------------------------------------
    ("negative size (zeros)", lambda m: m.zeros(2, -1),
     RuntimeError, "zeros: Dimension size must be non-negative", SAME, ()),
    ("negative size (empty)", lambda m: m.empty(-3),
     RuntimeError, r"Trying to create tensor with negative dimension -3: \[-3\]", SAME, ()),
    ("float size", lambda m: m.ones(2.5),
     TypeError, r"ones\(\): argument 'size' \(position 1\) must be tuple of ints, not float",
     SAME, ()),
    ("dtype given as a string", lambda m: m.ones(2, dtype="float32"),
     TypeError, r"ones\(\): argument 'dtype' must be dlcore\.dtype, not str", SAME, ()),
    ("tensor() of a ragged list", lambda m: m.tensor([[1, 2], [3, 4, 5]]),
     ValueError, r"expected sequence of length 2 at dim 1 \(got 3\)", SAME, ()),
    ("tensor() of strings", lambda m: m.tensor(["a", "b"]),
     ValueError, "too many dimensions 'str'", SAME, ()),
    ("tensor() of a string among numbers", lambda m: m.tensor([1, "a"]),
     TypeError, r"new\(\): invalid data type 'str'", SAME, ()),
    ("tensor() of None", lambda m: m.tensor([None]),
     RuntimeError, "Could not infer dtype of NoneType", SAME, ()),
    ("from_numpy of a complex array", lambda m: m.from_numpy(np.array([1 + 2j])),
     TypeError, r"can't convert np\.ndarray of type numpy\.complex128\. The only supported types "
                "are", "PyTorch supports complex tensors; dlcore does not", ()),
    ("from_numpy of an object array", lambda m: m.from_numpy(np.array([1, "a"], dtype=object)),
     TypeError, r"can't convert np\.ndarray of type numpy\.object_", SAME, ()),
    ("from_numpy of an array with negative strides", lambda m: m.from_numpy(np.arange(3)[::-1]),
     ValueError, "At least one stride in the given numpy array is negative", SAME, ()),
    ("from_numpy of a list", lambda m: m.from_numpy([1, 2]),
     TypeError, r"expected np\.ndarray \(got list\)", SAME, ()),
    ("arange with a step of the wrong sign", lambda m: m.arange(0, 5, -1),
     RuntimeError, "upper bound and lower bound inconsistent with step sign", SAME, ()),
    ("arange with a zero step", lambda m: m.arange(0, 5, 0),
     RuntimeError, "step must be nonzero", SAME, ()),
    ("linspace with negative steps", lambda m: m.linspace(0, 1, -2),
     RuntimeError, "number of steps must be non-negative", SAME, ()),
    ("eye of negative size", lambda m: m.eye(-1),
     RuntimeError, "n must be greater or equal to 0, got -1", SAME, ()),
    ("device='cuda' on a machine without a GPU", lambda m: m.zeros(2, device="cuda"),
     RuntimeError, r"No CUDA GPU was found.*pip install -e \"\.\[gpu\]\"",
     "a CPU-only PyTorch raises AssertionError ('Torch not compiled with CUDA enabled'), "
     "one with CUDA but no GPU a RuntimeError", ()),
]


def _row_id(row):
    return re.sub(r"\W+", "_", row[0]).strip("_")


def test_table_is_large_enough():
    assert len(MISUSES) >= 30
    assert len({row[0] for row in MISUSES}) == len(MISUSES)


@pytest.mark.parametrize("description, code, exception, pattern, mirror, needs", MISUSES,
                         ids=[_row_id(r) for r in MISUSES])
def test_misuse_raises_a_clear_error(description, code, exception, pattern, mirror, needs):
    missing = [n for n in needs if not hasattr(dlcore, n) and not hasattr(dlcore.Tensor, n)]
    if missing:
        pytest.skip(f"{', '.join(missing)} not written yet")
    if "cuda" in description and hasattr(dlcore, "cuda") and dlcore.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(exception) as info:
        code(dlcore)
    assert type(info.value) is exception, f"{description}: {type(info.value).__name__}"
    assert re.search(pattern, str(info.value)), f"{description}: {info.value}"
    assert "numpy" not in type(info.value).__module__       # never a NumPy exception class


@pytest.mark.parametrize("description, code, exception, pattern, mirror, needs",
                         [r for r in MISUSES if r[4] == SAME],
                         ids=[_row_id(r) for r in MISUSES if r[4] == SAME])
def test_pytorch_raises_the_same_exception_type(description, code, exception, pattern, mirror,
                                                needs):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as info:
            code(torch)
    assert type(info.value) is exception, f"{description}: torch raised {info.type.__name__}"
    # and the message is PyTorch's word for word (with dlcore for torch), except where noted
    ours = str(pytest.raises(exception, code, dlcore).value)
    from .oracle import assert_same_message, on_default_device      # (they need torch)
    if description not in REWORDED:
        assert_same_message(ours, on_default_device(str(info.value).replace("torch", "dlcore")))


REWORDED = {
    "a tensor plus a list": "dlcore's says how to fix it",
    "from_numpy of an object array": "dlcore lists the dtypes it supports (no complex, uint16...)",
}
