"""gradcheck: compare a backward with finite differences, as `torch.autograd.gradcheck` does.

For a function `func(*inputs)` and every input `x` that requires grad, two Jacobians are built:

- numerical: nudge one element of x by +eps and by -eps (writing into its data, so views and
  shared storages see the change) and take the central difference of every output,
  (f(x + eps) - f(x - eps)) / (2 eps);
- analytical: the backward pass, one vector-Jacobian product per output element, with a one-hot
  `grad_outputs` (`dlcore.autograd.grad(out, inputs, onehot)` is one row of the Jacobian).

Both are laid out as PyTorch lays them out: one row per input element, one column per output
element. They must agree within `atol + rtol * |numerical|` (`allclose`). When they don't,
`GradcheckError` reports PyTorch's message (both Jacobians in full) and then the worst element:
which input, which output, which multi-index, the two values.

This is a checking tool, not a hot path: it loops over elements, which is fine for the small
inputs one checks a derivative with. Use float64 inputs: in float32 the finite differences are
too coarse to agree (PyTorch warns, and so does this).
"""
import warnings

import numpy as np

from .._tensor import Tensor, _wrap
from ..backend import array_module, backend_of_array
from .engine import grad as _grad

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when a backward disagrees with finite differences."""


# -- public API ------------------------------------------------------------------------------------
def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check the gradients of `func(*inputs)` against central finite differences.

    `inputs` is a tensor or a tuple of arguments; the tensors among them with
    `requires_grad=True` are checked (use float64). Returns True when every analytical
    Jacobian equals its numerical one within `allclose(analytical, numerical, rtol, atol)`;
    otherwise raises `GradcheckError` saying which input, output and element disagree (or
    returns False when `raise_exception=False`).

    dlcore has no forward-mode AD nor batched gradients: asking for those checks raises
    NotImplementedError. `fast_mode` is accepted and runs the full check; `check_undefined_grad`
    has nothing to check (dlcore's backward formulas never receive undefined gradients)."""
    for flag, name in ((check_forward_ad, "check_forward_ad"),
                       (check_batched_grad, "check_batched_grad"),
                       (check_batched_forward_grad, "check_batched_forward_grad")):
        if flag:
            raise NotImplementedError(f"gradcheck: {name}=True needs forward-mode or batched "
                                      "autograd, which dlcore does not have")
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes,
                          check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the function that maps (inputs, grad_outputs) to
    the gradients `autograd.grad(func(*inputs), inputs, grad_outputs, create_graph=True)`.

    Without `grad_outputs`, random ones in [-1, 1) are drawn (shaped and typed like the outputs,
    requiring grad), as PyTorch does."""
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck: check_fwd_over_rev=True needs forward-mode "
                                  "autograd, which dlcore does not have")
    tupled_inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng()
        outputs = _differentiable_outputs(func(*tupled_inputs))
        tupled_grad_outputs = tuple(
            _wrap(rng.uniform(-1, 1, o._data.shape).astype(
                o._data.dtype if o._data.dtype.kind == "f" else np.float64)).to(o.device)
            .requires_grad_()
            for o in outputs)
    else:
        tupled_grad_outputs = _as_tuple(grad_outputs)
    n_grad_outputs = len(tupled_grad_outputs)
    differentiable_args = {i for i, x in enumerate(tupled_inputs) if _requires_grad(x)}

    def first_derivatives(*args):
        input_args = args[:len(args) - n_grad_outputs]
        outputs = _differentiable_outputs(func(*input_args))
        diff_inputs = tuple(x for i, x in enumerate(input_args) if i in differentiable_args)
        grads = _grad(outputs, diff_inputs, args[len(args) - n_grad_outputs:],
                      create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tupled_inputs + tupled_grad_outputs, eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_grad_dtypes=check_grad_dtypes)


# -- the check -------------------------------------------------------------------------------------
def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes, check_backward_ad):
    tupled_inputs = _as_tuple(inputs)
    _check_inputs(tupled_inputs)
    # positions (in `inputs`) of the tensors checked; PyTorch numbers them 0, 1, ... in messages
    positions = [i for i, x in enumerate(tupled_inputs) if _requires_grad(x)]
    diff_inputs = [tupled_inputs[i] for i in positions]

    func_out = _as_tuple(func(*tupled_inputs))
    numerical = [_numerical_jacobian(func, tupled_inputs, x, func_out, eps) for x in diff_inputs]
    differentiable = [k for k, o in enumerate(func_out) if _requires_grad(o)]
    if not differentiable:
        # nothing to backpropagate: then the function must not depend on its inputs at all
        if any(j is not None and np.any(j != 0) for per_input in numerical for j in per_input):
            raise GradcheckError("Numerical gradient for function expected to be zero")
        return True
    if not check_backward_ad:
        return True

    for i, k in enumerate(differentiable):
        output = func_out[k]
        analytical = _analytical_jacobian(output, diff_inputs, nondet_tol, check_grad_dtypes)
        for j, x in enumerate(diff_inputs):
            a, n = analytical[j], numerical[j][k]
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                raise GradcheckError(_mismatch_message(a, n, i, j, positions[j], x, output,
                                                       rtol, atol))
    _check_backward_uses_grad_output([func_out[k] for k in differentiable], diff_inputs)
    return True


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _requires_grad(x):
    return isinstance(x, Tensor) and x.requires_grad


def _differentiable_outputs(x):
    return tuple(o for o in _as_tuple(x) if _requires_grad(o))


def _check_inputs(tupled_inputs):
    """PyTorch's input checks: float64 advised, no stride-0 dims, at least one to check."""
    any_requires_grad = False
    for idx, x in enumerate(tupled_inputs):
        if not _requires_grad(x):
            continue
        if x._data.dtype != np.float64:
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          stacklevel=4)
        if not all(st > 0 or sz <= 1 for st, sz in zip(x.stride(), x._data.shape)):
            raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck only "
                               "supports inputs that are non-overlapping to be able to compute "
                               "the numerical gradients correctly. You should call .contiguous "
                               "on the input before passing it to gradcheck.")
        any_requires_grad = True
    if not any_requires_grad:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")


