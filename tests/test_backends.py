"""dlcore.accelerator and dlcore.backends: how PyTorch's tutorials choose a device, and the cuDNN
and MPS switches that PyTorch code sets or asks, answered as PyTorch answers them on this machine."""
import pytest

import dlcore
import dlcore.backends.cudnn as cudnn

from .conftest import _stand_in_on


def _torch():
    return pytest.importorskip("torch")


def _tutorial_device(torch):
    """The device line of PyTorch's quickstart tutorial, written against `torch`."""
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator().type
    return "cpu"


def test_the_tutorials_device_choice_runs_and_picks_the_gpu_where_there_is_one():
    chosen = _tutorial_device(dlcore)
    assert chosen == ("cuda" if dlcore.cuda.is_available() else "cpu")
    assert dlcore.ones(2, device=chosen).device.type == chosen
    mps_first = ("cuda" if dlcore.cuda.is_available()
                 else "mps" if dlcore.backends.mps.is_available() else "cpu")
    assert mps_first == chosen


def test_accelerator_answers_as_torchs():
    torch = _torch()
    if _stand_in_on():
        pytest.skip("the stand-in plays a GPU this machine's PyTorch has not: see the next test")
    assert dlcore.accelerator.is_available() == torch.accelerator.is_available()
    assert str(dlcore.accelerator.current_accelerator()) == \
        str(torch.accelerator.current_accelerator())
    assert dlcore.accelerator.device_count() == torch.accelerator.device_count()
    calls = [lambda m: m.accelerator.current_device_index(),
             lambda m: m.accelerator.set_device_index(0), lambda m: m.accelerator.synchronize(),
             lambda m: m.accelerator.memory_allocated(), lambda m: m.accelerator.empty_cache()]
    from .oracle import assert_same_message
    for call in calls:
        try:
            expected = call(torch)
        except RuntimeError as theirs:         # no accelerator: the same error
            with pytest.raises(RuntimeError) as ours:
                call(dlcore)
            assert_same_message(str(ours.value), str(theirs))
        else:           # (on a GPU: PyTorch's memory count is its own allocator's, not CuPy's)
            assert type(call(dlcore)) is type(expected)


def test_accelerator_on_the_gpu():
    if not dlcore.cuda.is_available():
        pytest.skip("no CUDA device (DLCORE_FAKE_CUDA=1 runs this on dlcore's stand-in)")
    assert dlcore.accelerator.current_accelerator() == dlcore.device("cuda")
    assert dlcore.accelerator.current_device_index() == dlcore.cuda.current_device()
    assert dlcore.accelerator.device_count() == dlcore.cuda.device_count()
    dlcore.accelerator.synchronize()


SWITCHES = ["enabled", "benchmark", "deterministic", "allow_tf32"]


@pytest.mark.parametrize("name", SWITCHES)
def test_cudnn_switches_default_and_refuse_non_bools_as_torchs(name):
    torch = _torch()
    from .oracle import assert_same_message
    assert getattr(cudnn, name) is getattr(torch.backends.cudnn, name)
    for value in (1, None, "yes"):
        with pytest.raises(RuntimeError) as theirs:
            setattr(torch.backends.cudnn, name, value)
        with pytest.raises(RuntimeError) as ours:
            setattr(cudnn, name, value)
        assert_same_message(str(ours.value), str(theirs.value))


@pytest.mark.parametrize("name", SWITCHES)
def test_cudnn_switches_keep_what_is_set(name):
    before = getattr(cudnn, name)
    try:
        setattr(dlcore.backends.cudnn, name, not before)
        assert getattr(cudnn, name) is (not before)
        with cudnn.flags(**{name: before}):
            assert getattr(cudnn, name) is before
        assert getattr(cudnn, name) is (not before)
    finally:
        setattr(cudnn, name, before)


def test_no_cudnn_and_no_mps_and_saying_so():
    """dlcore calls no cuDNN and knows no Apple GPU: it says so (as a PyTorch built without them
    does), so code that asks picks a device dlcore has."""
    assert cudnn.is_available() is False and cudnn.version() is None
    assert dlcore.backends.mps.is_available() is False
    assert dlcore.backends.mps.is_built() is False
