"""Devices: placement, moves, mixing errors, printing, typed names, dlcore.cuda, and the errors
without a GPU. The CUDA tests run on a real GPU, or on dlcore's NumPy stand-in for one
(DLCORE_FAKE_CUDA=1, as CI does); otherwise they are skipped, saying why."""
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dlcore

# These tests choose their devices themselves (explicit device=, or the `device` fixture that runs
# each on cpu and cuda): a cuda default would only blur what they check.
pytestmark = pytest.mark.cpu_only(reason="runs on cpu and cuda through its own explicit devices")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cuda():
    if not dlcore.cuda.is_available():
        pytest.skip("no CUDA device: CuPy is missing or found no GPU (DLCORE_FAKE_CUDA=1 runs "
                    "these tests on dlcore's NumPy stand-in)")
    return dlcore.device("cuda:0")


# -- devices as values ----------------------------------------------------------------------------
def test_device_objects_compare_and_print_like_torch():
    torch = pytest.importorskip("torch")
    for spec in ("cpu", "cuda", "cuda:1"):
        ours, theirs = dlcore.device(spec), torch.device(spec)
        assert (str(ours), repr(ours).replace("dlcore", "torch")) == (str(theirs), repr(theirs))
        assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert dlcore.device("cuda", 0) == dlcore.device("cuda:0") == "cuda:0"
    assert dlcore.device("cuda") != dlcore.device("cuda:0")          # as in PyTorch
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda device type"):
        dlcore.device("gpu")


def test_cpu_tensors_say_where_they_are():
    t = dlcore.ones(2)
    assert t.device == dlcore.device("cpu") and not t.is_cuda and t.get_device() == -1
    assert t.cpu() is t and t.to("cpu") is t and t.type() == "dlcore.FloatTensor"


# -- placement and moves ----------------------------------------------------------------------------
def test_moves_and_placement(cuda):
    host = dlcore.tensor([[1.0, 2.0], [3.0, 4.0]])
    for moved in (host.cuda(), host.cuda(0), host.to("cuda"), host.to(cuda), host.to(0),
                  host.to(device="cuda:0"), host.to(dlcore.zeros(1, device="cuda"))):
        assert moved.device == cuda and moved.is_cuda and moved.get_device() == 0
        assert moved.storage().device == cuda and moved.storage().is_cuda
        assert moved.tolist() == host.tolist()
    on_gpu = host.cuda()
    assert on_gpu.cuda() is on_gpu and on_gpu.to("cuda:0") is on_gpu
    both = host.to("cuda", dlcore.float64)
    assert both.dtype == dlcore.float64 and both.device == cuda
    back = on_gpu.cpu()
    assert back.device == dlcore.device("cpu") and back.tolist() == host.tolist()
    back[0, 0] = 9.0                            # a copy: the GPU tensor is unchanged
    assert on_gpu[0, 0].item() == 1.0
    assert on_gpu.to(host).device == dlcore.device("cpu")      # to(other): other's device
    assert dlcore.ones(2, device=cuda).new_zeros(3).device == cuda
    assert dlcore.ones_like(on_gpu).device == cuda and dlcore.ones_like(on_gpu, device="cpu").is_cuda is False
    assert dlcore.tensor(on_gpu).device == cuda and dlcore.as_tensor(on_gpu) is on_gpu
    assert dlcore.tensor(host, device="cuda").device == cuda
    assert on_gpu.numpy is not None and on_gpu.cpu().numpy().tolist() == host.tolist()
    assert float(on_gpu.sum()) == 10.0 and on_gpu[1, 1].item() == 4.0 and int(on_gpu[0, 1]) == 2


def test_results_stay_on_the_device(cuda):
    x = dlcore.randn(4, 3, device="cuda")
    w = dlcore.randn(3, 2, device="cuda", requires_grad=True)
    y = (x @ w).relu().sum(0)
    assert y.device == cuda and y.grad_fn is not None
    y.sum().backward()
    assert w.grad.device == cuda and w.grad.shape == w.shape


def test_typed_names_and_printing(cuda):
    t = dlcore.tensor([1.0, 2.5], device="cuda")
    assert t.type() == "dlcore.cuda.FloatTensor"
    assert t.long().type() == "dlcore.cuda.LongTensor"
    assert isinstance(t, dlcore.cuda.FloatTensor) and not isinstance(t, dlcore.FloatTensor)
    assert repr(dlcore.cuda.FloatTensor) == "<class 'dlcore.cuda.FloatTensor'>"
    assert dlcore.cuda.LongTensor([1, 2]).device == cuda
    assert t.type("dlcore.cuda.DoubleTensor").type() == "dlcore.cuda.DoubleTensor"
    assert t.type(dlcore.FloatTensor).device == dlcore.device("cpu")
    assert repr(t) == "tensor([1.0000, 2.5000], device='cuda:0')"
    assert repr(t.double()) == "tensor([1.0000, 2.5000], device='cuda:0', dtype=dlcore.float64)"
    assert repr(t.requires_grad_()) == "tensor([1.0000, 2.5000], device='cuda:0', requires_grad=True)"
    assert t.storage().type() == "dlcore.cuda.FloatStorage"


