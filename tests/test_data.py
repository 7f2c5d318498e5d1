"""dlcore.utils.data against torch.utils.data: datasets, splits, samplers, collation, DataLoader
(single process and worker processes), and their errors."""
import collections
import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import dlcore
from dlcore.utils import data
from dlcore.utils.data import DataLoader

from .oracle import assert_same, compare, torch


# tests whose datasets make tensors in the workers, on the default device (cuda in a GPU run)
_FORKED_WORKERS = pytest.mark.cpu_only(reason="workers are forked processes, and CUDA can't be "
                                              "used in a forked process (nor in PyTorch)")


def _toy(m, n=10):
    """The same small TensorDataset in dlcore or torch: rows i have x = [2i, 2i+1], y = i."""
    return m.utils.data.TensorDataset(m.arange(2.0 * n).view(n, 2), m.arange(n))


def _batches(loader):
    """The y-values of each batch, as lists (for comparing orders across libraries)."""
    return [batch[1].tolist() for batch in loader]


def assert_same_batch(d, t):
    """A collated dlcore batch has torch's structure (container types, keys), dtypes, shapes,
    values."""
    if isinstance(t, torch.Tensor):
        assert_same(d, t)
    elif isinstance(t, dict):
        assert type(d) is type(t) and list(d) == list(t)
        for key in t:
            assert_same_batch(d[key], t[key])
    elif isinstance(t, (list, tuple)):
        assert type(d).__name__ == type(t).__name__ and len(d) == len(t)
        for x, y in zip(d, t):
            assert_same_batch(x, y)
    else:
        assert type(d) is type(t) and d == t


# -- datasets ------------------------------------------------------------------------------------

def test_tensor_dataset_rows_and_length():
    ds = _toy(dlcore, 5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    assert ds[1:3][1].tolist() == [1, 2]


def test_tensor_dataset_size_mismatch_is_torchs_error():
    compare(lambda m: m.utils.data.TensorDataset(m.zeros(3, 2), m.zeros(4)))


def test_dataset_base_and_concat():
    compare(lambda m: m.utils.data.Dataset()[0])
    both = _toy(dlcore, 3) + _toy(dlcore, 4)
    assert isinstance(both, data.ConcatDataset) and len(both) == 7
    assert both.cumulative_sizes == [3, 7]
    assert [both[i][1].item() for i in range(-7, 7)] == [0, 1, 2, 0, 1, 2, 3] * 2
    compare(lambda m: (_toy(m, 3) + _toy(m, 4))[-8])
    compare(lambda m: m.utils.data.ConcatDataset([]))


def test_subset_and_stack_dataset():
    sub = data.Subset(_toy(dlcore), [7, 2, 5])
    assert len(sub) == 3 and sub[1][1].item() == 2
    assert [y.item() for _, y in sub.__getitems__([2, 0])] == [5, 7]
    stacked = data.StackDataset(a=range(3), b=[10, 11, 12])
    assert stacked[2] == {"a": 2, "b": 12} and len(stacked) == 3
    assert data.StackDataset(range(2), "xy")[1] == (1, "y")
    compare(lambda m: m.utils.data.StackDataset(range(2), range(3)))
    compare(lambda m: m.utils.data.StackDataset())


class _Count(data.IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))

    def __len__(self):
        return self.end - self.start


