"""dlcore.nn.functional: the functional forms of layers, activations and losses.

Most functions here are compositions of dlcore's tensor ops, so autograd records them for free.
Where PyTorch records one node of its own (`AddmmBackward0` for a linear layer,
`NllLossBackward0`, `MseLossBackward0`, ...) the function is a
differentiable primitive: its forward runs on arrays, its backward (beside it) on tensors, so
gradients of gradients (create_graph) work too.
"""
import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _wrap
from ..autograd.grad_mode import _state as _grad_state, no_grad
from ..autograd.graph import _needs_grad, differentiable
from ..autograd.inplace import inplace as _inplace
from ..backend import array_module, leading_dims_summed
from ..ops.creation import zeros
from ..ops.indexing import where
from ..ops.linalg import _mm, addmm, matmul
from ..ops.pointwise import _same_float_arrays, _write
from ..ops.reduction import _divide, _float_sum
from ..ops.reduction import log_softmax as _log_softmax, softmax as _softmax
from ..ops.shape import broadcast_tensors

__all__ = [
    "linear", "bilinear", "dropout", "embedding",
    "tanh", "sigmoid", "relu", "relu_", "leaky_relu", "leaky_relu_", "hardtanh", "hardtanh_",
    "relu6", "softplus", "elu", "elu_", "gelu", "silu", "logsigmoid",
    "softmax", "log_softmax", "softmin",
    "mse_loss", "l1_loss", "smooth_l1_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy",
]


def _tensor_argument(x, fname, argname, position):
    """PyTorch's TypeError when an argument that must be a tensor is not one."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{fname}(): argument '{argname}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


# -- linear layers ---------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """input @ weight.T + bias: the layer `nn.Linear` computes.

    A matrix input with a bias is one fused product-and-sum (AddmmBackward0, as in PyTorch);
    other inputs are folded into rows first and viewed back (ViewBackward0)."""
    if type(input) is not Tensor:
        _tensor_argument(input, "linear", "input", 1)
    ndim = input._data.ndim
    if bias is None:
        if ndim == 0 or weight._data.ndim == 0:
            raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                               f"{ndim}D and {weight._data.ndim}D")
        return matmul(input, weight.t())
    if ndim == 2:
        return _addmm_linear(bias, input, weight)
    if ndim == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                           f"0D and {weight._data.ndim}D")
    rows = _addmm_linear(bias, input.reshape(-1, input._data.shape[-1]), weight)
    return rows.view(input._data.shape[:-1] + rows._data.shape[-1:])


# (the inputs in addmm's order, as PyTorch's node lists its edges: bias, input, weight; PyTorch
# has a TBackward0 node between it and the weight, which dlcore skips: ~2 µs a call)
@differentiable(inputs=("bias", "input", "weight"), saves=("input", "weight"),
                name="AddmmBackward0")
def _addmm_linear(bias, input, weight):
    """bias + input @ weight.T for a matrix input: one product, one in-place sum."""
    x, w, b = input._data, weight._data, bias._data
    if (x.dtype is w.dtype and w.dtype is b.dtype and x.dtype.kind == "f" and w.ndim == 2
            and x.shape[1] == w.shape[1] and b.shape == w.shape[:1]):
        result = x @ w.T
        result += b
        return _wrap(result)
    return addmm(bias, input, weight.t())       # any other case, with PyTorch's errors


@_addmm_linear.backward
def _(ctx, grad):
    bias, input, weight = ctx.inputs
    edges = ctx.next_functions
    if not _grad_state.enabled:
        # no graph of the gradients is wanted (no create_graph): the products on the arrays, as
        # the forward does them, without an op's checks and dispatch (a third of the time)
        g = grad._data
        return (_wrap(leading_dims_summed(g, 1)) if edges[0][0] is not None else None,
                _wrap(_mm(g, weight._data)) if edges[1][0] is not None else None,
                _wrap(_mm(g.T, input._data)) if edges[2][0] is not None else None)
    # (the bias was broadcast over the rows: its gradient is summed back here, in its shape,
    # which spares the engine fitting it)
    grad_bias = grad.sum_to_size(bias._data.shape) if _needs_grad(ctx, 0) else None
    grad_input = grad.mm(weight) if _needs_grad(ctx, 1) else None
    grad_weight = grad.t().mm(input) if _needs_grad(ctx, 2) else None
    return grad_bias, grad_input, grad_weight


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = input1[..., :] @ weight[o] @ input2[..., :] + bias[o] (nn.Bilinear)."""
    x1, x2, w = input1._data, input2._data, weight._data
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and "
                           f"{x2.ndim}")
    for d in range(x1.ndim - 1):
        if x1.shape[d] != x2.shape[d]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {d}: got "
                               f"{x1.shape[d]} and {x2.shape[d]}")
    out_features, in1, in2 = w.shape
    if x1.shape[-1] != in1:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{x1.shape[-1]} but expected {in1}")
    if x2.shape[-1] != in2:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{x2.shape[-1]} but expected {in2}")
    if bias is not None and bias._data.shape[-1:] != (out_features,):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias._data.shape[-1]} but expected {out_features}")
    rows1, rows2 = input1.reshape(-1, in1), input2.reshape(-1, in2)
    # rows1 @ weight[o] for every o at once: (n, in1) @ (in1, out*in2), seen as (n, out, in2)
    left = matmul(rows1, weight.permute(1, 0, 2).reshape(in1, out_features * in2))
    left = left.view(-1, out_features, in2)
    result = (left * rows2.unsqueeze(1)).sum(-1).view(x1.shape[:-1] + (out_features,))
    return result if bias is None else result + bias


