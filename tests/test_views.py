"""Views against real PyTorch: random chains of view ops applied to the same tensor in both
libraries, checking after every step the size, strides, offset, contiguity, values, whether the
result shares storage with the base (and that a write through it shows in the base), and errors.

Also: every view is O(1) — a view of a 10-million-element tensor allocates nothing and shares the
base's Storage object."""
import random
import tracemalloc

import numpy as np
import pytest

import dlcore

torch = pytest.importorskip("torch")
from .oracle import shares_memory  # noqa: E402

N_CHAINS = 260
ROOT_SIZE = 24


# -- random arguments ------------------------------------------------------------------------------
def _prime_factors(n):
    out, p = [], 2
    while n > 1:
        while n % p == 0:
            out.append(p)
            n //= p
        p += 1
    return out


def _random_shape(rng, numel, allow_infer=True):
    """A random shape holding `numel` elements (sometimes with a -1 to infer, sometimes size-1 dims)."""
    rank = rng.randint(0, 4)
    if numel == 0:
        rank = max(rank, 1)
        shape = [rng.randint(0, 3) for _ in range(rank)]
        shape[rng.randrange(rank)] = 0
        return shape
    if rank == 0 and numel != 1:
        rank = 1
    shape = [1] * rank
    for f in _prime_factors(numel):
        shape[rng.randrange(rank)] *= f
    if allow_infer and rank and rng.random() < 0.3:
        shape[rng.randrange(rank)] = -1
    return shape


def _dim(rng, ndim, extra=0):
    """A random valid dim, negative half of the time."""
    n = max(ndim + extra, 1)
    d = rng.randrange(n)
    return d - n if rng.random() < 0.5 else d


def _random_slice(rng, size):
    start = rng.choice([None, rng.randint(-size - 1, size + 1)])
    stop = rng.choice([None, rng.randint(-size - 1, size + 1)])
    step = rng.choice([None, 1, 2, 3])
    return slice(start, stop, step)


def _random_key(rng, shape):
    """A basic index: ints (negative too), slices with steps, None and at most one Ellipsis."""
    items, dim = [], 0
    used_ellipsis = False
    while dim < len(shape) and rng.random() < 0.8:
        r = rng.random()
        if r < 0.15:
            items.append(None)
        elif r < 0.25 and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            dim = len(shape) - rng.randint(0, len(shape) - dim)
        elif r < 0.5 and shape[dim] > 0:
            items.append(rng.randint(-shape[dim], shape[dim] - 1))
            dim += 1
        else:
            items.append(_random_slice(rng, shape[dim]))
            dim += 1
    if rng.random() < 0.2:
        items.append(None)
    if len(items) == 1 and rng.random() < 0.5:
        return items[0]
    return tuple(items)


def _pick(rng, parts_fn):
    """Apply a tuple-returning op and keep one of its parts, the same one in both libraries."""
    frac = rng.random()

    def apply(lib, x):
        parts = parts_fn(lib, x)
        return parts[int(frac * len(parts))]
    return apply


