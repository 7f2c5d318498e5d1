"""dlcore.viz: pictures of storages and autograd graphs, checked through what the figure holds.

Every drawing is saved to PNG, and its artists are read back: the storage cells, the element
cells with their values and storage positions, the headers with size/stride/offset, the graph's
node titles (grad_fn names) and leaf details. With PyTorch installed, the same tensors and graphs
built with PyTorch are drawn too (viz uses only the public API) and must give the same picture:
that makes PyTorch the oracle for strides, offsets and grad_fn names. A few drawings are
compared with committed reference images (tests/viz_reference/) within a tolerance.

Regenerate the reference images after an intended change of the drawing:
    DLCORE_UPDATE_VIZ_REFERENCES=1 python -m pytest tests/test_viz.py -k reference
"""
import functools
import math
import os
import re
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import pytest

import dlcore

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.testing.compare import compare_images  # noqa: E402

from dlcore import viz  # noqa: E402

REFERENCES = Path(__file__).parent / "viz_reference"
REFERENCE_DPI = 50        # small files; the layout, colours and text positions still show
REFERENCE_TOLERANCE = 10  # RMS of the pixel difference, 0-255: fonts and antialiasing may vary a
#   little (text without antialiasing: 12); the same views in another order: 35

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def _torch():
    torch = pytest.importorskip("torch")
    warnings.filterwarnings("ignore", message="TypedStorage is deprecated")
    return torch


@pytest.fixture(autouse=True)
def _plain_style():
    """The default style, whatever a test before set; and no figure left open after a test."""
    with plt.style.context("default"):
        yield
    assert not plt.get_fignums(), "viz must not leave figures open in pyplot"


def _saved_png(fig, path):
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == tuple(round(x) for x in fig.get_size_inches() * fig.dpi)
    return path


def _texts(fig, gid):
    return [t.get_text() for t in fig.axes[0].texts if t.get_gid() == gid]


def _patches(fig, gid):
    return [p for p in fig.axes[0].patches if p.get_gid() == gid]


# -- show_storage ----------------------------------------------------------------------------------
# Each case builds a tensor with the library it is given (dlcore, or PyTorch as the oracle). The
# storages start as arange(...), so a storage cell's value is its position: what an element cell
# shows must then equal the position it says it reads, and its value read through the tensor.
STORAGE_CASES = {
    "matrix": lambda lib: lib.arange(6.0).view(3, 2),
    "row": lambda lib: lib.arange(6.0).view(3, 2)[1],
    "transpose": lambda lib: lib.arange(6.0).view(3, 2).t(),
    "rows-slice": lambda lib: lib.arange(6.0).view(3, 2)[1:],
    "column": lambda lib: lib.arange(6.0).view(3, 2)[:, 0],
    "step-1d": lambda lib: lib.arange(10.0)[1::3],
    "steps-2d": lambda lib: lib.arange(12.0).view(3, 4)[::2, 1::2],
    "exercise": lambda lib: lib.arange(9.0).view(3, 3)[1:, 1:],
    "expand": lambda lib: lib.arange(3.0).expand(2, 3),
    "expand-column": lambda lib: lib.arange(3.0).view(3, 1).expand(3, 4),
    "scalar": lambda lib: lib.arange(4.0)[2],
    "empty": lambda lib: lib.arange(6.0).view(2, 3)[2:],
    "cube": lambda lib: lib.arange(24.0).view(2, 3, 4),
    "cube-transpose": lambda lib: lib.arange(24.0).view(2, 3, 4).transpose(0, 2),
    "cube-permute": lambda lib: lib.arange(24.0).view(2, 3, 4).permute(2, 0, 1),
    "unsqueeze": lambda lib: lib.arange(6.0).view(2, 3).unsqueeze(1),
    "4d": lambda lib: lib.arange(32.0).view(2, 2, 2, 4)[:, 1:, :, ::2],
    "contiguous-copy": lambda lib: lib.arange(6.0).view(3, 2).t().contiguous(),
    "int64": lambda lib: lib.arange(8).view(2, 4)[:, ::3],
    "float64": lambda lib: lib.arange(4.0, dtype=lib.float64).view(2, 2).t(),
    "wrapped-storage": lambda lib: lib.arange(60.0).view(3, 4, 5).transpose(0, 2),
    "narrow": lambda lib: lib.arange(20.0).view(4, 5).narrow(1, 1, 3),
}


