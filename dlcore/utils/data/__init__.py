"""dlcore.utils.data: datasets, samplers and the DataLoader, like torch.utils.data.

- `dataset.py`: Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split ...
- `sampler.py`: the order of the indices (SequentialSampler, RandomSampler, BatchSampler ...);
- `_collate.py`: samples -> batches (default_collate);
- `dataloader.py`: DataLoader, in the main process or with worker processes (`_worker.py`).
"""
from ._collate import default_collate, default_convert  # noqa: F401
from ._worker import get_worker_info  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset,  # noqa: F401
                      StackDataset, Subset, TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "StackDataset",
           "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
           "default_collate", "default_convert", "get_worker_info", "random_split"]
