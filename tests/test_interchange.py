"""Exchange with NumPy, PyTorch and HDF5: DLPack and `__array__` share memory (write one, read the
other, both ways), `to_torch`/`from_torch` move state_dicts between dlcore and PyTorch, and the
HDF5 recipe of chapter 2 (`create_dataset`, a partial read `dset[-2:]`, `from_numpy`) works.
"""
import collections
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlcore

pytestmark = pytest.mark.cpu_only(reason="exchanges memory with NumPy, DLPack on the host and h5py")
from dlcore.utils import from_torch, to_torch

ROOT = Path(__file__).resolve().parent.parent
DTYPES = [dlcore.bool, dlcore.uint8, dlcore.int8, dlcore.int16, dlcore.int32, dlcore.int64,
          dlcore.float16, dlcore.float32, dlcore.float64]


def _tensor(dtype, shape=(3, 4)):
    values = np.arange(np.prod(shape)).reshape(shape)
    return dlcore.from_numpy(values % 2 == 1 if dtype is dlcore.bool else values.astype(dtype.np))


def _views(t):
    """The tensor, a transposed (non-contiguous) view, a strided slice with an offset, a 0-d."""
    return [t, t.t(), t[1:, ::2], t[1, 2]]


def _flip(value):
    return not value if isinstance(value, (bool, np.bool_)) else value + 1


# -- NumPy -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_numpy_from_dlpack_shares_memory_both_ways(dtype):
    for view in _views(_tensor(dtype)):
        array = np.from_dlpack(view)
        assert array.dtype == dtype.np and array.shape == tuple(view.shape)
        assert array.strides == tuple(s * view.element_size() for s in view.stride())
        index = (0,) * view.dim()
        array[index] = _flip(array[index])                     # NumPy writes, dlcore reads
        assert view[index].item() == array[index]
        view[index] = _flip(view[index].item())                # dlcore writes, NumPy reads
        assert array[index] == view[index].item()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dlcore_from_dlpack_of_numpy_shares_memory(dtype):
    base = _tensor(dtype).cpu().numpy().copy()
    for array in (base, base.T, base[1:, ::2], base[1, 2:3].reshape(())):
        t = dlcore.from_dlpack(array)
        assert t.dtype is dtype and tuple(t.shape) == array.shape
        assert t.stride() == tuple(s // array.itemsize for s in array.strides)
        index = (0,) * array.ndim
        t[index] = _flip(t[index].item())
        assert array[index] == t[index].item()
        array[index] = _flip(array[index])
        assert t[index].item() == array[index]


def test_array_protocol_shares_memory():
    t = dlcore.zeros(2, 3)
    array = np.asarray(t)
    array[1, 2] = 5.0
    assert t[1, 2].item() == 5.0
    assert np.shares_memory(np.asarray(t.t()), array)


def test_dlcore_from_dlpack_of_a_dlcore_tensor_shares_memory():
    t = dlcore.arange(6.0).view(2, 3)
    u = dlcore.from_dlpack(t.t())
    u[0, 1] = 100.0
    assert t[1, 0].item() == 100.0 and u.stride() == (1, 3)


def test_exporting_a_tensor_that_requires_grad_raises_like_pytorch():
    torch = pytest.importorskip("torch")
    ours = dlcore.ones(2, requires_grad=True)
    theirs = torch.ones(2, requires_grad=True)
    for exporter in (np.from_dlpack, torch.from_dlpack):
        for t in (ours, theirs):
            with pytest.raises(BufferError, match="Can't export tensors that require gradient, "
                                                  "use tensor.detach()"):
                exporter(t)
    assert np.from_dlpack(ours.detach()).tolist() == [1.0, 1.0]


def test_from_dlpack_errors():
    with pytest.raises(TypeError, match="expected an object with __dlpack__"):
        dlcore.from_dlpack([1, 2, 3])
    capsule = np.arange(3).__dlpack__()
    with pytest.raises(TypeError, match="capsules are not supported"):
        dlcore.from_dlpack(capsule)
    with pytest.raises(TypeError, match="numpy.uint16"):
        dlcore.from_dlpack(np.zeros(3, np.uint16))

    class OnTheGPU:
        def __dlpack__(self, **kwargs):
            raise AssertionError("never asked for its memory")

        def __dlpack_device__(self):
            return (2, 0)                                       # kDLCUDA, device 0
    if not dlcore.cuda.is_available():
        with pytest.raises(RuntimeError, match="No CUDA GPU was found"):
            dlcore.from_dlpack(OnTheGPU())


# -- PyTorch ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_and_dlcore_share_memory_through_dlpack_both_ways(dtype):
    torch = pytest.importorskip("torch")
    torch_dtype = getattr(torch, dtype.np.name)
    for view in _views(_tensor(dtype)):                         # dlcore -> torch
        theirs = torch.from_dlpack(view)
        assert theirs.dtype == torch_dtype and tuple(theirs.shape) == tuple(view.shape)
        assert theirs.stride() == view.stride() and theirs.data_ptr() == view.data_ptr()
        index = (0,) * view.dim()
        theirs[index] = _flip(theirs[index].item())
        assert view[index].item() == theirs[index].item()
        view[index] = _flip(view[index].item())
        assert theirs[index].item() == view[index].item()
    base = torch.from_numpy(_tensor(dtype).cpu().numpy().copy())     # torch -> dlcore
    for theirs in (base, base.t(), base[1:, ::2], base[1, 2]):
        ours = dlcore.from_dlpack(theirs)
        assert ours.dtype is dtype and ours.stride() == theirs.stride()
        assert ours.storage_offset() == 0 and ours.data_ptr() == theirs.data_ptr()
        index = (0,) * theirs.dim()
        ours[index] = _flip(ours[index].item())
        assert theirs[index].item() == ours[index].item()
        theirs[index] = _flip(theirs[index].item())
        assert ours[index].item() == theirs[index].item()


def test_unsupported_torch_dtypes_raise_a_clear_error():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="no dlcore equivalent"):
        dlcore.from_dlpack(torch.zeros(2, dtype=torch.bfloat16))
    with pytest.raises(TypeError, match=r"fc/weight has dtype torch.bfloat16"):
        from_torch({"fc": {"weight": torch.zeros(2, dtype=torch.bfloat16)}})