def _storage_checks(fig, t):
    """What a one-tensor show_storage figure must show for tensor `t`."""
    storage = t.storage().tolist()
    size, stride, offset = tuple(t.shape), tuple(t.stride()), t.storage_offset()
    (header,) = _texts(fig, "header")
    assert header == (f"#1: size {size}, stride {stride}, offset {offset}, "
                      f"{'contiguous' if t.is_contiguous() else 'not contiguous'}")
    # one cell per storage element, with its value and position
    cells = _patches(fig, "storage-cell") + _patches(fig, "storage-cell-used")
    assert len(cells) == len(storage)
    assert _texts(fig, "storage-position") == [str(k) for k in range(len(storage))]
    assert _texts(fig, "storage-value") == [viz._number(v) for v in storage]
    # one cell per element; each shows the value read through the tensor and the position read
    flat = t.reshape(-1).tolist()
    assert len(_patches(fig, "element")) == len(flat)
    assert _texts(fig, "element-value") == [viz._number(v) for v in flat]
    positions = [int(p[1:]) for p in _texts(fig, "element-position")]
    assert [viz._number(storage[p]) for p in positions] == _texts(fig, "element-value")
    # the highlighted storage cells are those read, and a cell read k > 1 times says ×k
    reads = Counter(positions)
    assert len(_patches(fig, "storage-cell-used")) == len(reads)
    assert sorted(_texts(fig, "read-count")) == sorted(f"×{n}" for n in reads.values() if n > 1)
    (formula,) = _texts(fig, "formula")
    if flat:
        last = tuple(n - 1 for n in size)
        where = offset + sum(i * s for i, s in zip(last, stride))
        assert formula.endswith(f"= storage[{where}]")
        assert f"storage[{offset}" in formula
        assert len(_patches(fig, "element")) and [a for a in fig.axes[0].texts
                                                 if a.get_gid() == "address-arrow"]
    else:
        assert "has no elements" in formula


@pytest.mark.parametrize("case", STORAGE_CASES)
def test_show_storage_draws_each_view(case, tmp_path):
    t = STORAGE_CASES[case](dlcore)
    fig = viz.show_storage(t)
    _saved_png(fig, tmp_path / f"{case}.png")
    _storage_checks(fig, t)


def _picture(fig):
    """Everything a figure shows, as text: each artist's gid and text, and the patches' kinds."""
    ax = fig.axes[0]
    texts = [(t.get_gid(), t.get_text()) for t in ax.texts]
    patches = Counter(p.get_gid() for p in ax.patches)
    return texts, patches, tuple(fig.get_size_inches())


@pytest.mark.parametrize("case", STORAGE_CASES)
def test_show_storage_draws_pytorch_tensors_the_same(case):
    """PyTorch's tensor, built the same way, gives the same figure: the same size, stride and
    offset in the header, the same cells, positions and values."""
    torch = _torch()
    expected = _picture(viz.show_storage(STORAGE_CASES[case](torch)))
    texts, patches, size = _picture(viz.show_storage(STORAGE_CASES[case](dlcore)))
    assert patches == expected[1] and size == expected[2]
    # the storage label names the dtype, the same in both
    assert texts == expected[0]


