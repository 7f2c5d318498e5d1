"""dlcore.save/load of a 100 MB float32 tensor against numpy.save/numpy.load (and PyTorch's).

    python benchmarks/bench_serialization.py            # 7 repeats of each (about 20 s)
    python benchmarks/bench_serialization.py --quick    # 3 repeats, for a smoke check

Prints a Markdown table and writes it to benchmarks/results/serialization.md. Each time is the
minimum over the repeats (the least disturbed run); the runs of all contenders are interleaved,
so a slow spell of the disk hurts them alike, and each starts after an os.sync(), so that
no run pays for flushing the pages an earlier one left dirty. Files go to a temporary folder
(--dir to choose the disk); they are read back from the page cache, as a notebook reloading
its checkpoint does.

Saving to a path, dlcore writes a temporary file, fsyncs it and renames it (atomic and durable);
numpy.save writes in place and leaves the data in the page cache. The fair comparison for a path
is therefore numpy.save followed by an fsync; a save to an open file (no fsync on either side)
compares the writing itself. Targets checked (PASS/FAIL), each <= 1.5x NumPy:
- dlcore.save to an open file       vs numpy.save to an open file;
- dlcore.save to a path             vs numpy.save to a path + fsync;
- dlcore.load from a path           vs numpy.load from a path.
"""
import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, installed or not

import dlcore  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

SIZE_MB = 100
TARGET = 1.5          # dlcore's budget, as a multiple of NumPy's time


def _fsync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def contenders(folder, tensor, array):
    """name -> function, each doing one save or load of the 100 MB tensor."""
    ours, npy = folder / "t.dlcore", folder / "t.npy"
    ours_file, npy_file, torch_file = folder / "f.dlcore", folder / "f.npy", folder / "t.pt"

    def dlcore_save_file():
        with open(ours_file, "wb") as f:
            dlcore.save(tensor, f)

    def numpy_save_file():
        with open(npy_file, "wb") as f:
            np.save(f, array)

    def numpy_save_fsync():
        np.save(npy, array)
        _fsync(npy)

    def dlcore_load_file():
        with open(ours_file, "rb") as f:
            return dlcore.load(f)

    def numpy_load_file():
        with open(npy_file, "rb") as f:
            return np.load(f)

    saves = {
        "dlcore.save(t, open file)": dlcore_save_file,
        "numpy.save(open file, a)": numpy_save_file,
        "dlcore.save(t, path)  [atomic + fsync]": lambda: dlcore.save(tensor, ours),
        "numpy.save(path, a) + fsync": numpy_save_fsync,
        "numpy.save(path, a)  [no fsync]": lambda: np.save(npy, array),
    }
    loads = {
        "dlcore.load(path)": lambda: dlcore.load(ours),
        "numpy.load(path)": lambda: np.load(npy),
        "dlcore.load(open file)": dlcore_load_file,
        "numpy.load(open file)": numpy_load_file,
    }
    if torch is not None:
        theirs = torch.from_numpy(array)
        saves["torch.save(t, path)  [no fsync]"] = lambda: torch.save(theirs, torch_file)
        loads["torch.load(path)"] = lambda: torch.load(torch_file)
    return saves, loads


def best_times(functions, repeat):
    """Minimum seconds per call of each function, the runs interleaved round by round."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeat):
        for name, function in functions.items():
            if hasattr(os, "sync"):
                os.sync()   # no dirty pages left by others: an fsync pays for its own file only
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 repeats instead of 7")
    parser.add_argument("--dir", default=None, help="folder for the files (default: temp)")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7

    array = np.random.default_rng(0).standard_normal(SIZE_MB * 2**20 // 4, dtype=np.float32)
    tensor = dlcore.from_numpy(array)
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        saves, loads = contenders(Path(folder), tensor, array)
        save_times = best_times(saves, repeat)      # the saves also write the files loads read
        load_times = best_times(loads, repeat)
        assert np.array_equal(dlcore.load(Path(folder) / "t.dlcore").numpy(), array)

    rows = [("save", name, t) for name, t in save_times.items()] + \
           [("load", name, t) for name, t in load_times.items()]
    times = {**save_times, **load_times}
    checks = [
        ("save, open file", "dlcore.save(t, open file)", "numpy.save(open file, a)"),
        ("save, path (both fsync)", "dlcore.save(t, path)  [atomic + fsync]",
         "numpy.save(path, a) + fsync"),
        ("load, path", "dlcore.load(path)", "numpy.load(path)"),
    ]
    info = (f"Python {platform.python_version()}, NumPy {np.__version__}, "
            f"PyTorch {torch.__version__ if torch else '-'}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs; {SIZE_MB} MB float32 tensor, best of {repeat}")
    lines = ["# dlcore serialization benchmark", "", info, "",
             "| op | contender | ms | GB/s |", "|---|---|---:|---:|"]
    for kind, name, t in rows:
        lines.append(f"| {kind} | {name} | {t * 1e3:.1f} | {SIZE_MB / 1024 / t:.2f} |")
    lines += ["", f"| target (<= {TARGET}x NumPy) | ratio | result |", "|---|---:|---|"]
    for label, ours, numpy_name in checks:
        ratio = times[ours] / times[numpy_name]
        lines.append(f"| {label} | {ratio:.2f}x | {'PASS' if ratio <= TARGET else 'FAIL'} |")
    plain = (times["dlcore.save(t, path)  [atomic + fsync]"]
             / times["numpy.save(path, a)  [no fsync]"])
    lines += ["", f"For information: dlcore.save to a path (with fsync) against numpy.save to a "
                  f"path without one: {plain:.2f}x (the fsync waits for the disk)."]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "serialization.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
