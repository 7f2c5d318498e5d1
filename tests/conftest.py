"""Shared test configuration: Hypothesis profiles and the `gpu` marker.

PyTorch is an optional oracle: tests that compare with it start with
`torch = pytest.importorskip("torch")`, so the suite runs (with skips) without it.
"""
import functools
import os

import pytest

try:
    from hypothesis import settings
except ImportError:  # hypothesis is in the `test` extra; without it only its tests fail to import
    settings = None

if settings is not None:
    # No per-example deadline: timings on a shared 2-core machine are noise, not failures.
    settings.register_profile("dev", deadline=None)
    # In CI the examples are derandomized, so a run is repeatable and never flaky by chance.
    settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
    settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


@functools.lru_cache(maxsize=None)
def _cuda_works():
    """True when CuPy imports and can run a kernel: `import cupy` alone succeeds without a GPU."""
    try:
        import cupy
        return bool(cupy.is_available()) and int((cupy.arange(3) * 2).sum().item()) == 6
    except Exception:  # ImportError, or CUDARuntimeError (a RuntimeError) without a device
        return False


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if gpu_items and not _cuda_works():
        skip = pytest.mark.skip(reason="needs a CUDA device (CuPy found none)")
        for item in gpu_items:
            item.add_marker(skip)
