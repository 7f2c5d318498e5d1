"""Tensor: a window (size, stride, offset) on a Storage, kept as one array view built once.

A tensor holds `_data`, a NumPy array (on the CPU) or CuPy array (on a GPU) that views its
storage's memory with the tensor's own shape and strides. Size, stride, offset and even the
device are read from it, never stored twice. Every op turns `_data` into a new array with one
vectorised call and wraps the result.
"""
import warnings

import numpy as np

from . import _dtype
from ._device import CPU, _as_device, backend_of
from .backend import backend_of_array
from ._size import Size, _fast_size
from ._storage import _storage_for

__all__ = ["Tensor"]


class _TensorMeta(type):
    """Lets `isinstance(x, dlcore.FloatTensor)` test the dtype, as PyTorch's typed classes do."""


class Tensor(metaclass=_TensorMeta):
    """A multi-dimensional array over a Storage. `dlcore.Tensor(...)` builds a float32 tensor."""

    # _offset: storage offset in elements, or None until asked for (views made by NumPy slicing
    # know their memory address, not their offset; computing it costs two address look-ups)
    # _meta: autograd's rarely needed extras (output position, hooks, view base), else None
    # _base: the tensor a view was taken from (the first of a chain of views), else None
    __slots__ = ("_data", "_storage", "_offset", "requires_grad", "_grad", "grad_fn", "_meta",
                 "_base",
                 "__weakref__")
    # `np.float64(2.5) * t`: NumPy scalars defer to Tensor's reflected operators, as with PyTorch
    __array_priority__ = 1000

    def __new__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0]                    # Tensor(t) is t, whatever its dtype (as in PyTorch)
        return _legacy_new(_dtype.float32, args, device)

    # -- metadata -----------------------------------------------------------------------------
    @property
    def dtype(self):
        return _dtype._FROM_NUMPY[self._data.dtype]

    @property
    def device(self):
        data = self._data
        return CPU if type(data) is _ndarray else backend_of_array(data).device_of(data)

    @property
    def is_cuda(self):
        return type(self._data) is not _ndarray and self.device.type == "cuda"

    @property
    def is_cpu(self):
        return not self.is_cuda

    @property
    def shape(self):
        return _fast_size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _fast_size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def stride(self, dim=None):
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim)]

    def storage(self):
        """The Storage this tensor views; the same object for every view of it."""
        s = self._storage
        if s is None:
            s = self._storage = _storage_for(self._data)
        return s

    untyped_storage = storage

    def storage_offset(self):
        offset = self._offset
        if offset is None:
            storage = self.storage()
            offset = self._offset = (_address(self._data) - storage._address()) // self._data.itemsize
        return offset

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    def data_ptr(self):
        return _address(self._data)

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return self.permute(tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                               f"Got {self._data.ndim}-D tensor.")
        return self.transpose(-2, -1)

    @property
    def data(self):
        return _alias(self)

    @data.setter
    def data(self, new):
        """`t.data = new`: `t` (the same object, so optimizers holding it keep working) now views
        `new`'s storage, with `new`'s shape, strides, dtype and device. Its autograd fields stay.
        (Unlike PyTorch, which gives `t` a version counter of its own, the two then share the
        storage's one.)"""
        if not isinstance(new, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(new).__name__}")
        if self.requires_grad and new._data.dtype.kind != "f":
            raise RuntimeError("data set to a tensor that requires gradients must be floating "
                               "point or complex dtype")
        self._storage = new.storage()        # created now if need be, so that both share it
        self._data = new._data
        self._offset = new._offset
        self._base = new._base

    def is_contiguous(self, memory_format=None):
        # PyTorch's rule: strides of size-1 dims don't matter, nor anything when empty (NumPy agrees)
        return self._data.flags.c_contiguous

    # contiguous() and clone() are ops (differentiable ones): dlcore/ops/shape.py

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype.is_signed

    def get_device(self):
        """The GPU's index for a CUDA tensor, -1 for a CPU one."""
        d = self.device
        return -1 if d.type == "cpu" else d.index

    # -- autograd -------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Add d(self)/d(leaf) into the `.grad` of every leaf that requires grad."""
        _engine().backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """The same data (shared storage) cut off from the graph: requires_grad is False."""
        return _alias(self)

    def detach_(self):
        if self._meta is not None and self._meta.view_of is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self.requires_grad = False
        return self

    @property
    def grad(self):
        """The gradient backward accumulated here: a leaf's, or a non-leaf's that called
        retain_grad(). None until then (a non-leaf's, with PyTorch's warning)."""
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, g):
        if g is not None:
            _check_assigned_grad(self, g)
        self._grad = g

    @grad.deleter
    def grad(self):
        self._grad = None

    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in `.grad` after backward."""
        from .autograd import engine
        engine.retain_grad(self)

    @property
    def retains_grad(self):
        return self._meta is not None and self._meta.retains_grad

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed (a returned tensor replaces
        it); returns a handle whose `remove()` takes the hook away."""
        from .autograd import engine
        return engine.register_hook(self, hook)

    @property
    def _version(self):
        return 0 if self._storage is None else self._storage._version

    # -- to Python and NumPy ------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to "
                               "Scalar")
        return self._data.item() if self._data.ndim == 0 else self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return kind(self._data.reshape(()).item())

    def __float__(self):
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'no values' if self._data.size == 0 else 'more than one value'} is ambiguous")
        return bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1 or self._data.ndim:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.item())

    def __complex__(self):
        return self._scalar(complex)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def numpy(self, force=False):
        """A NumPy array that shares this tensor's memory (write one, read the other)."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if type(self._data) is not _ndarray:
            _check_on_host(self, "numpy")
        return self._data.view()

    def __array__(self, dtype=None, copy=None):
        if type(self._data) is not _ndarray:
            _check_on_host(self, "numpy")
        if copy is False and dtype is not None and np.dtype(dtype) != self._data.dtype:
            raise ValueError("converting this tensor to that dtype needs a copy")
        a = self._data.view() if not copy else self._data.copy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def __array_wrap__(self, array, context=None, return_scalar=False):
        return array

    def __dlpack__(self, *args, **kwargs):
        if self.requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    # -- dtype and device conversions -------------------------------------------------------------
    def _moved(self, device, dtype, copy):
        """This tensor on `device` (a checked device) in `dtype` (or self if both match)."""
        if device is None or device == self.device:
            return self._cast(dtype, copy)
        if self.requires_grad and (dtype or self.dtype).is_floating_point:
            from .ops.shape import _to_copy      # a differentiable copy (ToCopyBackward0)
            return _to_copy(self, dtype or self.dtype, device)
        array = _move_array(self._data, device)
        if dtype is not None and dtype.np != array.dtype:
            array = _converted(array, dtype.np)
        return _wrap(array)

    def to(self, *args, **kwargs):
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)`, with `dtype=`/`device=`/`copy=`."""
        device, dtype, copy = _parse_to_args(args, kwargs)
        if device is not None:
            device = _as_device(device)
        return self._moved(device, _dtype.as_dtype(dtype, "to"), copy)

    def _cast(self, dtype, copy=False):
        """This tensor in `dtype` on its own device (self if it is that dtype already)."""
        if dtype is None or dtype.np == self._data.dtype:
            if not copy:
                return self
            dtype = self.dtype
        if self.requires_grad and dtype.np.kind == "f":
            from .ops.shape import _to_copy      # a differentiable copy (ToCopyBackward0)
            return _to_copy(self, dtype, None)
        return _wrap(_converted(self._data, dtype.np))

    def type(self, dtype=None, non_blocking=False):
        """With no argument, the typed name ('dlcore.FloatTensor'); otherwise a conversion."""
        if dtype is None:
            where = "" if type(self._data) is _ndarray else self.device.type + "."
            return f"dlcore.{where}{self.dtype._typed_name}Tensor"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            if not name.endswith("Tensor") or name[:-6] not in _dtype._BY_TYPED_NAME:
                raise ValueError(f"invalid type: '{dtype}'")
            on_cuda = dtype.rsplit(".", 2)[-2:-1] == ["cuda"]
            dtype = _dtype._BY_TYPED_NAME[name[:-6]]
            return self.to("cuda" if on_cuda else "cpu", dtype)
        elif isinstance(dtype, _TypedTensorClass):
            return self.to(dtype._device or "cpu", dtype._dtype)     # its device too
        if not isinstance(dtype, _dtype.dtype):
            raise TypeError(f"type() expects a dtype or a type name, got {dtype!r}")
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self, memory_format=None):
        """This tensor in CPU memory (self if it is there already)."""
        return self if type(self._data) is _ndarray else self._moved(CPU, None, False)

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """This tensor on a GPU: the current one, or `device` (an index, 'cuda:N', a device)."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int) and not isinstance(device, bool):
            device = f"cuda:{device}"
        device = _as_device(device)
        if device.type != "cuda":
            raise ValueError(f"Invalid device, must be cuda device, got {device}")
        return self._moved(device, None, False)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    def half(self):
        return self.to(_dtype.float16)

    def byte(self):
        return self.to(_dtype.uint8)

    def char(self):
        return self.to(_dtype.int8)

    def short(self):
        return self.to(_dtype.int16)

    def int(self):
        return self.to(_dtype.int32)

    def long(self):
        return self.to(_dtype.int64)

    def bool(self):
        return self.to(_dtype.bool_)

    # -- printing -----------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import _str
        return _str(self, tensor_contents=tensor_contents)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, proto):
        if type(self._data) is _ndarray:
            return (_rebuild, (self._data.copy(),))
        return (_rebuild, (backend_of_array(self._data).to_numpy(self._data), str(self.device)))

    def __hash__(self):
        return id(self)

    def __deepcopy__(self, memo):
        return _wrap(self._data.copy())


Tensor.__module__ = "dlcore"       # prints as <class 'dlcore.Tensor'>, as torch.Tensor does


def _rebuild(array, device=None):
    return _wrap(array if device is None else _move_array(array, _as_device(device)))


_ndarray = np.ndarray


def _parse_to_args(args, kwargs):
    """(device, dtype, copy) from the arguments of `Tensor.to` and `Module.to`: a dtype, a device
    (str, int or device), another tensor (its dtype and device), and keywords."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, bool):
            continue                      # non_blocking / copy given by position
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, type) and a in _dtype._FROM_PYTHON_TYPE:
            dtype = a                     # to(float) is to(float64), as in PyTorch
        elif isinstance(a, (str, int)) or type(a).__name__ == "device":
            device = a
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    return device, dtype, copy


