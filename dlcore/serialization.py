"""Saving and loading: `dlcore.save(obj, f)` and `dlcore.load(f)`, safe by default.

`obj` is anything picklable that holds tensors: one tensor, a model's `state_dict`, an
optimizer's `state_dict`, nested dicts/lists/tuples of tensors and plain Python values.
`f` is a file name, a `pathlib.Path`, or a binary file opened for writing/reading.

What a file keeps
-----------------
Each tensor keeps its dtype, shape, strides, storage offset and `requires_grad` flag (not its
`grad` or `grad_fn`). Tensors are saved through their *storages*: a storage is written once,
however many saved tensors view it, so `points` and `points[1]` saved together still share one
storage after loading (write into one, see it in the other). A tensor's whole storage is
written, also when the tensor views only a small part of it: save `t.clone()` to save just `t`.

The file format (version 1)
---------------------------
One record, laid out so that a reader can check every byte before it builds a single tensor::

    offset  size  content
    0       8     magic string b"\\x89DLCORE\\n"
    8       4     format version, uint32 little-endian (1)
    12      4     length H of the header, uint32 little-endian
    16      4     CRC-32 of the header, uint32 little-endian
    20      H     the header: UTF-8 JSON, below
    20+H    P     the pickle of `obj`, each Storage in it replaced by the persistent id
                  ("storage", i), an index into the header's list of storages
    ...           zero bytes up to D = 20 + H + P rounded up to a multiple of 64
    D + o_i       storage i's raw bytes (o_i from the header; each o_i is a multiple of 64)

The header::

    {"byteorder": "little",
     "pickle": {"length": P, "crc32": 123},
     "storages": [{"dtype": "float32", "numel": 6, "device": "cpu",
                   "offset": 0, "checksum": 456}, ...]}

The magic string's first byte has its high bit set and it ends in a newline, as PNG's does, so
a 7-bit transfer or a text-mode line-ending conversion shows as "not a dlcore file" rather than
as wrong numbers. `checksum` is the sum of the storage's bytes read as little-endian 64-bit
words (the last word padded with zeros), modulo 2**64: it catches any changed word, such as a
flipped bit, and it costs a tenth of writing the bytes, where a CRC-32 would double it. Offsets
are multiples of 64 so that the data could be memory-mapped, aligned, one day.

Safety
------
A pickle can call any function on loading. `load` therefore unpickles by default
(`weights_only=True`, as PyTorch >= 2.6) with an Unpickler whose `find_class` lets through only
an allow-list: dlcore's own rebuild helpers, dtypes, `Size`, `device`, dlcore's Tensor
subclasses, `collections.OrderedDict` and a few builtin containers. Anything else raises
`UnsafeFileError` before it runs; `load(f, weights_only=False)` loads trusted files with any
object in them, and `add_safe_globals` lets one more class or function through.

Robustness
----------
Saving to a path writes a temporary file in the same folder, flushes it to disk (fsync) and
renames it over the target (`os.replace`, atomic): an interrupted save leaves the previous file
as it was. Loading checks the magic string, the version, the length of every part and every
checksum before it unpickles anything; a file that fails raises `CorruptFileError`, which names
the file.
"""
import builtins
import codecs
import collections
import contextlib
import importlib
import io
import json
import os
import pickle
import stat
import struct
import sys
import uuid
import zlib
from _compat_pickle import IMPORT_MAPPING as _PY2_MODULES, NAME_MAPPING as _PY2_NAMES

import numpy as np

from . import _dtype
from ._device import CPU, _as_device, device
from ._size import Size
from ._storage import Storage
from ._tensor import Tensor, _as_strided_view, _move_array, _wrap
from .backend import backend_of_array

__all__ = ["save", "load", "UnsafeFileError", "CorruptFileError", "add_safe_globals",
           "clear_safe_globals", "get_safe_globals", "safe_globals", "DEFAULT_PROTOCOL",
           "FORMAT_VERSION", "MAGIC"]

MAGIC = b"\x89DLCORE\n"
FORMAT_VERSION = 1
DEFAULT_PROTOCOL = 4            # pickles bytes and sets natively, and objects over 4 GiB
_PREFIX = struct.Struct("<8sIII")   # magic, version, header length, header CRC-32
_ALIGN = 64
_CHUNK = 1 << 24                # metadata is read in pieces: a corrupt length can't allocate GiBs
_DTYPES = {d.np.name: d for d in _dtype.ALL_DTYPES}     # 'float32' -> dlcore.float32


