"""dlcore against PyTorch and NumPy, in one run: op latency, O(1) views, a training step, import.

    python benchmarks/bench_core.py            # full run (about a minute on 2 cores)
    python benchmarks/bench_core.py --quick    # fewer repeats, for a smoke check

Prints a Markdown table and writes it to benchmarks/results/latest.md. Each time is the
minimum over several repeats of a timeit loop (the least disturbed run). PyTorch is optional:
without it its columns read "-". This is a benchmark, not a test: nothing here fails a build.

The targets checked (PASS/FAIL):
- a tiny op (1 or 11 elements) takes <= 1.5 us and is never slower than PyTorch's;
- a 4096x4096 elementwise op or matmul takes <= 1.1x NumPy's time;
- a view of a 1e7-element tensor takes <= 2 us (it must not depend on the size);
- `import dlcore` (NumPy included) takes <= 0.25 s.
"""
import argparse
import os
import platform
import subprocess
import sys
import timeit
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmark the checkout, installed or not

import dlcore  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

TINY_US = 1.5         # a tiny op's budget, microseconds
BIG_VS_NUMPY = 1.1    # a 4096x4096 op's budget, as a multiple of NumPy's time
VIEW_US = 2.0         # a view's budget, microseconds
IMPORT_S = 0.25       # `import dlcore`'s budget, seconds


# -- timing -------------------------------------------------------------------------------------
def best_time(stmt, namespace, repeat, min_total=0.05):
    """Seconds per execution of `stmt` (a string, run inline by timeit: no call overhead),
    the minimum over `repeat` loops, each long enough to last about `min_total` seconds.
    None when the statement raises (the op is missing or fails)."""
    try:
        exec(stmt, namespace)  # once, to warm up and to see that it runs
    except Exception as error:  # noqa: BLE001 - any failure just means "no number"
        return None, f"{type(error).__name__}: {error}"[:80]
    timer = timeit.Timer(stmt, globals=namespace)
    number = 1
    while True:  # like Timer.autorange, with a shorter target
        elapsed = timer.timeit(number)
        if elapsed >= min_total or number >= 10**7:
            break
        number *= 10 if elapsed < min_total / 10 else 2
    runs = [elapsed] + timer.repeat(repeat=repeat - 1, number=number)
    return min(runs) / number, None


def fmt_time(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def fmt_ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"


# -- what is measured ---------------------------------------------------------------------------
# (name, statement for dlcore and torch, statement for NumPy); `a`, `b` are operands of the
# library's own kind.
OPS = [
    ("add", "a + b", "a + b"),
    ("mul float", "a * 2.5", "a * 2.5"),
    ("sum", "a.sum()", "a.sum()"),
    ("matmul", "a @ b", "a @ b"),
    ("exp", "a.exp()", "np.exp(a)"),
    ("t[1]", "a[1]", "a[1]"),
    ("t.t()", "a.t()", "a.T"),
    ("t.view(-1)", "a.view(-1)", "a.reshape(-1)"),
]
ELEMENTWISE = {"add", "mul float", "exp", "matmul"}  # ops held to the 4096x4096 NumPy budget

VIEWS = [  # on a (1000, 10000) tensor `a`; `u` is a.unsqueeze(0)
    ("view(-1)", "a.view(-1)", "a.reshape(-1)"),
    ("transpose(0, 1)", "a.transpose(0, 1)", "a.swapaxes(0, 1)"),
    ("slice a[10:500:2]", "a[10:500:2]", "a[10:500:2]"),
    ("unsqueeze(0)", "a.unsqueeze(0)", "np.expand_dims(a, 0)"),
    ("expand(4, -1, -1)", "u.expand(4, -1, -1)", "np.broadcast_to(u, (4,) + u.shape[1:])"),
]

T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def training_step_for(lib):
    """Chapter 4's loop body, gradients by hand (no autograd), written as the course writes it."""
    stack = lib.stack

    def step(params, t_u, t_c, learning_rate):
        w, b = params
        t_p = w * t_u + b
        loss = ((t_p - t_c) ** 2).mean()
        dloss_dtp = 2 * (t_p - t_c) / t_p.size(0)
        grad = stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])
        return params - learning_rate * grad, loss
    return step


def numpy_training_step(params, t_u, t_c, learning_rate):
    w, b = params
    t_p = w * t_u + b
    loss = ((t_p - t_c) ** 2).mean()
    dloss_dtp = 2 * (t_p - t_c) / t_p.shape[0]
    grad = np.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])
    return params - learning_rate * grad, loss