# -- dropout and embeddings ------------------------------------------------------------------------
def dropout(input, p=0.5, training=True, inplace=False):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p), so
    that the expected value is unchanged; outside training (or with p = 0), the input itself."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not training or input._data.size == 0:
        return input
    if p == 1:
        keep = zeros((), dtype=input.dtype)
    else:
        # PyTorch's recipe (and random stream): a Bernoulli(1 - p) mask, divided by 1 - p
        keep = input.new_empty(input._data.shape).bernoulli_(1 - p)
        keep.div_(1 - p)
    return input.mul_(keep) if inplace else input * keep


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of `weight` picked by the integer tensor `input` (shape input.shape + (dim,)).

    `padding_idx`'s row gets no gradient; `max_norm` rescales (in place) the picked rows whose
    `norm_type`-norm exceeds it; `scale_grad_by_freq` divides each row's gradient by how often
    its index occurs in the batch."""
    if weight._data.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    num_embeddings = weight._data.shape[0]
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < num_embeddings, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -num_embeddings, "Padding_idx must be within num_embeddings"
            padding_idx = num_embeddings + padding_idx
    if sparse:
        raise NotImplementedError("dlcore has no sparse tensors: use sparse=False")
    index = input._data
    if index.dtype.kind not in "iu" or index.dtype.itemsize < 4:
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           "following scalar types: Long, Int; but got "
                           f"dlcore.{input.dtype._typed_name}Tensor instead (while checking "
                           "arguments for embedding)")
    if index.size and (index.min() < 0 or index.max() >= num_embeddings):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        _embedding_renorm_(weight, index, max_norm, norm_type)
    return _embedding(weight, input, -1 if padding_idx is None else padding_idx,
                      scale_grad_by_freq)


def _embedding_renorm_(weight, index, max_norm, norm_type):
    """Rescale, in place and outside autograd, the rows `index` picks whose norm is above
    max_norm down to max_norm (PyTorch's embedding_renorm_, with its 1e-7 guard)."""
    rows = _wrap(array_module(index).unique(index))
    with no_grad():
        picked = weight.index_select(0, rows)
        norms = picked.norm(norm_type, dim=1, keepdim=True)
        scale = where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.index_copy_(0, rows, picked * scale)


@differentiable(inputs=("weight",), name="EmbeddingBackward0")
def _embedding(weight, indices, padding_idx, scale_grad_by_freq):
    return _wrap(weight._data[indices._data])


@_embedding.backward
def _(ctx, grad):
    weight_shape = ctx.inputs[0]._data.shape
    indices = ctx.args[1]
    padding_idx, scale_grad_by_freq = ctx.args[2], ctx.args[3]
    flat = indices.reshape(-1)
    rows = grad.reshape(-1, grad._data.shape[-1])
    if scale_grad_by_freq:
        counts = zeros(weight_shape[0], dtype=grad.dtype).index_add(
            0, flat, rows.new_ones(flat._data.shape))
        rows = rows / counts.index_select(0, flat).unsqueeze(1)
    if padding_idx >= 0:
        rows = rows * (flat != padding_idx).unsqueeze(1).to(rows.dtype)
    return rows.new_zeros(weight_shape).index_add(0, flat, rows)


# -- activations -----------------------------------------------------------------------------------
# Each is a primitive with PyTorch's node name; forwards are written with tensor ops (they run
# with autograd off), backwards too (so they can be differentiated again). PyTorch's convention
# at a kink is kept: the derivative of relu, leaky_relu, hardtanh, elu at the kink is the one
# of the side written first in PyTorch's kernels (noted at each).
def _floating(input, kernel):
    """Activations are defined for floating tensors only (PyTorch's error otherwise)."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._typed_name}'")
    return input


def _in_place(name, compute, counterpart):
    """`name_(input, ...)`: the values of `compute(input, ...)` written into input, with autograd
    recording `counterpart` (the out-of-place op) as the node, like every dlcore in-place op."""
    def write(self, *args, **kwargs):
        return _write(self, compute(self, *args, **kwargs)._data)
    write.__name__ = name
    return _inplace(write, counterpart)


def tanh(input):
    """The hyperbolic tangent, elementwise (dlcore.tanh)."""
    return input.tanh()


def sigmoid(input):
    """1 / (1 + exp(-input)), elementwise (dlcore.sigmoid)."""
    return input.sigmoid()


def relu(input, inplace=False):
    """max(input, 0), elementwise (dlcore.relu); its derivative at 0 is 0."""
    return input.relu_() if inplace else input.relu()


def relu_(input):
    """In-place relu."""
    return input.relu_()


@differentiable(saves=("input",), name="LeakyReluBackward0")
def _leaky_relu(input, negative_slope=0.01):
    _floating(input, "leaky_relu_cpu")
    return where(input > 0, input, input * negative_slope)


@_leaky_relu.backward
def _(ctx, grad):
    x = ctx.inputs[0]                    # (slope at 0: PyTorch tests x > 0)
    return where(x > 0, grad, grad * ctx.arg(1, "negative_slope", 0.01))


@differentiable(saves=("result",), name="LeakyReluBackward1")
def _leaky_relu_of_copy(input, negative_slope=0.01):
    """leaky_relu as its in-place form records it: the derivative read from the result."""
    return _leaky_relu(input, negative_slope)


@_leaky_relu_of_copy.backward
def _(ctx, grad):
    negative_slope = ctx.arg(1, "negative_slope", 0.01)
    if negative_slope < 0:
        raise RuntimeError(
            "In-place leakyReLu backward calculation is triggered with a negative slope which is "
            "not supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead. File an issue at "
            "https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu "
            "backward calculation with negative slope")
    return where(ctx.result > 0, grad, grad * negative_slope)


leaky_relu_ = _in_place("leaky_relu_", _leaky_relu, _leaky_relu_of_copy)
leaky_relu_.__doc__ = "In-place leaky_relu."


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where positive, negative_slope * input elsewhere."""
    if inplace:
        return leaky_relu_(input, negative_slope)
    return _leaky_relu(input, negative_slope)


@differentiable(saves=("input",), name="HardtanhBackward0")
def _hardtanh(input, min_val=-1.0, max_val=1.0):
    kind = input._data.dtype.kind
    if kind == "b":
        raise NotImplementedError("\"clamp_scalar_cpu\" not implemented for 'Bool'")
    if kind != "f":                      # integer tensors stay integer: the bounds are truncated
        min_val, max_val = int(min_val), int(max_val)
    return input.clamp(min_val, max_val)


@_hardtanh.backward
def _(ctx, grad):
    x = ctx.inputs[0]                    # (0 at both bounds, as in PyTorch)
    flat = (x <= ctx.arg(1, "min_val", -1.0)) | (x >= ctx.arg(2, "max_val", 1.0))
    return where(flat, 0.0, grad)


_hardtanh_into = _in_place("hardtanh_", _hardtanh, _hardtanh)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]: tanh's shape made of three straight lines."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if inplace:
        return _hardtanh_into(input, min_val, max_val)
    return _hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(input, 0), 6): hardtanh between 0 and 6 (its node is HardtanhBackward0)."""
    return hardtanh(input, 0.0, 6.0, inplace)


@differentiable(saves=("input",), name="SoftplusBackward0")
def _softplus(input, beta=1.0, threshold=20.0):
    _floating(input, "softplus_cpu")
    scaled = input * beta
    # above the threshold, log(1 + exp(x)) equals x to working precision (and exp would overflow)
    return where(scaled > threshold, input, scaled.exp().log1p() / beta)


@_softplus.backward
def _(ctx, grad):
    x = ctx.inputs[0]
    beta, threshold = ctx.arg(1, "beta", 1.0), ctx.arg(2, "threshold", 20.0)
    scaled = x * beta
    z = scaled.exp()
    return where(scaled > threshold, grad, grad * z / (z + 1))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * input)) / beta: a smooth relu (the input itself where
    beta * input > threshold)."""
    return _softplus(input, beta, threshold)