class UnsafeFileError(pickle.UnpicklingError):
    """`load(f)` refused a file whose pickle names a global outside the allow-list.

    A subclass of `pickle.UnpicklingError`, the type of PyTorch's "Weights only load failed".
    """


class CorruptFileError(RuntimeError):
    """`load(f)` found no complete dlcore file: not one at all, a newer format version,
    truncated, or with a part whose length or checksum does not match."""


# == saving ========================================================================================
def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL):
    """Save `obj` (tensors, dicts/lists/tuples of them and of plain values) to `f`.

    `f` is a file name or `os.PathLike` (written atomically: a temporary file in the same folder,
    fsync, then renamed over `f`) or a binary file object (written at its current position).
    """
    if isinstance(f, (str, os.PathLike)):
        _save_to_path(obj, f, pickle_module, pickle_protocol)
    else:
        _write_record(obj, f, pickle_module, pickle_protocol)


def _save_to_path(obj, path, pickle_module, protocol):
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path = os.fspath(path)
    if os.path.islink(path):
        path = os.path.realpath(path)         # replace the file the link points to, not the link
    parent = os.path.dirname(path)
    if not os.path.isdir(parent or "."):
        raise RuntimeError(f"Parent directory {parent} does not exist.")
    temporary = os.path.join(parent, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    # 0o666 and the umask give the permissions open(path, 'wb') would; O_EXCL never reuses a file
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temporary, flags, 0o666)
    try:
        with open(fd, "wb") as out:
            _write_record(obj, out, pickle_module, protocol)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):    # keep the mode of the file being replaced
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(parent or ".")


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX; elsewhere, and where refused, skipped)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _StorageSaver:
    """Pickler mixin: storages become persistent ids, tensors become `_rebuild_tensor` calls."""

    def _start(self):
        self.storages = []        # in first-seen order; a storage's index is its persistent id
        self._index = {}          # id(storage) -> index (the list keeps the ids alive and unique)

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            index = self._index.get(id(obj))
            if index is None:
                index = self._index[id(obj)] = len(self.storages)
                self.storages.append(obj)
            return ("storage", index)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _reduce_tensor(obj)
        return NotImplemented


def _pickler_class(pickle_module):
    if pickle_module is pickle:
        return _Pickler
    return type("_Pickler", (_StorageSaver, pickle_module.Pickler), {})


class _Pickler(_StorageSaver, pickle.Pickler):
    pass


def _reduce_tensor(t):
    """What pickle stores for a tensor: the rebuild call, with its storage as a persistent id."""
    args = (t.storage(), t.storage_offset(), tuple(t.shape), t.stride(), bool(t.requires_grad))
    if type(t) is Tensor:
        return (_rebuild_tensor, args)
    # a subclass (a Parameter): its class is a global, checked against the allow-list on load
    return (_rebuild_tensor_subclass, (type(t),) + args, getattr(t, "__dict__", None) or None)


def _write_record(obj, out, pickle_module=pickle, protocol=DEFAULT_PROTOCOL):
    """Write one record (prefix, header, pickle, storages) to the binary file `out`."""
    buffer = io.BytesIO()
    pickler = _pickler_class(pickle_module)(buffer, protocol)
    pickler._start()
    pickler.dump(obj)
    payload = buffer.getbuffer()
    # the bytes are written from host memory: a GPU storage is copied back first
    arrays = [np.ascontiguousarray(backend_of_array(s._array).to_numpy(s._array))
              for s in pickler.storages]
    entries, offset = [], 0
    for storage, array in zip(pickler.storages, arrays):
        entries.append({"dtype": array.dtype.name, "numel": int(array.size),
                        "device": str(storage.device), "offset": offset,
                        "checksum": _checksum(array)})
        offset = _aligned(offset + array.nbytes)
    header = json.dumps({"byteorder": sys.byteorder,
                         "pickle": {"length": len(payload), "crc32": zlib.crc32(payload)},
                         "storages": entries}, separators=(",", ":")).encode()
    out.write(_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), zlib.crc32(header)))
    out.write(header)
    out.write(payload)
    position = _PREFIX.size + len(header) + len(payload)
    data_start = _aligned(position)
    for entry, array in zip(entries, arrays):
        start = data_start + entry["offset"]
        out.write(bytes(start - position))            # zero padding up to the aligned offset
        _write_array(out, array)
        position = start + array.nbytes