def test_iterable_dataset_and_chain():
    chained = _Count(0, 3) + _Count(10, 12)
    assert isinstance(chained, data.ChainDataset)
    assert list(chained) == [0, 1, 2, 10, 11] and len(chained) == 5
    loader = DataLoader(_Count(0, 7), batch_size=3)
    assert len(loader) == 3 and [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(_Count(0, 7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]
    for option in ({"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}):
        with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected "
                                             "unspecified"):
            DataLoader(_Count(0, 3), **option)


# -- random_split --------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Length of split")     # [1, 0] reads as fractions, in both
@settings(max_examples=30)
@given(n=st.integers(0, 40), cut=st.integers(0, 40), seed=st.integers(0, 2**32))
def test_random_split_lengths_equal_torchs_split(n, cut, seed):
    cut = min(cut, n)
    splits = data.random_split(range(n), [cut, n - cut],
                               generator=dlcore.Generator().manual_seed(seed))
    expected = torch.utils.data.random_split(range(n), [cut, n - cut],
                                             generator=torch.Generator().manual_seed(seed))
    assert [s.indices for s in splits] == [s.indices for s in expected]
    assert sorted(splits[0].indices + splits[1].indices) == list(range(n))


@pytest.mark.filterwarnings("ignore:Length of split")
@pytest.mark.parametrize("fractions", [[0.3, 0.7], [0.5, 0.25, 0.25], [1 / 3] * 3, [0.1] * 10])
def test_random_split_fractions_equal_torchs_split(fractions):
    for n in (7, 30, 101):
        splits = data.random_split(range(n), fractions,
                                   generator=dlcore.Generator().manual_seed(n))
        expected = torch.utils.data.random_split(range(n), fractions,
                                                 generator=torch.Generator().manual_seed(n))
        assert [list(s) for s in splits] == [list(s) for s in expected]


def test_random_split_default_generator_follows_manual_seed():
    dlcore.manual_seed(11)
    torch.manual_seed(11)
    assert ([s.indices for s in data.random_split(range(20), [5, 15])]
            == [s.indices for s in torch.utils.data.random_split(range(20), [5, 15])])


def test_random_split_errors_and_warning():
    compare(lambda m: m.utils.data.random_split(range(10), [3, 8]))
    compare(lambda m: m.utils.data.random_split(range(10), [1.2, -0.2]))
    messages = []
    for m in (dlcore, torch):
        with pytest.warns(UserWarning) as caught:
            m.utils.data.random_split(range(2), [0.9, 0.05, 0.05])
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 2


# -- samplers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"num_samples": 25}, {"num_samples": 4},
                                    {"replacement": True}, {"replacement": True,
                                                            "num_samples": 70}])
def test_random_sampler_draws_torchs_indices(kwargs):
    g, tg = dlcore.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    sampler = data.RandomSampler(range(10), generator=g, **kwargs)
    expected = torch.utils.data.RandomSampler(range(10), generator=tg, **kwargs)
    assert len(sampler) == len(expected)
    for _ in range(2):                   # a second pass continues the generator's stream
        assert list(sampler) == list(expected)


@pytest.mark.cpu_only(reason="PyTorch's CPU random stream: without a generator the seed is drawn "
                             "on the default device")
@pytest.mark.parametrize("kwargs", [{}, {"num_samples": 25}, {"num_samples": 4},
                                    {"replacement": True}, {"replacement": True,
                                                            "num_samples": 70}])
def test_samplers_without_a_generator_draw_from_the_global_seed(kwargs):
    dlcore.manual_seed(9)
    torch.manual_seed(9)
    assert (list(data.RandomSampler(range(10), **kwargs))
            == list(torch.utils.data.RandomSampler(range(10), **kwargs)))
    for m in (dlcore, torch):
        m.manual_seed(2)
    assert (list(data.SubsetRandomSampler([5, 8, 13, 21]))
            == list(torch.utils.data.SubsetRandomSampler([5, 8, 13, 21])))


def test_other_samplers_equal_torchs():
    assert list(data.SequentialSampler(range(4))) == [0, 1, 2, 3]
    weights = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6]
    for replacement in (True, False):
        assert (list(data.WeightedRandomSampler(weights, 5, replacement,
                                                generator=dlcore.Generator().manual_seed(1)))
                == list(torch.utils.data.WeightedRandomSampler(
                    weights, 5, replacement, generator=torch.Generator().manual_seed(1))))
    for drop_last in (True, False):
        for size in (1, 3, 4, 11):
            batches = data.BatchSampler(data.SequentialSampler(range(10)), size, drop_last)
            expected = torch.utils.data.BatchSampler(range(10), size, drop_last)
            assert list(batches) == list(expected) and len(batches) == len(expected)


@pytest.mark.parametrize("make", [
    lambda m: m.utils.data.RandomSampler(range(3), replacement=1),
    lambda m: m.utils.data.RandomSampler(range(3), num_samples=0),
    lambda m: m.utils.data.RandomSampler([]),
    lambda m: m.utils.data.BatchSampler(range(3), 0, False),
    lambda m: m.utils.data.BatchSampler(range(3), True, False),
    lambda m: m.utils.data.BatchSampler(range(3), 2, 1),
    lambda m: m.utils.data.WeightedRandomSampler([1.0, 2.0], 0),
    lambda m: m.utils.data.WeightedRandomSampler([1.0, 2.0], 2, replacement=None),
    lambda m: m.utils.data.WeightedRandomSampler([[1.0, 2.0]], 2),
])
def test_sampler_errors_are_torchs(make):
    compare(make)