def test_pickling_keeps_the_device(cuda):
    t = dlcore.arange(4.0, device="cuda")
    copy = pickle.loads(pickle.dumps(t))
    assert copy.device == cuda and copy.tolist() == [0.0, 1.0, 2.0, 3.0]


# -- PyTorch's errors ---------------------------------------------------------------------------------
def test_mixing_devices_raises_pytorchs_error(cuda):
    g, c = dlcore.ones(3, device="cuda"), dlcore.ones(3)
    message = "Expected all tensors to be on the same device, but found at least two devices, "
    for op, order in ((lambda: g + c, "cuda:0 and cpu!"), (lambda: c * g, "cpu and cuda:0!"),
                      (lambda: g.add_(c), "cuda:0 and cpu!"), (lambda: g == c, "cuda:0 and cpu!"),
                      (lambda: dlcore.cat([g, c]), "cuda:0 and cpu!"),
                      (lambda: g @ c, "cuda:0 and cpu!"), (lambda: g - c, "cuda:0 and cpu!"),
                      (lambda: dlcore.ones(3, 3, device="cuda") @ dlcore.ones(3, 2), "cuda:0 and cpu!")):
        with pytest.raises(RuntimeError) as info:
            op()
        assert str(info.value) == message + order


def test_a_cpu_scalar_tensor_joins_a_gpu_op(cuda):
    g = dlcore.tensor([1.0, 2.0], device="cuda")
    for result in (g * dlcore.tensor(3.0), dlcore.tensor(3.0) * g, g + dlcore.tensor(1)):
        assert result.device == cuda
    assert (g * dlcore.tensor(3.0)).tolist() == [3.0, 6.0]


def test_numpy_of_a_gpu_tensor_raises_like_torch(cuda):
    t = dlcore.ones(2, device="cuda")
    message = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
               "tensor to host memory first.")
    with pytest.raises(TypeError) as info:
        t.numpy()
    assert str(info.value) == message
    with pytest.raises(TypeError):
        np.asarray(t)


def test_a_device_index_out_of_range(cuda):
    n = dlcore.cuda.device_count()
    with pytest.raises(RuntimeError, match=rf"CUDA error: invalid device ordinal\nDevice index {n} "
                       "is out of range"):
        dlcore.zeros(1, device=f"cuda:{n}")
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        dlcore.ones(1).cuda(n)


def test_indices_from_the_cpu_work_on_a_gpu_and_not_the_other_way(cuda):
    g = dlcore.arange(5.0, device="cuda")
    assert g[dlcore.tensor([4, 0])].tolist() == [4.0, 0.0]
    with pytest.raises(RuntimeError, match="indices should be either on cpu or on the same device"):
        dlcore.arange(5.0)[dlcore.tensor([1], device="cuda")]


# -- dlcore.cuda -----------------------------------------------------------------------------------
def test_the_cuda_module(cuda):
    assert dlcore.cuda.is_available() and dlcore.cuda.device_count() >= 1
    assert dlcore.cuda.current_device() == 0 and isinstance(dlcore.cuda.get_device_name(), str)
    assert dlcore.cuda.get_device_name(0) == dlcore.cuda.get_device_name("cuda:0")
    dlcore.cuda.synchronize()
    dlcore.cuda.manual_seed_all(5)
    a = dlcore.rand(4, device="cuda")
    dlcore.cuda.manual_seed(5)
    assert dlcore.rand(4, device="cuda").tolist() == a.tolist()
    dlcore.manual_seed(7)                       # seeds the CPU's and the GPUs' generators
    b, c = dlcore.randn(3, device="cuda"), dlcore.randn(3)
    dlcore.manual_seed(7)
    assert dlcore.randn(3, device="cuda").tolist() == b.tolist() and dlcore.randn(3).tolist() == c.tolist()
    g = dlcore.Generator(device="cuda").manual_seed(1)
    assert g.device == cuda and g.initial_seed() == 1
    first = dlcore.rand(2, device="cuda", generator=g)
    assert dlcore.rand(2, device="cuda", generator=dlcore.Generator("cuda").manual_seed(1)).tolist() == first.tolist()


def test_module_and_optimizer_follow_the_parameters(cuda):
    nn = pytest.importorskip("dlcore.nn")
    optim = pytest.importorskip("dlcore.optim")
    dlcore.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)).to("cuda")
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = dlcore.randn(8, 3, device="cuda"), dlcore.randn(8, 1, device="cuda")
    for _ in range(3):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
    assert loss.device == cuda and all(p.device == cuda for p in model.parameters())
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, dlcore.Tensor) and value.dim():
                assert value.device == cuda
    model.cpu()
    assert all(p.device == dlcore.device("cpu") for p in model.parameters())