def test_show_storage_several_tensors_say_what_they_share(tmp_path):
    points = dlcore.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    copy = points.t().contiguous()
    fig = viz.show_storage(points, points_t=points.t(), copy=copy)
    _saved_png(fig, tmp_path / "three.png")
    headers = _texts(fig, "header")
    assert headers == ["#1: size (3, 2), stride (2, 1), offset 0, contiguous",
                       "points_t: size (2, 3), stride (1, 2), offset 0, not contiguous",
                       "copy: size (2, 3), stride (3, 1), offset 0, contiguous"]
    labels = _texts(fig, "storage-label")
    assert "shared with points_t" in labels[0] and "shared with #1" in labels[1]
    assert "shared" not in labels[2]                       # contiguous() copied: a new storage
    # 3 storages of 6 cells drawn; the copy's storage holds the transposed order
    assert len(_patches(fig, "storage-cell-used")) == 18
    assert _texts(fig, "storage-value")[12:] == ["1", "2", "3", "4", "1", "5"]
    assert _texts(fig, "formula")[1] == ("points_t[1, 2] is storage[offset + Σ index·stride] = "
                                         "storage[0 + 1·1 + 2·2] = storage[5]")


def test_show_storage_of_a_bool_tensor_and_one_that_requires_grad(tmp_path):
    mask = dlcore.tensor([True, False, True])
    w = dlcore.ones(2, 2, requires_grad=True)
    fig = viz.show_storage(mask=mask, w=w.t())
    _saved_png(fig, tmp_path / "mixed.png")
    assert _texts(fig, "storage-value")[:3] == ["True", "False", "True"]
    assert _texts(fig, "header")[1] == "w: size (2, 2), stride (1, 2), offset 0, not contiguous"


def test_show_storage_sees_writes_through_a_view():
    points = dlcore.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    second = points[1]
    second[0] = 10.0
    fig = viz.show_storage(points=points)
    assert _texts(fig, "storage-value") == ["1", "4", "10", "1", "3", "5"]


@pytest.mark.parametrize("bad, what", [([1.0, 2.0], "list"), (3.5, "float"), (None, "NoneType"),
                                       ("points", "str")])
def test_show_storage_rejects_what_is_not_a_tensor(bad, what):
    with pytest.raises(TypeError, match=rf"expects tensors, but argument 2 is a {what}: .*"
                                        r"Make a tensor first"):
        viz.show_storage(dlcore.ones(2), bad)


def test_show_storage_rejects_a_numpy_array_and_no_argument():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="argument 'a' is a ndarray"):
        viz.show_storage(a=np.ones(3))
    with pytest.raises(TypeError, match="at least one tensor"):
        viz.show_storage()


def test_show_storage_refuses_pictures_too_big_to_read():
    with pytest.raises(ValueError, match=r"up to 200 elements, but the storage of tensor #1 has "
                                         r"1000\. Draw a small example"):
        viz.show_storage(dlcore.arange(1000.0)[:3])
    with pytest.raises(ValueError, match=r"tensor big has 300 \(size \(3, 100\)\)\. Draw a slice"):
        viz.show_storage(big=dlcore.arange(100.0).expand(3, 100))


# -- show_graph ------------------------------------------------------------------------------------
# Each case computes a result with the library it is given and returns (result, named leaves).
def _neuron(lib, backward=False):
    x = lib.tensor(1.5)
    w = lib.tensor(0.8, requires_grad=True)
    b = lib.tensor(-0.3, requires_grad=True)
    o = lib.tanh(w * x + b)
    if backward:
        o.backward()
    return o, {"w": w, "b": b}


def _thermometer(lib, backward=False):
    """Chapter 4: the linear model and its mean-square loss."""
    t_c, t_u = lib.tensor(T_C), lib.tensor(T_U)
    w = lib.ones((), requires_grad=True)
    b = lib.zeros((), requires_grad=True)
    t_p = w * t_u + b
    loss = ((t_p - t_c) ** 2).mean()
    if backward:
        loss.backward()
    return loss, {"w": w, "b": b}


def _thermometer_params(lib):
    """Chapter 4 with one parameter vector: unpacking it is one UnbindBackward0 with two outputs."""
    t_c, t_u = lib.tensor(T_C), lib.tensor(T_U)
    params = lib.tensor([1.0, 0.0], requires_grad=True)
    w, b = params
    loss = ((w * t_u + b - t_c) ** 2).mean()
    loss.backward()
    return loss, {"params": params}