def _host(array):
    """A NumPy array of a device's array: the Jacobians are compared on the host."""
    return backend_of_array(array).to_numpy(array)


def _outputs_as_arrays(func, inputs):
    """func(*inputs)'s tensor outputs as fresh host copies (an output may view a perturbed
    input)."""
    return [_host(o._data.copy()) if isinstance(o, Tensor) else None
            for o in _as_tuple(func(*inputs))]


def _numerical_jacobian(func, inputs, x, func_out, eps):
    """Per output of func: the (x.numel(), output.numel()) Jacobian by central differences
    (None for outputs that are not tensors), in x's dtype as PyTorch keeps it."""
    data = x._data
    jacobians = [np.zeros((data.size, o._data.size), data.dtype) if isinstance(o, Tensor)
                 else None for o in func_out]
    for row, index in enumerate(np.ndindex(data.shape)):
        original = data[index].copy()
        data[index] = original - eps
        minus = _outputs_as_arrays(func, inputs)
        data[index] = original + eps
        plus = _outputs_as_arrays(func, inputs)
        data[index] = original
        for jacobian, a, b, o in zip(jacobians, minus, plus, func_out):
            if jacobian is None:
                continue
            if a.shape != o._data.shape or b.shape != o._data.shape:
                raise GradcheckError("Expected `func` to return outputs with the same shape when "
                                     "inputs are perturbed by eps")
            # the difference in the output's own dtype, as PyTorch computes it
            jacobian[row] = ((b - a) / (2 * eps)).reshape(-1)
    return jacobians


