"""dtype objects, their names and aliases, and PyTorch's type-promotion rules."""
import numpy as np

__all__ = ["dtype", "get_default_dtype", "set_default_dtype", "promote_types"]


class dtype:
    """A tensor element type: `dlcore.float32` and friends. One object per type."""

    __slots__ = ("_name", "np", "itemsize", "is_floating_point", "is_signed",
                 "_category", "_typed_name")

    def __init__(self, name, np_dtype, category, typed_name):
        self._name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self._category = category            # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = name not in ("uint8", "bool")
        self._typed_name = typed_name        # 'Float' -> FloatTensor, FloatStorage

    @property
    def is_complex(self):
        return False

    def to_real(self):
        return self

    def __repr__(self):
        return "dlcore." + self._name

    def __reduce__(self):
        return _PICKLE_NAMES.get(self._name, self._name)   # pickles as the module-level name

    def __getstate__(self):
        raise TypeError("dtype objects are singletons")


float16 = dtype("float16", np.float16, 2, "Half")
float32 = dtype("float32", np.float32, 2, "Float")
float64 = dtype("float64", np.float64, 2, "Double")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = dtype("int16", np.int16, 1, "Short")
int32 = dtype("int32", np.int32, 1, "Int")
int64 = dtype("int64", np.int64, 1, "Long")
bool_ = dtype("bool", np.bool_, 0, "Bool")

_PICKLE_NAMES = {"bool": "bool_"}        # `bool` would shadow the builtin in this module

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
# NumPy dtype -> dlcore dtype (NumPy dtypes hash equal to their type codes, so both work)
_FROM_NUMPY = {d.np: d for d in ALL_DTYPES}
_FROM_NUMPY.update({d.np.type: d for d in ALL_DTYPES})
_BY_TYPED_NAME = {d._typed_name: d for d in ALL_DTYPES}

# C++ names PyTorch's checked scalar conversion prints ("value cannot be converted to type int64_t")
_C_NAMES = {"bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
            "int32": "int", "int64": "int64_t", "float16": "c10::Half", "float32": "float",
            "float64": "double"}
# ... and the names C++'s typeid gives them, which other messages print ("long int")
_TYPEID_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
                 "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
                 "float32": "float", "float64": "double"}
# `dtype=float` and friends: PyTorch accepts the Python types and maps them like this
_FROM_PYTHON_TYPE = {float: float64, int: int64, bool: bool_}

_default_dtype = float32


def get_default_dtype():
    """The floating type that Python floats and `tensor([1.5])` become (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(d):
    """Make `d` (float16, float32 or float64) the type of Python floats and `tensor([1.5])`."""
    global _default_dtype
    d = _FROM_PYTHON_TYPE.get(d, d) if isinstance(d, type) else d
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_dtype = d


def as_dtype(d, fname="tensor"):
    """`d` as a dlcore dtype (None stays None; Python's float/int/bool map as in PyTorch)."""
    if d is None or isinstance(d, dtype):
        return d
    try:
        return _FROM_PYTHON_TYPE[d]
    except (KeyError, TypeError):
        raise TypeError(f"{fname}(): argument 'dtype' must be dlcore.dtype, not "
                        f"{type(d).__name__}") from None


def from_numpy_dtype(np_dtype):
    """The dlcore dtype of a NumPy dtype, or a TypeError naming the types that are supported."""
    try:
        return _FROM_NUMPY[np_dtype]
    except (KeyError, TypeError):
        pass
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only "
            "supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.") from None


def promote_types(a, b):
    """The smallest dtype both `a` and `b` convert to without losing their kind (PyTorch's table)."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 2:
        return a if a.itemsize > b.itemsize else b
    return _FROM_NUMPY[np.promote_types(a.np, b.np)]     # integers: NumPy's table is PyTorch's


def _combine_categories(higher, lower):
    # PyTorch's rule: a lower-priority operand only matters when it brings a higher category
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def _scalar_dtype(value):
    """dtype a Python number takes part in promotion with (as a 'wrapped number')."""
    if isinstance(value, (bool, np.bool_)):
        return bool_
    if isinstance(value, (int, np.integer)):
        return int64
    if isinstance(value, (float, np.floating)):
        return _default_dtype
    hint = (" (make it a tensor first: dlcore.tensor(...))"
            if isinstance(value, (list, tuple, np.ndarray)) else "")
    raise TypeError(f"unsupported operand type: '{type(value).__name__}'{hint}")


def result_type(*operands):
    """dtype of an op's result: tensors with dimensions first, then 0-d tensors, then Python numbers.

    This is PyTorch's rule, which differs from NumPy's: `int_tensor * 2.5` is float32 (not
    float64) and a float64 0-d tensor does not promote a float32 tensor.
    """
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x._data.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        else:
            d = _scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine_categories(dim, _combine_categories(zero, wrapped))
