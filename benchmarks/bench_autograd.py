"""dlcore's autograd against PyTorch's and against gradients written by hand in NumPy, in one run.

    python benchmarks/bench_autograd.py            # full run (under a minute on 2 cores)
    python benchmarks/bench_autograd.py --quick    # fewer repeats, for a smoke check

Measures
- chapter 4's autograd loop (5000 epochs of `w * t_un + b`, MSE, `loss.backward()`, an update
  under no_grad), per epoch; NumPy runs the same loop with the gradient derived by hand;
- one forward + backward of `w * x + b` with an MSE loss at 11 and at 1e6 elements.

Prints a Markdown table and appends it, dated, to benchmarks/results/autograd.md. Times are the
minimum over repeats. Target (PASS/FAIL): the chapter 4 loop at least 4x faster than PyTorch's
eager autograd on the same machine. This is a benchmark, not a test: nothing here fails a build.
"""
import argparse
import datetime
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))           # bench_core's timing and reporting helpers
from bench_core import (ROOT, T_C, T_U, append_report, best_time, fmt_ratio,  # noqa: E402
                        fmt_time, load_average, load_note, machine_notes, markdown_table)

import dlcore  # noqa: E402  (bench_core put the checkout first on sys.path)

try:
    import torch
except ImportError:
    torch = None

SPEEDUP_VS_TORCH = 4.0     # the chapter 4 loop must be at least this many times faster
EPOCHS = 5000


# -- chapter 4's loop ---------------------------------------------------------------------------
def autograd_loop(lib, n_epochs):
    """The chapter's loop, as written there (`lib` is dlcore or torch)."""
    t_c = lib.tensor(T_C)
    t_un = 0.1 * lib.tensor(T_U)
    params = lib.tensor([1.0, 0.0], requires_grad=True)
    for epoch in range(1, n_epochs + 1):
        if params.grad is not None:
            params.grad.zero_()
        w, b = params                      # the chapter's model(t_u, *params)
        t_p = w * t_un + b
        loss = ((t_p - t_c) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            params -= 1e-2 * params.grad
    return params.detach().numpy().copy()


def numpy_loop(n_epochs):
    """The same loop with the gradient derived by hand (chapter 4, section 5), in NumPy."""
    t_c = np.array(T_C, np.float32)
    t_un = np.float32(0.1) * np.array(T_U, np.float32)
    params = np.array([1.0, 0.0], np.float32)
    for epoch in range(1, n_epochs + 1):
        w, b = params
        t_p = w * t_un + b
        loss = ((t_p - t_c) ** 2).mean()  # noqa: F841 - computed each epoch, as the others do
        dloss_dtp = 2 * (t_p - t_c) / t_p.shape[0]
        grad = np.stack([(dloss_dtp * t_un).sum(), dloss_dtp.sum()])
        params = params - np.float32(1e-2) * grad
    return params


def time_loop(run, repeat):
    """Seconds per epoch: the best of `repeat` runs of the whole 5000-epoch loop."""
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best / EPOCHS, result


def measure_chapter4(quick):
    repeat = 2 if quick else 5
    times, finals = {}, {}
    try:
        times["dlcore"], finals["dlcore"] = time_loop(lambda: autograd_loop(dlcore, EPOCHS), repeat)
    except Exception as error:  # noqa: BLE001 - a failure is reported in the table
        times["dlcore"], finals["dlcore"] = None, f"{type(error).__name__}: {error}"[:80]
    if torch is not None:
        times["torch"], finals["torch"] = time_loop(lambda: autograd_loop(torch, EPOCHS), repeat)
    times["numpy"], finals["numpy"] = time_loop(lambda: numpy_loop(EPOCHS), repeat)
    d, t, n = times["dlcore"], times.get("torch"), times["numpy"]
    if d is None:
        verdict = f"ERROR ({finals['dlcore']})"
    elif t is None:
        verdict = "-"
    else:
        verdict = "PASS" if d * SPEEDUP_VS_TORCH <= t else "FAIL"
    speedup = "-" if d is None or t is None else f"{t / d:.2f}× faster than torch"
    row = [f"chapter 4 autograd loop ({EPOCHS} epochs), per epoch", "11", fmt_time(d),
           fmt_time(t), fmt_time(n), fmt_ratio(d, t), fmt_ratio(d, n),
           f"≥ {SPEEDUP_VS_TORCH:g}× faster than torch ({speedup})", verdict]
    return [row], finals


# -- one forward + backward of w * x + b with MSE --------------------------------------------------
def _tensor_namespace(lib, x, y):
    return {"w": lib.tensor(2.0, requires_grad=True), "b": lib.tensor(0.5, requires_grad=True),
            "x": lib.from_numpy(x), "y": lib.from_numpy(y)}


TENSOR_STEP = ("w.grad = b.grad = None; loss = ((w * x + b - y) ** 2).mean(); loss.backward()")
NUMPY_STEP = ("d = w * x + b - y; loss = (d * d).mean(); g = 2 * d / d.shape[0]; "
              "gw = (g * x).sum(); gb = g.sum()")


def measure_forward_backward(quick):
    rng = np.random.default_rng(0)
    rows = []
    for size, label in ((11, "11"), (10**6, "1e6")):
        x = rng.standard_normal(size).astype(np.float32)
        y = (3 * x + 1 + rng.standard_normal(size)).astype(np.float32)
        repeat = 3 if quick else 7
        min_total = 0.02 if quick else 0.1
        times, notes = {}, {}
        times["dlcore"], notes["dlcore"] = best_time(TENSOR_STEP, _tensor_namespace(dlcore, x, y),
                                                     repeat, min_total)
        if torch is not None:
            times["torch"], notes["torch"] = best_time(TENSOR_STEP,
                                                       _tensor_namespace(torch, x, y),
                                                       repeat, min_total)
        numpy_namespace = {"w": np.float32(2.0), "b": np.float32(0.5), "x": x, "y": y}
        times["numpy"], notes["numpy"] = best_time(NUMPY_STEP, numpy_namespace, repeat, min_total)
        d, t, n = times["dlcore"], times.get("torch"), times["numpy"]
        verdict = f"ERROR ({notes['dlcore']})" if d is None else ""
        rows.append(["w * x + b, MSE: forward + backward", label, fmt_time(d), fmt_time(t),
                     fmt_time(n), fmt_ratio(d, t), fmt_ratio(d, n), "", verdict])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke check)")
    parser.add_argument("--output", type=Path,
                        default=ROOT / "benchmarks" / "results" / "autograd.md")
    args = parser.parse_args(argv)

    load_before = load_average()
    chapter4_rows, finals = measure_chapter4(args.quick)
    print("... chapter 4 loop done", file=sys.stderr, flush=True)
    rows = chapter4_rows + measure_forward_backward(args.quick)
    print("... forward + backward done", file=sys.stderr, flush=True)
    final_params = ", ".join(
        f"{name} {np.array2string(np.asarray(value), precision=4)}" if not isinstance(value, str)
        else f"{name} {value}" for name, value in finals.items())
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    report = "\n".join([
        f"## dlcore autograd benchmark, {stamp}{' (quick)' if args.quick else ''}", "",
        *machine_notes(),
        load_note(load_before), "",
        "Times are the minimum over repeats; ratios below 1 mean dlcore is faster. The numpy "
        "column computes the same gradients written by hand (no autograd).", "",
        markdown_table(rows), "",
        f"Chapter 4 loop, final params (should be [5.3671, -17.3012]): {final_params}.", ""])
    append_report(report, args.output)


if __name__ == "__main__":
    main()