@differentiable(saves=("input",), name="EluBackward0")
def _elu(input, alpha=1.0):
    _floating(input, "elu_cpu")
    return where(input > 0, input, input.expm1() * alpha)


@_elu.backward
def _(ctx, grad):
    x = ctx.inputs[0]                    # (alpha at 0: PyTorch tests x <= 0)
    alpha = ctx.arg(1, "alpha", 1.0)
    return where(x <= 0, grad * (x.exp() * alpha), grad)


@differentiable(saves=("result",), name="EluBackward1")
def _elu_of_copy(input, alpha=1.0):
    """elu as its in-place form records it: the derivative read from the result."""
    return _elu(input, alpha)


@_elu_of_copy.backward
def _(ctx, grad):
    alpha = ctx.arg(1, "alpha", 1.0)
    if alpha < 0:
        raise RuntimeError(
            "In-place elu backward calculation is triggered with a negative slope which is not "
            "supported. This is caused by calling in-place forward function with a negative "
            "slope, please call out-of-place version instead.")
    y = ctx.result
    return where(y <= 0, grad * (y + alpha), grad)


elu_ = _in_place("elu_", _elu, _elu_of_copy)
elu_.__doc__ = "In-place elu."


def elu(input, alpha=1.0, inplace=False):
    """input where positive, alpha * (exp(input) - 1) elsewhere."""
    if inplace:
        return elu_(input, alpha)
    return _elu(input, alpha)


