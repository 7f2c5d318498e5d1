"""Generator: PyTorch's CPU random engine (mt19937), so seeded code draws PyTorch's numbers.

PyTorch's CPU generator is the 32-bit Mersenne Twister seeded with the classic `init_genrand`
(low 32 bits of the seed). NumPy's `MT19937` bit generator is the same engine, so a Generator
keeps one and asks it for raw 32-bit words (`random_raw`) in blocks; every distribution in
`ops/random.py` is a vectorised transform of those words, written to consume them in exactly the
order PyTorch's kernels do.

The state travels as PyTorch's own 5056-byte layout (`CPUGeneratorImplState`), so
`dlcore.get_rng_state()` can even be handed to `torch.set_rng_state()` and back.
"""
import os

import numpy as np

from ._device import CPU, _as_device, backend_of
from ._tensor import Tensor, _wrap

__all__ = ["Generator"]

_STATE_WORDS = 624
_DEFAULT_SEED = 67280421310721          # what torch.Generator() starts from
_MASK64 = (1 << 64) - 1

# The byte layout of PyTorch's CPUGeneratorImplState (x86-64, zero padding bytes included).
_STATE_LAYOUT = np.dtype({
    "names": ["seed", "left", "seeded", "next", "state", "normal_x", "normal_y", "normal_rho",
              "normal_is_valid", "next_float_normal", "next_float_normal_valid"],
    "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", _STATE_WORDS), "<f8", "<f8", "<f8",
                "<i4", "<f4", "u1"],
    "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    "itemsize": 5056,
})
STATE_SIZE = _STATE_LAYOUT.itemsize


def _mt_key(seed32):
    """The 624-word state `init_genrand(seed32)` produces (NumPy's legacy seeding is the same)."""
    return np.random.RandomState(seed32).get_state(legacy=False)["state"]["key"]


