"""Chapter 2's GPU section, run on a real GPU: the notebook can only skip it on a machine without
one, so its `gpu_tour` cell is executed here wherever CUDA is usable (the GPU check runs it)."""
import contextlib
import io
import json
from pathlib import Path

import pytest

import dlcore

NOTEBOOK = Path(__file__).resolve().parents[1] / "chapters" / "ch02_tensors.ipynb"


def _cell_source(cell_id):
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    return "".join(next(cell["source"] for cell in cells if cell.get("id") == cell_id))


@pytest.mark.gpu
def test_the_gpu_tour_of_chapter_2_runs_on_the_gpu():
    namespace = {"torch": dlcore}
    exec(_cell_source("gpu-tour"), namespace)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        namespace["gpu_tour"]()
    lines = printed.getvalue().splitlines()
    assert lines[0] == "tensor([[1., 4.],"
    assert "device='cuda:0')" in printed.getvalue()
    assert "cuda:0" in lines                                    # points_gpu.device after 2 * p + 4
    assert "tensor([[ 6., 12.]," in printed.getvalue()          # back on the CPU: no device suffix
    assert "dlcore.float64" in lines
    assert lines[-3:] == ["[[1. 4.]", " [2. 1.]", " [3. 5.]]"]  # .cpu().numpy()