def _move_array(array, device):
    """A copy of `array` on `device` (one of the same backend, or a trip through the host)."""
    source, target = backend_of_array(array), backend_of(device)
    if source is target:
        return target.to_device(array, device.index)
    return target.from_numpy(source.to_numpy(array), device.index)


def _check_on_host(tensor, what):
    """PyTorch's TypeError for asking NumPy (or Python's buffer) for a GPU tensor's memory."""
    d = tensor.device
    if d.type != "cpu":
        raise TypeError(f"can't convert {d} device type tensor to {what}. Use Tensor.cpu() to "
                        "copy the tensor to host memory first.")


# -- construction helpers used by every op (no argument parsing on the hot path) -------------------
_new = object.__new__


def _contiguous_strides(shape):
    """Row-major strides in elements, with PyTorch's rule that a size-0 dim counts as size 1."""
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return strides[::-1]


def _empty_with_torch_strides(array):
    # NumPy gives empty arrays all-zero strides; PyTorch gives them row-major ones
    item = array.itemsize
    strides = tuple(s * item for s in _contiguous_strides(array.shape))
    if type(array) is _ndarray:
        return np.ndarray(array.shape, array.dtype, np.empty(0, array.dtype), 0, strides)
    backend = backend_of_array(array)
    return backend.as_strided(backend.xp.empty(0, array.dtype), array.shape, strides, 0)