def _nondeterministic_seed():
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A source of random numbers: `dlcore.Generator().manual_seed(0)`, then `generator=g`.

    Holds the Mersenne Twister state plus the cached second sample of the Box-Muller pair that
    PyTorch's serial normal sampler keeps (see `ops.random._serial_normal`).
    """

    __slots__ = ("_engine", "_seed", "_fresh", "_next_double_normal", "_next_float_normal",
                 "__weakref__")

    def __new__(cls, device="cpu"):
        d = _as_device(device)
        if d is not CPU and cls is Generator:
            return CudaGenerator(d)           # (raises the "no GPU" error where there is none)
        return object.__new__(cls)

    def __init__(self, device="cpu"):
        self._engine = np.random.MT19937(0)
        self._set_seed(_DEFAULT_SEED)

    # -- seeding --------------------------------------------------------------------------------
    def _set_seed(self, seed):
        self._seed = seed
        self._engine.state = {"bit_generator": "MT19937",
                              "state": {"key": _mt_key(seed & 0xFFFFFFFF), "pos": _STATE_WORDS}}
        self._fresh = True                 # no word drawn since seeding (shows in get_state)
        self._next_double_normal = None
        self._next_float_normal = None

    def manual_seed(self, seed):
        """Seed with any int in [-2**63, 2**64) (negatives wrap as uint64). Returns self."""
        if isinstance(seed, bool) or not hasattr(seed, "__index__"):
            raise TypeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = seed.__index__()
        if not -(1 << 63) <= seed <= _MASK64:
            raise ValueError("Overflow when unpacking long long")
        self._set_seed(seed & _MASK64)
        return self

    def seed(self):
        """Seed from the operating system's entropy and return that seed."""
        seed = _nondeterministic_seed()
        self._set_seed(seed)
        return seed

    def initial_seed(self):
        """The seed last given to `manual_seed`/`seed` (as an unsigned 64-bit int)."""
        return self._seed

    @property
    def device(self):
        return CPU

    # -- raw words (every draw goes through these two) ------------------------------------------
    def _random(self, n):
        """`n` raw 32-bit words (uint64 array), PyTorch's `generator->random()` n times."""
        self._fresh = False
        return self._engine.random_raw(n)

    def _random64(self, n):
        """`n` 64-bit words, PyTorch's `random64()`: two 32-bit draws, the first one high."""
        words = self._random(2 * n)
        return (words[0::2] << np.uint64(32)) | words[1::2]

    # -- state as bytes -------------------------------------------------------------------------
    def get_state(self):
        """The full state as a uint8 tensor of 5056 bytes, in PyTorch's layout."""
        engine = self._engine.state["state"]
        pos = int(engine["pos"])
        record = np.zeros((), _STATE_LAYOUT)
        record["seed"] = self._seed
        record["seeded"] = 1
        # PyTorch counts down `left` to the next twist; NumPy counts `pos` up to 624
        if pos >= _STATE_WORDS:
            record["left"], record["next"] = 1, (0 if self._fresh else _STATE_WORDS)
        else:
            record["left"], record["next"] = _STATE_WORDS + 1 - pos, pos
        record["state"] = engine["key"]
        if self._next_double_normal is not None:
            record["normal_is_valid"] = 1
            record["normal_y"] = self._next_double_normal
        if self._next_float_normal is not None:
            record["next_float_normal_valid"] = 1
            record["next_float_normal"] = self._next_float_normal
        return _wrap(np.frombuffer(record.tobytes(), np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state made by `get_state` (here or in PyTorch). Returns self."""
        if not isinstance(new_state, Tensor) or new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a dlcore.ByteTensor")
        data = np.ascontiguousarray(new_state._data).reshape(-1)
        if data.size != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found "
                               f"the input RNG state size to be {data.size}")
        record = data.view(_STATE_LAYOUT)[0]
        left, nxt = int(record["left"]), int(record["next"])
        if not (record["seeded"] and 0 < left <= _STATE_WORDS and nxt <= _STATE_WORDS):
            raise RuntimeError("Invalid mt19937 state")
        self._seed = int(record["seed"])
        pos = _STATE_WORDS if left == 1 else nxt
        self._engine.state = {"bit_generator": "MT19937",
                              "state": {"key": record["state"].astype(np.uint32), "pos": pos}}
        self._fresh = left == 1 and nxt == 0
        self._next_double_normal = float(record["normal_y"]) if record["normal_is_valid"] else None
        self._next_float_normal = (float(record["next_float_normal"])
                                   if record["next_float_normal_valid"] else None)
        return self

    def clone_state(self):
        """A new Generator in this one's exact state."""
        return Generator().set_state(self.get_state())

    def get_offset(self):
        raise RuntimeError("CPU Generator does not use offset")

    def set_offset(self, offset):
        raise RuntimeError("CPU Generator does not use offset")

    # -- copying and pickling keep the state ----------------------------------------------------
    def __reduce__(self):
        return (_rebuild, (self.get_state()._data.tobytes(),))

    def __repr__(self):
        return f"<dlcore.Generator object at {hex(id(self))}>"


def _rebuild(state_bytes):
    return Generator().set_state(_wrap(np.frombuffer(state_bytes, np.uint8).copy()))


class CudaGenerator(Generator):
    """A GPU's generator (`dlcore.Generator(device='cuda')`): the backend's own random source
    (CuPy's on a GPU), seeded by `manual_seed`. Its streams are not PyTorch's CUDA ones.

    Samplers that have no GPU version draw raw 32-bit words from it (`_random`), so every op
    works on every device; `uniform_`/`normal_` and friends draw on the device directly."""

    __slots__ = ("_source", "_device")

    def __init__(self, device="cuda"):
        self._device = _as_device(device)
        self._source = backend_of(self._device).RandomSource(self._device.index)
        self._next_double_normal = self._next_float_normal = None
        self._set_seed(_nondeterministic_seed() if _last_seed is None else _last_seed)

    def _set_seed(self, seed):
        self._seed = seed
        self._source.seed(seed)
        self._fresh = True
        self._next_double_normal = None
        self._next_float_normal = None

    @property
    def device(self):
        return self._device

    def _random(self, n):
        self._fresh = False
        return self._source.words(n)

    def get_state(self):
        raise RuntimeError("dlcore cannot save the state of a CUDA generator: seed it again with "
                           "manual_seed to repeat its numbers")

    def set_state(self, new_state):
        self.get_state()

    def clone_state(self):
        self.get_state()

    def __reduce__(self):
        self.get_state()


# The generator every sampling op uses unless given `generator=`; seeded from the OS like PyTorch's.
default_generator = Generator()
default_generator._set_seed(_nondeterministic_seed())
_cuda_generators = {}      # GPU index -> its default generator, made when first used
_last_seed = None          # the last dlcore.manual_seed: GPU generators made later start there


def cuda_generator(index):
    """The default generator of GPU `index`."""
    g = _cuda_generators.get(index)
    if g is None:
        g = _cuda_generators[index] = CudaGenerator(f"cuda:{index}")
    return g


def manual_seed_all(seed):
    """Seed the CPU's default generator and every GPU's (those made later too), as
    `torch.manual_seed` does."""
    global _last_seed
    _last_seed = seed
    for g in _cuda_generators.values():
        g.manual_seed(seed)
    return default_generator.manual_seed(seed)


def _resolve(generator, where=None):
    """The Generator to draw from: the one passed, or the default one of the device of `where`
    (a tensor, or a device; the CPU if None)."""
    if generator is None:
        if where is None:
            return default_generator
        d = where if not hasattr(where, "_data") else (
            CPU if type(where._data) is np.ndarray else where.device)
        return default_generator if d is CPU else cuda_generator(d.index)
    if not isinstance(generator, Generator):
        raise TypeError(f"argument 'generator' must be dlcore.Generator, not "
                        f"{type(generator).__name__}")
    return generator