_SQRT1_2 = math.sqrt(0.5)
_GELU_TANH_SCALE = math.sqrt(2 / math.pi)      # PyTorch's kBeta = sqrt(2) * (2 / sqrt(pi)) / 2
_GELU_TANH_CUBIC = 0.044715                    # kKappa


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")


@differentiable(saves=("input",), name="GeluBackward0")
def _gelu(input, approximate="none"):
    _check_approximate(approximate)
    _floating(input, "GeluKernelImpl")
    if approximate == "tanh":
        inner = (input + input * input * input * _GELU_TANH_CUBIC) * _GELU_TANH_SCALE
        return input * 0.5 * (inner.tanh() + 1)
    return input * 0.5 * ((input * _SQRT1_2).erf() + 1)


@_gelu.backward
def _(ctx, grad):
    x = ctx.inputs[0]
    if ctx.arg(1, "approximate", "none") == "tanh":
        x_squared = x * x
        tanh_inner = ((x + x_squared * x * _GELU_TANH_CUBIC) * _GELU_TANH_SCALE).tanh()
        left_derivative = (tanh_inner + 1) * 0.5
        right_derivative = (x * 0.5 * (1 - tanh_inner * tanh_inner) * _GELU_TANH_SCALE
                            * (x_squared * (3 * _GELU_TANH_CUBIC) + 1))
        return grad * (left_derivative + right_derivative)
    cdf = ((x * _SQRT1_2).erf() + 1) * 0.5
    pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
    return grad * (cdf + x * pdf)


def gelu(input, approximate="none"):
    """input * Phi(input), Phi the standard normal's CDF ('tanh': PyTorch's tanh
    approximation of it)."""
    return _gelu(input, approximate)


@differentiable(saves=("input",), name="SiluBackward0")
def _silu(input):
    _floating(input, "silu_cpu")
    return input * input.sigmoid()


@_silu.backward
def _(ctx, grad):
    x = ctx.inputs[0]
    s = x.sigmoid()
    return grad * (s * (x * (1 - s) + 1))


_silu_into = _in_place("silu_", _silu, _silu)


def silu(input, inplace=False):
    """input * sigmoid(input) (also called swish)."""
    return _silu_into(input) if inplace else _silu(input)


@differentiable(saves=("input",), name="LogSigmoidBackward0")
def _logsigmoid(input):
    _floating(input, "log_sigmoid_cpu")
    # log(1 / (1 + exp(-x))) = min(x, 0) - log(1 + exp(-|x|)): no exp of a large number
    return input.clamp(max=0) - (-input.abs()).exp().log1p()


@_logsigmoid.backward
def _(ctx, grad):
    return grad * (-ctx.inputs[0]).sigmoid()


def logsigmoid(input):
    """log(sigmoid(input)), computed without overflow."""
    return _logsigmoid(input)