# -- DataLoader: order and coverage --------------------------------------------------------------

@settings(max_examples=40)
@given(n=st.integers(1, 50), batch_size=st.integers(1, 60), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**16))
def test_every_sample_once_per_epoch(n, batch_size, drop_last, shuffle, seed):
    loader = DataLoader(_toy(dlcore, n), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, generator=dlcore.Generator().manual_seed(seed))
    for _ in range(2):
        batches = _batches(loader)
        seen = [i for batch in batches for i in batch]
        full = n // batch_size * batch_size
        assert len(batches) == len(loader)
        assert all(len(b) == batch_size for b in batches[:full // batch_size])
        if drop_last:
            assert len(seen) == full and len(set(seen)) == full
        else:
            assert sorted(seen) == list(range(n))
        if not shuffle:
            assert seen == list(range(len(seen)))


@settings(max_examples=25)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(),
       seed=st.integers(0, 2**32))
def test_seeded_shuffle_is_torchs_order(n, batch_size, drop_last, seed):
    loader = DataLoader(_toy(dlcore, n), batch_size=batch_size, shuffle=True,
                        drop_last=drop_last, generator=dlcore.Generator().manual_seed(seed))
    expected = torch.utils.data.DataLoader(_toy(torch, n), batch_size=batch_size, shuffle=True,
                                           drop_last=drop_last,
                                           generator=torch.Generator().manual_seed(seed))
    assert len(loader) == len(expected)
    epochs = [_batches(loader) for _ in range(3)]
    assert epochs == [_batches(expected) for _ in range(3)]
    again = DataLoader(_toy(dlcore, n), batch_size=batch_size, shuffle=True,
                       drop_last=drop_last, generator=dlcore.Generator().manual_seed(seed))
    assert _batches(again) == epochs[0]          # reproducible from the seed


@pytest.mark.cpu_only(reason="PyTorch's CPU random stream: the global seed draws on the "
                             "default device")
def test_global_seed_shuffle_is_torchs_order():
    dlcore.manual_seed(0)
    torch.manual_seed(0)
    loader = DataLoader(_toy(dlcore, 23), batch_size=4, shuffle=True)
    expected = torch.utils.data.DataLoader(_toy(torch, 23), batch_size=4, shuffle=True)
    assert [_batches(loader) for _ in range(2)] == [_batches(expected) for _ in range(2)]
    assert dlcore.rand(3).tolist() == pytest.approx(torch.rand(3).tolist())  # same draws used


def test_batches_equal_torchs_values_and_sampler_options():
    for kwargs in [{"batch_size": 4}, {"batch_size": None},
                   {"sampler": [9, 0, 4]}, {"batch_sampler": [[1, 2], [8], [3, 4, 5]]}]:
        got = list(DataLoader(_toy(dlcore), **kwargs))
        expected = list(torch.utils.data.DataLoader(_toy(torch), **kwargs))
        assert len(got) == len(expected)
        for d, t in zip(got, expected):
            assert_same_batch(d, t)


@pytest.mark.parametrize("requires_grad", [False, True])
def test_tensor_dataset_batches_equal_stacked_rows(requires_grad):
    # the default collate of a TensorDataset indexes whole batches: the same tensors (values,
    # dtypes, shapes, contiguity, grad_fn) as stacking the rows one by one
    x = dlcore.randn(23, 3, 2, requires_grad=requires_grad)
    dataset = data.TensorDataset(x, dlcore.arange(23))
    def batches(collate_fn):
        return list(DataLoader(dataset, batch_size=5, shuffle=True, collate_fn=collate_fn,
                               generator=dlcore.Generator().manual_seed(3)))
    got, stacked = batches(None), batches(lambda rows: data.default_collate(rows))
    assert len(got) == len(stacked) == 5
    for batch, expected in zip(got, stacked):
        assert type(batch) is type(expected) is list
        for d, e in zip(batch, expected):
            assert d.dtype == e.dtype and d.shape == e.shape and d.is_contiguous()
            assert dlcore.equal(d, e) and type(d.grad_fn) is type(e.grad_fn)


def test_custom_collate_fn_and_getitems():
    loader = DataLoader(range(5), batch_size=2, collate_fn=lambda batch: sum(batch))
    assert list(loader) == [1, 5, 4]

    class Batched(data.Dataset):
        def __len__(self):
            return 6

        def __getitems__(self, indices):       # one call per batch when a dataset has it
            return [(i, -i) for i in indices]

    assert_same_batch(list(DataLoader(Batched(), batch_size=4))[0],
                      [torch.tensor([0, 1, 2, 3]), torch.tensor([0, -1, -2, -3])])


# -- collation -----------------------------------------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])

_BATCHES = {
    "floats": lambda m: [1.5, 2.0, -3.0],
    "ints": lambda m: [0, 1, 2],
    "bools": lambda m: [True, False],
    "strings": lambda m: ["a", "bc"],
    "numpy float32 scalars": lambda m: [np.float32(1), np.float32(2)],
    "numpy int16 scalars": lambda m: [np.int16(1), np.int16(2)],
    "numpy arrays": lambda m: [np.arange(6, dtype=np.float32).reshape(2, 3)] * 2,
    "numpy int arrays": lambda m: [np.arange(3), np.arange(3, 6)],
    "tensors": lambda m: [m.ones(2, 3, dtype=m.float64), m.zeros(2, 3, dtype=m.float64)],
    "0-d tensors": lambda m: [m.tensor(1), m.tensor(2)],
    "tuples": lambda m: [(m.tensor([1.0]), 0), (m.tensor([2.0]), 1)],
    "lists": lambda m: [[0, 1.0], [2, 3.0]],
    "dicts": lambda m: [{"x": m.zeros(2), "label": 3, "name": "a"},
                        {"x": m.ones(2), "label": 4, "name": "b"}],
    "nested": lambda m: [{"p": (1, [2.0, np.float64(3)])}, {"p": (4, [5.0, np.float64(6)])}],
    "namedtuples": lambda m: [Point(1, 2.0), Point(3, 4.0)],
}


@pytest.mark.parametrize("name", list(_BATCHES))
def test_default_collate_equals_torchs(name):
    make = _BATCHES[name]
    assert_same_batch(data.default_collate(make(dlcore)),
                      torch.utils.data.default_collate(make(torch)))


@pytest.mark.parametrize("sample", [np.arange(3), (np.float32(1), 2), {"a": np.ones(2)},
                                    Point(np.int32(1), "s"), 7, "text"])
def test_default_convert_equals_torchs(sample):
    assert_same_batch(data.default_convert(sample), torch.utils.data.default_convert(sample))


@pytest.mark.parametrize("batch", [[object(), object()], [np.array(["a"]), np.array(["b"])],
                                   [[1, 2], [3]]])
def test_collate_errors_are_torchs(batch):
    with pytest.raises(Exception) as expected:
        torch.utils.data.default_collate(batch)
    with pytest.raises(expected.type) as got:
        data.default_collate(batch)
    assert str(got.value) == str(expected.value)


def test_collate_of_mismatched_tensors_is_torchs_error():
    compare(lambda m: m.utils.data.default_collate([m.zeros(2), m.zeros(3)]))


# -- DataLoader: errors --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"shuffle": True, "sampler": [0, 1]},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "drop_last": True},
    {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_size": None, "drop_last": True},
    {"batch_size": 0},
    {"num_workers": -1},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
    {"num_workers": 1, "prefetch_factor": -1},
    {"multiprocessing_context": "spawn"},
    {"num_workers": 1, "multiprocessing_context": "no-such-method"},
    {"num_workers": 1, "multiprocessing_context": 3},
])
def test_loader_option_errors_are_torchs(kwargs):
    compare(lambda m: m.utils.data.DataLoader(_toy(m), **kwargs))