def _random_op(rng, x):
    """(description, fn(lib, x)) for one random view op valid (mostly) for torch tensor `x`."""
    shape = list(x.shape)
    nd = len(shape)
    numel = x.numel()
    kinds = ["view", "view", "reshape", "transpose", "permute", "unsqueeze", "squeeze", "expand",
             "flatten", "index", "index", "movedim", "as_strided", "T"]
    if nd <= 2:
        kinds.append("t")
    if nd >= 2:
        kinds += ["mT", "diagonal"]
    if nd >= 1:
        kinds += ["unflatten", "narrow", "select", "unbind", "chunk", "split"]
    kind = rng.choice(kinds)

    if kind == "view":
        s = _random_shape(rng, numel) if rng.random() < 0.85 else [-1]
        return f"view({s})", lambda lib, t: t.view(*s)
    if kind == "reshape":
        s = _random_shape(rng, numel)
        return f"reshape({s})", lambda lib, t: t.reshape(s)
    if kind == "transpose":
        a, b = _dim(rng, nd), _dim(rng, nd)
        if rng.random() < 0.5:
            return f"transpose({a}, {b})", lambda lib, t: t.transpose(a, b)
        return f"lib.transpose({a}, {b})", lambda lib, t: lib.transpose(t, a, b)
    if kind == "t":
        return "t()", lambda lib, t: t.t()
    if kind == "T":
        return "T", lambda lib, t: t.T
    if kind == "mT":
        return "mT", lambda lib, t: t.mT
    if kind == "diagonal":
        a, b = rng.sample(range(nd), 2)
        offset = rng.randint(-3, 3)
        return f"diagonal({offset}, {a}, {b})", lambda lib, t: lib.diagonal(t, offset, a, b)
    if kind == "permute":
        p = list(range(nd))
        rng.shuffle(p)
        p = [d - nd if rng.random() < 0.3 else d for d in p]
        return f"permute({p})", lambda lib, t: t.permute(*p)
    if kind == "unsqueeze":
        d = _dim(rng, nd, extra=1)
        return f"unsqueeze({d})", lambda lib, t: t.unsqueeze(d)
    if kind == "squeeze":
        r = rng.random()
        if r < 0.4 or nd == 0:
            return "squeeze()", lambda lib, t: t.squeeze()
        ones = [i for i, n in enumerate(shape) if n == 1]
        if r < 0.75:
            d = rng.choice(ones) if ones and rng.random() < 0.7 else _dim(rng, nd)
            return f"squeeze({d})", lambda lib, t: t.squeeze(d)
        ds = tuple(sorted(set(rng.sample(range(nd), rng.randint(1, nd)))))
        return f"squeeze({ds})", lambda lib, t: t.squeeze(ds)
    if kind == "expand":
        lead = [rng.randint(1, 3) for _ in range(rng.randint(0, 1))]
        body = [(rng.randint(1, 3) if n == 1 else rng.choice([n, -1])) for n in shape]
        s = lead + body
        return f"expand({s})", lambda lib, t: t.expand(*s)
    if kind == "flatten":
        if nd == 0:
            return "flatten()", lambda lib, t: t.flatten()
        a = rng.randrange(nd)
        b = rng.randrange(a, nd)
        a, b = (a - nd if rng.random() < 0.3 else a), (b - nd if rng.random() < 0.3 else b)
        return f"flatten({a}, {b})", lambda lib, t: t.flatten(a, b)
    if kind == "unflatten":
        d = _dim(rng, nd)
        s = _random_shape(rng, shape[d])
        s = s or [1]
        return f"unflatten({d}, {s})", lambda lib, t: t.unflatten(d, s)
    if kind == "narrow":
        d = _dim(rng, nd)
        size = shape[d]
        start = rng.randint(-size, size)
        length = rng.randint(0, size - (start % size if size and start < 0 else start))
        return f"narrow({d}, {start}, {length})", lambda lib, t: t.narrow(d, start, length)
    if kind == "select":
        d = _dim(rng, nd)
        if shape[d] == 0:
            return "squeeze()", lambda lib, t: t.squeeze()
        i = rng.randint(-shape[d], shape[d] - 1)
        return f"select({d}, {i})", lambda lib, t: t.select(d, i)
    if kind == "index":
        key = _random_key(rng, shape)
        return f"[{key!r}]", lambda lib, t: t[key]
    if kind == "unbind":
        d = _dim(rng, nd)
        if shape[d] == 0:
            return "squeeze()", lambda lib, t: t.squeeze()
        return f"unbind({d})[?]", _pick(rng, lambda lib, t: t.unbind(d))
    if kind == "chunk":
        d, c = _dim(rng, nd), rng.randint(1, 4)
        if shape[d] == 0:
            return "squeeze()", lambda lib, t: t.squeeze()
        return f"chunk({c}, {d})[?]", _pick(rng, lambda lib, t: lib.chunk(t, c, d))
    if kind == "split":
        d = _dim(rng, nd)
        size = shape[d]
        if rng.random() < 0.5 and size:
            s = rng.randint(1, size)
        else:
            s, left = [], size
            while left:
                s.append(rng.randint(1, left))
                left -= s[-1]
            s = s or [0]
        if size == 0 and isinstance(s, list):
            s = [0]
        return f"split({s}, {d})[?]", _pick(rng, lambda lib, t: t.split(s, d))
    if kind == "movedim":
        if nd and rng.random() < 0.5:
            k = rng.randint(1, nd)
            src = rng.sample(range(nd), k)
            dst = rng.sample(range(nd), k)
            return f"movedim({src}, {dst})", lambda lib, t: lib.movedim(t, src, dst)
        a, b = _dim(rng, nd), _dim(rng, nd)
        return f"movedim({a}, {b})", lambda lib, t: t.movedim(a, b)
    if kind == "as_strided":
        storage = x.untyped_storage().nbytes() // x.element_size()
        rank = rng.randint(0, 3)
        size = [rng.randint(1, 3) for _ in range(rank)]
        stride = [rng.randint(0, 4) for _ in range(rank)]
        need = sum((n - 1) * s for n, s in zip(size, stride)) + 1
        offset = rng.randint(0, max(storage - need, 0)) if rng.random() < 0.7 else None
        if offset is None and x.storage_offset() + need > storage:
            offset = 0
        return (f"as_strided({size}, {stride}, {offset})",
                lambda lib, t: t.as_strided(size, stride, offset) if offset is not None
                else lib.as_strided(t, size, stride))
    raise AssertionError(kind)