# -- softmax ---------------------------------------------------------------------------------------
def _softmax_dim(name, ndim, stacklevel):
    """PyTorch's (deprecated) choice of dim when none is given."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / exp(input).sum(dim): along dim, positive values summing to 1."""
    if dim is None:
        dim = _softmax_dim("softmax", input._data.ndim, _stacklevel)
    return _softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input, dim)), computed stably as input - logsumexp(input, dim)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input._data.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input, dim): the smallest elements get the largest weights."""
    if dim is None:
        dim = _softmax_dim("softmin", input._data.ndim, _stacklevel)
    return _softmax(-input, dim, dtype)


# -- losses: reductions ----------------------------------------------------------------------------
_REDUCTIONS = ("mean", "sum", "none")


def _reduction(reduction):
    """The reduction's name checked as PyTorch checks it (ValueError for an unknown one)."""
    if reduction in _REDUCTIONS:
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, emit_warning=True):
    """The reduction the deprecated `size_average`/`reduce` flags mean (None counts as True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", stacklevel=3)
    return reduction


def _reduced(losses, reduction):
    """An array of per-element losses as the loss tensor: as is ('none'), summed or averaged
    (in float64 for small arrays, rounded once at the end)."""
    if reduction == "none":
        return _wrap(losses)
    total = _float_sum(losses, None, False)
    if reduction == "mean":
        total = _divide(total, losses.size)
    return _wrap(array_module(losses).asarray(total, dtype=losses.dtype))


def _per_element(grad, reduction, count):
    """The upstream gradient as seen by each element's loss: the mean divides it by the count."""
    return grad / count if reduction == "mean" else grad


def _warn_if_sizes_differ(input, target):
    if target._data.shape != input._data.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size "
                      f"({input.size()}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=3)
        return broadcast_tensors(input, target)
    return input, target


def _floating_pair(input, target, kernel):
    """The arrays of input and target in their promoted dtype, which must be floating."""
    x, t = input._data, target._data
    if x.dtype is t.dtype and x.dtype.kind == "f":
        return x, t
    rt = _dtype.result_type(input, target)
    if not rt.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{rt._typed_name}'")
    return x.astype(rt.np, copy=False), t.astype(rt.np, copy=False)


def _weighted(errors, weight, reduction):
    """mse_loss/l1_loss with a per-element weight, as PyTorch writes it out (a weighted mean
    divides by the sum of the weights)."""
    if weight.size() != errors.size():
        raise ValueError("Weights and input must have the same size.")
    weighted = errors * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# -- regression losses -----------------------------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean (or sum) of the squared differences (input - target) ** 2."""
    if target._data.shape != input._data.shape:
        input, target = _warn_if_sizes_differ(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, reduction)
    return _mse_loss(input, target, _reduction(reduction))


@differentiable(inputs=("input", "target"), saves=("input", "target"), name="MseLossBackward0")
def _mse_loss(input, target, reduction):
    x, t = _floating_pair(input, target, "mse_cpu")
    squares = x - t
    squares *= squares
    return _reduced(squares, reduction)


@_mse_loss.backward
def _(ctx, grad):
    input, target = ctx.inputs
    n = input._data.size
    if not _grad_state.enabled and _same_float_arrays(input, target):
        # no graph of the gradients is wanted: the same arithmetic on the arrays, in place
        scale = grad._data * (2 / n) if ctx.args[2] == "mean" and n else grad._data * 2
        diff = np.subtract(input._data, target._data, out=...)   # (out=...: 0-d stays an array)
        np.multiply(diff, scale, out=diff)
        return _wrap(diff), (_wrap(np.negative(diff, out=...)) if _needs_grad(ctx, 1) else None)
    # d/dx (x - t)^2 = 2 (x - t); the mean divides by n (the scale is one op on a 0-d grad)
    scale = grad * (2 / n) if ctx.args[2] == "mean" and n else grad * 2
    grad_input = (input - target) * scale
    return grad_input, (-grad_input if _needs_grad(ctx, 1) else None)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean (or sum) of the absolute differences |input - target|."""
    if target._data.shape != input._data.shape:
        input, target = _warn_if_sizes_differ(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    errors = (input - target).abs()
    if weight is not None:
        return _weighted(errors, weight, reduction)
    reduction = _reduction(reduction)
    return errors if reduction == "none" else errors.sum() if reduction == "sum" else errors.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Squared error (halved, over beta) where |input - target| < beta, absolute error (less
    beta / 2) beyond: quadratic near the target, linear (robust to outliers) far from it."""
    if target._data.shape != input._data.shape:
        input, target = _warn_if_sizes_differ(input, target)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    return _smooth_l1_loss(input, target, _reduction(reduction), beta)


@differentiable(inputs=("input", "target"), saves=("input", "target"),
                name="SmoothL1LossBackward0")
def _smooth_l1_loss(input, target, reduction, beta):
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, t = _floating_pair(input, target, "smooth_l1_cpu")
    distance = array_module(x).abs(x - t)
    quadratic = distance < beta
    losses = array_module(x).where(quadratic, distance * distance * (0.5 / beta),
                                   distance - 0.5 * beta)
    return _reduced(losses.astype(x.dtype, copy=False), reduction)


