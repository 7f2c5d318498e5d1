"""dlcore.utils: helpers around the core, like torch.utils.

- `to_torch` / `from_torch` (in `interop`): a model's state_dict to PyTorch and back;
- `dlpack.from_dlpack`: zero-copy tensors from NumPy, PyTorch, CuPy (also `dlcore.from_dlpack`);
- `hdf5`: tensors into and out of HDF5 files through h5py (imported only when used);
- `data`: Dataset, DataLoader and samplers, like torch.utils.data (imported on first use).

Nothing here imports PyTorch or h5py until a function that needs it is called.
"""
from . import dlpack  # noqa: F401
from .interop import from_torch, to_torch  # noqa: F401

__all__ = ["to_torch", "from_torch", "dlpack", "data"]


def __getattr__(name):
    # `dlcore.utils.data` (datasets, DataLoader) loads on first use, keeping `import dlcore` fast
    if name == "data":
        import importlib
        return importlib.import_module(".data", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