def _mlp(lib, backward=False):
    """Chapter 5: Linear(1, 13) - Tanh - Linear(13, 1) and the MSE loss, from plain tensor ops."""
    t_c, t_u = lib.tensor(T_C).unsqueeze(1), lib.tensor(T_U).unsqueeze(1)
    x = 0.1 * t_u
    w1 = (lib.arange(13.0).view(13, 1) / 13 - 0.5).requires_grad_()
    b1 = (lib.arange(13.0) / 26).requires_grad_()
    w2 = (lib.arange(13.0).view(1, 13) / 20 - 0.3).requires_grad_()
    b2 = lib.zeros(1, requires_grad=True)
    out = lib.tanh(x @ w1.T + b1) @ w2.T + b2
    loss = ((out - t_c) ** 2).mean()
    if backward:
        loss.backward()
    return loss, {"w1": w1, "b1": b1, "w2": w2, "b2": b2}


def _square(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    return (w * w).sum(), {"w": w}


def _shared(lib):
    w = lib.tensor(2.0, requires_grad=True)
    y = lib.exp(w)
    return y * y + lib.log(y), {"w": w}


GRAPH_CASES = {
    "neuron": _neuron,
    "neuron-after-backward": lambda lib: _neuron(lib, backward=True),
    "thermometer": _thermometer,
    "thermometer-after-backward": lambda lib: _thermometer(lib, backward=True),
    "thermometer-params": _thermometer_params,
    "mlp": _mlp,
    "mlp-after-backward": lambda lib: _mlp(lib, backward=True),
    "square": _square,
    "shared": _shared,
    "stack-view": lambda lib: (lambda w, b: (lib.stack([w, b]).view(2, 1).sum(), {"w": w, "b": b}))(
        lib.tensor(1.0, requires_grad=True), lib.tensor(2.0, requires_grad=True)),
    "mv-vector-output": lambda lib: (lambda m: (m @ lib.ones(3), {"m": m}))(
        lib.ones(2, 3, requires_grad=True)),
    "select-sigmoid": lambda lib: (lambda p: (lib.sigmoid(p[0]) - p[1], {"p": p}))(
        lib.tensor([0.5, 1.5], requires_grad=True)),
    "unnamed-leaves": lambda lib: ((lib.ones(2, requires_grad=True) * lib.ones(2)).sum(), None),
}


def _titles(fig, kind):
    return _texts(fig, f"title-{kind}")


@pytest.mark.parametrize("case", GRAPH_CASES)
def test_show_graph_draws_each_graph(case, tmp_path):
    result, leaves = GRAPH_CASES[case](dlcore)
    fig = viz.show_graph(result, params=leaves)
    _saved_png(fig, tmp_path / f"{case}.png")
    # walk the graph here too, and count what must be drawn: one box per node, one per None input
    seen, stack = {id(result.grad_fn): result.grad_fn}, [result.grad_fn]
    none_inputs, edges = 0, set()
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                none_inputs += 1
                continue
            edges.add((id(node), id(child)))
            if id(child) not in seen:
                seen[id(child)] = child
                stack.append(child)
    names = Counter(type(n).__name__ for n in seen.values())
    leaf_count = names.pop("AccumulateGrad", 0)
    assert Counter(_titles(fig, "function")) == names
    assert _titles(fig, "leaf") == ["AccumulateGrad"] * leaf_count
    assert len(_titles(fig, "none")) == none_inputs
    assert len(_patches(fig, "node-function")) == sum(names.values())
    assert len(_patches(fig, "node-leaf")) == leaf_count
    # one arrow from the output to its grad_fn, one per distinct edge, one per None input
    arrows = [t for t in fig.axes[0].texts if t.get_gid() == "edge"]
    assert len(arrows) == 1 + len(edges) + none_inputs
    # the leaves' details: the name given, shape, requires_grad and the gradient, if any
    details = _texts(fig, "details-leaf")
    for name, leaf in (leaves or {}).items():
        (mine,) = [d for d in details if d.startswith(f"→ {name}.grad\n")]
        lines = mine.split("\n")
        assert lines[1] == f"shape {tuple(leaf.shape)}"
        assert lines[2] == "requires_grad=True"
        if leaf.grad is None:
            assert lines[3] == "grad=None"
        else:
            assert lines[3] == f"grad={viz._values(leaf.grad)}"
    # the output sits on top, named if named, with its shape (and value when it is one number)
    (output,) = _texts(fig, "details-output")
    assert output.split("\n")[0] == f"shape {tuple(result.shape)}"


def _numbers_close(expected, actual):
    number = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")
    return number.split(expected) == number.split(actual) and all(
        math.isclose(float(a), float(b), rel_tol=1e-3, abs_tol=1e-6)
        for a, b in zip(number.findall(expected), number.findall(actual)))


@pytest.mark.parametrize("case", GRAPH_CASES)
def test_show_graph_names_nodes_as_pytorch_does(case):
    """The same computation in PyTorch draws the same graph: the same grad_fn names in the same
    places, the same leaves, edges and gradients (to rounding)."""
    torch = _torch()
    expected_texts, expected_patches, _ = _picture(viz.show_graph(*GRAPH_CASES[case](torch)))
    texts, patches, _ = _picture(viz.show_graph(*GRAPH_CASES[case](dlcore)))
    assert patches == expected_patches
    assert [gid for gid, _ in texts] == [gid for gid, _ in expected_texts]
    for (gid, mine), (_, theirs) in zip(texts, expected_texts):
        if gid.startswith("title"):
            assert mine == theirs
        else:
            assert _numbers_close(theirs, mine), (mine, theirs)


def test_show_graph_of_the_thermometer_shows_chapter_4s_gradient():
    loss, leaves = _thermometer(dlcore, backward=True)
    fig = viz.show_graph(loss, params=leaves)
    assert _titles(fig, "function") == ["MeanBackward0", "PowBackward0", "SubBackward0",
                                        "AddBackward0", "MulBackward0"]
    details = _texts(fig, "details-leaf")
    assert "→ w.grad\nshape ()\nrequires_grad=True\ngrad=4517.3" in details
    assert "→ b.grad\nshape ()\nrequires_grad=True\ngrad=82.6" in details
    assert _texts(fig, "details-output") == ["shape ()\nvalue 1763.9"]


def test_show_graph_lays_out_rows_by_distance_from_the_output():
    """The output on top, each node below every node pointing to it; inputs left to right."""
    loss, leaves = _thermometer(dlcore)
    fig = viz.show_graph(loss, params={**leaves, "loss": loss})
    y = {t.get_text(): t.get_position()[1] for t in fig.axes[0].texts
         if t.get_gid() in ("title-output", "title-function")}
    assert y["loss"] > y["MeanBackward0"] > y["PowBackward0"] > y["SubBackward0"] \
        > y["AddBackward0"] > y["MulBackward0"]
    leaf_x = {d.split("\n")[0]: t.get_position()[0] for t in fig.axes[0].texts
              if t.get_gid() == "details-leaf" for d in [t.get_text()]}
    mul_x = next(t.get_position()[0] for t in fig.axes[0].texts if t.get_text() == "MulBackward0")
    assert leaf_x["→ w.grad"] < mul_x          # w is MulBackward0's first input: drawn left


def test_show_graph_marks_a_repeated_edge():
    loss, leaves = _square(dlcore)
    fig = viz.show_graph(loss, params=leaves)
    assert _texts(fig, "edge-count") == ["×2"]     # w * w: both inputs are w


def test_show_graph_accepts_named_parameters_as_pairs():
    loss, leaves = _mlp(dlcore)
    fig = viz.show_graph(loss, params=leaves.items())
    assert sorted(d.split("\n")[0] for d in _texts(fig, "details-leaf")) == [
        "→ b1.grad", "→ b2.grad", "→ w1.grad", "→ w2.grad"]


def test_show_graph_saves_svg_with_the_node_names(tmp_path):
    loss, leaves = _mlp(dlcore, backward=True)
    with plt.rc_context({"svg.fonttype": "none"}):      # text kept as text, not paths
        viz.show_graph(loss, params=leaves).savefig(tmp_path / "mlp.svg")
    svg = (tmp_path / "mlp.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for name in ("MeanBackward0", "TanhBackward0", "MmBackward0", "PermuteBackward0",
                 "AccumulateGrad", "w1.grad"):
        assert name in svg


@pytest.mark.parametrize("bad, what", [([1.0], "list"), (2.0, "float"), (None, "NoneType")])
def test_show_graph_rejects_what_is_not_a_tensor(bad, what):
    with pytest.raises(TypeError, match=rf"show_graph\(\) expects a tensor, but got a {what}: "):
        viz.show_graph(bad)


def test_show_graph_explains_a_tensor_without_a_graph():
    w = dlcore.tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match=r"no grad_fn: it is a leaf.*show_graph\(w \* x \+ b\)"):
        viz.show_graph(w)
    with pytest.raises(ValueError, match=r"no grad_fn: no graph was recorded.*requires_grad=True"):
        viz.show_graph(dlcore.ones(3) * 2)
    with dlcore.no_grad():
        made_under_no_grad = w * 2
    with pytest.raises(ValueError, match=r"computed under no_grad\(\)"):
        viz.show_graph(made_under_no_grad)


