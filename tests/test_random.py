"""Random sampling: reproducible seeds, independent generators, state round trips, sane
statistics, and, against real PyTorch, the very same numbers for the same seed.

The differential tests compare bit for bit (`_assert_same`): dlcore reproduces PyTorch's CPU
streams (see the docstring of dlcore/ops/random.py for what is exact and what is not).
"""
import copy
import math
import pickle
import warnings

import numpy as np
import pytest

import dlcore

pytestmark = pytest.mark.cpu_only(reason="reproduces PyTorch's CPU random streams number for number (a GPU draws others)")

SEEDS = (0, 1, 42, 123456789, 2 ** 40 + 3)
SIZES = (1, 5, 15, 16, 17, 100, 1000)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _assert_same(mine, theirs):
    """Equal shapes, dtypes and values, bit for bit (signs of zeros and NaNs included)."""
    a, b = np.asarray(mine.cpu().numpy()), np.asarray(theirs.cpu().numpy())
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    if a.dtype.kind == "f":
        assert np.array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}")), (
            f"{int((a != b).sum())} of {a.size} values differ, max {np.max(np.abs(a - b))}")
    else:
        assert np.array_equal(a, b)


def _both(torch, seed, fn):
    """fn(library) run after seeding each library the same way; returns (dlcore's, torch's)."""
    dlcore.manual_seed(seed)
    mine = fn(dlcore)
    torch.manual_seed(seed)
    theirs = fn(torch)
    return mine, theirs


def _check(torch, seed, fn):
    mine, theirs = _both(torch, seed, fn)
    if not isinstance(mine, tuple):
        mine, theirs = (mine,), (theirs,)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        _assert_same(m, t)


def _values(t):
    return t.cpu().numpy().tolist()