def test_loader_attributes_are_frozen_and_pin_memory_is_accepted():
    loader = DataLoader(_toy(dlcore), batch_size=3, pin_memory=True)
    compare(lambda m: setattr(m.utils.data.DataLoader(_toy(m)), "batch_size", 5))
    loader.num_workers = 0                     # not one of the frozen attributes
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _batches(loader) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    with warnings.catch_warnings(record=True) as expected:
        warnings.simplefilter("always")
        list(torch.utils.data.DataLoader(_toy(torch), batch_size=3, pin_memory=True))
    if dlcore.cuda.is_available() == torch.cuda.is_available():
        assert [str(w.message) for w in caught] == [str(w.message) for w in expected]
    else:   # dlcore's stand-in for a GPU, PyTorch without one: pinning is used, no warning
        assert dlcore.cuda.is_available() and caught == []


def test_too_many_workers_warns_like_torch():
    too_many = len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else 999
    messages = []
    for m in (dlcore, torch):
        with pytest.warns(UserWarning) as caught:
            m.utils.data.DataLoader(_toy(m), num_workers=too_many)
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and "worker processes in total" in messages[0][0]


def test_worker_numpy_seed_is_torchs():
    from torch.utils.data._utils.worker import _generate_state as torch_state
    from dlcore.utils.data._worker import _generate_state
    for base_seed in (0, 1, 2**40 + 17, 2**63 - 1):
        for worker_id in (0, 1, 7):
            assert _generate_state(base_seed, worker_id) == torch_state(base_seed, worker_id)


