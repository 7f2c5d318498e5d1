"""Printing tensors (placeholder until the port of PyTorch's rules lands)."""


def _str(self, *, tensor_contents=None):
    return "tensor(" + repr(self._data.tolist()) + ")"


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    pass
