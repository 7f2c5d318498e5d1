"""dlcore.save / dlcore.load: round trips, shared storages, safety, robustness, map_location.

- 120 generated objects (all dtypes, 0-d to 4-d, views, non-contiguous, nested containers with
  plain values) come back equal: dtype, shape, strides, offset, requires_grad, values, and which
  tensors share a storage;
- a planted malicious pickle is refused and its payload never runs;
- truncated (10 cut points) and corrupted files raise CorruptFileError naming the file;
- a save that fails or is killed half-way leaves the previous file intact.
"""
import collections
import io
import os
import pathlib
import pickle
import random
import signal
import subprocess
import sys
import zlib

import numpy as np
import pytest

import dlcore
from dlcore import serialization
from dlcore.serialization import CorruptFileError, UnsafeFileError

ROOT = pathlib.Path(__file__).resolve().parent.parent
DTYPES = [dlcore.bool, dlcore.uint8, dlcore.int8, dlcore.int16, dlcore.int32, dlcore.int64,
          dlcore.float16, dlcore.float32, dlcore.float64]


# -- generated objects ----------------------------------------------------------------------------
def _random_base(rng, dtype):
    """A fresh tensor of `dtype` with 0 to 4 dims (sizes 0 to 4) and random values."""
    shape = [rng.randint(0, 4) if rng.random() < 0.1 else rng.randint(1, 4)
             for _ in range(rng.randint(0, 4))]
    values = np.random.default_rng(rng.randrange(2**32)).standard_normal(shape) * 50
    if dtype is dlcore.bool:
        array = values > 0
    else:
        array = values.astype(dtype.np)
        if dtype.is_floating_point and array.size and rng.random() < 0.3:
            array.reshape(-1)[0] = np.nan               # NaN survives too
    return dlcore.from_numpy(np.ascontiguousarray(array))


def _random_view(rng, t):
    """`t` itself, or one of the views that make non-contiguous layouts and offsets."""
    choice = rng.randrange(6)
    if t.dim() == 0 or choice == 0:
        return t
    if choice == 1 and t.dim() >= 2:
        return t.transpose(0, t.dim() - 1)
    if choice == 2:
        return t[tuple(slice(rng.randint(0, 1), None, rng.randint(1, 2)) for _ in range(t.dim()))]
    if choice == 3 and t.size(0):
        return t.select(0, rng.randrange(t.size(0)))
    if choice == 4:
        return t.unsqueeze(0).expand(2, *t.shape)         # a stride of 0
    return t.permute(*reversed(range(t.dim())))


def _random_tensor(rng):
    t = _random_view(rng, _random_base(rng, rng.choice(DTYPES)))
    if t.is_floating_point() and rng.random() < 0.3:
        t = t.detach().requires_grad_()
    return t


