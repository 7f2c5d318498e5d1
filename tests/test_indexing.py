"""Indexing against real PyTorch.

`t[key]` and `t[key] = value` for random keys mixing ints (negative too), slices with steps,
None, `...`, index lists and tensors, bool masks and 0-d tensors, on contiguous and strided
tensors: same values, shapes and dtypes; for basic keys the same view (strides, offset, shared
storage); for advanced keys a copy; and the same exception type and message on bad keys.
Then gather/scatter/index_select/masked_*/where/nonzero/take, values and errors, case by case."""
import random
import warnings

import numpy as np
import pytest

import dlcore

torch = pytest.importorskip("torch")
from .oracle import shares_memory  # noqa: E402

N_GET = 300
N_SET = 300


# -- keys that can be built in either library --------------------------------------------------------
class T:
    """A tensor inside a key, made in each library from the same data."""

    def __init__(self, data, dtype="int64"):
        self.data, self.dtype = data, dtype

    def __repr__(self):
        return f"T({self.data!r}, {self.dtype})"

    def make(self, lib):
        return lib.tensor(self.data, dtype=getattr(lib, self.dtype))


def _build(lib, key):
    if isinstance(key, tuple):
        return tuple(_build(lib, k) for k in key)
    if isinstance(key, T):
        return key.make(lib)
    return key


def _random_item(rng, size, used_ellipsis, allow_errors):
    """One index item for a dim of `size` and how many dims it uses (None if it uses all left)."""
    r = rng.random()
    if r < 0.22 and size:
        lo, hi = (-size - 1, size) if allow_errors and rng.random() < 0.05 else (-size, size - 1)
        return rng.randint(lo, hi), 1
    if r < 0.45:
        step = rng.choice([None, 1, 2, 3] + ([0, -1] if allow_errors and rng.random() < 0.1 else []))
        start = rng.choice([None, rng.randint(-size - 2, size + 2)])
        stop = rng.choice([None, rng.randint(-size - 2, size + 2)])
        return slice(start, stop, step), 1
    if r < 0.52:
        return None, 0
    if r < 0.57 and not used_ellipsis:
        return Ellipsis, None
    if r < 0.65 and size:
        return [rng.randint(-size, size - 1) for _ in range(rng.randint(1, 3))], 1
    if r < 0.75 and size:
        shape = rng.choice([(2,), (3,), (1,), (2, 2), ()])
        n = int(np.prod(shape))
        data = np.array([rng.randint(-size, size - 1) for _ in range(n)]).reshape(shape).tolist()
        return T(data, rng.choice(["int64", "int64", "int32"])), 1
    if r < 0.85:
        data = [rng.random() < 0.5 for _ in range(size)]
        return (T(data, "bool") if rng.random() < 0.8 else data), 1
    if r < 0.9:
        return T(rng.random() < 0.7, "bool") if rng.random() < 0.5 else rng.random() < 0.7, 0
    if size:
        return T(rng.randint(-size, size - 1)), 1
    return slice(None), 1


def _random_key(rng, shape, allow_errors=True):
    items, dim, used_ellipsis = [], 0, False
    n_items = rng.randint(1, len(shape) + 1)
    for _ in range(n_items):
        if dim >= len(shape) and not (allow_errors and rng.random() < 0.05):
            break
        size = shape[dim] if dim < len(shape) else 1
        item, used = _random_item(rng, size, used_ellipsis, allow_errors)
        if used is None:
            used_ellipsis = True
            dim = max(dim, len(shape) - rng.randint(0, len(shape) - dim))
        else:
            dim += used
        items.append(item)
    if len(items) == 1 and rng.random() < 0.5:
        return items[0]
    return tuple(items)


