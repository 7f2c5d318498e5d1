"""Tensors in HDF5 files, through h5py: the recipe of chapter 2, and two helpers built on it.

HDF5 keeps named, typed n-d arrays ("datasets") in one file, and reads any slice of one from
disk without reading the rest. h5py shows a dataset as a NumPy-like object, so a tensor goes in
as `t.numpy()` and comes back through `dlcore.from_numpy`:

    import h5py
    with h5py.File("ourpoints.hdf5", "w") as f:
        dset = f.create_dataset("coords", data=points.numpy())

    with h5py.File("ourpoints.hdf5", "r") as f:
        dset = f["coords"]
        last_points = dlcore.from_numpy(dset[-2:])     # reads only the last two rows

`dset[-2:]` is a new NumPy array read from disk, so the tensor owns its memory and stays valid
after the file is closed (the dataset `dset` itself does not). h5py is an optional dependency
(in dlcore's `notebooks` extra): it is imported only inside `save_hdf5` and `load_hdf5`.
"""
import numpy as np

from ..ops.creation import from_numpy

__all__ = ["write_tensor", "read_tensor", "save_hdf5", "load_hdf5"]


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("HDF5 files need h5py: pip install h5py (it is in dlcore's "
                          "'notebooks' extra)") from None
    return h5py


def write_tensor(group, name, tensor, **dataset_options):
    """`group.create_dataset(name, data=tensor's values, **dataset_options)`; returns the dataset.

    `group` is an open h5py File or Group; `dataset_options` go to h5py (compression="gzip",
    chunks=True, ...). A tensor that requires grad is written without its graph.
    """
    return group.create_dataset(name, data=tensor.detach().numpy(), **dataset_options)


def read_tensor(dataset, index=()):
    """`from_numpy(dataset[index])`: the selected part only is read from disk.

    `read_tensor(dset)` reads everything, `read_tensor(dset, slice(-2, None))` is `dset[-2:]`.
    """
    return from_numpy(np.asarray(dataset[index]))     # asarray: a 0-d read gives a NumPy scalar


def save_hdf5(tensors, path, mode="w", **dataset_options):
    """Write a dict {name: tensor} to the HDF5 file `path` (names may hold '/' for groups).

    `dataset_options` (compression="gzip", ...) apply to tensors with dimensions: HDF5 stores
    0-d datasets as they are, without chunks or filters.
    """
    with _h5py().File(path, mode) as f:
        for name, tensor in tensors.items():
            write_tensor(f, name, tensor, **(dataset_options if tensor.dim() else {}))


def load_hdf5(path, names=None):
    """A dict {name: tensor} of the datasets in the HDF5 file `path` (all of them, groups
    included with '/' in their names, or only `names`)."""
    h5py = _h5py()
    with h5py.File(path, "r") as f:
        if names is None:
            names = []
            f.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset)
                         else None)
        return {name: read_tensor(f[name]) for name in names}