# ==== reproducibility without PyTorch ============================================================
SAMPLERS = {
    "rand": lambda T, g=None: T.rand(3, 4, generator=g),
    "randn": lambda T, g=None: T.randn(40, generator=g),
    "randn_small": lambda T, g=None: T.randn(3, generator=g),
    "randint": lambda T, g=None: T.randint(-5, 5, (50,), generator=g),
    "randperm": lambda T, g=None: T.randperm(30, generator=g),
    "normal": lambda T, g=None: T.normal(2.0, 3.0, (20,), generator=g),
    "normal_tensor": lambda T, g=None: T.normal(T.zeros(5), T.ones(5), generator=g),
    "uniform_": lambda T, g=None: T.empty(20).uniform_(-1, 1, generator=g),
    "normal_": lambda T, g=None: T.empty(20).normal_(1, 2, generator=g),
    "random_": lambda T, g=None: T.empty(20).random_(0, 10, generator=g),
    "bernoulli": lambda T, g=None: T.bernoulli(T.full((20,), 0.5), generator=g),
    "bernoulli_": lambda T, g=None: T.empty(20).bernoulli_(0.3, generator=g),
    "exponential_": lambda T, g=None: T.empty(20).exponential_(2.0, generator=g),
    "multinomial": lambda T, g=None: T.multinomial(T.ones(10), 4, generator=g),
    "multinomial_repl": lambda T, g=None: T.multinomial(T.ones(10), 20, True, generator=g),
    "poisson": lambda T, g=None: T.poisson(T.full((20,), 4.0), generator=g),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_same_seed_same_numbers(name):
    sample = SAMPLERS[name]
    dlcore.manual_seed(7)
    first = _values(sample(dlcore))
    dlcore.manual_seed(7)
    assert _values(sample(dlcore)) == first
    dlcore.manual_seed(8)
    assert _values(sample(dlcore)) != first


@pytest.mark.parametrize("name", SAMPLERS)
def test_generator_keyword_uses_that_generator_only(name):
    sample = SAMPLERS[name]
    dlcore.manual_seed(0)
    state = dlcore.get_rng_state()
    mine = _values(sample(dlcore, dlcore.Generator().manual_seed(5)))
    assert dlcore.get_rng_state().cpu().numpy().tolist() == state.cpu().numpy().tolist()
    assert _values(sample(dlcore, dlcore.Generator().manual_seed(5))) == mine
    dlcore.manual_seed(5)
    assert _values(sample(dlcore)) == mine     # a generator seeded 5 is the default seeded 5


def test_generators_are_independent():
    g = dlcore.Generator().manual_seed(1)
    h = dlcore.Generator().manual_seed(1)
    dlcore.manual_seed(1)
    a = dlcore.rand(5, generator=g)
    dlcore.rand(100)                                 # the default stream moves on alone
    b = dlcore.rand(5, generator=g)
    assert _values(dlcore.rand(10, generator=h)) == _values(a) + _values(b)


def test_generator_api():
    g = dlcore.Generator()
    assert g.initial_seed() == 67280421310721           # PyTorch's default for Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3
    assert g.device == dlcore.device("cpu")
    assert g.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    with pytest.raises(ValueError, match="Overflow"):
        g.manual_seed(2 ** 64)
    with pytest.raises(TypeError):
        g.manual_seed(1.5)
    seed = g.seed()
    assert 0 <= seed < 2 ** 64 and g.initial_seed() == seed
    assert isinstance(dlcore.seed(), int)
    assert isinstance(dlcore.default_generator, dlcore.Generator)
    assert dlcore.manual_seed(11) is dlcore.default_generator
    assert dlcore.initial_seed() == 11
    assert dlcore.manual_seed("12").initial_seed() == 12       # manual_seed calls int(), as torch
    with pytest.raises(TypeError):
        dlcore.rand(2, generator=3)
    if not dlcore.cuda.is_available():
        with pytest.raises(RuntimeError, match="No CUDA GPU was found"):
            dlcore.Generator(device="cuda")


def test_generator_copies_keep_their_state():
    g = dlcore.Generator().manual_seed(9)
    dlcore.randn(3, generator=g)                        # leaves a cached normal sample
    for clone in (copy.deepcopy(g), pickle.loads(pickle.dumps(g)), g.clone_state()):
        assert _values(dlcore.randn(5, generator=clone)) == _values(
            dlcore.randn(5, generator=g.clone_state()))
        assert clone.initial_seed() == 9


def test_rng_state_round_trip():
    dlcore.manual_seed(3)
    dlcore.rand(700)                                    # past a twist of the 624-word state
    dlcore.randn(1)                                     # and a cached Box-Muller sample
    state = dlcore.get_rng_state()
    assert state.dtype == dlcore.uint8 and tuple(state.shape) == (5056,)
    first = _values(dlcore.randn(7)) + _values(dlcore.randperm(20))
    dlcore.set_rng_state(state)
    assert _values(dlcore.randn(7)) + _values(dlcore.randperm(20)) == first
    assert dlcore.get_rng_state().cpu().numpy().tolist() != state.cpu().numpy().tolist()
    g = dlcore.Generator().set_state(state)
    assert _values(dlcore.randn(7, generator=g)) == first[:7]


def test_rng_state_errors():
    with pytest.raises(TypeError, match="ByteTensor"):
        dlcore.set_rng_state(dlcore.zeros(5056))
    with pytest.raises(RuntimeError, match="of size 5056 but found the input RNG state size"):
        dlcore.set_rng_state(dlcore.zeros(10, dtype=dlcore.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        dlcore.set_rng_state(dlcore.zeros(5056, dtype=dlcore.uint8))


def test_fork_rng_restores_the_state():
    from dlcore.ops.random import fork_rng
    dlcore.manual_seed(4)
    with fork_rng():
        dlcore.rand(10)
    after = _values(dlcore.rand(3))
    dlcore.manual_seed(4)
    assert _values(dlcore.rand(3)) == after


# ==== statistics =================================================================================
N = 100_000


def test_uniform_statistics():
    dlcore.manual_seed(0)
    x = dlcore.rand(N).cpu().numpy().astype(np.float64)
    assert 0 <= x.min() and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.005 and abs(x.std() - math.sqrt(1 / 12)) < 0.005
    y = dlcore.empty(N).uniform_(-3, 5).cpu().numpy()
    assert -3 <= y.min() and y.max() < 5 and abs(y.mean() - 1) < 0.05
    z = dlcore.rand(N, dtype=dlcore.float64).cpu().numpy()
    assert abs(z.mean() - 0.5) < 0.005


@pytest.mark.parametrize("n", [10, N])
def test_normal_statistics(n):
    dlcore.manual_seed(1)
    samples = np.concatenate([dlcore.randn(n).cpu().numpy() for _ in range(N // n)])
    assert abs(samples.mean()) < 0.02 and abs(samples.std() - 1) < 0.02
    y = dlcore.normal(3.0, 0.5, (N,)).cpu().numpy()
    assert abs(y.mean() - 3) < 0.01 and abs(y.std() - 0.5) < 0.01
    z = dlcore.randn(N, dtype=dlcore.float64).cpu().numpy()
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02


def test_discrete_statistics():
    dlcore.manual_seed(2)
    k = dlcore.randint(-2, 3, (N,)).cpu().numpy()
    assert k.dtype == np.int64 and set(np.unique(k)) == {-2, -1, 0, 1, 2}
    assert abs(k.mean()) < 0.03
    b = dlcore.empty(N).bernoulli_(0.3).cpu().numpy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    e = dlcore.empty(N).exponential_(4.0).cpu().numpy()
    assert e.min() >= 0 and abs(e.mean() - 0.25) < 0.01
    counts = np.bincount(dlcore.multinomial(dlcore.tensor([1.0, 2.0, 7.0]), N, True).cpu().numpy())
    assert np.allclose(counts / N, [0.1, 0.2, 0.7], atol=0.01)
    p = dlcore.poisson(dlcore.full((N,), 3.0)).cpu().numpy()
    assert abs(p.mean() - 3) < 0.05 and abs(p.var() - 3) < 0.1


def test_permutations_are_permutations():
    dlcore.manual_seed(3)
    for n in (0, 1, 2, 3, 10, 1000, 10_000):
        assert sorted(dlcore.randperm(n).tolist()) == list(range(n))
    rows = dlcore.multinomial(dlcore.rand(20, 50), 50)
    assert all(sorted(r) == list(range(50)) for r in rows.tolist())


# ==== API: sizes, dtypes, flags, errors ==========================================================
@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ([2, 3],), (dlcore.Size([2, 3]),)])
def test_size_forms(args):
    for fn in (dlcore.rand, dlcore.randn):
        assert tuple(fn(*args).shape) == (2, 3)
    assert tuple(dlcore.rand(size=(2, 3)).shape) == (2, 3)
    assert tuple(dlcore.rand(()).shape) == () and tuple(dlcore.randn([]).shape) == ()


def test_dtypes_and_flags():
    assert dlcore.rand(2).dtype == dlcore.float32
    assert dlcore.rand(2, dtype=dlcore.float64).dtype == dlcore.float64
    assert dlcore.randint(5, (2,)).dtype == dlcore.int64
    assert dlcore.randint(5, (2,), dtype=dlcore.uint8).dtype == dlcore.uint8
    assert dlcore.randperm(4).dtype == dlcore.int64
    assert dlcore.randperm(4, dtype=dlcore.float32).dtype == dlcore.float32
    assert dlcore.randint_like(dlcore.zeros(3), 4).dtype == dlcore.float32
    assert dlcore.rand_like(dlcore.zeros(2, 2, dtype=dlcore.float64)).dtype == dlcore.float64
    assert dlcore.randn(2, requires_grad=True).requires_grad
    assert dlcore.normal(0.0, 1.0, (2,), requires_grad=True).requires_grad
    assert not dlcore.rand(2).requires_grad
    x = dlcore.zeros(3)
    assert x.uniform_() is x and x.normal_() is x and x.random_(3) is x
    assert x.bernoulli_(0.5) is x and x.exponential_() is x


def test_randint_overloads():
    dlcore.manual_seed(0)
    assert all(0 <= v < 5 for v in dlcore.randint(5, (100,)).tolist())
    assert all(3 <= v < 5 for v in dlcore.randint(3, 5, (100,)).tolist())
    assert all(1 <= v < 3 for v in dlcore.randint(low=1, high=3, size=(100,)).tolist())
    assert all(0 <= v < 3 for v in dlcore.randint(high=3, size=(100,)).tolist())
    assert tuple(dlcore.randint(3, ()).shape) == ()
    with pytest.raises(TypeError):
        dlcore.randint(0, 5, 3)                      # size must be a tuple, as in PyTorch


@pytest.mark.parametrize("call, error, message", [
    (lambda: dlcore.randint(5, 2, (3,)), RuntimeError,
     "random_ expects 'from' to be less than 'to', but got from=5 >= to=2"),
    (lambda: dlcore.randperm(-1), RuntimeError,
     r"Trying to create tensor with negative dimension -1: \[-1\]"),
    (lambda: dlcore.rand(-1), RuntimeError, "negative dimension"),
    (lambda: dlcore.rand(2, dtype=dlcore.int64), NotImplementedError,
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    (lambda: dlcore.randn(2, dtype=dlcore.int32), NotImplementedError,
     "\"normal_kernel_cpu\" not implemented for 'Int'"),
    (lambda: dlcore.empty(3).uniform_(2, 1), RuntimeError,
     r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"),
    (lambda: dlcore.empty(3).normal_(0, -1), RuntimeError,
     "normal expects std >= 0.0, but found std -1"),
    (lambda: dlcore.empty(3, dtype=dlcore.uint8).random_(0, 300), RuntimeError,
     "to - 1 is out of bounds for unsigned char"),
    (lambda: dlcore.empty(3).bernoulli_(1.5), RuntimeError,
     r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"),
    (lambda: dlcore.empty(3).exponential_(0), RuntimeError,
     "exponential_ expects lambda > 0.0, but found lambda=0"),
    (lambda: dlcore.multinomial(dlcore.tensor([0.2, 0.8]), 3), RuntimeError,
     "cannot sample n_sample > prob_dist.size"),
    (lambda: dlcore.multinomial(dlcore.tensor([0.2, -0.8]), 1), RuntimeError,
     "probability tensor contains either `inf`, `nan` or element < 0"),
    (lambda: dlcore.normal(dlcore.zeros(3), -dlcore.ones(3)), RuntimeError,
     "normal expects all elements of std >= 0.0"),
    (lambda: dlcore.zeros(4).expand(3, 4).uniform_(), RuntimeError,
     "more than one element of the written-to tensor refers to a single memory location"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_float_range_warning():
    with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
        dlcore.empty(3).random_(0, 2 ** 25)


def test_randperm_vectorised_matches_the_swap_loop():
    """The closed form in _randperm equals PyTorch's sequential swaps, on random and on
    adversarial words (tiny partners make long chains of swaps)."""
    from dlcore.ops.random import _randperm

    class Words:
        def __init__(self, words):
            self.words = np.asarray(words, np.uint64)

        def _random(self, n):
            return self.words[:n]

    def swap_loop(words, n):
        a = list(range(n))
        for i in range(n - 1):
            z = i + int(words[i]) % (n - i)
            a[i], a[z] = a[z], a[i]
        return a

    rng = np.random.default_rng(0)
    for n in list(range(2, 30)) + [100, 1000]:
        for words in (rng.integers(0, 2 ** 32, n), rng.integers(0, 3, n), np.zeros(n),
                      np.ones(n), np.arange(n)[::-1]):
            assert _randperm(Words(words), n).tolist() == swap_loop(words, n)


# ==== against PyTorch: the same numbers ==========================================================
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_rand_randint_randperm_uniform_bit_identical(torch, seed, n):
    _check(torch, seed, lambda T: T.rand(n))
    _check(torch, seed, lambda T: T.rand(n, dtype=T.float64))
    _check(torch, seed, lambda T: T.randint(-3, 1000, (n,)))
    _check(torch, seed, lambda T: T.randint(10, (n, 2), dtype=T.int32))
    _check(torch, seed, lambda T: T.randint(-2 ** 40, 2 ** 40, (n,)))    # 64-bit words
    _check(torch, seed, lambda T: T.randperm(n))
    _check(torch, seed, lambda T: T.empty(n).uniform_(-2.5, 3.7))
    _check(torch, seed, lambda T: T.empty(n, dtype=T.float64).uniform_(-0.1, 0.1))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES + (31, 4100))
def test_randn_and_normal_bit_identical(torch, seed, n):
    _check(torch, seed, lambda T: T.randn(n))
    _check(torch, seed, lambda T: T.normal(0.3, 2.7, (n,)))
    _check(torch, seed, lambda T: T.empty(n, 2).normal_(-1.0, 0.5))
    _check(torch, seed, lambda T: T.randn(n, dtype=T.float64))
    _check(torch, seed, lambda T: T.randn(n, dtype=T.float16))


@pytest.mark.parametrize("seed", SEEDS)
def test_float64_normal_beyond_the_libm_batch_within_an_ulp(torch, seed):
    """Past 4096 values dlcore's float64 log is NumPy's, which can differ from the C library's
    in the last bit; float32 results are unaffected."""
    mine, theirs = _both(torch, seed, lambda T: T.randn(20_000, dtype=T.float64))
    np.testing.assert_allclose(mine.cpu().numpy(), theirs.cpu().numpy(), rtol=4e-16, atol=1e-300)


@pytest.mark.parametrize("seed", SEEDS)
def test_interleaved_streams_stay_in_lockstep(torch, seed):
    _check(torch, seed, lambda T: (T.rand(7), T.randn(3), T.randperm(12), T.randn(33),
                                   T.randn(1), T.randint(0, 9, (5,)), T.randn(2),
                                   T.empty(40).normal_(), T.rand(2, 3), T.randn(5, 5),
                                   T.multinomial(T.rand(6), 3), T.bernoulli(T.rand(9)),
                                   T.randn(1), T.rand(1)))


@pytest.mark.parametrize("seed", SEEDS)
def test_cached_normal_sample_carries_over(torch, seed):
    # randn of < 16 values caches the second Box-Muller sample; the blocked path leaves it alone
    _check(torch, seed, lambda T: (T.randn(1), T.randn(100), T.randn(2), T.randn(3),
                                   T.empty(5).log_normal_(0.5, 0.25), T.randn(1)))


@pytest.mark.parametrize("seed", SEEDS)
def test_non_contiguous_targets_fill_in_memory_order(torch, seed):
    _check(torch, seed, lambda T: T.empty(20, 3).t().normal_(0.5, 2.0))
    _check(torch, seed, lambda T: T.zeros(20, 4)[:, ::2].normal_())
    _check(torch, seed, lambda T: T.empty(5, 3).t().uniform_(-1, 1))
    _check(torch, seed, lambda T: T.empty(6, 4).t().random_(0, 100))
    _check(torch, seed, lambda T: T.bernoulli(T.rand(7, 3).t()))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (1, 17, 100))
def test_other_distributions_bit_identical(torch, seed, n):
    _check(torch, seed, lambda T: T.empty(n).bernoulli_(0.3))
    _check(torch, seed, lambda T: T.zeros(n, 3, dtype=T.int64).bernoulli_(0.7))
    _check(torch, seed, lambda T: T.bernoulli(T.rand(n, 3)))
    _check(torch, seed, lambda T: T.bernoulli(T.rand(n, dtype=T.float64)))
    _check(torch, seed, lambda T: T.zeros(n, 3).bernoulli_(T.rand(3)))
    _check(torch, seed, lambda T: T.bernoulli(T.zeros(n), 0.25))
    _check(torch, seed, lambda T: T.empty(n).exponential_(2.5))
    _check(torch, seed, lambda T: T.empty(n, dtype=T.float64).exponential_(0.7))
    _check(torch, seed, lambda T: T.empty(n).geometric_(0.3))
    _check(torch, seed, lambda T: T.empty(n).cauchy_(1.0, 2.0))
    _check(torch, seed, lambda T: T.empty(n).log_normal_(0.5, 0.7))
    _check(torch, seed, lambda T: T.rand_like(T.zeros(n, 2, dtype=T.float64)))
    _check(torch, seed, lambda T: T.randn_like(T.zeros(n, 2)))
    _check(torch, seed, lambda T: T.randint_like(T.zeros(n), 3, 9))
    _check(torch, seed, lambda T: T.rand(n, dtype=T.float16))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8", "bool",
                                   "float32", "float64", "float16"])
def test_random_fills_bit_identical(torch, seed, dtype):
    _check(torch, seed, lambda T: T.empty(50, dtype=getattr(T, dtype)).random_())
    _check(torch, seed, lambda T: T.empty(50, dtype=getattr(T, dtype)).random_(2))
    if dtype not in ("bool", "uint8"):
        _check(torch, seed, lambda T: T.empty(50, dtype=getattr(T, dtype)).random_(-3, 8))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (2, 17, 100))
def test_normal_tensor_forms_and_multinomial_bit_identical(torch, seed, n):
    _check(torch, seed, lambda T: T.normal(T.arange(float(n)), T.arange(float(n)) / 10 + 0.1))
    _check(torch, seed, lambda T: T.normal(T.arange(float(n)), 2.5))
    _check(torch, seed, lambda T: T.normal(1.5, T.arange(float(n)) / 10 + 0.1))
    _check(torch, seed, lambda T: T.normal(T.zeros(n, 1), T.ones(3)))
    _check(torch, seed, lambda T: T.multinomial(T.rand(n) + 0.01, 1))
    _check(torch, seed, lambda T: T.multinomial(T.rand(4, n) + 0.01, 2))
    _check(torch, seed, lambda T: T.multinomial(T.rand(4, n), 7, replacement=True))
    _check(torch, seed, lambda T: T.multinomial(T.rand(n, dtype=T.float64), 50, True))


@pytest.mark.parametrize("seed", SEEDS)
def test_generators_bit_identical(torch, seed):
    mine = dlcore.Generator().manual_seed(seed)
    theirs = torch.Generator().manual_seed(seed)
    _assert_same(dlcore.randn(20, generator=mine), torch.randn(20, generator=theirs))
    _assert_same(dlcore.randperm(9, generator=mine), torch.randperm(9, generator=theirs))
    _assert_same(dlcore.Generator().get_state(), torch.Generator().get_state())


@pytest.mark.parametrize("seed", SEEDS)
def test_rng_state_bytes_are_pytorchs(torch, seed):
    def states(T):
        out = [T.get_rng_state()]
        for draw in (lambda: T.rand(1), lambda: T.randn(3), lambda: T.rand(700),
                     lambda: T.randn(1), lambda: T.randperm(623)):
            draw()
            out.append(T.get_rng_state())
        return tuple(out)
    _check(torch, seed, states)
    assert dlcore.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize("seed", SEEDS)
def test_rng_state_moves_between_libraries(torch, seed):
    torch.manual_seed(seed)
    torch.rand(1000)
    torch.randn(5)                                       # a cached sample travels too
    dlcore.set_rng_state(dlcore.tensor(torch.get_rng_state().cpu().numpy()))
    _assert_same(dlcore.randn(30), torch.randn(30))
    _assert_same(dlcore.randn(1), torch.randn(1))
    torch.set_rng_state(torch.from_numpy(dlcore.get_rng_state().cpu().numpy().copy()))
    _assert_same(dlcore.rand(5), torch.rand(5))


@pytest.mark.parametrize("seed", (0, 2 ** 63 + 5, -7))
def test_big_and_negative_seeds(torch, seed):
    _check(torch, seed, lambda T: (T.rand(3), T.randn(20)))
    assert dlcore.initial_seed() == torch.initial_seed()


@pytest.mark.parametrize("call", [
    "T.randint(5, 2, (3,))", "T.randperm(-1)", "T.rand(2, dtype=T.int64)",
    "T.empty(3).uniform_(2, 1)", "T.empty(3).normal_(0, -1)", "T.normal(0., -1., (3,))",
    "T.empty(3).random_(5, 2)", "T.empty(3, dtype=T.uint8).random_(0, 300)",
    "T.empty(3).bernoulli_(1.5)", "T.bernoulli(T.tensor([0.5, 2.0]))",
    "T.empty(3).exponential_(-1)", "T.multinomial(T.tensor([0.2, 0.8]), 3)",
    "T.multinomial(T.tensor([0., 0.]), 1)", "T.multinomial(T.tensor([1, 2]), 1)",
    "T.multinomial(T.tensor([0.2, 0.8]), 0)", "T.multinomial(T.ones(2, 2, 2), 1)",
    "T.normal(T.zeros(3), T.ones(2))", "T.set_rng_state(T.zeros(10, dtype=T.uint8))",
    "T.manual_seed(2 ** 64)", "T.empty(3).geometric_(1.5)", "T.empty(3).log_normal_(0, -1)",
    "T.empty(3).cauchy_(0, -1)", "T.empty(3, dtype=T.int64).cauchy_()",
    "T.empty(2, dtype=T.int64).exponential_()", "T.poisson(T.tensor([-1.]))",
    "T.empty(3).uniform_(float('inf'), 1)", "T.empty(3).bernoulli_(T.tensor([0.5, 0.2]))",
    "T.randperm(2 ** 25, dtype=T.float32)",
    "T.multinomial(T.tensor([0.2, float('inf')]), 2, True)",
])
def test_errors_match_pytorch(torch, call):
    def outcome(T):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(call)
        except Exception as e:  # noqa: BLE001 - the point is to compare whatever is raised
            return type(e).__name__, str(e).split("\n")[0].replace("torch.", "dlcore.")
        return None
    assert outcome(dlcore) == outcome(torch)