def test_show_graph_refuses_a_graph_too_big_to_read_unless_asked(tmp_path):
    w = dlcore.tensor(1.0, requires_grad=True)
    y = w
    for _ in range(60):                 # 60 MulBackward0 nodes and w's AccumulateGrad
        y = y * w
    with pytest.raises(ValueError, match=r"has 61 nodes \(grad_fn and AccumulateGrad\), more than "
                                         r"the 50 that stay readable.*max_nodes=61"):
        viz.show_graph(y)
    fig = viz.show_graph(y, max_nodes=61)
    _saved_png(fig, tmp_path / "long.png")
    assert _titles(fig, "function") == ["MulBackward0"] * 60


def test_show_graph_draws_the_chapter_5_mlp_within_the_limit():
    loss, leaves = _mlp(dlcore)
    fig = viz.show_graph(loss, params=leaves)
    assert len(_patches(fig, "node-function")) + len(_patches(fig, "node-leaf")) <= viz.MAX_NODES
    assert set(_titles(fig, "function")) == {"MeanBackward0", "PowBackward0", "SubBackward0",
                                             "AddBackward0", "MmBackward0", "PermuteBackward0",
                                             "TanhBackward0"}


# -- on a GPU --------------------------------------------------------------------------------------
class _MadeOnCuda:
    """dlcore, for the case builders above, with every tensor created on the GPU."""

    def __getattr__(self, name):
        attribute = getattr(dlcore, name)
        if name in ("arange", "tensor", "ones", "zeros"):
            return functools.partial(attribute, device="cuda")
        return attribute