# -- worker processes (few and small: each starts two processes) ---------------------------------

class _WorkerSeeds(data.Dataset):
    """Samples record which worker made them and what its generators give."""

    def __len__(self):
        return 6

    def __getitem__(self, i):
        info = data.get_worker_info()
        return {"i": i, "worker": info.id, "seed": info.seed, "draw": dlcore.rand(1).item(),
                "np": float(np.random.rand())}


class _Failing(data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("sample 2 is broken")
        return i


@_FORKED_WORKERS
def test_workers_give_the_same_batches_as_the_main_process():
    dataset = _toy(dlcore, 37)
    for shuffle in (False, True):
        kwargs = dict(batch_size=5, shuffle=shuffle, drop_last=shuffle)
        single = DataLoader(dataset, generator=dlcore.Generator().manual_seed(3), **kwargs)
        workers = DataLoader(dataset, num_workers=2, generator=dlcore.Generator().manual_seed(3),
                             **kwargs)
        for _ in range(2):
            expected = list(single)
            got = list(workers)
            assert len(got) == len(expected) == len(workers)
            for (x, y), (ex, ey) in zip(got, expected):
                assert x.tolist() == ex.tolist() and y.tolist() == ey.tolist()


@_FORKED_WORKERS
def test_workers_are_seeded_from_the_loader_generator():
    assert data.get_worker_info() is None
    loader = DataLoader(_WorkerSeeds(), batch_size=None, num_workers=2,
                        generator=dlcore.Generator().manual_seed(4))
    samples = list(loader)
    base_seed = int(dlcore.empty((), dtype=dlcore.int64)
                    .random_(generator=dlcore.Generator().manual_seed(4)).item())
    assert [s["i"] for s in samples] == list(range(6))
    assert [s["worker"] for s in samples] == [0, 1] * 3          # tasks go round-robin
    assert all(s["seed"] == base_seed + s["worker"] for s in samples)
    first = [s["draw"] for s in samples[:2]]
    assert first == [dlcore.rand(1, generator=dlcore.Generator().manual_seed(base_seed + w))
                     .item() for w in (0, 1)]
    assert samples[0]["np"] != samples[1]["np"]                   # NumPy seeded per worker too


@_FORKED_WORKERS
def test_worker_error_reaches_the_main_process_and_workers_stop():
    iterator = iter(DataLoader(_Failing(), batch_size=None, num_workers=2))
    workers = iterator._workers
    assert next(iterator) == 0 and next(iterator) == 1
    with pytest.raises(ValueError, match="Caught ValueError in DataLoader worker process 0") as e:
        next(iterator)
    assert "sample 2 is broken" in str(e.value)
    del iterator, e             # an abandoned iterator (and the traceback holding it) goes...
    assert not any(w.is_alive() for w in workers)    # ...and shuts its workers down


@_FORKED_WORKERS
def test_persistent_workers_and_early_exit():
    loader = DataLoader(_toy(dlcore, 12), batch_size=2, num_workers=2, persistent_workers=True)
    first = iter(loader)
    next(first)                                  # abandon the first pass early
    workers = first._workers
    assert [_batches(loader) for _ in range(2)] == [[[0, 1], [2, 3], [4, 5], [6, 7], [8, 9],
                                                     [10, 11]]] * 2
    assert iter(loader)._workers is workers and all(w.is_alive() for w in workers)
    del loader, first
    assert not any(w.is_alive() for w in workers)


@_FORKED_WORKERS
def test_iterable_dataset_workers_each_iterate_their_copy_like_torch():
    got = [b.tolist() for b in DataLoader(_Count(0, 5), batch_size=2, num_workers=2)]
    assert got == [[0, 1], [0, 1], [2, 3], [2, 3], [4], [4]]     # torch's answer too