# -- starting points (contiguous, transposed, strided, offset, expanded, 0-d, empty) -----------------
STARTS = {
    "contiguous 3-d": lambda lib, r: r.view(2, 3, 4),
    "1-d root": lambda lib, r: r,
    "transposed": lambda lib, r: r.view(4, 6).t(),
    "stepped": lambda lib, r: r[::2],
    "permuted": lambda lib, r: r.view(2, 3, 4).permute(2, 0, 1),
    "offset + step": lambda lib, r: r.view(4, 6)[1:, ::2],
    "expanded": lambda lib, r: r[:6].view(1, 6, 1).expand(3, 6, 2),
    "selected": lambda lib, r: r.view(2, 3, 4)[:, 1],
    "0-d": lambda lib, r: r[5],
    "size-1 dims": lambda lib, r: r.view(2, 1, 3, 1, 4),
    "empty": lambda lib, r: r.view(4, 6)[:, 2:2],
    "column": lambda lib, r: r.view(4, 6)[:, 3:4],
}


def _roots(seed):
    dtype = ["float32", "int64", "float64"][seed % 3]
    t_root = torch.arange(ROOT_SIZE, dtype=getattr(torch, dtype))
    d_root = dlcore.arange(ROOT_SIZE, dtype=getattr(dlcore, dtype))
    return t_root, d_root


def _torch_shares(t, t_root):
    return t.untyped_storage().data_ptr() == t_root.untyped_storage().data_ptr()


def _check_same(tv, dv, t_root, d_root, where):
    assert tuple(dv.shape) == tuple(tv.shape), where
    assert dv.stride() == tv.stride(), where
    assert dv.storage_offset() == tv.storage_offset(), where
    assert dv.is_contiguous() == tv.is_contiguous(), where
    assert dv.dtype is getattr(dlcore, str(tv.dtype).split(".")[1]), where
    assert dv.tolist() == tv.tolist(), where
    shares = _torch_shares(tv, t_root)
    assert (dv.storage() is d_root.storage()) == shares, where
    assert (id(dv.storage()) == id(d_root.storage())) == shares, where
    if shares:
        assert shares_memory(dv, d_root) or dv.numel() == 0, where


def _write_through(rng, tv, dv, t_root, d_root, value, where):
    """Write one element through the result in both libraries; the base must agree after."""
    if tv.numel() == 0:
        return
    key = tuple(rng.randrange(n) for n in tv.shape)
    tv[key] = value
    dv[key] = value
    assert dv.tolist() == tv.tolist(), where
    assert d_root.tolist() == t_root.tolist(), where + " (write through the view)"