def _check_cuda_pictures():
    """A CUDA tensor's pictures are those of the same tensor on the CPU (viz reads values and
    metadata through the public API, whatever the device)."""
    on_cuda = _MadeOnCuda()
    for case in ("transpose", "steps-2d", "expand", "cube-permute", "int64"):
        t = STORAGE_CASES[case](on_cuda)
        assert t.is_cuda
        assert _picture(viz.show_storage(t)) == _picture(viz.show_storage(
            STORAGE_CASES[case](dlcore)))
    for case in ("neuron-after-backward", "shared", "select-sigmoid", "mv-vector-output"):
        cpu_result, cpu_leaves = GRAPH_CASES[case](dlcore)
        gpu_result, gpu_leaves = GRAPH_CASES[case](on_cuda)
        assert gpu_result.is_cuda
        expected = _picture(viz.show_graph(cpu_result, params=cpu_leaves))
        texts, patches, size = _picture(viz.show_graph(gpu_result, params=gpu_leaves))
        assert (patches, size) == expected[1:]
        assert all(_numbers_close(b, a) for (_, a), (_, b) in zip(texts, expected[0]))


@pytest.mark.gpu
def test_show_storage_and_show_graph_draw_cuda_tensors():
    _check_cuda_pictures()


def test_show_storage_and_show_graph_draw_on_the_test_only_cuda_stand_in():
    """The same on the NumPy stand-in for a GPU (DLCORE_FAKE_CUDA=1), in a fresh process."""
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, DLCORE_FAKE_CUDA="1", PYTHONPATH=str(root), MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-c", "import tests.test_viz as t; "
                             "t._check_cuda_pictures(); print('ok')"],
                            env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


