"""Printing tensors, rule for rule like PyTorch's `torch/_tensor_str.py`.

The rules are PyTorch's; the work is NumPy's. A tensor over `threshold` elements is first cut
down to its edges (`edgeitems` along every long dimension) with one fancy-indexing call, so
printing a ten-million-element tensor formats only a few dozen numbers. The `_Formatter` then
decides, with vectorised NumPy, the three things every element's text depends on:

- integer mode: every finite value is a whole number, so floats print as `1.` and `-3.`;
- scientific mode: the values span more than 1000x, or are over 1e8 or under 1e-4;
- the column width: the longest text among the values, so that columns line up.
"""
import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype
from .backend import array_module, backend_of_array

__all__ = ["set_printoptions", "get_printoptions", "printoptions"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None          # None: the Formatter decides; True/False forces it


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """Set options for printing tensors (PyTorch's, taken from NumPy's).

    precision: digits after the decimal point (default 4). threshold: number of elements above
    which a tensor is summarised with `...` (default 1000). edgeitems: items shown at each end of
    a summarised dimension (default 3). linewidth: characters per line (default 80).
    profile: 'default', 'short' or 'full' sets all of the above, then the other arguments
    override it. sci_mode: True/False forces scientific notation on or off; None (the default,
    and what every call without it restores) lets the values decide.
    """
    if profile is not None:
        # an unknown profile name is silently ignored, as in PyTorch
        for name, value in _PROFILES.get(profile, {}).items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options, as a dict that `set_printoptions(**options)` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that sets print options (as `set_printoptions`) and restores them after."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# -- the Formatter: one scan of the values decides every element's text ----------------------------
class _Formatter:
    """Chooses integer mode, scientific mode and the column width from an array's values."""

    def __init__(self, values):
        self.floating_dtype = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1

        if not self.floating_dtype:
            self.max_width = max(1, _widest_integer_text(values))
            return

        finite_nonzero = values[np.isfinite(values) & (values != 0)]
        if finite_nonzero.size == 0:
            return                        # only zeros, nans and infs: nothing to measure

        # In float64: float16 would overflow on 1e8, and the ratio test wants full precision.
        magnitudes = np.abs(finite_nonzero).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite_nonzero == np.ceil(finite_nonzero)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        if self.sci_mode:
            spec, extra = f".{PRINT_OPTS.precision}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1        # room for the "." that marks the tensor as floating
        else:
            spec, extra = f".{PRINT_OPTS.precision}f", 0
        widest = max(len(format(v, spec)) for v in _extremes(finite_nonzero))
        self.max_width = max(1, widest + extra)

    def width(self):
        return self.max_width

    def format(self, value):
        """The text of one value (a Python number), right-aligned to the column width."""
        if self.floating_dtype:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _widest_integer_text(values):
    """Length of the longest `str(value)` among integers or bools, without visiting each one."""
    if values.size == 0:
        return 0
    if values.dtype.kind == "b":
        return 5 if not values.all() else 4          # "False" / "True"
    # str(int) grows with |value| (plus one for the minus sign): only the extremes matter
    return max(len(str(int(values.max()))), len(str(int(values.min()))))


def _extremes(values):
    """The values whose formatted text can be the longest: the largest and smallest magnitude of
    each sign. Text length grows with the magnitude (more integer digits) and, in scientific
    notation, with the size of the exponent either way; a minus sign adds one."""
    picks = []
    for same_sign in (values[values > 0], values[values < 0]):
        if same_sign.size:
            picks += [float(same_sign.min()), float(same_sign.max())]
    return picks


# -- summarising and laying out -------------------------------------------------------------------
def _summarized_data(array):
    """The values a summarised print shows: the first and last `edgeitems` along each dimension
    longer than twice that, gathered with one fancy-indexing call (a copy of only those)."""
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 0:
        return array
    index = [np.r_[0:edge, n - edge:n] if n > 2 * edge else np.arange(n) for n in array.shape]
    if type(array) is not np.ndarray:          # on a GPU: gather there, copy only the edges
        xp = array_module(array)
        return array[xp.ix_(*[xp.asarray(i) for i in index])]
    return array[np.ix_(*index)]


def _vector_str(row, size, indent, summarize, formatter):
    """One dimension of values as `[a, b, c]`, wrapped to the line width (`size`: its length
    before summarising)."""
    element_length = formatter.width() + 2                   # the element plus ", "
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and size > 2 * edge:
        # `row` already holds only the edges (see _summarized_data)
        data = ([formatter.format(v) for v in row[:edge]] + [" ..."]
                + [formatter.format(v) for v in row[edge:]])
    else:
        data = [formatter.format(v) for v in row]
    lines = [", ".join(data[i:i + elements_per_line])
             for i in range(0, len(data), elements_per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values, sizes, indent, summarize, formatter):
    """`values` is the nested list of the (summarised) array, `sizes` the original shape."""
    dim = len(sizes)
    if dim == 0:
        return formatter.format(values)
    if dim == 1:
        return _vector_str(values, sizes[0], indent, summarize, formatter)

    edge = PRINT_OPTS.edgeitems

    def rows(part):
        return [_nested_str(v, sizes[1:], indent + 1, summarize, formatter) for v in part]

    if summarize and sizes[0] > 2 * edge:
        slices = rows(values[:edge]) + ["..."] + rows(values[edge:])      # values holds the edges
    else:
        slices = rows(values)
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _tensor_str(self, indent):
    """The bracketed values of a tensor (no `tensor(` prefix, no suffixes)."""
    array = self._data
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    if summarize and not PRINT_OPTS.edgeitems and array.ndim:
        return "[...]"                       # nothing at the edges: every dimension elided
    shown = _summarized_data(array) if summarize else array
    if type(shown) is not np.ndarray:
        shown = backend_of_array(shown).to_numpy(shown)     # printing reads host memory
    return _nested_str(shown.tolist(), array.shape, indent, summarize, _Formatter(shown))


def _add_suffixes(tensor_str, suffixes, indent, force_newline):
    """Append `, dtype=...` and friends, moving one to a new line when it would pass linewidth."""
    tensor_strs = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        # Measured as PyTorch spells it ('torch.float16'), so lines break exactly where PyTorch's
        # do: its printout with `torch` renamed is then ours, even one character past linewidth.
        suffix_len = len(suffix.replace("dlcore", "torch"))
        if force_newline or last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            tensor_strs.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
            force_newline = False
        else:
            tensor_strs.append(", " + suffix)
            last_line_len += suffix_len + 2
    tensor_strs.append(")")
    return "".join(tensor_strs)


def _is_plain_tensor(t):
    # A Parameter prints its tensor as `tensor(...)` too (nn.Parameter adds its own header line);
    # any other subclass prints its class name instead of `tensor`.
    cls = type(t)
    return cls.__name__ in ("Tensor", "Parameter") and cls.__module__.startswith("dlcore")


def _grad_fn_name(grad_fn):
    name = getattr(grad_fn, "name", None)
    return name() if callable(name) else type(grad_fn).__name__


def _str(self, *, tensor_contents=None):
    """`repr(tensor)`: `tensor([...])` plus PyTorch's suffixes (device, size, dtype, grad)."""
    prefix = "tensor(" if _is_plain_tensor(self) else f"{type(self).__name__}("
    indent = len(prefix)
    suffixes = []

    if self.device.type != "cpu":
        suffixes.append("device='" + str(self.device) + "'")

    dtype = self.dtype
    default_dtype = _dtype.get_default_dtype()
    # these dtypes are what `tensor([...])` infers from the printed values, so they go unsaid
    has_default_dtype = dtype in (default_dtype, _dtype.int64, _dtype.bool_)
    if self.numel() == 0:
        # Print the shape unless it is (0,), as NumPy does
        if self.dim() != 1:
            suffixes.append("size=" + str(tuple(self.shape)))
        # no values to infer an int64 from, so every non-default dtype is shown
        if dtype is not default_dtype:
            suffixes.append("dtype=" + str(dtype))
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(self.shape)))
        if not has_default_dtype:
            suffixes.append("dtype=" + str(dtype))
    # a caller (such as a subclass's repr) may supply the bracketed values itself
    tensor_str = tensor_contents if tensor_contents is not None else _tensor_str(self, indent)

    grad_fn = getattr(self, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(grad_fn)}>")
    elif getattr(self, "requires_grad", False):
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + tensor_str, suffixes, indent, force_newline=False)
