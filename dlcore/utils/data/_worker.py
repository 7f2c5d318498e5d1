"""What runs inside a DataLoader worker process: seed the random generators, then fetch the
batches the main process asks for, until told to stop or the main process is gone."""
import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ._fetch import _create_fetcher

__all__ = ["WorkerInfo", "get_worker_info"]

# How often (seconds) a waiting worker checks that the main process lives, and the main process
# checks that its workers do.
MP_STATUS_CHECK_INTERVAL = 5.0


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker knows about itself: its `id` (0..num_workers-1), `num_workers`, the `seed`
    its generators got, and its own copy of the `dataset`."""
    id: int
    num_workers: int
    seed: int
    dataset: object


_worker_info = None


def get_worker_info():
    """In a worker process, its WorkerInfo; in the main process, None."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """Sent by a worker whose copy of an IterableDataset ran out."""
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Sent to (and echoed by) persistent workers when a new epoch starts."""
    seed: object = None


class _ExceptionWrapper:
    """An exception raised in a worker, carried to the main process with its traceback as text
    (tracebacks don't pickle) and raised again there, as PyTorch's ExceptionWrapper does."""

    def __init__(self, where):
        exc_type, exc_value, exc_tb = sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            # KeyError's str() would show the message with its newlines escaped
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        try:
            raise exception
        finally:
            # no reference cycle exception -> traceback -> this frame -> exception, so the
            # iterator in the traceback (and its workers) is freed as soon as the error is
            exception = None


class _KeyErrorMessage(str):
    def __repr__(self):
        return self


def _generate_state(base_seed, worker_id):
    """NumPy's seed for worker `worker_id`: four 32-bit words hashed from (worker_id, base_seed),
    PyTorch's port of NumPy's SeedSequence, so each worker's np.random differs."""
    mask32 = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    entropy = [worker_id, base_seed & mask32, base_seed >> 32, 0]
    hash_const_a = 0x43B0D7E5

    def hash_(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & mask32
        hash_const_a = (hash_const_a * mult_a) & mask32
        value = (value * hash_const_a) & mask32
        return (value ^ (value >> 16)) & mask32

    def mix(x, y):
        result = ((0xCA01F9DD * x) - (0x4973F715 * y)) & mask32
        return (result ^ (result >> 16)) & mask32

    pool = [hash_(word) for word in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_b = 0x8B51F9DD
    state = []
    for value in pool:
        value = (value ^ hash_const_b) & mask32
        hash_const_b = (hash_const_b * mult_b) & mask32
        value = (value * hash_const_b) & mask32
        state.append((value ^ (value >> 16)) & mask32)
    return state


def _worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers):
    """Take `(task number, indices)` from `index_queue`, put `(task number, batch)` on
    `data_queue`. `None` means stop; an error travels back as an _ExceptionWrapper."""
    from ... import set_num_threads
    from ...ops.random import manual_seed
    global _worker_info
    try:
        set_num_threads(1)              # the workers share the machine's cores
        seed = base_seed + worker_id
        random.seed(seed)
        manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                      drop_last)
        except Exception:
            init_exception = _ExceptionWrapper(f"in DataLoader worker process {worker_id}")

        iteration_end = False           # this worker's IterableDataset copy is exhausted
        parent = os.getppid()
        while os.getppid() == parent:   # a worker orphaned by a crashed main process quits
            try:
                request = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(request, _ResumeIteration):
                data_queue.put((request, None))
                iteration_end = False
                fetcher = _create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                          drop_last)
                continue
            if request is None:
                break
            if done_event.is_set() or iteration_end:
                continue                # shutting down or exhausted: drop queued requests
            idx, index = request
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not is_iterable:
                        data = _ExceptionWrapper(f"in DataLoader worker process {worker_id}")
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = _ExceptionWrapper(f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, request   # don't hold a batch while waiting for the next
    except KeyboardInterrupt:
        pass                            # the main process handles Ctrl-C
    if done_event.is_set():
        # the main process may no longer read: don't block on flushing unread batches
        data_queue.cancel_join_thread()
        data_queue.close()