def _random_object(rng, depth=0):
    """A tensor, a plain value, or a container of them (with views of one storage inside)."""
    kind = rng.randrange(8 if depth < 2 else 3)
    if kind == 0:
        return _random_tensor(rng)
    if kind == 1:
        return rng.choice([1, -7, 2.5, float("inf"), "text", b"\x00bytes", None, True,
                           complex(1, 2), 10**30])
    if kind == 2:
        base = _random_base(rng, rng.choice(DTYPES))
        return [base, _random_view(rng, base), base.view(-1) if base.dim() else base]
    children = [_random_object(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == 3:
        return children
    if kind == 4:
        return tuple(children)
    if kind == 5:
        return collections.OrderedDict((f"layer{i}.weight", c) for i, c in enumerate(children))
    if kind == 6:
        return {"state": dict(enumerate(children)), "param_groups": [{"lr": 0.1, "params": [0]}]}
    return {"points": children, "epoch": rng.randint(0, 100), "nested": {"more": tuple(children)}}


def _assert_same(saved, loaded, storages):
    """`loaded` equals `saved` in structure, types and tensors; `storages` maps saved storage
    ids to loaded ones, so sharing must be the same on both sides."""
    assert type(loaded) is type(saved)
    if isinstance(saved, dlcore.Tensor):
        assert loaded.dtype is saved.dtype
        assert loaded.shape == saved.shape
        assert loaded.stride() == saved.stride()
        assert loaded.storage_offset() == saved.storage_offset()
        assert loaded.requires_grad == saved.requires_grad
        assert loaded.grad is None and loaded.grad_fn is None
        np.testing.assert_array_equal(loaded.detach().cpu().numpy(), saved.detach().cpu().numpy())
        assert len(loaded.storage()) == len(saved.storage())
        mapped = storages.setdefault(id(saved.storage()), id(loaded.storage()))
        assert mapped == id(loaded.storage()), "tensors sharing a storage must still share one"
    elif isinstance(saved, dict):
        assert list(loaded) == list(saved)
        for k in saved:
            _assert_same(saved[k], loaded[k], storages)
    elif isinstance(saved, (list, tuple)):
        assert len(loaded) == len(saved)
        for a, b in zip(saved, loaded):
            _assert_same(a, b, storages)
    else:
        assert loaded == saved or (loaded != loaded and saved != saved)


@pytest.mark.parametrize("seed", range(120))
def test_generated_objects_round_trip(seed, tmp_path):
    rng = random.Random(seed)
    obj = _random_object(rng)
    if seed % 3 == 0:
        target = tmp_path / "obj.pt"                        # a path
    elif seed % 3 == 1:
        target = str(tmp_path / "obj.pt")                   # a file name
    else:
        target = io.BytesIO()                               # a binary file object
    dlcore.save(obj, target)
    if isinstance(target, io.BytesIO):
        target.seek(0)
    loaded = dlcore.load(target)
    distinct = {}
    _assert_same(obj, loaded, distinct)
    assert len(set(distinct.values())) == len(distinct)     # distinct storages stay distinct


def test_every_dtype_and_rank_round_trips():
    for dtype in DTYPES:
        for shape in [(), (0,), (3,), (2, 3), (2, 0, 3), (2, 3, 1, 2)]:
            t = dlcore.ones(shape, dtype=dtype)
            f = io.BytesIO()
            dlcore.save(t, f)
            f.seek(0)
            u = dlcore.load(f)
            assert (u.dtype, u.shape, u.stride()) == (dtype, t.shape, t.stride())


# -- chapter 2: points, views, files ------------------------------------------------------------
def _points():
    return dlcore.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])


def test_views_saved_together_share_one_storage_after_load(tmp_path):
    points = _points()
    dlcore.save({"points": points, "second": points[1], "t": points.t()}, tmp_path / "p.pt")
    loaded = dlcore.load(tmp_path / "p.pt")
    points2, second, t = loaded["points"], loaded["second"], loaded["t"]
    assert id(points2.storage()) == id(second.storage()) == id(t.storage())
    assert second.storage_offset() == 2 and second.size() == dlcore.Size([2])
    assert t.stride() == (1, 2) and not t.is_contiguous()
    second[0] = 10.0                                        # write into one, see it in the others
    assert points2.tolist() == [[1.0, 4.0], [10.0, 1.0], [3.0, 5.0]]
    assert t[0, 1].item() == 10.0
    assert points.tolist()[1] == [2.0, 1.0]                 # the saved tensor is untouched


def test_save_to_path_open_file_and_bytesio(tmp_path):
    points = _points()
    dlcore.save(points, str(tmp_path / "ourpoints.t"))
    assert dlcore.load(str(tmp_path / "ourpoints.t")).tolist() == points.tolist()
    with open(tmp_path / "ourpoints2.t", "wb") as f:
        dlcore.save(points, f)
    with open(tmp_path / "ourpoints2.t", "rb") as f:
        assert dlcore.load(f).tolist() == points.tolist()
    assert dlcore.load(pathlib.Path(tmp_path / "ourpoints2.t")).tolist() == points.tolist()
    buffer = io.BytesIO()
    dlcore.save(points, buffer)
    assert dlcore.load(io.BytesIO(buffer.getvalue())).tolist() == points.tolist()