@_smooth_l1_loss.backward
def _(ctx, grad):
    input, target = ctx.inputs
    reduction, beta = ctx.args[2], ctx.args[3]
    # d/dx: (x - t) / beta inside the quadratic zone, its sign outside: the ratio clamped to +-1
    slope = ((input - target) / beta).clamp(-1, 1)
    grad_input = slope * _per_element(grad, reduction, input._data.size)
    return grad_input, -grad_input


# -- binary classification losses ------------------------------------------------------------------
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(target * log(input) + (1 - target) * log(1 - input)), input a probability; each log is
    clamped at -100, so that a confident mistake costs 100, not infinity."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input "
                         f"size ({input.size()}) is deprecated. Please ensure they have the same "
                         "size.")
    if weight is not None:
        from ..ops.shape import broadcast_shapes
        weight = weight.expand(broadcast_shapes(target.size(), weight.size()))
    return _binary_cross_entropy(input, target, weight, reduction)


def _check_probabilities(x, t):
    """Input and target in [0, 1], checked element by element as PyTorch's kernel does."""
    xp = array_module(x)
    bad_input = ~((x >= 0) & (x <= 1))
    bad_target = ~((t >= 0) & (t <= 1))
    if bad_input.any() or bad_target.any():
        first_input = int(xp.argmax(bad_input.reshape(-1))) if bad_input.any() else x.size
        first_target = int(xp.argmax(bad_target.reshape(-1))) if bad_target.any() else x.size
        which = "input" if first_input <= first_target else "target"
        raise RuntimeError(f"all elements of {which} should be between 0 and 1")


@differentiable(inputs=("input", "target"), saves=("input", "target"),
                name="BinaryCrossEntropyBackward0")
def _binary_cross_entropy(input, target, weight, reduction):
    x, t = input._data, target._data
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for "
                                  f"'{input.dtype._typed_name}'")
    if t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._typed_name} but expected "
                           f"{input.dtype._typed_name}")
    _check_probabilities(x, t)
    xp = array_module(x)
    log_p = xp.maximum(xp.log(x), -100)
    log_not_p = xp.maximum(xp.log1p(-x), -100)
    losses = (t - 1) * log_not_p - t * log_p
    if weight is not None:
        losses = losses * weight._data
    return _reduced(losses.astype(x.dtype, copy=False), reduction)


@_binary_cross_entropy.backward
def _(ctx, grad):
    input, target = ctx.inputs
    weight, reduction = ctx.args[2], ctx.args[3]
    grad = _per_element(grad, reduction, input._data.size)
    if weight is not None:
        grad = grad * weight
    grad_input = grad_target = None
    if _needs_grad(ctx, 0):
        # (x - t) / (x (1 - x)), the denominator kept from 0 (PyTorch's EPSILON, 1e-12)
        grad_input = grad * (input - target) / ((1 - input) * input).clamp(min=1e-12)
    if _needs_grad(ctx, 1):
        grad_target = grad * -(input / (1 - input)).log()
    return grad_input, grad_target


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target) computed from the logits directly, which
    stays exact where sigmoid would round to 0 or 1; pos_weight weighs the positive class."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


@differentiable(inputs=("input", "target"), saves=("input", "target"),
                name="BinaryCrossEntropyWithLogitsBackward0")
def _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    _floating(input, "log_sigmoid_cpu")
    rt = _dtype.result_type(input, target)
    if not target.is_floating_point():
        raise RuntimeError(f"result type {rt._typed_name} can't be cast to the desired output "
                           f"type {target.dtype._typed_name}")
    log_sigmoid = _logsigmoid(input)
    if pos_weight is not None:
        log_sigmoid = log_sigmoid * ((pos_weight - 1) * target + 1)
    losses = (1 - target) * input - log_sigmoid
    if weight is not None:
        losses = losses * weight
    return _reduced(losses._data, reduction)


@_binary_cross_entropy_with_logits.backward
def _(ctx, grad):
    input, target = ctx.inputs
    weight, pos_weight, reduction = ctx.args[2], ctx.args[3], ctx.args[4]
    grad = _per_element(grad, reduction, input._data.size)
    if weight is not None:
        grad = grad * weight
    grad_input = grad_target = None
    if _needs_grad(ctx, 0):
        if pos_weight is None:
            grad_input = grad * (input.sigmoid() - target)
        else:
            weighted_target = pos_weight * target
            grad_input = grad * ((weighted_target + 1 - target) * input.sigmoid()
                                 - weighted_target)
    if _needs_grad(ctx, 1):
        if pos_weight is None:
            grad_target = grad * -input
        else:
            grad_target = grad * (_logsigmoid(-input) - _logsigmoid(input) * pos_weight)
    return grad_input, grad_target