def _libraries():
    """(name, module, array -> its tensor sharing memory) for each library present."""
    libs = [("dlcore", dlcore, dlcore.from_numpy)]
    if torch is not None:
        libs.append(("torch", torch, torch.from_numpy))
    libs.append(("numpy", np, lambda array: array))
    return libs


LIBRARIES = _libraries()


def operands(size, rng):
    shape = (size,) if isinstance(size, int) else size
    return (rng.standard_normal(shape).astype(np.float32),
            rng.standard_normal(shape).astype(np.float32))


def _repeats(name, big, quick):
    """(repeats, seconds per timed loop): a 4096x4096 computation runs once per loop, and
    fewer times (a matmul takes about half a second here); views and tiny ops loop."""
    if big and name == "matmul":
        return (2 if quick else 3), 0.0
    if big and name not in ("t[1]", "t.t()", "t.view(-1)"):
        return (3 if quick else 5), 0.0
    return (3 if quick else 7), (0.02 if quick else 0.05)


def measure_ops(quick):
    rng = np.random.default_rng(0)
    rows = []
    for size in (1, 11, (4096, 4096)):
        big = not isinstance(size, int)
        a_np, b_np = operands(size, rng)
        for name, tensor_stmt, numpy_stmt in OPS:
            times, notes = {}, {}
            for lib_name, lib, convert in LIBRARIES:
                stmt = numpy_stmt if lib is np else tensor_stmt
                stmt_here = "a[0]" if (name == "t[1]" and size == 1) else stmt
                namespace = {"a": convert(a_np), "b": convert(b_np), "np": np}
                repeat, min_total = _repeats(name, big, quick)
                times[lib_name], notes[lib_name] = best_time(stmt_here, namespace, repeat, min_total)
            label = "t[0]" if (name == "t[1]" and size == 1) else name
            size_label = "4096²" if big else str(size)
            rows.append(op_row(label, name, size_label, big, times, notes))
    return rows


def op_row(label, name, size_label, big, times, notes):
    d, t, n = times.get("dlcore"), times.get("torch"), times.get("numpy")
    if d is None:
        target, verdict = "", f"ERROR ({notes.get('dlcore')})"
    elif not big:
        target = f"≤ {TINY_US} µs, ≤ torch"
        ok = d <= TINY_US * 1e-6 and (t is None or d <= t)
        verdict = "PASS" if ok else "FAIL"
    elif name in ELEMENTWISE:
        target = f"≤ {BIG_VS_NUMPY}× numpy"
        verdict = "PASS" if n is not None and d <= BIG_VS_NUMPY * n else "FAIL"
    else:
        target, verdict = "", ""
    return [label, size_label, fmt_time(d), fmt_time(t), fmt_time(n),
            fmt_ratio(d, t), fmt_ratio(d, n), target, verdict]


def measure_views(quick):
    a_np = np.zeros((1000, 10000), dtype=np.float32)  # 1e7 elements
    small_np = np.zeros((10, 10), dtype=np.float32)   # the same ops on 100 elements
    rows = []
    for name, tensor_stmt, numpy_stmt in VIEWS:
        times, notes = {}, {}
        for lib_name, lib, convert in LIBRARIES:
            stmt = numpy_stmt if lib is np else tensor_stmt
            a = convert(a_np)
            namespace = {"a": a, "u": a[None] if lib is np else a.unsqueeze(0), "np": np}
            times[lib_name], notes[lib_name] = best_time(stmt, namespace, 3 if quick else 7,
                                                         0.02 if quick else 0.05)
        small = dlcore.from_numpy(small_np)
        small_ns = {"a": small, "u": small.unsqueeze(0), "np": np}
        stmt_small = tensor_stmt.replace("a[10:500:2]", "a[1:9:2]")
        small_time, _ = best_time(stmt_small, small_ns, 3 if quick else 7, 0.02 if quick else 0.05)
        d, t, n = times.get("dlcore"), times.get("torch"), times.get("numpy")
        verdict = (f"ERROR ({notes.get('dlcore')})" if d is None
                   else "PASS" if d <= VIEW_US * 1e-6 else "FAIL")
        rows.append([name, "1e7", fmt_time(d), fmt_time(t), fmt_time(n), fmt_ratio(d, t),
                     fmt_ratio(d, n), f"≤ {VIEW_US} µs (100 elements: {fmt_time(small_time)})",
                     verdict])
    return rows