def test_several_records_in_one_open_file_load_in_turn():
    f = io.BytesIO()
    dlcore.save(dlcore.ones(2), f)
    dlcore.save({"b": dlcore.zeros(3, dtype=dlcore.int64)}, f)
    f.seek(0)
    assert dlcore.load(f).tolist() == [1.0, 1.0]
    assert dlcore.load(f)["b"].tolist() == [0, 0, 0]


def test_a_storage_is_written_once():
    big = dlcore.zeros(10_000)
    one, many = io.BytesIO(), io.BytesIO()
    dlcore.save(big, one)
    dlcore.save([big, big[1:], big.view(100, 100), big[::2]], many)
    assert len(many.getvalue()) - len(one.getvalue()) < 500


def test_a_storage_itself_round_trips_and_empty_views_past_the_end():
    x = dlcore.arange(24.0).view(4, 6)
    empty = x[4:, 5:]                                       # offset 29 is past the storage's end
    f = io.BytesIO()
    dlcore.save([x.storage(), empty, x], f)
    f.seek(0)
    storage, empty2, x2 = dlcore.load(f)
    assert isinstance(storage, dlcore.Storage) and storage is x2.storage()
    assert storage.tolist() == list(range(24))
    assert (empty2.shape, empty2.stride(), empty2.storage_offset()) == \
        (empty.shape, empty.stride(), empty.storage_offset())


def test_requires_grad_is_kept_but_not_the_graph():
    w = dlcore.ones(3, requires_grad=True)
    y = w * 2
    f = io.BytesIO()
    dlcore.save({"w": w, "y": y}, f)
    f.seek(0)
    loaded = dlcore.load(f)
    assert loaded["w"].requires_grad and loaded["w"].is_leaf
    assert loaded["y"].requires_grad and loaded["y"].grad_fn is None
    assert loaded["y"].tolist() == [2.0, 2.0, 2.0]


def test_old_pickle_protocols_load_safely():
    obj = {"t": _points(), "b": b"\xff\x00", "s": {1, 2}, "o": collections.OrderedDict(a=1)}
    for protocol in (2, 3, 4, 5):
        f = io.BytesIO()
        dlcore.save(obj, f, pickle_protocol=protocol)
        f.seek(0)
        loaded = dlcore.load(f)
        assert loaded["b"] == b"\xff\x00" and loaded["s"] == {1, 2} and loaded["o"] == obj["o"]


def test_the_file_starts_with_magic_and_version(tmp_path):
    dlcore.save(dlcore.ones(1), tmp_path / "x.pt")
    raw = (tmp_path / "x.pt").read_bytes()
    assert raw.startswith(serialization.MAGIC)
    assert int.from_bytes(raw[8:12], "little") == serialization.FORMAT_VERSION == 1