# -- classification: negative log likelihood and cross-entropy -------------------------------------
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[n, target[n]] (times weight[target[n]]), averaged over the batch: the loss of a
    classifier that outputs log-probabilities (log_softmax). Class dim 1 (0 for a 1-D input);
    targets equal to ignore_index count for nothing."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    return _nll_loss_nd(input, target, weight, _reduction(reduction), ignore_index)


def _nll_loss_nd(input, target, weight, reduction, ignore_index):
    """PyTorch's nll_loss_nd: 1-D and 2-D inputs directly, 4-D as images, any other shape
    (N, C, d1, d2, ...) folded into (N, C, 1, d1*d2*...) first."""
    shape = input._data.shape
    if not shape:
        raise ValueError(f"Expected 1 or more dimensions (got {len(shape)})")
    target_shape = target._data.shape
    if len(shape) != 1 and shape[0] != (target_shape[0] if target_shape else 0):
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size "
                         f"({target_shape[0] if target_shape else 0}).")
    if len(shape) <= 2:
        return _nll_loss(input, target, weight, reduction, ignore_index)
    if len(shape) == 4:
        return _nll_loss2d(input, target, weight, reduction, ignore_index)
    n, c = shape[:2]
    out_size = (n,) + shape[2:]
    if target_shape[1:] != shape[2:]:
        raise RuntimeError(f"Expected target size {list(out_size)}, got {list(target_shape)}")
    empty = input._data.size == 0
    input = input.contiguous().view(n, c, 0, 0) if empty else input.contiguous().view(n, c, 1, -1)
    empty = target._data.size == 0
    target = target.contiguous().view(n, 0, 0) if empty else target.contiguous().view(n, 1, -1)
    result = _nll_loss2d(input, target, weight, reduction, ignore_index)
    return result.view(out_size) if reduction == "none" else result


def _check_nll_arguments(input, target, weight, kernel):
    """The checks of PyTorch's nll_loss (1-D/2-D input) and nll_loss2d (4-D): shapes, weight,
    target and input dtypes, in its order."""
    x, t = input._data, target._data
    n_classes = x.shape[-1] if x.ndim <= 2 else x.shape[1]
    if x.ndim <= 2:
        if t.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if x.ndim == 1 and t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{t.shape[0]}")
        if weight is not None and (weight._data.ndim != 1 or weight._data.size != n_classes):
            raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                               "classes or no classes but got weight tensor of shape: "
                               f"{list(weight._data.shape)}")
    else:
        if t.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {t.ndim}")
        if x.shape[:1] + x.shape[2:] != t.shape:
            raise RuntimeError(f"size mismatch (got input: {list(x.shape)} , target: "
                               f"{list(t.shape)}")
        if weight is not None and (weight._data.ndim != 1 or weight._data.size != n_classes):
            raise RuntimeError("weight tensor should be defined either for all or no classes")
    if t.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{target.dtype._typed_name}")
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{input.dtype._typed_name}'")
    if weight is not None and weight._data.dtype != x.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._typed_name} but found "
                           f"{weight.dtype._typed_name}")
    return n_classes


def _nll_picks(input, target, weight, ignore_index):
    """For each target: where its log-probability sits (a safe class index: 0 for ignored ones)
    and the weight it counts with (0 for ignored ones)."""
    t = target._data
    xp = array_module(t)
    ignored = t == ignore_index
    n_classes = input._data.shape[-1] if input._data.ndim <= 2 else input._data.shape[1]
    out_of_bounds = ~ignored & ((t < 0) | (t >= n_classes))
    if out_of_bounds.any():
        raise IndexError(f"Target {int(t[out_of_bounds].reshape(-1)[0])} is out of bounds.")
    classes = xp.where(ignored, 0, t).astype(xp.int64)
    weights = xp.ones(t.shape, input._data.dtype) if weight is None else weight._data[classes]
    return classes, xp.where(ignored, 0, weights).astype(input._data.dtype, copy=False)


def _nll_forward(input, target, weight, reduction, ignore_index):
    kernel = "nll_loss_out_frame" if input._data.ndim <= 2 else "nll_loss2d_forward_out_frame"
    _check_nll_arguments(input, target, weight, kernel)
    x = input._data
    xp = array_module(x)
    classes, weights = _nll_picks(input, target, weight, ignore_index)
    if x.ndim == 1:                      # one sample: a 0-d loss (even for a target of shape [1])
        classes, weights = classes.reshape(()), weights.reshape(())
        picked = x[classes]
    else:
        picked = xp.take_along_axis(x, xp.expand_dims(classes, 1), 1).squeeze(1)
    losses = xp.where(weights == 0, 0, -picked * weights).astype(x.dtype, copy=False)
    if reduction != "mean":
        return _reduced(losses, reduction)
    # the mean is weighted: divided by the total weight of the targets not ignored
    total = _divide(_float_sum(losses, None, False), _float_sum(weights, None, False))
    return _wrap(xp.asarray(total, dtype=x.dtype))