def measure_training_step(quick):
    times, notes = {}, {}
    for lib_name, lib, convert in LIBRARIES:
        if lib is np:
            step, params = numpy_training_step, np.array([1.0, 0.0], dtype=np.float32)
        else:
            step = training_step_for(lib)
            params = lib.from_numpy(np.array([1.0, 0.0], dtype=np.float32))
        namespace = {"step": step, "params": params, "lr": 1e-4,
                     "t_u": convert(np.array(T_U, dtype=np.float32)),
                     "t_c": convert(np.array(T_C, dtype=np.float32))}
        times[lib_name], notes[lib_name] = best_time(
            "step(params, t_u, t_c, lr)", namespace, 3 if quick else 7, 0.02 if quick else 0.1)
    d, t, n = times.get("dlcore"), times.get("torch"), times.get("numpy")
    verdict = f"ERROR ({notes['dlcore']})" if d is None else ""
    return [["training step (ch. 4, by hand)", "11", fmt_time(d), fmt_time(t), fmt_time(n),
             fmt_ratio(d, t), fmt_ratio(d, n), "", verdict]]


def import_time(module, runs):
    """Best of `runs` fresh interpreters: seconds for `import module` alone (start-up excluded).
    Bytecode caching is allowed (as for a normal user) even where PYTHONDONTWRITEBYTECODE is set."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (f"import sys, time; sys.path.insert(0, {str(ROOT)!r}); t = time.perf_counter(); "
            f"import {module}; print(time.perf_counter() - t)")
    best = None
    for _ in range(runs + 1):  # the first run may write the bytecode cache: not counted
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                cwd=ROOT, env=env)
        if result.returncode != 0:
            return None
        seconds = float(result.stdout.strip().splitlines()[-1])
        if _ > 0:
            best = seconds if best is None else min(best, seconds)
    return best


def measure_imports(quick):
    runs = 3 if quick else 5
    d = import_time("dlcore", runs)
    n = import_time("numpy", runs)
    t = import_time("torch", runs) if torch is not None else None
    verdict = "-" if d is None else ("PASS" if d <= IMPORT_S else "FAIL")
    return [["import (incl. numpy)", "", fmt_time(d), fmt_time(t), fmt_time(n),
             fmt_ratio(d, t), fmt_ratio(d, n), f"≤ {IMPORT_S} s", verdict]]


def machine_notes():
    lines = [f"- Python {platform.python_version()}, NumPy {np.__version__}, "
             f"torch {torch.__version__ if torch else 'not installed'}, dlcore {dlcore.__version__}",
             f"- {platform.machine()}, {os.cpu_count()} CPUs, {cpu_model()}"]
    if torch is not None:
        lines.append(f"- torch intra-op threads: {torch.get_num_threads()}")
    blas = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                                        "OPENBLAS_NUM_THREADS") if k in os.environ}
    lines.append(f"- BLAS environment: {blas or 'none set'} "
                 "(OPENBLAS_CORETYPE, where set, slows NumPy: the ratios are against NumPy as run)")
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            lines.append(f"- {pool.get('internal_api')} {pool.get('version')}: "
                         f"{pool.get('num_threads')} threads, kernel {pool.get('architecture')}")
    except ImportError:
        pass
    return lines


def load_average():
    """The machine's 1-minute load average as text ("unknown" where the OS does not say)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except (AttributeError, OSError):
        return "unknown"


def load_note(before):
    """The report's line on how busy the machine was, from the load average taken `before`."""
    return (f"- load average (1 min) before / after the run: {before} / {load_average()} "
            "(above the CPU count, other processes shared the cores: the times are noisy)")


def append_report(report, output):
    """Print a run's report and append it to the Markdown file `output`."""
    print(report)
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("a") as results:
        results.write(report + "\n")
    print(f"(appended to {output})", file=sys.stderr)


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


HEADER = ["op", "size", "dlcore", "torch", "numpy", "dlcore/torch", "dlcore/numpy", "target",
          "result"]


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke check)")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results" / "latest.md")
    args = parser.parse_args(argv)

    rows = []
    for part in (measure_ops, measure_views, measure_training_step, measure_imports):
        rows += part(args.quick)
        print(f"... {part.__name__} done", file=sys.stderr, flush=True)
    verdicts = [row[-1].split()[0] for row in rows if row[-1]]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("PASS", "FAIL", "ERROR"))
    report = "\n".join([
        "# dlcore benchmark", "",
        *machine_notes(), "",
        "Times are the minimum over repeats; ratios below 1 mean dlcore is faster.", "",
        markdown_table(rows), "",
        f"Results: {counts} (ERROR: dlcore raised, e.g. the op is not written yet).", ""])
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(f"(written to {args.output})", file=sys.stderr)


if __name__ == "__main__":
    main()