def _write_array(out, array):
    """Write a contiguous array's bytes with one call (`tofile` on an OS file, as numpy.save)."""
    if not array.nbytes:
        return
    if isinstance(out, (io.FileIO, io.BufferedWriter, io.BufferedRandom)):
        out.flush()                                    # tofile writes below Python's buffer
        array.tofile(out)
    else:
        out.write(array.view(np.uint8).data)


def _aligned(n):
    return -(-n // _ALIGN) * _ALIGN


def _checksum(array):
    """Sum of a contiguous array's bytes read as little-endian uint64 words, modulo 2**64."""
    raw = array.reshape(-1).view(np.uint8)
    whole = raw.size - raw.size % 8
    total = int(np.add.reduce(raw[:whole].view("<u8"), dtype=np.uint64)) if whole else 0
    return (total + int.from_bytes(raw[whole:].tobytes(), "little")) % (1 << 64)


# == rebuilding tensors (the functions a file's pickle may call) ===================================
class _BadRecord(ValueError):
    """A rebuild helper got values no save writes; `load` turns it into CorruptFileError."""


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad):
    """The tensor `save` described: a view (size, stride, offset) of a loaded storage."""
    _check_view(storage, storage_offset, size, stride, requires_grad)
    t = _as_strided_view(_wrap(storage._array, storage), tuple(size), tuple(stride), storage_offset)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_tensor_subclass(cls, storage, storage_offset, size, stride, requires_grad):
    """A tensor of a Tensor subclass (such as a Parameter): rebuilt as a Tensor, whose fields
    (Tensor's slots) then move into a bare instance of `cls`; pickle restores its __dict__."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise _BadRecord(f"{cls!r} is not a Tensor subclass")
    base = _rebuild_tensor(storage, storage_offset, size, stride, requires_grad)
    t = object.__new__(cls)
    for field in Tensor.__slots__:
        if field != "__weakref__":
            setattr(t, field, getattr(base, field))
    return t


def _check_view(storage, offset, size, stride, requires_grad):
    """Refuse a view that no save could have written (the pickle may have been crafted)."""
    def ints(values):
        return isinstance(values, (tuple, list)) and all(type(v) is int and v >= 0 for v in values)
    if not isinstance(storage, Storage):
        raise _BadRecord(f"a tensor's storage is a {type(storage).__name__}")
    if type(offset) is not int or offset < 0 or not ints(size) or not ints(stride) \
            or len(size) != len(stride) or type(requires_grad) is not bool:
        raise _BadRecord(f"invalid tensor metadata: offset={offset!r}, size={size!r}, "
                         f"stride={stride!r}, requires_grad={requires_grad!r}")
    if all(size):       # a tensor with elements must lie inside its storage
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size():
            raise _BadRecord(f"a tensor of size {list(size)}, stride {list(stride)} and offset "
                             f"{offset} reaches element {last} of a storage of {storage.size()}")
    if requires_grad and not storage.dtype.is_floating_point:
        raise _BadRecord(f"a {storage.dtype} tensor can't require gradients")


# == the allow-list ================================================================================
def _default_safe_globals():
    """(module, name) -> object: every global a file written by dlcore.save may name."""
    allowed = {
        ("dlcore.serialization", "_rebuild_tensor"): _rebuild_tensor,
        ("dlcore.serialization", "_rebuild_tensor_subclass"): _rebuild_tensor_subclass,
        ("dlcore._size", "Size"): Size,
        ("dlcore._device", "device"): device,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("collections", "Counter"): collections.Counter,
        # pickle protocol 2 writes bytes as _codecs.encode(text, 'latin1')
        ("_codecs", "encode"): codecs.encode,
    }
    for d in _dtype.ALL_DTYPES:
        allowed[("dlcore._dtype", d.__reduce__())] = d
    for name in ("set", "bytearray", "complex"):        # PyTorch's list: no frozenset, slice...
        allowed[("builtins", name)] = getattr(builtins, name)
    return allowed


_SAFE_GLOBALS = _default_safe_globals()
_user_safe_globals = {}         # what add_safe_globals added: (module, name) -> object


def _global_name(obj):
    return (obj.__module__, obj.__qualname__)


def add_safe_globals(safe_globals):
    """Let `load(f, weights_only=True)` accept these classes or functions too.

    Each item is the object itself or `(object, "module.name")` when its pickled name differs.
    Only add what you trust: `load` will call it with arguments taken from the file.
    """
    for item in safe_globals:
        if isinstance(item, tuple):
            obj, full_name = item
            module, _, name = full_name.rpartition(".")
            _user_safe_globals[(module, name)] = obj
        else:
            _user_safe_globals[_global_name(item)] = item


def get_safe_globals():
    """The objects `add_safe_globals` added (dlcore's own allow-list not included)."""
    return list(_user_safe_globals.values())


def clear_safe_globals():
    """Forget everything `add_safe_globals` added."""
    _user_safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """`with safe_globals([Foo]):` allow `Foo` for the loads inside the block only."""
    saved = dict(_user_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_safe_globals.clear()
        _user_safe_globals.update(saved)


def _refusal(file_name, module, name):
    full = f"{module}.{name}"
    return UnsafeFileError(
        f"Weights only load failed for {file_name}. This file can still be loaded, to do so you "
        "have two options, do those steps only if you trust the source of the checkpoint.\n"
        "\t(1) dlcore.load uses `weights_only=True` by default, as PyTorch 2.6 and later do. "
        "Re-running `dlcore.load` with `weights_only` set to `False` (`dlcore.load(f, "
        "weights_only=False)`) will likely succeed, but it can result in arbitrary code "
        "execution. Do it only if you got the file from a trusted source.\n"
        "\t(2) Alternatively, to load with `weights_only=True` please check the recommended "
        "steps in the following error message.\n"
        f"\tWeightsUnpickler error: Unsupported global: GLOBAL {full} was not an allowed global "
        f"by default. Please use `dlcore.serialization.add_safe_globals([{full}])` or the "
        f"`dlcore.serialization.safe_globals([{full}])` context manager to allowlist this global "
        "if you trust this class/function.")


# == loading =======================================================================================
class _StorageLoader:
    """Unpickler mixin: persistent ids ("storage", i) resolve to the storages read from the file."""

    def persistent_load(self, pid):
        if (isinstance(pid, tuple) and len(pid) == 2 and pid[0] == "storage"
                and type(pid[1]) is int and 0 <= pid[1] < len(self.storages)):
            return self.storages[pid[1]]
        raise _BadRecord(f"the pickle refers to an unknown storage {pid!r}")


class _SafeUnpickler(_StorageLoader, pickle.Unpickler):
    """An Unpickler that builds only what the allow-list names (weights_only=True)."""

    def find_class(self, module, name):
        if (module, name) in _PY2_NAMES:          # protocol 2 writes Python 2's names
            module, name = _PY2_NAMES[(module, name)]
        module = _PY2_MODULES.get(module, module)
        key = (module, name)
        if key in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[key]
        if key in _user_safe_globals:
            return _user_safe_globals[key]
        if module.startswith("dlcore.") and "." not in name:
            # dlcore's own Tensor subclasses (nn.Parameter): importing dlcore runs only dlcore
            try:
                cls = getattr(importlib.import_module(module), name, None)
            except ImportError:
                cls = None
            if isinstance(cls, type) and issubclass(cls, Tensor):
                return cls
        raise _refusal(self.file_name, module, name)


def _trusting_unpickler(pickle_module):
    """weights_only=False: the ordinary Unpickler of `pickle_module`, plus storages."""
    return type("_TrustingUnpickler", (_StorageLoader, pickle_module.Unpickler), {})


def load(f, map_location=None, pickle_module=None, *, weights_only=None, **pickle_load_args):
    """Load an object that `save` wrote to `f` (a file name, `os.PathLike` or binary file).

    `map_location` says where storages go: None (where they were saved), 'cpu', a
    `dlcore.device`, a dict {'cuda:0': 'cpu'} of saved location -> location, or a function
    `(storage, location) -> storage or None`, as in PyTorch. `weights_only` (default True)
    refuses any global outside the allow-list with `UnsafeFileError`; pass False only for files
    you trust. A file that is not a complete dlcore file raises `CorruptFileError`.
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as opened:
            return _read_record(opened, repr(os.fspath(f)), map_location, weights_only,
                                pickle_module or pickle, pickle_load_args)
    name = getattr(f, "name", None)
    name = repr(name) if isinstance(name, str) else f"the file object {f!r}"
    return _read_record(f, name, map_location, weights_only, pickle_module or pickle,
                        pickle_load_args)


class _Reader:
    """Reads exact byte counts from a binary file; a short read is a truncated file."""

    def __init__(self, f, name):
        self.f, self.name, self.position = f, name, 0

    def corrupt(self, problem):
        return CorruptFileError(f"{self.name} is not a complete dlcore file: {problem}")

    def truncated(self, what, wanted, got):
        return self.corrupt(
            f"it is truncated (the file ends {got} bytes into {what}, which has {wanted} bytes, "
            f"at byte {self.position}). Was the save interrupted, or the copy incomplete?")

    def read(self, n, what):
        """`n` bytes, read in pieces so that a corrupt length can't allocate more than exists."""
        pieces, got = [], 0
        while got < n:
            piece = self.f.read(min(n - got, _CHUNK))
            if not piece:
                raise self.truncated(what, n, got)
            pieces.append(piece)
            got += len(piece)
        self.position += n
        return b"".join(pieces)

    def read_into(self, array, what):
        """Fill a preallocated array straight from the file (no intermediate bytes object)."""
        view, got = memoryview(array.reshape(-1).view(np.uint8)), 0
        while got < len(view):
            n = self.f.readinto(view[got:])
            if not n:
                raise self.truncated(what, len(view), got)
            got += n
        self.position += got

    def bytes_left(self):
        """Bytes from here to the end of the file, or None when the file can't seek."""
        try:
            here = self.f.tell()
            end = self.f.seek(0, os.SEEK_END)
            self.f.seek(here)
        except (AttributeError, OSError, ValueError):
            return None
        return end - here


def _read_record(f, name, map_location, weights_only, pickle_module, pickle_load_args):
    """Read and check every part of one record, then unpickle it over the loaded storages."""
    reader = _Reader(f, name)
    header, payload = _read_metadata(reader)
    entries = header["storages"]
    data_start = _aligned(reader.position)
    end = max((data_start + e["offset"] + e["numel"] * _DTYPES[e["dtype"]].itemsize
               for e in entries), default=reader.position)
    left = reader.bytes_left()
    if left is not None and reader.position + left < end:
        raise reader.corrupt(f"it is truncated (it should hold {end} bytes but has "
                             f"{reader.position + left}). Was the save interrupted, or the copy "
                             "incomplete?")
    storages = [_read_storage(reader, i, entry, data_start, header["byteorder"], map_location)
                for i, entry in enumerate(entries)]

    if weights_only:
        unpickler = _SafeUnpickler(io.BytesIO(payload), **pickle_load_args)
    else:
        unpickler = _trusting_unpickler(pickle_module)(io.BytesIO(payload), **pickle_load_args)
    unpickler.storages = storages
    unpickler.file_name = name
    try:
        return unpickler.load()
    except UnsafeFileError:
        raise
    except _BadRecord as error:
        raise reader.corrupt(str(error)) from None
    except Exception as error:
        # with weights_only, only dlcore's allow-listed code ran: any error means a bad pickle;
        # without, a trusted object's own code may fail, and its error is passed on unchanged
        if not weights_only and not isinstance(error, (EOFError, pickle.UnpicklingError)):
            raise
        raise reader.corrupt(f"its pickle is malformed ({type(error).__name__}: {error})") \
            from error


def _read_metadata(reader):
    """The checked prefix, JSON header and pickle bytes."""
    first = reader.f.read(_PREFIX.size)
    if not first:
        raise reader.corrupt("it is empty")
    if first[:len(MAGIC)] != MAGIC[:len(first)]:
        raise reader.corrupt(_not_dlcore(first))
    if len(first) < _PREFIX.size:
        raise reader.truncated("the prefix", _PREFIX.size, len(first))
    reader.position = _PREFIX.size
    _, version, header_length, header_crc = _PREFIX.unpack(first)
    if version > FORMAT_VERSION or version < 1:
        raise reader.corrupt(f"it has format version {version}, and this dlcore reads version "
                             f"{FORMAT_VERSION}; a newer dlcore wrote it, so upgrade dlcore")
    raw = reader.read(header_length, "the header")
    if zlib.crc32(raw) != header_crc:
        raise reader.corrupt("its header's CRC-32 does not match (the file is corrupted)")
    try:
        header = _checked_header(json.loads(raw))
    except (ValueError, KeyError, TypeError) as error:
        raise reader.corrupt(f"its header is malformed ({error})") from None
    payload = reader.read(header["pickle"]["length"], "the pickle")
    if zlib.crc32(payload) != header["pickle"]["crc32"]:
        raise reader.corrupt("its pickle's CRC-32 does not match (the file is corrupted)")
    return header, payload


def _not_dlcore(first):
    if first.startswith(b"PK\x03\x04"):
        return ("it is a zip archive, such as a file torch.save wrote. Load that with torch.load "
                "and convert it with dlcore.utils.from_torch")
    if first.startswith(b"\x93NUMPY"):
        return "it is a NumPy .npy file: read it with numpy.load and wrap it with dlcore.from_numpy"
    return f"it does not start with dlcore's magic string {MAGIC!r}"


def _checked_header(header):
    """The header, if its fields have the types `_write_record` gives them (else ValueError)."""
    def count(value):
        if type(value) is not int or value < 0:
            raise ValueError(f"{value!r} is not a byte count")
        return value
    count(header["pickle"]["length"])
    count(header["pickle"]["crc32"])
    if header["byteorder"] not in ("little", "big"):
        raise ValueError(f"unknown byte order {header['byteorder']!r}")
    next_offset = 0
    for entry in header["storages"]:
        if entry["dtype"] not in _DTYPES or not isinstance(entry["device"], str):
            raise ValueError(f"unknown storage {entry!r}")
        count(entry["numel"])
        count(entry["checksum"])
        if count(entry["offset"]) != next_offset:      # storages lie in order, aligned
            raise ValueError(f"storage at offset {entry['offset']}, expected {next_offset}")
        next_offset = _aligned(next_offset + entry["numel"] * _DTYPES[entry["dtype"]].itemsize)
    return header


def _read_storage(reader, index, entry, data_start, byteorder, map_location):
    """Storage `index`, read into a preallocated array, checked, and placed by map_location."""
    reader.read(data_start + entry["offset"] - reader.position, "the padding")
    array = np.empty(entry["numel"], _DTYPES[entry["dtype"]].np)
    reader.read_into(array, f"storage {index}")
    if _checksum(array) != entry["checksum"]:
        raise reader.corrupt(f"storage {index}'s checksum does not match (the file is corrupted)")
    if byteorder != sys.byteorder:
        array.byteswap(inplace=True)
    return _place(Storage(array), entry["device"], map_location)


def _place(storage, location, map_location):
    """Apply `map_location` to a storage saved at `location` ('cpu', 'cuda:0'), as PyTorch does."""
    if map_location is None:
        return _restore_location(storage, location)
    if isinstance(map_location, dict):
        return _restore_location(storage, str(map_location.get(location, location)))
    if isinstance(map_location, (str, device)):
        return _restore_location(storage, str(map_location))
    if callable(map_location):
        result = map_location(storage, location)
        if result is None:
            return _restore_location(storage, location)
        if not isinstance(result, Storage):
            raise TypeError(f"map_location returned a {type(result).__name__}; it must return a "
                            "Storage (the one it was given, for the CPU) or None")
        return result
    raise TypeError("map_location should be None, a string, a dlcore.device, a dict or a "
                    f"function, not {type(map_location).__name__}")


def _restore_location(storage, location):
    target = device(location)
    if target.type == "cpu":
        storage.device = CPU
        return storage
    try:
        target = _as_device(target)
    except RuntimeError as error:
        raise RuntimeError(
            f"Attempting to deserialize object on a {target.type.upper()} device but "
            f"dlcore.{target.type}.is_available() is False. If you are running on a CPU-only "
            "machine, please use dlcore.load with map_location=dlcore.device('cpu') to map "
            "your storages to the CPU.") from error
    return Storage(_move_array(storage._array, target), target)