# -- safety ---------------------------------------------------------------------------------------
class _Payload:
    """Pickles as a call that creates a file: what a malicious checkpoint would do."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (exec, (f"open({self.path!r}, 'w').close()",))


def test_a_malicious_file_is_refused_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    dlcore.save({"weight": dlcore.ones(2), "bias": _Payload(marker)}, tmp_path / "evil.pt")
    with pytest.raises(UnsafeFileError) as info:
        dlcore.load(tmp_path / "evil.pt")
    assert not marker.exists()
    assert isinstance(info.value, pickle.UnpicklingError)    # as PyTorch's weights_only error
    message = str(info.value)
    assert "Weights only load failed" in message and "evil.pt" in message
    assert "GLOBAL builtins.exec was not an allowed global" in message
    assert "dlcore.load(f, weights_only=False)" in message
    # the payload was real: a trusting load runs it
    dlcore.load(tmp_path / "evil.pt", weights_only=False)
    assert marker.exists()


def _file_with_pickle(payload):
    """A well-formed dlcore file (right lengths and CRCs) around a hand-written pickle."""
    header = ('{"byteorder":"%s","pickle":{"length":%d,"crc32":%d},"storages":[]}'
              % (sys.byteorder, len(payload), zlib.crc32(payload))).encode()
    return (serialization.MAGIC + (1).to_bytes(4, "little") + len(header).to_bytes(4, "little")
            + zlib.crc32(header).to_bytes(4, "little") + header + payload)


def test_hand_written_pickles_are_refused_or_reported(tmp_path):
    marker = tmp_path / "created"
    opener = (b"\x80\x02cbuiltins\nopen\nX" + len(str(marker)).to_bytes(4, "little")
              + str(marker).encode() + b"X\x01\x00\x00\x00w\x86R.")        # open(marker, 'w')
    with pytest.raises(UnsafeFileError, match="GLOBAL builtins.open"):
        dlcore.load(io.BytesIO(_file_with_pickle(opener)))
    assert not marker.exists()
    with pytest.raises(UnsafeFileError, match="GLOBAL dlcore.nothing.X"):
        dlcore.load(io.BytesIO(_file_with_pickle(b"cdlcore.nothing\nX\n.")))
    with pytest.raises(CorruptFileError, match="malformed .TypeError: Size"):     # Size(5)
        dlcore.load(io.BytesIO(_file_with_pickle(b"\x80\x02cdlcore._size\nSize\nK\x05\x85R.")))
    with pytest.raises(CorruptFileError, match="malformed"):
        dlcore.load(io.BytesIO(_file_with_pickle(b"\x80\x02(garbage")))
    with pytest.raises(CorruptFileError, match="unknown storage"):
        dlcore.load(io.BytesIO(_file_with_pickle(b"\x80\x02X\x07\x00\x00\x00storageK\x00\x86Q.")))


class Point:  # noqa: D101 - a user class, not in the allow-list
    def __init__(self, x):
        self.x = x

    def __eq__(self, other):
        return isinstance(other, Point) and other.x == self.x


def test_unknown_classes_are_refused_unless_allowed():
    f = io.BytesIO()
    dlcore.save({"p": Point(3), "np": np.float64(1.5)}, f)
    for allowed in ([], [Point]):
        f.seek(0)
        with serialization.safe_globals(allowed), pytest.raises(UnsafeFileError, match="GLOBAL"):
            dlcore.load(f)
    f.seek(0)
    assert dlcore.load(f, weights_only=False)["p"] == Point(3)
    g = io.BytesIO()
    dlcore.save([Point(4)], g)
    g.seek(0)
    with serialization.safe_globals([Point]):
        assert dlcore.load(g) == [Point(4)]
    assert serialization.get_safe_globals() == []
    g.seek(0)
    with pytest.raises(UnsafeFileError, match=f"{__name__}.Point"):
        dlcore.load(g)


def test_a_crafted_view_outside_its_storage_is_refused():
    class Crafted:
        def __reduce__(self):
            storage = dlcore.ones(3).storage()
            return (serialization._rebuild_tensor, (storage, 0, (10,), (1,), False))
    f = io.BytesIO()
    dlcore.save(Crafted(), f)
    f.seek(0)
    with pytest.raises(CorruptFileError, match="reaches element 9 of a storage of 3"):
        dlcore.load(f)


def test_an_explicit_pickle_module_needs_weights_only_false():
    f = io.BytesIO()
    dlcore.save(dlcore.ones(2), f)
    f.seek(0)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_"):
        dlcore.load(f, pickle_module=pickle)
    f.seek(0)
    assert dlcore.load(f, pickle_module=pickle, weights_only=False).tolist() == [1.0, 1.0]


class MyTensor(dlcore.Tensor):
    """A Tensor subclass with an attribute, to show the class and its state travel."""


def test_tensor_subclasses_need_allowing_and_keep_their_state():
    t = serialization._rebuild_tensor_subclass(MyTensor, dlcore.arange(3.0).storage(), 0, (3,),
                                               (1,), False)
    t.note = "kept"
    f = io.BytesIO()
    dlcore.save(t, f)
    f.seek(0)
    with pytest.raises(UnsafeFileError, match="MyTensor"):
        dlcore.load(f)
    f.seek(0)
    with serialization.safe_globals([MyTensor]):
        u = dlcore.load(f)
    assert type(u) is MyTensor and u.note == "kept" and u.tolist() == [0.0, 1.0, 2.0]


# -- truncated and corrupted files ----------------------------------------------------------------
def _two_storage_file():
    """The bytes of a file with a header, a pickle, padding and two storages, and its layout."""
    f = io.BytesIO()
    dlcore.save({"a": dlcore.arange(100.0), "b": dlcore.arange(50, dtype=dlcore.int16)}, f)
    raw = f.getvalue()
    header_length = int.from_bytes(raw[12:16], "little")
    return raw, 20 + header_length                          # where the pickle starts


def _cut_points(raw, pickle_start):
    data_start = len(raw) - 100 * 4 - (-400 % 64) - 50 * 2  # storage 0 starts here
    return [1, 5, 8, 14, 19, 30, pickle_start + 10, data_start - 1, data_start + 201,
            len(raw) - 1]


def test_truncated_files_raise_a_clear_error_naming_the_file(tmp_path):
    raw, pickle_start = _two_storage_file()
    cuts = _cut_points(raw, pickle_start)
    assert len(set(cuts)) == 10
    for cut in cuts:
        path = tmp_path / f"cut{cut}.pt"
        path.write_bytes(raw[:cut])
        with pytest.raises(CorruptFileError, match="truncated") as info:
            dlcore.load(path)
        assert repr(str(path)) in str(info.value), cut
    assert dlcore.load(io.BytesIO(raw))["b"].tolist() == list(range(50))


class _Stream(io.RawIOBase):
    """A file that can't seek (a pipe, a socket): the reader must notice short reads itself."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        return self._data.readinto(buffer)