def _run_chain(seed):
    rng = random.Random(seed)
    t_root, d_root = _roots(seed)
    start_name = list(STARTS)[seed % len(STARTS)]
    tv, dv = STARTS[start_name](torch, t_root), STARTS[start_name](dlcore, d_root)
    where = f"seed {seed}, start {start_name}"
    _check_same(tv, dv, t_root, d_root, where)
    for step in range(rng.randint(1, 5)):
        desc, fn = _random_op(rng, tv)
        where += f" -> {desc}"
        try:
            t_next = fn(torch, tv)
        except (RuntimeError, IndexError, ValueError, TypeError) as e:
            with pytest.raises(type(e)) as info:
                fn(dlcore, dv)
            if desc.startswith("view(") and isinstance(e, RuntimeError):
                assert "view size is not compatible" in str(info.value), where
                assert ".reshape(...)" in str(info.value), where
                assert str(info.value) == str(e), where
            return
        d_next = fn(dlcore, dv)
        _check_same(t_next, d_next, t_root, d_root, where)
        _write_through(rng, t_next, d_next, t_root, d_root, 100 + step, where)
        tv, dv = t_next, d_next


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("seed", range(N_CHAINS))
def test_view_chain_matches_torch(seed):
    _run_chain(seed)


# -- view errors ---------------------------------------------------------------------------------------
VIEW_ERRORS = [
    (lambda lib: lib.arange(24.).view(4, 6).t(), (-1,)),
    (lambda lib: lib.arange(24.).view(4, 6).t(), (24,)),
    (lambda lib: lib.arange(24.).view(2, 3, 4).permute(0, 2, 1), (2, 12)),
    (lambda lib: lib.arange(24.)[::2].view(3, 4).t(), (12,)),
    (lambda lib: lib.arange(24.).view(4, 6)[:, :3], (12,)),
    (lambda lib: lib.arange(6.).view(1, 6).expand(2, 6), (12,)),
]


@pytest.mark.parametrize("case", range(len(VIEW_ERRORS)))
def test_view_incompatible_raises_like_torch(case):
    make, shape = VIEW_ERRORS[case]
    with pytest.raises(RuntimeError) as t_err:
        make(torch).view(*shape)
    with pytest.raises(RuntimeError) as d_err:
        make(dlcore).view(*shape)
    assert "view size is not compatible" in str(d_err.value)
    assert ".reshape(...)" in str(d_err.value)
    assert str(d_err.value) == str(t_err.value)
    # ... and reshape then works, copying, with the same values as torch
    assert make(dlcore).reshape(*shape).tolist() == make(torch).reshape(*shape).tolist()


@pytest.mark.parametrize("shape", [(5,), (2, 2, 2), (-1, 5), (-1, -1), (-2, 12), (0, -1)])
def test_view_bad_shapes_raise_like_torch(shape):
    with pytest.raises(RuntimeError) as t_err:
        torch.arange(24.).view(*shape)
    with pytest.raises(RuntimeError) as d_err:
        dlcore.arange(24.).view(*shape)
    assert str(d_err.value) == str(t_err.value)


def test_view_of_empty_with_minus_one_is_ambiguous():
    with pytest.raises(RuntimeError) as t_err:
        torch.zeros(0, 3).view(0, -1)
    with pytest.raises(RuntimeError) as d_err:
        dlcore.zeros(0, 3).view(0, -1)
    assert str(d_err.value) == str(t_err.value)


# -- O(1): a view copies nothing, whatever the size ------------------------------------------------
BIG = 10_000_000

def _SHAPED_LIKE(*shape):
    """A tensor of that shape that takes no memory (the `other` of view_as/expand_as)."""
    return dlcore.zeros(1).expand(*shape)