# -- without a GPU ---------------------------------------------------------------------------------
def _run_without_stand_in(code):
    env = dict(os.environ, DLCORE_FAKE_CUDA="0", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


_NO_GPU = r"""
import sys, dlcore
assert "cupy" not in sys.modules                     # import dlcore never imports CuPy
if dlcore.cuda.is_available():
    print("has a gpu"); raise SystemExit
assert dlcore.cuda.device_count() == 0
for attempt in (lambda: dlcore.zeros(1, device="cuda"), lambda: dlcore.ones(2).cuda(),
                lambda: dlcore.ones(2).to("cuda:0"), lambda: dlcore.Generator(device="cuda")):
    try:
        attempt()
    except RuntimeError as error:
        message = str(error)
        assert message.startswith("No CUDA GPU was found: "), message
        assert 'pip install -e ".[gpu]"' in message and ".[gpu-cuda13]" in message, message
    else:
        raise AssertionError("no error")
dlcore.cuda.manual_seed_all(0)                      # no GPU: does nothing, as in PyTorch
print("ok")
"""


def test_dataloader_workers_forked_after_cuda_use_get_torchs_error(cuda):
    """A worker forked after its parent began using CUDA cannot use it (nor in PyTorch): its
    attempt reaches the main process as PyTorch's error, not as a worker dying unexplained. A
    dataset on the CPU, its batches moved to the GPU in the loop, is the pattern that works."""
    from dlcore.utils.data import DataLoader, TensorDataset
    on_gpu = TensorDataset(dlcore.arange(8.0, device=cuda).view(4, 2),
                           dlcore.arange(4, device=cuda))
    with pytest.raises(RuntimeError, match="Cannot re-initialize CUDA in forked subprocess. To "
                       "use CUDA with multiprocessing, you must use the 'spawn' start method"):
        list(DataLoader(on_gpu, batch_size=2, num_workers=2, multiprocessing_context="fork"))
    on_cpu = TensorDataset(dlcore.arange(8.0).view(4, 2), dlcore.arange(4))
    batches = [(x.to(cuda), y.to(cuda)) for x, y in
               DataLoader(on_cpu, batch_size=2, num_workers=2, multiprocessing_context="fork")]
    assert [y.tolist() for _, y in batches] == [[0, 1], [2, 3]]
    assert all(x.device == cuda and y.device == cuda for x, y in batches)


def test_without_a_gpu_is_available_is_false_and_cuda_says_what_to_do():
    result = _run_without_stand_in(_NO_GPU)
    assert result.returncode == 0, result.stderr
    if result.stdout.strip() == "has a gpu":
        pytest.skip("this machine has a GPU")
    assert result.stdout.strip() == "ok"


def test_the_stand_in_is_off_unless_asked_for():
    result = _run_without_stand_in("import dlcore.backend.fake_cuda, dlcore; "
                                   "print(dlcore.cuda.get_device_name() if dlcore.cuda.is_available() else 'none')")
    assert result.returncode == 0, result.stderr
    assert "stand-in" not in result.stdout


def test_default_device_follows_pytorchs_rules(cuda):
    host = dlcore.ones(2)
    assert dlcore.get_default_device() == dlcore.device("cpu")
    dlcore.set_default_device("cuda")
    try:
        assert dlcore.get_default_device() == cuda               # with its index, as in PyTorch
        for made in (dlcore.zeros(2), dlcore.tensor([1.]), dlcore.arange(3), dlcore.rand(2),
                     dlcore.full((2,), 1.), dlcore.eye(2), dlcore.linspace(0, 1, 3),
                     dlcore.as_tensor(np.ones(2)), dlcore.tensor(host), dlcore.randperm(3),
                     dlcore.nn.Linear(2, 2).weight):
            assert made.device == cuda
        # *_like, new_*, from_numpy, legacy constructors and normal(numbers) keep PyTorch's place
        for made in (dlcore.zeros_like(host), host.new_zeros(2), dlcore.from_numpy(np.ones(2)),
                     dlcore.FloatTensor(2), dlcore.normal(0., 1., (2,))):
            assert made.device == dlcore.device("cpu")
        assert dlcore.zeros(2, device="cpu").device == dlcore.device("cpu")
    finally:
        dlcore.set_default_device(None)
    assert dlcore.zeros(2).device == dlcore.device("cpu")
    with dlcore.device("cuda:0"):
        assert dlcore.ones(1).device == cuda
    assert dlcore.ones(1).device == dlcore.device("cpu")
    assert dlcore.tensor(host.cuda()).device == cuda               # no default set: data's device