def test_truncated_streams_raise_the_same_error():
    raw, pickle_start = _two_storage_file()
    for cut in _cut_points(raw, pickle_start):
        with pytest.raises(CorruptFileError, match="truncated"):
            dlcore.load(io.BufferedReader(_Stream(raw[:cut])))
    assert dlcore.load(io.BufferedReader(_Stream(raw)))["a"].shape == (100,)


def test_an_empty_file_raises(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(CorruptFileError, match="empty.pt' is not a complete dlcore file: it is "
                                               "empty"):
        dlcore.load(tmp_path / "empty.pt")


@pytest.mark.parametrize("where", ["header", "pickle", "storage 0", "storage 1"])
def test_a_flipped_bit_anywhere_is_caught(where):
    raw, pickle_start = _two_storage_file()
    position = {"header": 25, "pickle": pickle_start + 5, "storage 0": len(raw) - 300,
                "storage 1": len(raw) - 1}[where]
    damaged = bytearray(raw)
    damaged[position] ^= 0x10
    with pytest.raises(CorruptFileError, match="does not match"):
        dlcore.load(io.BytesIO(bytes(damaged)))


def _with_header(raw, header):
    """`raw` with its JSON header replaced (and a correct CRC, as a deliberate edit would have)."""
    old = int.from_bytes(raw[12:16], "little")
    new = header.encode()
    prefix = raw[:12] + len(new).to_bytes(4, "little") + zlib.crc32(new).to_bytes(4, "little")
    return prefix + new + raw[20 + old:]


def test_a_header_that_lies_is_caught():
    raw, _ = _two_storage_file()
    header = raw[20:20 + int.from_bytes(raw[12:16], "little")].decode()
    for lie in ['"float32"', '"int16"'], ['"numel":100', '"numel":-1'], ['"dtype"', '"kind"']:
        with pytest.raises(CorruptFileError):
            dlcore.load(io.BytesIO(_with_header(raw, header.replace(*lie))))


def test_other_files_get_a_hint(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(3))
    with pytest.raises(CorruptFileError, match="numpy.load"):
        dlcore.load(tmp_path / "a.npy")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(CorruptFileError, match="torch.load"):
        dlcore.load(tmp_path / "model.pt")
    (tmp_path / "notes.txt").write_text("hello, world: not a tensor")
    with pytest.raises(CorruptFileError, match="magic string"):
        dlcore.load(tmp_path / "notes.txt")


def test_a_newer_format_version_asks_for_an_upgrade():
    raw, _ = _two_storage_file()
    with pytest.raises(CorruptFileError, match="format version 2.*upgrade dlcore"):
        dlcore.load(io.BytesIO(raw[:8] + (2).to_bytes(4, "little") + raw[12:]))


# -- atomic saves ---------------------------------------------------------------------------------
def test_a_failing_writer_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    dlcore.save({"w": dlcore.ones(1000)}, path)

    def fail_half_way(out, array):
        out.write(array.view(np.uint8).data[:array.nbytes // 2])
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(serialization, "_write_array", fail_half_way)
    with pytest.raises(OSError, match="No space left"):
        dlcore.save({"w": dlcore.zeros(1000)}, path)
    assert dlcore.load(path)["w"].tolist() == [1.0] * 1000
    assert os.listdir(tmp_path) == ["model.pt"]             # the temporary file is gone


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_save_killed_half_way_leaves_the_old_file(tmp_path):
    path = tmp_path / "model.pt"
    dlcore.save({"w": dlcore.ones(1000)}, path)
    script = f"""
import os, signal, numpy as np, dlcore
from dlcore import serialization
def die_half_way(out, array):
    out.write(array.view(np.uint8).data[:array.nbytes // 2])
    out.flush()
    os.kill(os.getpid(), signal.SIGKILL)
serialization._write_array = die_half_way
dlcore.save({{"w": dlcore.zeros(1000)}}, {str(path)!r})
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT)
    assert result.returncode == -signal.SIGKILL
    assert dlcore.load(path)["w"].tolist() == [1.0] * 1000
    leftovers = [name for name in os.listdir(tmp_path) if name != "model.pt"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".model.pt.")   # can't clean after -9
    with pytest.raises(CorruptFileError, match="truncated"):
        dlcore.load(tmp_path / leftovers[0])


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and links")
def test_overwriting_keeps_the_mode_and_writes_through_links(tmp_path):
    target = tmp_path / "real.pt"
    dlcore.save(dlcore.ones(1), target)
    os.chmod(target, 0o640)
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    dlcore.save(dlcore.zeros(1), link)
    assert link.is_symlink() and dlcore.load(target).tolist() == [0.0]
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)


def test_a_missing_folder_raises_like_pytorch(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*nowhere does not exist."):
        dlcore.save(dlcore.ones(1), tmp_path / "nowhere" / "x.pt")


# -- map_location ---------------------------------------------------------------------------------
def _cuda_file():
    """A file as a GPU machine would write it: the storage's location is 'cuda:0'."""
    t = dlcore.tensor([1.0, 2.0, 3.0])
    t.storage().device = dlcore.device("cuda:0")
    f = io.BytesIO()
    dlcore.save({"w": t, "w1": t[1:]}, f)
    return f.getvalue()


_needs_no_gpu = pytest.mark.skipif(dlcore.cuda.is_available(),
                                   reason="checks the error given where no GPU is present")


@_needs_no_gpu
def test_a_cuda_file_without_map_location_says_how_to_load_it():
    with pytest.raises(RuntimeError, match=r"Attempting to deserialize object on a CUDA device "
                       r"but dlcore.cuda.is_available\(\) is False.*map_location=dlcore.device"):
        dlcore.load(io.BytesIO(_cuda_file()))


@pytest.mark.parametrize("map_location", [
    "cpu", dlcore.device("cpu"), {"cuda:0": "cpu"}, lambda storage, location: storage])
def test_map_location_loads_cuda_files_on_the_cpu(map_location):
    loaded = dlcore.load(io.BytesIO(_cuda_file()), map_location=map_location)
    assert loaded["w"].tolist() == [1.0, 2.0, 3.0] and loaded["w"].device == dlcore.device("cpu")
    assert loaded["w"].storage().device == dlcore.device("cpu")
    assert loaded["w1"].storage() is loaded["w"].storage()


@pytest.mark.skipif(not dlcore.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_file_loads_onto_the_gpu_where_there_is_one():
    loaded = dlcore.load(io.BytesIO(_cuda_file()))
    assert loaded["w"].device == dlcore.device("cuda:0") and loaded["w"].tolist() == [1.0, 2.0, 3.0]


@_needs_no_gpu
def test_map_location_cuda_without_a_gpu_says_so():
    f = io.BytesIO()
    dlcore.save(dlcore.ones(1), f)
    with pytest.raises(RuntimeError, match="CUDA device"):
        dlcore.load(io.BytesIO(f.getvalue()), map_location="cuda:0")


def test_map_location_errors():
    f = io.BytesIO()
    dlcore.save(dlcore.ones(1), f)
    raw = f.getvalue()
    assert dlcore.load(io.BytesIO(raw), map_location={"cuda:1": "cuda:0"}).tolist() == [1.0]
    assert dlcore.load(io.BytesIO(raw), map_location=lambda s, loc: None).tolist() == [1.0]
    with pytest.raises(TypeError, match="must return a Storage"):
        dlcore.load(io.BytesIO(raw), map_location=lambda s, loc: "cpu")
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        dlcore.load(io.BytesIO(raw), map_location="tpu")


# -- against PyTorch ------------------------------------------------------------------------------
def test_the_api_matches_pytorchs():
    torch = pytest.importorskip("torch")
    import inspect
    for name in ("save", "load"):
        ours = list(inspect.signature(getattr(dlcore, name)).parameters)
        theirs = list(inspect.signature(getattr(torch, name)).parameters)
        assert ours == [p for p in theirs if p not in ("mmap", "_use_new_zipfile_serialization",
                                                      "_disable_byteorder_record")]
    assert issubclass(UnsafeFileError, pickle.UnpicklingError)


def test_the_same_objects_are_refused_as_by_pytorch():
    torch = pytest.importorskip("torch")
    accepted = [{"a": 1, "b": [2.5, "x", None, (True, b"y")]}, collections.OrderedDict(k=3),
                collections.Counter("abca"), {1, 2}, complex(1, 2), bytearray(b"z")]
    refused = [Point(1), np.float64(1.5), os.system, pathlib.Path("x"), slice(1, 2)]
    for obj, allowed in [(o, True) for o in accepted] + [(o, False) for o in refused]:
        theirs, ours = io.BytesIO(), io.BytesIO()
        torch.save(obj, theirs)
        dlcore.save(obj, ours)
        theirs.seek(0)
        ours.seek(0)
        if allowed:
            assert torch.load(theirs) == dlcore.load(ours) == obj
        else:
            with pytest.raises(pickle.UnpicklingError):
                torch.load(theirs)
            with pytest.raises(UnsafeFileError):
                dlcore.load(ours)
    # PyTorch (protocol 2) refuses a frozenset's global; protocol 4 needs none for it
    f = io.BytesIO()
    dlcore.save(frozenset([3]), f)
    f.seek(0)
    assert dlcore.load(f) == frozenset([3])