VIEW_KINDS = {
    "view": lambda t: t.view(1000, 10000),
    "view(-1)": lambda t: t.view(-1),
    "reshape (view)": lambda t: t.reshape(100, -1),
    "transpose": lambda t: t.view(1000, 10000).transpose(0, 1),
    "t": lambda t: t.view(1000, 10000).t(),
    "T": lambda t: t.view(1000, 10000).T,
    "mT": lambda t: t.view(10, 100, 10000).mT,
    "permute": lambda t: t.view(10, 100, 10000).permute(2, 0, 1),
    "unsqueeze": lambda t: t.unsqueeze(0),
    "squeeze": lambda t: t.view(1, BIG, 1).squeeze(),
    "squeeze(dim)": lambda t: t.view(1, BIG).squeeze(0),
    "expand": lambda t: t.view(1, BIG).expand(4, BIG),
    "flatten": lambda t: t.view(1000, 10000).flatten(),
    "unflatten": lambda t: t.unflatten(0, (1000, -1)),
    "narrow": lambda t: t.narrow(0, 10, 5_000_000),
    "select": lambda t: t.view(1000, 10000).select(1, 3),
    "slice": lambda t: t[10:-10:3],
    "index None/Ellipsis": lambda t: t.view(1000, 10000)[None, ..., 2::2],
    "int index": lambda t: t.view(1000, 10000)[-1],
    "unbind": lambda t: t.view(1000, 10000).unbind(0)[3],
    "chunk": lambda t: t.chunk(3)[1],
    "split": lambda t: t.split([3, BIG - 3])[1],
    "movedim": lambda t: t.view(10, 100, 10000).movedim(0, -1),
    "as_strided": lambda t: t.as_strided((1000, 100), (100, 1), 7),
    "view_as": lambda t: t.view_as(_SHAPED_LIKE(10, BIG // 10)),
    "expand_as": lambda t: t.view(1, BIG).expand_as(_SHAPED_LIKE(3, BIG)),
    "reshape_as": lambda t: t.reshape_as(_SHAPED_LIKE(BIG // 2, 2)),
    "tensor_split": lambda t: t.tensor_split(3)[2],
    "swapaxes": lambda t: t.view(1000, 10000).swapaxes(0, 1),
}


@pytest.fixture(scope="module")
def big():
    return dlcore.zeros(BIG)


@pytest.mark.parametrize("kind", list(VIEW_KINDS))
def test_views_of_a_big_tensor_copy_nothing(big, kind):
    make = VIEW_KINDS[kind]
    tracemalloc.start()
    try:
        v = make(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"{kind} allocated {peak} bytes"
    assert id(v.storage()) == id(big.storage())
    assert shares_memory(v, big) if kind != "expand" else \
        np.may_share_memory(v.cpu().numpy(), big.cpu().numpy())
    lo = big.storage().data_ptr()
    assert lo <= v.data_ptr() < lo + big.storage().nbytes()
    assert v.data_ptr() == lo + v.storage_offset() * v.element_size()


def test_view_write_shows_in_big_base(big):
    v = big.view(1000, 10000).t()[3:, ::2]
    v[2, 5] = 7.0
    assert big[10 * 10000 + 5].item() == 7.0
    big[10 * 10000 + 5] = 0.0


def test_views_of_a_one_element_tensor_have_torchs_strides():
    for make in (lambda m: m.ones(1), lambda m: m.arange(10.0)[::5][:1], lambda m: m.ones(1, 1)):
        for shape in [(-1,), (1, 1), (1,), (1, -1, 1)]:
            d, t = make(dlcore).view(*shape), make(torch).view(*shape)
            assert (d.stride(), d.storage_offset()) == (t.stride(), t.storage_offset())


@pytest.mark.parametrize("start", [(2, 3, 4), (6, 4), (24,), (4, 6)])
@pytest.mark.parametrize("shape", [(1, 24), (24, 1), (2, 1, 12), (1, 2, 3, 4), (2, 3, 1, 4),
                                   (2, 3, 4, 1), (1, 1, 24), (4, 1, 6, 1), (-1, 1), (1, -1),
                                   (2, 1, -1)])
def test_contiguous_views_with_size_one_dims_have_torchs_strides(start, shape):
    # the no-grad fast path of view() takes NumPy's reshape strides for these: they must be torch's
    d = dlcore.arange(24.0).view(*start)
    t = torch.arange(24.0).view(*start)
    assert d.view(*shape).stride() == t.view(*shape).stride()
    assert d.view(*shape).storage_offset() == 0


@pytest.mark.parametrize("args", [(0, 0, 0), (0, 1, 1), (0, 0, 2), (0, -3, 0), (1.5,), (7,),
                                  (-7, 1, 0)])
def test_diagonal_values_and_errors_match_torch(args):
    from .oracle import compare
    compare(lambda lib: lib.arange(6.0).reshape(2, 3).diagonal(*args))
    compare(lambda lib: lib.arange(3.0).diagonal())             # a 1-d tensor has no plane
