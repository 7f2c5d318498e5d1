"""Parameter: a tensor that a Module registers as one of its learnable weights."""
from .._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that is a module's weight: assigned to a Module attribute, it is registered
    and shows up in `parameters()`. It shares memory with `data` and requires grad by default.
    Operations on it give plain Tensors."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        base = data.detach()                # a leaf over the same memory (AttributeError if
        param = object.__new__(cls)         # `data` is no tensor, as in PyTorch)
        for field in Tensor.__slots__:
            if field != "__weakref__":
                setattr(param, field, getattr(base, field))
        if requires_grad:
            if not param.is_floating_point():
                raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                                   "gradients")
            param.requires_grad = True
        return param

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.data.clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        # a Parameter pickles as its data (a Tensor) and its flag; the grad is not kept
        return (_rebuild_parameter, (self.detach(), self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)