def _nll_backward(ctx, grad):
    input = ctx.inputs[0]
    target, weight, reduction, ignore_index = ctx.args[1:5]
    classes, weights = _nll_picks(input, target, weight, ignore_index)
    slopes = -weights                          # d loss / d input[.., target, ..]
    if reduction == "mean":
        slopes = _divide(slopes, _float_sum(weights, None, False))
        # (ignored targets get no gradient, even when every target is ignored and 0/0 is nan)
        ignored = (target._data == ignore_index).reshape(slopes.shape)
        slopes = array_module(slopes).where(ignored, 0, slopes)
        slopes = slopes.astype(weights.dtype, copy=False)
    coefficients = grad * _wrap(slopes)
    if input._data.ndim == 1:
        index = _wrap(classes.reshape(1))
        return input.new_zeros(input._data.shape).scatter(0, index, coefficients.reshape(1))
    index = _wrap(array_module(classes).expand_dims(classes, 1))
    return input.new_zeros(input._data.shape).scatter(1, index, coefficients.unsqueeze(1))


_nll_loss = differentiable(name="NllLossBackward0")(_nll_forward)
_nll_loss.backward(_nll_backward)
_nll_loss2d = differentiable(name="NllLoss2DBackward0")(_nll_forward)
_nll_loss2d.backward(_nll_backward)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The cross-entropy between the softmax of the logits `input` (class dim 1, or 0 for a
    1-D input) and the target: class indices (nll_loss of log_softmax), or class probabilities
    of input's shape. label_smoothing mixes the target with the uniform distribution."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    reduction = _reduction(reduction)
    class_dim = 0 if input._data.ndim == 1 else 1
    if input._data.shape == target._data.shape:
        if not target.is_floating_point():
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {target.dtype._typed_name}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_with_probabilities(input, target, weight, reduction,
                                                 label_smoothing, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, reduction, ignore_index,
                                       label_smoothing, class_dim)
    return _nll_loss_nd(log_softmax(input, class_dim), target, weight, reduction, ignore_index)


def _check_label_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _class_weight_view(weight, input, class_dim):
    """weight (one per class) shaped to broadcast along input's class dim."""
    shape = [1] * input._data.ndim
    shape[class_dim] = weight._data.shape[0]
    return weight.view(shape)


@differentiable(name="DivBackward1")
def _divide_by_count(input, count):
    """input / count for an integer count (PyTorch's div by a number: DivBackward1)."""
    return input / count


@_divide_by_count.backward
def _(ctx, grad):
    return grad / ctx.args[1]


def _cross_entropy_with_probabilities(input, target, weight, reduction, label_smoothing,
                                      class_dim):
    n_classes = input._data.shape[class_dim]
    if weight is not None and (weight._data.ndim != 1 or weight._data.size != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{n_classes} classes or no classes but got weight tensor of shape: "
                           f"{list(weight._data.shape)}")
    log_probabilities = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    products = log_probabilities * target
    if weight is not None:
        products = products * _class_weight_view(weight, input, class_dim)
    if reduction == "none":
        return -products.sum(class_dim)
    if reduction == "sum":
        return -products.sum()
    if input._data.size == 0:
        return -(products.sum() + math.nan)      # the mean of nothing: nan (as torch, NegBackward0)
    # the mean over the samples (every element but the class dim)
    return _divide_by_count(-products.sum(), input._data.size // n_classes)


def _cross_entropy_smoothed(input, target, weight, reduction, ignore_index, label_smoothing,
                            class_dim):
    """Class indices with label smoothing: (1 - s) * the usual loss + s * the mean over the
    classes of -log p (what a uniform target would cost)."""
    log_probabilities = log_softmax(input, class_dim)
    nll = _nll_loss_nd(log_probabilities, target, weight, reduction, ignore_index)
    n_classes = input._data.shape[class_dim]
    if weight is not None:
        weighted = log_probabilities * _class_weight_view(weight, input, class_dim)
        smooth = -weighted.sum(class_dim)
    else:
        smooth = -log_probabilities.sum(class_dim)
    ignored = target == ignore_index
    smooth = smooth.masked_fill(ignored, 0.0)
    if reduction == "mean":
        if weight is not None:
            smooth = smooth.sum() / weight[target[~ignored].flatten()].sum()
        else:
            smooth = smooth.sum() / (~ignored).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