# -- tensors to index: contiguous and not --------------------------------------------------------------
BASES = {
    "contiguous": lambda lib: lib.arange(60).view(3, 4, 5),
    "float": lambda lib: lib.arange(24, dtype=lib.float32).view(4, 6) / 4,
    "transposed": lambda lib: lib.arange(60).view(3, 4, 5).transpose(0, 2),
    "stepped": lambda lib: lib.arange(60).view(3, 4, 5)[:, ::2, 1:],
    "matrix": lambda lib: lib.arange(20.).view(4, 5).t(),
    "vector": lambda lib: lib.arange(7, dtype=lib.float64),
    "size-1 dims": lambda lib: lib.arange(6).view(1, 2, 1, 3),
    "0-d": lambda lib: lib.tensor(3.5),
    "expanded": lambda lib: lib.arange(4.).view(4, 1).expand(4, 3),
    "empty": lambda lib: lib.arange(6).view(2, 1, 3)[:, 1:],
}
SETTABLE = [name for name in BASES if name != "expanded"]


def _shares(lib, a, b):
    if lib is torch:
        return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    return a.storage() is b.storage()


def _same_error(t_err, d_err, where):
    assert type(d_err) is type(t_err), f"{where}: torch {t_err!r}, dlcore {d_err!r}"
    if not isinstance(t_err, TypeError):
        assert str(d_err) == str(t_err).replace("torch.", "dlcore."), where


