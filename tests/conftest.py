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
    if gpu_items and not (_cuda_works() or _stand_in_on()):
        skip = pytest.mark.skip(reason="needs a CUDA device (CuPy found none; DLCORE_FAKE_CUDA=1 "
                                       "runs these on dlcore's NumPy stand-in)")
        for item in gpu_items:
            item.add_marker(skip)


# -- devices: the `device` fixture runs a test on "cpu" and on "cuda" -----------------------------
def _stand_in_on():
    """DLCORE_FAKE_CUDA=1: dlcore's NumPy stand-in plays a CUDA device (for CI without a GPU)."""
    return os.environ.get("DLCORE_FAKE_CUDA", "0") not in ("", "0")


def _device_params():
    if _stand_in_on() or _cuda_works():
        return ["cpu", "cuda"]
    why = ("no CUDA device: CuPy is missing or found no GPU (DLCORE_FAKE_CUDA=1 runs these tests "
           "on dlcore's NumPy stand-in for a GPU)")
    return ["cpu", pytest.param("cuda", marks=pytest.mark.skip(reason=why))]


@pytest.fixture(params=_device_params())
def device(request):
    """The device a device-independent test runs on: 'cpu', then 'cuda' where there is one."""
    return request.param