def _jacobian_rows(output, diff_inputs):
    """The analytical Jacobians of `output`, one per input, (x.numel(), output.numel()): each
    column is a vector-Jacobian product with a one-hot grad_output."""
    jacobians = [np.zeros((x._data.size, output._data.size), x._data.dtype) for x in diff_inputs]
    types_ok = sizes_ok = True
    onehot = np.zeros(output._data.size, output._data.dtype)
    for column in range(output._data.size):
        onehot[column] = 1
        grad_output = _wrap(onehot.reshape(output._data.shape).copy()).to(output.device)
        grads = _grad(output, diff_inputs, grad_output, retain_graph=True, allow_unused=True)
        onehot[column] = 0
        for jacobian, g, x in zip(jacobians, grads, diff_inputs):
            if g is None:
                continue                                  # no path: that column stays zero
            if g._data.shape != x._data.shape:
                sizes_ok = False
                continue
            if g._data.dtype != x._data.dtype:
                types_ok = False
            jacobian[:, column] = _host(g._data).reshape(-1)
    return jacobians, types_ok, sizes_ok


def _analytical_jacobian(output, diff_inputs, nondet_tol, check_grad_dtypes):
    """The backward's Jacobians of `output`, computed twice: a backward that gives different
    values for the same grad_output (not reentrant) is reported as PyTorch reports it."""
    first, types_ok, sizes_ok = _jacobian_rows(output, diff_inputs)
    second, _, _ = _jacobian_rows(output, diff_inputs)
    if not types_ok and check_grad_dtypes:
        raise GradcheckError("Gradient has dtype mismatch")
    if not sizes_ok:
        raise GradcheckError("Analytical gradient has incorrect size")
    if any(np.max(np.abs(a - b), initial=0.0) > nondet_tol for a, b in zip(first, second)):
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with same input and grad_output "
            "multiple times gives different values, although analytical gradient matches "
            f"numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    return first


def _check_backward_uses_grad_output(outputs, diff_inputs):
    """A zero grad_output must give zero gradients (a backward that forgets to multiply by the
    incoming gradient passes one-hot checks only by luck)."""
    zeros = [_wrap(array_module(o._data).zeros(o._data.shape, o._data.dtype)) for o in outputs]
    grads = _grad(outputs, diff_inputs, zeros, allow_unused=True, retain_graph=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if np.any(g._data != 0):
            raise GradcheckError("backward not multiplied by grad_output")
        if g._data.dtype != x._data.dtype:
            raise GradcheckError("grad is incorrect type")
        if g._data.shape != x._data.shape:
            raise GradcheckError("grad is incorrect size")


# -- the report ------------------------------------------------------------------------------------
def _mismatch_message(analytical, numerical, output_idx, input_idx, position, x, output,
                      rtol, atol):
    """PyTorch's message (both Jacobians printed), then the element that disagrees most."""
    text = (f"Jacobian mismatch for output {output_idx:d} with respect to input "
            f"{input_idx:d},\nnumerical:{_wrap(numerical)}\nanalytical:{_wrap(analytical)}\n")
    excess = np.abs(analytical - numerical) - (atol + rtol * np.abs(numerical))
    excess = np.where(np.isnan(excess), np.inf, excess)       # NaN never compares close
    row, column = np.unravel_index(int(np.argmax(excess)), excess.shape)
    x_index = np.unravel_index(row, x._data.shape)
    out_index = np.unravel_index(column, output._data.shape)
    where = "" if position == input_idx else f" (argument {position} of the function)"
    n, a = numerical[row, column], analytical[row, column]
    allowed = atol + rtol * abs(n)
    text += (f"Largest mismatch at input {input_idx}{where}{_element(x_index)}, output "
             f"{output_idx}{_element(out_index)}: numerical {n:.6g}, analytical {a:.6g} "
             f"(difference {abs(a - n):.3g}, allowed atol + rtol * |numerical| = "
             f"{allowed:.3g}).\n")
    return text


def _element(index):
    """' element [1, 0]' for a multi-index; nothing for a 0-d tensor's only element."""
    return "" if not index else " element [" + ", ".join(str(int(i)) for i in index) + "]"