_autograd_engine = None


def _engine():
    """dlcore.autograd.engine, imported on first use (it imports this module) and then kept: a
    global look-up costs less than an import statement on every backward()."""
    global _autograd_engine
    if _autograd_engine is None:
        from .autograd import engine
        _autograd_engine = engine
    return _autograd_engine


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")

def _check_assigned_grad(t, g):
    """PyTorch's checks on `t.grad = g`: a tensor of t's size, dtype and device."""
    if not isinstance(g, Tensor):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                        f"{type(g).__name__}")
    if g._data.shape != t._data.shape:
        raise RuntimeError(f"attempting to assign a gradient of size '{list(g._data.shape)}' to a "
                           f"tensor of size '{list(t._data.shape)}'. Please ensure that the "
                           "gradient and the tensor are the same size")
    if g._data.dtype != t._data.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_dtype._TYPEID_NAMES[g.dtype._name]}' "
            f"to a tensor with grad_dtype '{t.dtype._typed_name}'. The gradient must match the "
            "tensor's grad_dtype (defaults to the tensor's dtype). You can set the tensor's "
            "grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
            "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may "
            "break downstream systems that assume they match.")
    if g.device != t.device:
        raise RuntimeError("assigned grad has data located on a different device")


def _converted(array, np_dtype):
    """`array` in `np_dtype`. Floats out of a small integer type's range wrap around as PyTorch's
    CPU makes them (-1.0 -> 255 in uint8, 300.0 -> 44 in int8) on every device: uint8 is reached
    through int64 (PyTorch's rule), int8 and int16 through int32 (what a CPU's conversion does).
    A direct conversion is undefined in C, and a GPU saturates (-1.0 -> 0)."""
    if array.dtype.kind == "f" and np_dtype.kind in "iu" and np_dtype.itemsize < 4:
        array = array.astype(np.int64 if np_dtype.kind == "u" else np.int32)
    return array.astype(np_dtype)