# -- in notebooks ----------------------------------------------------------------------------------
def test_figures_are_returned_not_left_open_for_pyplot():
    """A notebook shows the figure once, as the cell's result: pyplot must not show it again."""
    before = plt.get_fignums()
    fig = viz.show_storage(dlcore.ones(2))
    assert plt.get_fignums() == before
    assert isinstance(fig, matplotlib.figure.Figure)


def test_chapter_cells_with_viz_show_one_png_each():
    nbformat = pytest.importorskip("nbformat")
    found = 0
    for path in sorted((Path(__file__).parent.parent / "chapters").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "torch.viz.show_" in cell.source:
                images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
                assert len(images) == 1, f"{path.name} cell {cell.id}: {len(images)} images"
                found += 1
    assert found >= 3


# -- reference images ------------------------------------------------------------------------------
def _reference_figures():
    points = dlcore.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    loss, leaves = _thermometer(dlcore, backward=True)
    mlp_loss, mlp_leaves = _mlp(dlcore, backward=True)
    return {
        "storage_points_transpose": lambda: viz.show_storage(points=points, points_t=points.t()),
        "storage_steps_expand": lambda: viz.show_storage(
            step=dlcore.arange(10.0)[1::3], expanded=dlcore.tensor([1.0, 2.0, 3.0]).expand(2, 3)),
        "graph_thermometer": lambda: viz.show_graph(loss, params={**leaves, "loss": loss}),
        "graph_mlp": lambda: viz.show_graph(mlp_loss, params=mlp_leaves),
    }


def _save_reference_size(fig, path):
    fig.savefig(path, dpi=REFERENCE_DPI)


@pytest.mark.parametrize("name", ["storage_points_transpose", "storage_steps_expand",
                                  "graph_thermometer", "graph_mlp"])
def test_drawing_matches_its_reference_image(name, tmp_path):
    fig = _reference_figures()[name]()
    reference = REFERENCES / f"{name}.png"
    if os.environ.get("DLCORE_UPDATE_VIZ_REFERENCES"):
        REFERENCES.mkdir(exist_ok=True)
        _save_reference_size(fig, reference)
    actual = tmp_path / f"{name}.png"
    _save_reference_size(fig, actual)
    assert reference.stat().st_size < 60_000
    failure = compare_images(str(reference), str(actual), tol=REFERENCE_TOLERANCE)
    assert failure is None, failure


def test_reference_comparison_tells_different_drawings_apart(tmp_path):
    """The tolerance is loose for antialiasing, not for content: the same two views drawn in the
    other order (same figure size) fail the comparison."""
    points = dlcore.tensor([[1.0, 4.0], [2.0, 1.0], [3.0, 5.0]])
    swapped = tmp_path / "swapped.png"
    _save_reference_size(viz.show_storage(points_t=points.t(), points=points), swapped)
    failure = compare_images(str(REFERENCES / "storage_points_transpose.png"), str(swapped),
                             tol=REFERENCE_TOLERANCE)
    assert failure is not None
