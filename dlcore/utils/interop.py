"""A model trained in dlcore continues in PyTorch, and back: state_dicts in both directions.

    torch_model.load_state_dict(dlcore.utils.to_torch(dlcore_model))
    dlcore_model.load_state_dict(dlcore.utils.from_torch(torch_model))

Both take a model (anything with `.state_dict()`, an optimizer too) or a state_dict, and
return the same structure (dicts, OrderedDicts, lists, tuples, nested as they were, with the
same keys) where every tensor is converted; other values are kept as they are.

Copies or shared memory: by default (`copy=True`) the tensors are copies, so training one
model never changes the other. `copy=False` shares memory through DLPack instead (no copy;
a write into one shows in the other). PyTorch tensors on a GPU are always copied to the CPU,
where dlcore runs. `requires_grad` is kept; `grad` and the graph are not.

PyTorch is imported only inside these functions: `import dlcore` never loads it.
"""
import copy as _copy

from .._dtype import ALL_DTYPES
from .._tensor import Tensor
from .dlpack import from_dlpack

__all__ = ["to_torch", "from_torch"]

_NAMES = {d.np.name for d in ALL_DTYPES}                # 'float32', ..., 'bool'
_SUPPORTED = ", ".join(d.np.name for d in ALL_DTYPES)


def to_torch(model_or_state_dict, *, copy=True):
    """The state_dict of a dlcore model (or a state_dict) with PyTorch tensors in it."""
    import torch

    def convert(t, key):
        # DLPack from the tensor's NumPy view: the grad state is ours to carry over, not DLPack's
        shared = torch.from_dlpack(t._data)
        result = shared.clone() if copy else shared
        if t.requires_grad:
            result.requires_grad_(True)
        return result

    return _convert(_state_of(model_or_state_dict), Tensor, convert, ())


def from_torch(model_or_state_dict, *, copy=True):
    """The state_dict of a PyTorch model or optimizer (or a state_dict) with dlcore tensors in
    it: the same keys and shapes."""
    import torch

    def convert(t, key):
        where = "/".join(str(k) for k in key) or "the object"
        if str(t.dtype).replace("torch.", "") not in _NAMES:
            raise TypeError(f"from_torch(): {where} has dtype {t.dtype}, which dlcore does not "
                            f"support (it supports {_SUPPORTED})")
        source = t.detach().cpu()     # .cpu() copies from a GPU, and is t itself on the CPU
        if copy and source.data_ptr() == t.data_ptr():
            source = source.clone()
        result = from_dlpack(source)
        if t.requires_grad:
            result.requires_grad = True
        return result

    return _convert(_state_of(model_or_state_dict), torch.Tensor, convert, ())


def _state_of(obj):
    """A model's or optimizer's state_dict; a dict (or any other value) as it is."""
    if not isinstance(obj, dict) and callable(getattr(obj, "state_dict", None)):
        return obj.state_dict()
    return obj


def _convert(obj, tensor_type, convert, key):
    """`obj` rebuilt with `convert(tensor, key_path)` applied to each tensor of `tensor_type`."""
    if isinstance(obj, tensor_type):
        return convert(obj, key)
    if isinstance(obj, dict):
        result = obj.copy()                  # the same kind of dict (OrderedDict, defaultdict)
        for k, v in obj.items():
            result[k] = _convert(v, tensor_type, convert, key + (k,))
        if hasattr(obj, "_metadata"):        # PyTorch's state_dict carries version metadata
            result._metadata = _copy.deepcopy(obj._metadata)
        return result
    if isinstance(obj, (list, tuple)):
        items = [_convert(v, tensor_type, convert, key + (i,)) for i, v in enumerate(obj)]
        if hasattr(obj, "_fields"):          # a namedtuple takes its fields one by one
            return type(obj)(*items)
        return type(obj)(items)
    return obj
