"""Shared test configuration: Hypothesis profiles, the `gpu` and `cpu_only` markers, and the
device the whole suite runs on.

`DLCORE_TEST_DEVICE=cuda` (or `--dlcore-device=cuda`) makes cuda the default device of every
test (`dlcore.set_default_device`), so tensors the tests create without `device=` live on the
GPU; tests marked `cpu_only` (NumPy memory sharing, PyTorch's CPU random streams, ...) are then
skipped with their reason. Without a usable GPU the run stops and says so (DLCORE_FAKE_CUDA=1
plays one with dlcore's NumPy stand-in).

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


# -- the device the whole suite runs on: --dlcore-device / DLCORE_TEST_DEVICE --------------------
def pytest_addoption(parser):
    parser.addoption("--dlcore-device", choices=("cpu", "cuda"),
                     default=os.environ.get("DLCORE_TEST_DEVICE") or "cpu",
                     help="the default device of every test (also DLCORE_TEST_DEVICE): cuda runs "
                          "the suite's tensors on the GPU, skipping the tests marked cpu_only")


def _test_device(config):
    return config.getoption("--dlcore-device")


def pytest_configure(config):
    if _test_device(config) == "cuda" and not (_cuda_works() or _stand_in_on()):
        raise pytest.UsageError(
            "--dlcore-device=cuda (DLCORE_TEST_DEVICE=cuda) needs a CUDA device, and there is "
            "none: CuPy is missing or found no GPU. Install CuPy on a GPU machine, or set "
            "DLCORE_FAKE_CUDA=1 to run on dlcore's NumPy stand-in for a GPU.")


def pytest_report_header(config):
    where = _test_device(config)
    if where == "cuda":
        where += " (dlcore's NumPy stand-in)" if _stand_in_on() else " (a real GPU)"
    return f"dlcore default device: {where}"


@pytest.fixture(autouse=True)
def _default_device(request):
    """Every test runs with the chosen default device (cpu unless asked otherwise)."""
    if _test_device(request.config) == "cpu":
        yield
        return
    import dlcore
    dlcore.set_default_device("cuda")
    try:
        yield
    finally:
        dlcore.set_default_device(None)


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu")]
    if gpu_items and not (_cuda_works() or _stand_in_on()):
        skip = pytest.mark.skip(reason="needs a CUDA device (CuPy found none; DLCORE_FAKE_CUDA=1 "
                                       "runs these on dlcore's NumPy stand-in)")
        for item in gpu_items:
            item.add_marker(skip)
    if _test_device(config) == "cuda":
        for item in items:
            marker = item.get_closest_marker("cpu_only")
            if marker is not None:
                why = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                item.add_marker(pytest.mark.skip(reason=f"cpu only: {why}"))
            elif item.path.suffix == ".ipynb":
                item.add_marker(pytest.mark.skip(
                    reason="cpu only: a notebook runs in its own kernel, on the CPU"))


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
