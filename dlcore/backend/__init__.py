"""Backends: the only package that knows NumPy or CuPy exists."""
import numpy as _np


def array_module(array):
    """The array library an array belongs to: numpy, or cupy for a CuPy array (never imports CuPy
    for NumPy arrays, so code on the CPU never needs it)."""
    if type(array).__module__.startswith("cupy"):
        import cupy
        return cupy
    return _np