def _wrap(array, storage=None):
    """A new tensor over `array` (which the caller hands over)."""
    if not array.size and array.ndim and not any(array.strides):
        array = _empty_with_torch_strides(array)
    t = _new(Tensor)
    t._data = array
    t._storage = storage
    t._offset = 0
    t.requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._meta = None
    t._base = None
    return t


def _view(base, array):
    """A tensor over `array`, a view of `base`'s memory: it shares `base`'s Storage object."""
    t = _new(Tensor)
    t._data = array
    s = base._storage
    t._storage = s if s is not None else base.storage()
    t._offset = None
    t.requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._meta = None
    t._base = base if base._base is None else base._base
    return t


def _alias(t):
    """The same data as `t` (its storage), not counted as a view of it (detach(), .data)."""
    alias = _view_at(t, t._data, t._offset)
    alias._base = None
    return alias


def _view_at(base, array, offset):
    """`_view` when the caller knows the view's storage offset (None: work it out if asked)."""
    t = _view(base, array)
    t._offset = offset
    return t


def _as_strided_view(base, shape, strides, offset):
    """A view of `base`'s storage with the given shape, strides and offset (all in elements)."""
    storage = base.storage()
    flat = storage._array
    item = flat.itemsize
    # an empty view may start past the storage's end (x[4:, 5:] of a 4x6); its memory is never
    # read, and its offset is recorded below, so NumPy's array may start at the end instead
    start = offset if offset <= flat.shape[0] else flat.shape[0]
    if type(flat) is _ndarray:
        array = np.ndarray(shape, flat.dtype, flat, start * item, [s * item for s in strides])
    else:
        array = backend_of_array(flat).as_strided(flat, shape, [s * item for s in strides],
                                                  start * item)
    t = _new(Tensor)
    t._data = array
    t._storage = storage
    t._offset = offset
    t.requires_grad = False
    t._grad = None
    t.grad_fn = None
    t._meta = None
    t._base = base if base._base is None else base._base
    return t


def _address(array):
    if type(array) is _ndarray:
        return array.__array_interface__["data"][0]
    return backend_of_array(array).address(array)


def _dense(array):
    """Whether the array's elements fill its memory span with no gaps (a permuted contiguous)."""
    return array.flags.c_contiguous or array.flags.f_contiguous


def _wrap_dim(dim, ndim):
    """A dim in [-ndim, ndim) made non-negative, or PyTorch's IndexError."""
    if not isinstance(dim, int):
        dim = dim.__index__()
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


# -- typed classes: FloatTensor, DoubleTensor, ... ------------------------------------------------
class _TypedTensorClass:
    """`dlcore.FloatTensor([1, 2])` makes a float32 tensor; `isinstance(t, FloatTensor)` tests dtype."""

    def __init__(self, dtype, device=None):
        self._dtype = dtype
        self._device = device           # None: the CPU class (dlcore.FloatTensor); "cuda"
        self.__name__ = self.__qualname__ = f"{dtype._typed_name}Tensor"

    def __call__(self, *args, device=None):
        return _legacy_new(self._dtype, args, self._device if device is None else device)

    def __instancecheck__(self, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == self._dtype.np and (
            (type(obj._data) is _ndarray) == (self._device is None))

    def __repr__(self):
        where = "" if self._device is None else self._device + "."
        return f"<class 'dlcore.{where}{self.__name__}'>"


def _legacy_new(dtype, args, device):
    """The old-style constructors: `Tensor()`, `Tensor(2, 3)`, `Tensor(Size)`, `Tensor([1, 2])`."""
    device = CPU if device is None else _as_device(device)   # not the default device: PyTorch's
    if device is not CPU:
        return _legacy_new(dtype, args, None).to(device)
    if not args:
        return _wrap(np.empty((0,), dtype.np))
    if len(args) == 1 and isinstance(args[0], Tensor):
        if args[0]._data.dtype != dtype.np:
            raise TypeError(f"expected {dtype._typed_name}Tensor but got {args[0].type()}")
        return args[0]
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(args[0], Size)):
        shape = tuple(args[0]) if isinstance(args[0], Size) else args
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: "
                               f"{list(shape)}")
        return _wrap(np.zeros(shape, dtype.np))
    if len(args) == 1:
        if isinstance(args[0], (bool, float)):
            raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
        from .ops.creation import tensor
        return tensor(args[0], dtype=dtype)
    raise TypeError(f"{dtype._typed_name}Tensor() got an invalid combination of arguments: "
                    f"{', '.join(type(a).__name__ for a in args)}")


TYPED_CLASSES = {d: _TypedTensorClass(d) for d in _dtype.ALL_DTYPES}
