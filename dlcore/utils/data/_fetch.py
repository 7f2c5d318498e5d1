"""Fetchers: turn what the sampler gives (an index, or a list of them) into a collated batch.
The same code runs in the main process (num_workers=0) and in each worker process."""
from ._collate import default_collate
from .dataset import TensorDataset


class _MapDatasetFetcher:
    """For a map-style Dataset: `dataset[i]` per index (or one `__getitems__` call), collated."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        # a TensorDataset batched by the default collate can index whole batches of rows
        self._rows_at_once = (auto_collation and collate_fn is default_collate
                              and type(dataset) is TensorDataset
                              and not any(t.requires_grad for t in dataset.tensors))

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self._rows_at_once:
            # what stacking the batch's rows gives, in one indexing per tensor (PyTorch stacks
            # them one by one: the same tensors, ~50x slower for 64 rows)
            return [tensor[list(possibly_batched_index)] for tensor in self.dataset.tensors]
        if getattr(self.dataset, "__getitems__", None):
            data = self.dataset.__getitems__(possibly_batched_index)
        else:
            data = [self.dataset[idx] for idx in possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher(_MapDatasetFetcher):
    """For an IterableDataset: the next `len(batch)` samples of its stream (the sampler only
    says how many). Raises StopIteration once the stream is exhausted."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


def _create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    fetcher = _IterableDatasetFetcher if is_iterable else _MapDatasetFetcher
    return fetcher(dataset, auto_collation, collate_fn, drop_last)