def _outcome(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(), None
    except (IndexError, ValueError, RuntimeError, TypeError) as e:
        return None, e


# -- getitem ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(N_GET))
def test_getitem_matches_torch(seed):
    rng = random.Random(seed)
    name = list(BASES)[seed % len(BASES)]
    tx, dx = BASES[name](torch), BASES[name](dlcore)
    key = _random_key(rng, list(tx.shape))
    where = f"seed {seed}: {name}[{key!r}]"
    tr, t_err = _outcome(lambda: tx[_build(torch, key)])
    dr, d_err = _outcome(lambda: dx[_build(dlcore, key)])
    if t_err is not None or d_err is not None:
        assert t_err is not None and d_err is not None, f"{where}: torch {t_err!r}, dlcore {d_err!r}"
        _same_error(t_err, d_err, where)
        return
    assert tuple(dr.shape) == tuple(tr.shape), where
    assert str(dr.dtype) == str(tr.dtype).replace("torch", "dlcore"), where
    assert dr.tolist() == tr.tolist(), where
    shares = _shares(torch, tr, tx)
    assert _shares(dlcore, dr, dx) == shares, where
    if shares:          # a view: the very same layout, and writes show in the base
        assert dr.stride() == tr.stride(), where
        assert dr.storage_offset() == tr.storage_offset(), where
        assert dr.is_contiguous() == tr.is_contiguous(), where
    elif tr.is_contiguous() and tr.numel():
        # a copy: contiguous, as torch's (whose strides of size-1 dims are arbitrary)
        assert dr.is_contiguous(), where
        assert [s for s, n in zip(dr.stride(), dr.shape) if n > 1] == \
            [s for s, n in zip(tr.stride(), tr.shape) if n > 1], where


# -- setitem ---------------------------------------------------------------------------------------------
def _random_value(rng, result_shape, dtype):
    """(description, fn(lib) -> value) for `t[key] = value`: numbers, tensors that broadcast (or
    not), tensors of another dtype, extra leading size-1 dims."""
    shape = list(result_shape)
    r = rng.random()
    if r < 0.15:
        v = rng.randint(-9, 9)
        return repr(v), lambda lib: v
    if r < 0.25:
        v = rng.choice([2.5, -3.75, 0.5])
        return repr(v), lambda lib: v
    if r < 0.32:
        v = rng.random() < 0.5
        return repr(v), lambda lib: v
    if r < 0.4:
        return "0-d tensor", lambda lib: lib.tensor(7, dtype=getattr(lib, dtype))
    target = list(shape)
    if r < 0.55 and target:
        target = target[rng.randint(0, len(target)):]            # trailing dims: broadcasts
    elif r < 0.65 and target:
        target = [1 if rng.random() < 0.5 else n for n in target]
    elif r < 0.72:
        target = [1] * rng.randint(1, 2) + target                # leading 1s: dropped
    elif r < 0.78 and target:
        target = target[:-1] + [target[-1] + 1]                  # wrong: an error
    vdtype = dtype if rng.random() < 0.85 else rng.choice(["float64", "int32", "bool"])
    n = int(np.prod(target)) if target else 1
    data = (np.arange(n) * 3 + 100).reshape(target).tolist()
    return (f"tensor{target} {vdtype}",
            lambda lib: lib.tensor(data, dtype=getattr(lib, vdtype)))


@pytest.mark.parametrize("seed", range(N_SET))
def test_setitem_matches_torch(seed):
    rng = random.Random(10_000 + seed)
    name = SETTABLE[seed % len(SETTABLE)]
    t_root = BASES[name](torch).clone()
    d_root = BASES[name](dlcore).clone()
    # write through a (maybe strided) view of the root, so writes must reach its storage
    view = rng.random() < 0.5 and t_root.dim() >= 2
    tx, dx = (t_root.transpose(0, -1), d_root.transpose(0, -1)) if view else (t_root, d_root)
    key = _random_key(rng, list(tx.shape))
    t_sel, t_err = _outcome(lambda: tx[_build(torch, key)])
    result_shape = t_sel.shape if t_err is None else (2,)
    dtype = str(tx.dtype).split(".")[1]
    vdesc, value = _random_value(rng, result_shape, dtype)
    where = f"seed {seed}: {name}[{key!r}] = {vdesc}"

    def assign(lib, x):
        x[_build(lib, key)] = value(lib)
        return x
    _, t_err = _outcome(lambda: assign(torch, tx))
    _, d_err = _outcome(lambda: assign(dlcore, dx))
    if t_err is not None or d_err is not None:
        assert t_err is not None and d_err is not None, f"{where}: torch {t_err!r}, dlcore {d_err!r}"
        _same_error(t_err, d_err, where)
        return          # (torch may have written some elements before it found the bad one)
    ours, theirs = d_root.cpu().numpy().ravel(), t_root.numpy().ravel()
    if dlcore.get_default_device().type == "cuda":
        # which of several writes to one element lands is undefined on a GPU: compare the rest
        ids = torch.arange(t_root.numel()).view(t_root.shape)
        written = (ids.transpose(0, -1) if view else ids)[_build(torch, key)].numpy().ravel()
        once = np.bincount(written, minlength=ours.size) <= 1
        ours, theirs = ours[once], theirs[once]
    assert ours.tolist() == theirs.tolist(), where


@pytest.mark.cpu_only(reason="which of several writes to one element lands is undefined on a GPU "
                              "(PyTorch's CUDA and CuPy write in parallel); a CPU writes in order")
def test_setitem_repeated_indices_last_write_wins():
    for lib in (torch, dlcore):
        x = lib.zeros(5)
        x[[0, 0, 2, 0]] = lib.tensor([1., 2., 3., 4.])
        x[lib.tensor([[1, 1], [1, 1]])] = 9.0
        assert x.tolist() == [4.0, 9.0, 3.0, 0.0, 0.0]


def test_setitem_through_every_kind_of_index_writes_into_the_storage():
    x = dlcore.zeros(3, 4)
    s = x.storage()
    x[0] = 1                                  # int
    x[1, ::2] = dlcore.tensor([2., 3.])       # int + stepped slice
    x[..., -1] = 5                            # Ellipsis + negative int
    x[[2, 2], [0, 1]] = dlcore.tensor(7.)     # index lists (broadcast value)
    x[x == 0] = -1                            # bool mask
    x[None, dlcore.tensor(2), 2] = 8          # None + 0-d tensor + int
    assert x.storage() is s
    assert s.tolist() == [1, 1, 1, 5, 2, -1, 3, 5, 7, 7, 8, 5]


# -- views versus copies -----------------------------------------------------------------------------
@pytest.mark.parametrize("key", [1, -1, (0, 1), slice(1, None, 2), (None, Ellipsis, 0),
                                 (Ellipsis,), (), (slice(None), -2), "0-d"])
def test_basic_index_is_a_view(key):
    x = dlcore.arange(12.).view(3, 4)
    k = dlcore.tensor(1) if key == "0-d" else key
    v = x[k]
    assert id(v.storage()) == id(x.storage())
    assert shares_memory(v, x)


@pytest.mark.parametrize("key", [[0, 2], ([0, 1], [1, 2]), "mask", (slice(None), [0]), True,
                                 "long"])
def test_advanced_index_is_a_copy(key):
    x = dlcore.arange(12.).view(3, 4)
    k = {"mask": x > 5, "long": dlcore.tensor([1, 0])}.get(key, key) if isinstance(key, str) \
        else key
    v = x[k]
    assert id(v.storage()) != id(x.storage())
    assert not shares_memory(v, x)
    v[...] = -1
    assert x.tolist() == dlcore.arange(12.).view(3, 4).tolist()


# -- errors named in the course: same type and message as torch -----------------------------------
ERROR_CASES = {
    "int out of range": lambda L: L.arange(6).view(2, 3)[2],
    "negative int out of range": lambda L: L.arange(6).view(2, 3)[:, -4],
    "list index out of range": lambda L: L.arange(6).view(2, 3)[[0, 5]],
    "tensor index out of range": lambda L: L.arange(6).view(2, 3)[:, L.tensor([3])],
    "step zero": lambda L: L.arange(6)[::0],
    "negative step": lambda L: L.arange(6)[::-1],
    "too many indices": lambda L: L.arange(6).view(2, 3)[0, 0, 0],
    "too many indices 0-d": lambda L: L.tensor(1.)[None, 0],
    "int index of 0-d": lambda L: L.tensor(1.)[0],
    "slice of 0-d": lambda L: L.tensor(1.)[:],
    "mask shape mismatch": lambda L: L.arange(6).view(2, 3)[L.tensor([True, False, True])],
    "mask shape mismatch dim 1": lambda L: L.arange(6).view(2, 3)[:, L.tensor([True, False])],
    "empty mask on a non-empty dim": lambda L: L.arange(6).view(2, 3)[..., L.zeros(0, dtype=L.bool)],
    "setitem mask shape mismatch": lambda L: L.zeros(2, 3).__setitem__(L.tensor([True]), 1.0),
    "float index tensor": lambda L: L.arange(6)[L.tensor([1.0])],
    "float index": lambda L: L.arange(6)[1.5],
    "int16 index tensor": lambda L: L.arange(6)[L.tensor([1], dtype=L.int16)],
    "index shapes do not broadcast": lambda L: L.arange(6).view(2, 3)[[0, 1], [0, 1, 2]],
    "setitem shape mismatch": lambda L: L.zeros(2, 3).__setitem__(0, L.ones(2)),
    "setitem advanced shape mismatch": lambda L: L.zeros(5).__setitem__([0, 1], L.ones(3)),
    "setitem advanced dtype": lambda L: L.zeros(5).__setitem__([0, 1], L.tensor([1, 2])),
    "setitem into expanded": lambda L: L.zeros(1).expand(3).__setitem__(slice(0, 2), 1.0),
    "scatter_ into expanded": lambda L: L.ones(1).expand(3).scatter_(0, L.tensor([0]), 1.0),
    "scatter_add_ into expanded": lambda L: L.ones(1).expand(3).scatter_add_(
        0, L.tensor([0]), L.ones(1)),
    "index_add_ into expanded": lambda L: L.ones(1).expand(3).index_add_(
        0, L.tensor([0]), L.ones(1)),
    "index_copy_ into expanded": lambda L: L.ones(1).expand(3).index_copy_(
        0, L.tensor([0]), L.ones(1)),
    "setitem overlapping source": lambda L: (lambda x: x.__setitem__(slice(1, None), x[:-1]))(
        L.arange(5.)),
    "setitem a list": lambda L: L.zeros(3).__setitem__(0, [1.0]),
    "setitem overflow": lambda L: L.zeros(3, dtype=L.int8).__setitem__(0, 300),
    "gather out of bounds": lambda L: L.arange(6.).view(2, 3).gather(1, L.tensor([[3]])),
    "gather negative index": lambda L: L.arange(6.).view(2, 3).gather(1, L.tensor([[-1]])),
    "gather wrong rank": lambda L: L.arange(6.).view(2, 3).gather(1, L.tensor([0])),
    "gather index too large": lambda L: L.arange(6.).view(2, 3).gather(1, L.zeros(3, 1, dtype=L.int64)),
    "gather float index": lambda L: L.arange(6.).view(2, 3).gather(1, L.tensor([[0.]])),
    "scatter index of wrong rank": lambda L: L.zeros(2, 3).scatter_(0, L.tensor([0]), 1.0),
    "scatter index out of bounds": lambda L: L.zeros(2, 3).scatter_(0, L.tensor([[2]]), 1.0),
    "scatter src dtype": lambda L: L.zeros(2, 3).scatter_(0, L.tensor([[0]]), L.ones(1, 1, dtype=L.float64)),
    "scatter src too small": lambda L: L.zeros(2, 3).scatter_(0, L.tensor([[0, 1]]), L.ones(1, 1)),
    "scatter bad reduce": lambda L: L.zeros(2, 3).scatter_(0, L.tensor([[0]]), 1.0, reduce="max"),
    "scatter_add src rank": lambda L: L.zeros(2, 3).scatter_add_(0, L.tensor([[0]]), L.ones(1)),
    "index_select 2-d index": lambda L: L.arange(6.).index_select(0, L.tensor([[0]])),
    "index_select out of range": lambda L: L.arange(6.).index_select(0, L.tensor([6])),
    "index_select float index": lambda L: L.arange(6.).index_select(0, L.tensor([1.])),
    "masked_fill non-bool mask": lambda L: L.arange(4.).masked_fill(L.tensor([1, 0, 1, 0]), 0.),
    "masked_fill_ byte mask": lambda L: L.arange(4.).masked_fill_(L.tensor([1, 0, 1, 0], dtype=L.uint8), 0.),
    "masked_fill 1-d value": lambda L: L.arange(4.).masked_fill(L.arange(4.) > 1, L.tensor([1.])),
    "masked_fill mask does not broadcast": lambda L: L.arange(4.).masked_fill(L.ones(3, dtype=L.bool), 0.),
    "masked_fill_ mask bigger": lambda L: L.arange(4.).masked_fill_(L.ones(2, 4, dtype=L.bool), 0.),
    "masked_select non-bool mask": lambda L: L.arange(4.).masked_select(L.ones(4)),
    "masked_select mask does not broadcast": lambda L: L.arange(4.).masked_select(L.ones(3, dtype=L.bool)),
    "where non-bool condition": lambda L: L.where(L.ones(3), L.ones(3), L.zeros(3)),
    "where int condition": lambda L: L.where(L.tensor([1, 0]), L.ones(2), L.zeros(2)),
    "where does not broadcast": lambda L: L.where(L.ones(3, dtype=L.bool), L.ones(3), L.ones(2)),
    "take out of range": lambda L: L.arange(6.).take(L.tensor([6])),
    "take int32 index": lambda L: L.arange(6.).take(L.tensor([1], dtype=L.int32)),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_errors_match_torch(case):
    fn = ERROR_CASES[case]
    _, t_err = _outcome(lambda: fn(torch))
    _, d_err = _outcome(lambda: fn(dlcore))
    assert t_err is not None, "torch did not raise"
    assert d_err is not None, f"dlcore did not raise; torch raised {t_err!r}"
    _same_error(t_err, d_err, case)


# -- gather, scatter, index_select, masks, where, nonzero, take: values --------------------------
X = lambda L: L.arange(12.).view(3, 4)                       # noqa: E731
I = lambda L, v, dt="int64": L.tensor(v, dtype=getattr(L, dt))  # noqa: E731

VALUE_CASES = {
    "gather dim 0": lambda L: X(L).gather(0, I(L, [[0, 1, 2, 0]])),
    "gather dim 1": lambda L: L.gather(X(L), 1, I(L, [[0, 0], [1, 0], [3, 3]])),
    "gather int32 index": lambda L: X(L).gather(1, I(L, [[1]], "int32")),
    "gather of a transposed": lambda L: X(L).t().gather(1, I(L, [[2, 0]] * 4)),
    "gather 1-d": lambda L: L.arange(5.).gather(0, I(L, [4, 0, 0])),
    "gather 0-d": lambda L: L.tensor(5.).gather(0, I(L, 0)),
    "gather empty index": lambda L: X(L).gather(1, L.zeros(0, 2, dtype=L.int64)),
    "scatter_ src": lambda L: L.zeros(3, 5).scatter_(0, I(L, [[0, 1, 2, 0]]), L.arange(1., 11.).view(2, 5)),
    "scatter src": lambda L: L.scatter(L.zeros(3, 5), 1, I(L, [[0, 1], [2, 4]]), L.arange(1., 11.).view(2, 5)),
    "scatter_ value": lambda L: L.zeros(3, 5).scatter_(1, I(L, [[0, 1], [2, 4]]), 7.5),
    "scatter value keyword": lambda L: L.zeros(3, 5).scatter(1, I(L, [[0, 1], [2, 4]]), value=7.5),
    "scatter_ float value on int": lambda L: L.zeros(3, 5, dtype=L.int64).scatter_(0, I(L, [[0]]), 3.7),
    "scatter_ reduce add": lambda L: L.ones(3, 5).scatter_(0, I(L, [[0, 0, 0], [0, 0, 0]]), L.arange(1., 11.).view(2, 5), reduce="add"),
    "scatter_ reduce multiply": lambda L: L.full((3, 5), 2.).scatter_(0, I(L, [[0, 0, 0], [0, 0, 0]]), L.arange(1., 11.).view(2, 5), reduce="multiply"),
    "scatter_ value reduce add": lambda L: L.ones(3, 5).scatter_(0, I(L, [[0, 0, 0], [0, 0, 0]]), 2., reduce="add"),
    "scatter_ value reduce multiply": lambda L: L.ones(3, 5).scatter_(0, I(L, [[0, 0, 0], [0, 0, 0]]), 3., reduce="multiply"),
    "scatter reduce add (out of place)": lambda L: L.ones(2, 2).scatter(1, I(L, [[0, 0]]), 2., reduce="add"),
    "scatter_ int32 index": lambda L: L.ones(3, 5).scatter_(0, I(L, [[0]], "int32"), 3.),
    "scatter_ empty index": lambda L: L.ones(2, 2).scatter_(0, L.zeros(0, 1, dtype=L.int64), 3.),
    "scatter_ into a transposed view": lambda L: (lambda x: (x.t().scatter_(0, I(L, [[1, 0]]), 9.), x)[1])(L.zeros(2, 3)),
    "scatter_add_": lambda L: L.zeros(3, 5).scatter_add_(0, I(L, [[0, 1, 2, 0, 0], [2, 0, 0, 1, 2]]), L.ones(2, 5)),
    "scatter_add": lambda L: L.scatter_add(L.zeros(3, 5), 1, I(L, [[0, 0], [1, 1]]), L.ones(2, 5)),
    "index_select": lambda L: X(L).index_select(1, I(L, [3, 0, 0])),
    "index_select function": lambda L: L.index_select(X(L), 0, I(L, [2])),
    "index_select int32": lambda L: X(L).index_select(0, I(L, [2, -1][:1], "int32")),
    "index_select 0-d index": lambda L: L.arange(5.).index_select(0, I(L, 1)),
    "index_select of 0-d": lambda L: L.tensor(5.).index_select(0, I(L, [0])),
    "masked_fill": lambda L: X(L).masked_fill(X(L) > 5, -1.),
    "masked_fill broadcast mask": lambda L: X(L).masked_fill(L.tensor([True, False, True, False]), 0.5),
    "masked_fill mask broadcasts input": lambda L: L.arange(4.).masked_fill(L.ones(2, 4, dtype=L.bool), 0.),
    "masked_fill 0-d tensor value": lambda L: X(L).masked_fill(X(L) > 5, L.tensor(2)),
    "masked_fill float on int": lambda L: L.arange(4).masked_fill(L.tensor([True, False, True, False]), 2.7),
    "masked_fill_": lambda L: X(L).masked_fill_(X(L) > 5, -1.),
    "masked_fill_ through a view": lambda L: (lambda x: (x[:, 1:].masked_fill_(x[:, 1:] > 6, 0.), x)[1])(X(L)),
    "masked_select": lambda L: X(L).masked_select(X(L) > 5),
    "masked_select broadcast": lambda L: L.masked_select(X(L), L.tensor([True, False, True, False])),
    "masked_select mask bigger": lambda L: L.masked_select(L.arange(4.), L.ones(2, 4, dtype=L.bool)),
    "where": lambda L: L.where(X(L) > 5, X(L), -X(L)),
    "where broadcast": lambda L: L.where(L.tensor([True, False, True, False]), X(L), L.zeros(3, 1)),
    "where python floats": lambda L: L.where(X(L) > 5, 1., 0.),
    "where python ints": lambda L: L.where(X(L) > 5, 1, 0),
    "where float and int": lambda L: L.where(X(L) > 5, 1.5, 2),
    "where bool and int": lambda L: L.where(X(L) > 5, True, 2),
    "where int tensor, float": lambda L: L.where(X(L) > 5, L.arange(12).view(3, 4), 0.5),
    "where int64 and float64 tensors": lambda L: L.where(X(L) > 5, L.arange(12).view(3, 4), L.zeros(3, 4, dtype=L.float64)),
    "where int32 and int64": lambda L: L.where(X(L) > 5, L.arange(12, dtype=L.int32).view(3, 4), L.zeros(1, dtype=L.int64)),
    "where 0-d double and int64": lambda L: L.where(X(L) > 5, L.tensor(1.5, dtype=L.float64), L.arange(12).view(3, 4)),
    "where half and float": lambda L: L.where(X(L) > 5, L.ones(3, 4, dtype=L.float16), 2.5),
    "where uint8 and -1": lambda L: L.where(X(L) > 5, L.ones(3, 4, dtype=L.uint8), -1),
    "where byte condition": lambda L: L.where(L.tensor([1, 0, 1, 0], dtype=L.uint8), X(L), 0.),
    "where method": lambda L: X(L).where(X(L) > 5, L.tensor(0.)),
    "where 1 argument": lambda L: L.where(X(L) > 5),
    "where 1 argument float": lambda L: L.where(X(L)),
    "nonzero": lambda L: X(L).nonzero(),
    "nonzero as_tuple": lambda L: L.nonzero(X(L) > 5, as_tuple=True),
    "nonzero 1-d": lambda L: L.tensor([0, 1, 0, 2]).nonzero(),
    "nonzero 0-d": lambda L: L.tensor(3.).nonzero(),
    "nonzero 0-d as_tuple": lambda L: L.tensor(3.).nonzero(as_tuple=True),
    "nonzero 0-d zero": lambda L: L.tensor(0.).nonzero(),
    "nonzero empty": lambda L: L.zeros(0, 3).nonzero(),
    "nonzero none": lambda L: L.zeros(2, 3).nonzero(),
    "argwhere": lambda L: L.argwhere(X(L) > 9),
    "take": lambda L: X(L).take(I(L, [[0, 11], [-1, 3]])),
    "take of a transposed": lambda L: L.take(X(L).t(), I(L, [1, 2])),
    "take 0-d index": lambda L: X(L).take(I(L, 5)),
}


def _describe(r):
    if isinstance(r, tuple):
        return tuple(_describe(x) for x in r)
    return r.tolist(), str(r.dtype).split(".")[1], tuple(r.shape)


@pytest.mark.parametrize("case", list(VALUE_CASES))
def test_values_match_torch(case):
    fn = VALUE_CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _describe(fn(torch))
    assert _describe(fn(dlcore)) == expected


@pytest.mark.parametrize("make", [lambda L: L.arange(12.).view(3, 4), lambda L: L.tensor(3.),
                                  lambda L: L.tensor(0.), lambda L: L.zeros(2, 3),
                                  lambda L: L.tensor([[0., 1.]]), lambda L: L.tensor([0., 1, 0])])
def test_nonzero_layout_matches_torch(make):
    t, d = make(torch).nonzero(), make(dlcore).nonzero()
    assert tuple(d.shape) == tuple(t.shape)
    assert d.stride() == t.stride()
    assert d.is_contiguous() == t.is_contiguous()