def _trained_torch_model(torch):
    """A small model and its Adam optimizer after one step: state with tensors and plain values."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(5, 3)).pow(2).sum().backward()
    optimizer.step()
    return model, optimizer


def test_from_torch_then_to_torch_continues_training_in_pytorch():
    torch = pytest.importorskip("torch")
    model, optimizer = _trained_torch_model(torch)
    state = from_torch(model)
    opt_state = from_torch(optimizer)
    assert type(state) is collections.OrderedDict
    assert list(state) == list(model.state_dict())
    for key, value in model.state_dict().items():
        assert isinstance(state[key], dlcore.Tensor)
        assert tuple(state[key].shape) == tuple(value.shape)
        np.testing.assert_array_equal(state[key].cpu().numpy(), value.cpu().numpy())
    assert opt_state["param_groups"] == optimizer.state_dict()["param_groups"]
    assert isinstance(opt_state["state"][0]["exp_avg"], dlcore.Tensor)

    model2, optimizer2 = _trained_torch_model(torch)
    with torch.no_grad():
        for p in model2.parameters():
            p.zero_()
    model2.load_state_dict(to_torch(state))
    optimizer2.load_state_dict(to_torch(opt_state))
    x = torch.randn(4, 3)
    for m, o in ((model, optimizer), (model2, optimizer2)):   # one more step, the same in both
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    for p, q in zip(model.parameters(), model2.parameters()):
        assert torch.equal(p, q)


def test_to_torch_takes_a_dlcore_model_or_a_nested_state_dict():
    torch = pytest.importorskip("torch")

    class TinyModel:                         # what a dlcore.nn.Module offers: state_dict()
        def __init__(self):
            self.weight = dlcore.ones(2, 3)
            self.bias = dlcore.zeros(2, dtype=dlcore.float64)

        def state_dict(self):
            return collections.OrderedDict(weight=self.weight, bias=self.bias)
    state = to_torch(TinyModel())
    assert list(state) == ["weight", "bias"] and state["bias"].dtype == torch.float64
    Pair = collections.namedtuple("Pair", "first second")
    nested = {"state": {0: {"step": dlcore.tensor(3.0), "pair": Pair(dlcore.ones(1), 2)}},
              "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]}
    converted = to_torch(nested)
    assert isinstance(converted["state"][0]["step"], torch.Tensor)
    assert type(converted["state"][0]["pair"]) is Pair and converted["state"][0]["pair"].second == 2
    assert converted["param_groups"] == nested["param_groups"]
    back = from_torch(converted)
    assert back["state"][0]["step"].item() == 3.0 and back["param_groups"] == nested["param_groups"]


def test_copies_by_default_shared_memory_on_request():
    torch = pytest.importorskip("torch")
    ours = {"w": dlcore.zeros(3)}
    copied, shared = to_torch(ours), to_torch(ours, copy=False)
    ours["w"][0] = 1.0
    assert copied["w"].tolist() == [0.0, 0.0, 0.0] and shared["w"].tolist() == [1.0, 0.0, 0.0]
    theirs = {"w": torch.zeros(3)}
    copied, shared = from_torch(theirs), from_torch(theirs, copy=False)
    theirs["w"][1] = 2.0
    assert copied["w"].tolist() == [0.0, 0.0, 0.0] and shared["w"].tolist() == [0.0, 2.0, 0.0]


def test_requires_grad_crosses_over_and_metadata_is_kept():
    torch = pytest.importorskip("torch")
    converted = to_torch({"w": dlcore.ones(2, requires_grad=True), "i": dlcore.ones(2).long()})
    assert converted["w"].requires_grad and converted["w"].is_leaf
    assert not converted["i"].requires_grad
    back = from_torch(converted)
    assert back["w"].requires_grad and not back["i"].requires_grad
    state = torch.nn.Linear(2, 2).state_dict()
    assert from_torch(state)._metadata == state._metadata


def test_import_dlcore_and_its_utils_load_neither_torch_nor_h5py():
    code = ("import sys, dlcore, dlcore.utils, dlcore.utils.hdf5, dlcore.serialization; "
            "print(sorted(m for m in ('torch', 'h5py') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"


# -- HDF5 ------------------------------------------------------------------------------------------
def test_hdf5_recipe_of_chapter_2(tmp_path):
    h5py = pytest.importorskip("h5py")
    points = dlcore.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0], [7.0, 8.0]])
    with h5py.File(tmp_path / "ourpoints.hdf5", "w") as f:
        f.create_dataset("coords", data=points.cpu().numpy())
    with h5py.File(tmp_path / "ourpoints.hdf5", "r") as f:
        dset = f["coords"]
        last_points = dlcore.from_numpy(dset[-2:])             # reads the last two rows only
    assert last_points.tolist() == [[2.0, 1.0], [7.0, 8.0]]    # valid after the file is closed
    assert last_points.dtype is dlcore.float32


def test_hdf5_helpers(tmp_path):
    h5py = pytest.importorskip("h5py")
    from dlcore.utils import hdf5
    tensors = {dtype.np.name: _tensor(dtype).t() for dtype in DTYPES}   # non-contiguous too
    tensors["model/layer0/weight"] = dlcore.ones(2, 3, requires_grad=True)
    tensors["scalar"] = dlcore.tensor(2.5, dtype=dlcore.float64)
    hdf5.save_hdf5(tensors, tmp_path / "all.h5", compression="gzip")
    loaded = hdf5.load_hdf5(tmp_path / "all.h5")
    assert sorted(loaded) == sorted(tensors)
    for name, t in tensors.items():
        assert loaded[name].dtype is t.dtype and loaded[name].tolist() == t.tolist(), name
    with h5py.File(tmp_path / "all.h5", "r") as f:
        part = hdf5.read_tensor(f["int64"], np.s_[-2:, 1])
        assert part.tolist() == tensors["int64"][-2:, 1].tolist()
        written = hdf5.write_tensor(h5py.File(tmp_path / "more.h5", "w"), "x", dlcore.ones(3))
        assert written.shape == (3,)
        written.file.close()
    assert list(hdf5.load_hdf5(tmp_path / "all.h5", names=["scalar"])) == ["scalar"]


def test_hdf5_without_h5py_says_how_to_get_it(tmp_path, monkeypatch):
    from dlcore.utils import hdf5
    monkeypatch.setitem(sys.modules, "h5py", None)              # `import h5py` now fails
    with pytest.raises(ImportError, match="pip install h5py"):
        hdf5.load_hdf5(tmp_path / "x.h5")
