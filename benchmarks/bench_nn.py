"""dlcore's nn, optim and DataLoader against PyTorch's and against hand-written NumPy, in one run.

    python benchmarks/bench_nn.py              # full run (a few minutes on 2 cores)
    python benchmarks/bench_nn.py --quick      # fewer repeats, for a smoke check
    python benchmarks/bench_nn.py --profile    # also: where dlcore's time goes (cProfile)

Measures, per epoch:
- chapter 5's loop: `Sequential(Linear(1, 13), Tanh(), Linear(13, 1))`, MSELoss, SGD lr 1e-3,
  5000 epochs on the thermometer data (9 training, 2 validation samples), with a validation
  forward under no_grad each epoch;
- chapter 4's Adam loop: `w * t_u + b` on raw t_u, Adam lr 1e-1, 2000 epochs;
- a wine-sized MLP, 4898 x 11 -> 64 -> Tanh -> 1 with MSE and SGD: one full-batch step, and an
  epoch of minibatches of 64 from a shuffling DataLoader over a TensorDataset.
NumPy runs the same models with the gradients and optimizer updates written by hand (its
minibatches come from slicing a permutation: no DataLoader).

Prints a Markdown table and appends it, dated, to benchmarks/results/nn.md. Times are the
minimum over repeats. All three run with the same number of threads (`--threads`, default 1:
NumPy's BLAS and torch's intra-op pool). On a shared machine a second thread mostly waits for a
busy core, which costs BLAS and torch up to 10x on these sizes; with one thread each, the
ratios compare the libraries, not the scheduler. Targets (PASS/FAIL): both chapter loops at least 2.5x faster than PyTorch's
eager mode; the full-batch wine step no slower than PyTorch's. A benchmark, not a test.
"""
import argparse
import cProfile
import datetime
import io
import os
import pstats
import sys
import time
from pathlib import Path


def _parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and epochs")
    parser.add_argument("--profile", action="store_true", help="add cProfile tops of dlcore")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for NumPy's BLAS and torch (default 1)")
    parser.add_argument("--output", type=Path,
                        default=Path(__file__).resolve().parent / "results" / "nn.md")
    return parser.parse_args(argv)


if __name__ == "__main__":
    # BLAS reads its thread count once, when NumPy loads: set it before the imports below
    for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_variable] = str(_parse_args().threads)

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))           # bench_core's timing and reporting helpers
from bench_core import (ROOT, T_C, T_U, append_report, fmt_ratio, fmt_time,  # noqa: E402
                        load_average, load_note, machine_notes, markdown_table)

import dlcore  # noqa: E402  (bench_core put the checkout first on sys.path)
import dlcore.nn  # noqa: E402, F401
import dlcore.optim  # noqa: E402, F401
import dlcore.utils.data  # noqa: E402, F401

try:
    import torch
except ImportError:
    torch = None

CHAPTER_SPEEDUP = 2.5      # the chapter loops must be at least this many times faster than torch
CH5_EPOCHS = 5000
ADAM_EPOCHS = 2000
SEED = 42


def _wine_path():
    """The wine CSV: the repository's data/ first, else the project's shared copy."""
    for folder in (ROOT / "data" / "wine", ROOT.parent / "shared" / "data" / "wine"):
        if (folder / "winequality-white.csv").exists():
            return folder / "winequality-white.csv"
    raise FileNotFoundError("winequality-white.csv not found in data/wine or ../shared/data/wine")


def load_wine():
    """Inputs standardised per column (float32, 4898 x 11) and the quality score (4898 x 1)."""
    table = np.loadtxt(_wine_path(), delimiter=";", skiprows=1, dtype=np.float32)
    x, y = table[:, :-1], table[:, -1:]
    x = (x - x.mean(0)) / x.std(0)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


# -- the loops, as a course writes them (`lib` is dlcore or torch) ------------------------------
def chapter5_data(lib):
    """Chapter 5's tensors: (11, 1) columns, t_u scaled by 0.1, a seeded 9/2 split."""
    t_c = lib.tensor(T_C).unsqueeze(1)
    t_u = lib.tensor(T_U).unsqueeze(1)
    lib.manual_seed(SEED)
    shuffled = lib.randperm(t_u.shape[0])
    train, val = shuffled[:-2], shuffled[-2:]
    t_un = 0.1 * t_u
    return t_un[train], t_c[train], t_un[val], t_c[val]


def chapter5_model(lib):
    lib.manual_seed(SEED)
    return lib.nn.Sequential(lib.nn.Linear(1, 13), lib.nn.Tanh(), lib.nn.Linear(13, 1))


def chapter5_loop(lib, model, n_epochs):
    t_u_train, t_c_train, t_u_val, t_c_val = chapter5_data(lib)
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.MSELoss()
    for epoch in range(1, n_epochs + 1):
        loss_train = loss_fn(model(t_u_train), t_c_train)
        with lib.no_grad():
            loss_val = loss_fn(model(t_u_val), t_c_val)
        optimizer.zero_grad()
        loss_train.backward()
        optimizer.step()
    return loss_train.item(), loss_val.item()


def adam_loop(lib, n_epochs):
    t_c, t_u = lib.tensor(T_C), lib.tensor(T_U)
    params = lib.tensor([1.0, 0.0], requires_grad=True)
    optimizer = lib.optim.Adam([params], lr=1e-1)
    for epoch in range(1, n_epochs + 1):
        w, b = params
        loss = ((w * t_u + b - t_c) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item(), params.detach().numpy().round(4).tolist()


def wine_model(lib):
    lib.manual_seed(SEED)
    return lib.nn.Sequential(lib.nn.Linear(11, 64), lib.nn.Tanh(), lib.nn.Linear(64, 1))


def wine_epochs(lib, model, x, y, n_epochs, batch_size=None):
    """`n_epochs` epochs, full batch (one step each) or minibatches from a DataLoader."""
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-2)
    loss_fn = lib.nn.MSELoss()
    if batch_size is None:
        batches = [(x, y)]
    else:
        batches = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y),
                                            batch_size=batch_size, shuffle=True,
                                            generator=lib.Generator().manual_seed(SEED))
    for epoch in range(n_epochs):
        for x_batch, y_batch in batches:
            loss = loss_fn(model(x_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return loss.item()


# -- the same by hand in NumPy ------------------------------------------------------------------
class NumpyMLP:
    """Linear -> tanh -> Linear with MSE, forward and backward by hand, SGD by hand; starts from
    the weights of a dlcore Sequential, so its losses can be compared with the libraries'."""

    def __init__(self, model):
        self.w1, self.b1, self.w2, self.b2 = [p.detach().numpy().copy()
                                              for p in model.parameters()]

    def forward(self, x):
        hidden = np.tanh(x @ self.w1.T + self.b1)
        return hidden, hidden @ self.w2.T + self.b2

    def loss(self, x, y):
        return float(((self.forward(x)[1] - y) ** 2).mean())

    def step(self, x, y, lr):
        hidden, out = self.forward(x)
        diff = out - y
        loss = (diff * diff).mean()
        d_out = (2 / diff.size) * diff
        d_hidden = (d_out @ self.w2) * (1 - hidden * hidden)
        lr = np.float32(lr)
        self.w2 -= lr * (d_out.T @ hidden)
        self.b2 -= lr * d_out.sum(0)
        self.w1 -= lr * (d_hidden.T @ x)
        self.b1 -= lr * d_hidden.sum(0)
        return loss


def numpy_chapter5_loop(net, n_epochs):
    t_u_train, t_c_train, t_u_val, t_c_val = [t.numpy() for t in chapter5_data(dlcore)]
    for epoch in range(1, n_epochs + 1):
        loss_val = net.loss(t_u_val, t_c_val)       # before the step, as the loop above
        loss_train = net.step(t_u_train, t_c_train, 1e-3)
    return float(loss_train), float(loss_val)


def numpy_adam_loop(n_epochs, lr=0.1, betas=(0.9, 0.999), eps=1e-8):
    """Adam as PyTorch writes it (bias corrections, eps added after the square root)."""
    t_c, t_u = np.array(T_C, np.float32), np.array(T_U, np.float32)
    params = np.array([1.0, 0.0], np.float32)
    exp_avg, exp_avg_sq = np.zeros_like(params), np.zeros_like(params)
    beta1, beta2 = betas
    for step in range(1, n_epochs + 1):
        w, b = params
        diff = w * t_u + b - t_c
        loss = (diff * diff).mean()
        d = 2 * diff / diff.size
        grad = np.array([(d * t_u).sum(), d.sum()], np.float32)
        exp_avg = beta1 * exp_avg + (1 - beta1) * grad
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq) / np.sqrt(1 - beta2 ** step) + eps
        params = (params - (lr / (1 - beta1 ** step)) * exp_avg / denom).astype(np.float32)
    return float(loss), params.round(4).tolist()


def numpy_wine_epochs(net, x, y, n_epochs, batch_size=None):
    rng = np.random.default_rng(SEED)
    for epoch in range(n_epochs):
        if batch_size is None:
            loss = net.step(x, y, 1e-2)
            continue
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            loss = net.step(x[batch], y[batch], 1e-2)
    return float(loss)


# -- timing and the table -----------------------------------------------------------------------
def best_of(run, repeat):
    """(seconds of the fastest of `repeat` runs, that run's result); (None, message) on error."""
    best, result = None, None
    for _ in range(repeat):
        try:
            start = time.perf_counter()
            result = run()
            elapsed = time.perf_counter() - start
        except Exception as error:  # noqa: BLE001 - a failure is reported in the table
            return None, f"{type(error).__name__}: {error}"[:80]
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def measure(label, size, runs, per, repeat, target=None):
    """One table row: `runs` maps dlcore/torch/numpy to a zero-argument run; times are divided
    by `per` (epochs per run). `target` is (factor, text): PASS when dlcore * factor <= torch."""
    times, results = {}, {}
    # Rounds interleave the libraries, and a first untimed round runs each once: the process's
    # allocator state (which decides whether large temporaries page-fault) is then the same for all.
    for round_ in range(repeat + 1):
        for name, run in runs.items():
            if run is None:
                times[name], results[name] = None, "not installed"
                continue
            if times.get(name, 0) is None:
                continue                                  # it failed in an earlier round
            seconds, results[name] = best_of(run, 1)
            if round_ == 0 or seconds is None:
                times[name] = None if seconds is None else float("inf")
                continue
            times[name] = min(times[name], seconds / per)
    d, t, n = times["dlcore"], times["torch"], times["numpy"]
    verdict, target_text = "", ""
    if target is not None:
        factor, target_text = target
        if d is None:
            verdict = f"ERROR ({results['dlcore']})"
        elif t is not None:
            verdict = "PASS" if d * factor <= t else "FAIL"
            target_text += f" (now {t / d:.2f}×)"
    elif d is None:
        verdict = f"ERROR ({results['dlcore']})"
    row = [label, size, fmt_time(d), fmt_time(t), fmt_time(n), fmt_ratio(d, t), fmt_ratio(d, n),
           target_text, verdict]
    print(f"... {label}: done", file=sys.stderr, flush=True)
    return row, results


def _torch_or_none(make):
    return None if torch is None else make


def run_all(quick):
    repeat_loop = 1 if quick else 3
    ch5_epochs = 500 if quick else CH5_EPOCHS
    adam_epochs = 200 if quick else ADAM_EPOCHS
    rows, checks = [], {}

    row, checks["chapter 5 (train, val loss)"] = measure(
        f"chapter 5 Linear-Tanh-Linear, SGD ({ch5_epochs} epochs + val), per epoch", "9 + 2",
        {"dlcore": lambda: chapter5_loop(dlcore, chapter5_model(dlcore), ch5_epochs),
         "torch": _torch_or_none(lambda: chapter5_loop(torch, chapter5_model(torch), ch5_epochs)),
         "numpy": lambda: numpy_chapter5_loop(NumpyMLP(chapter5_model(dlcore)), ch5_epochs)},
        ch5_epochs, repeat_loop, (CHAPTER_SPEEDUP, f"≥ {CHAPTER_SPEEDUP:g}× faster than torch"))
    rows.append(row)

    row, checks["chapter 4 Adam (loss, params)"] = measure(
        f"chapter 4 Adam lr 1e-1 ({adam_epochs} epochs), per epoch", "11",
        {"dlcore": lambda: adam_loop(dlcore, adam_epochs),
         "torch": _torch_or_none(lambda: adam_loop(torch, adam_epochs)),
         "numpy": lambda: numpy_adam_loop(adam_epochs)},
        adam_epochs, repeat_loop, (CHAPTER_SPEEDUP, f"≥ {CHAPTER_SPEEDUP:g}× faster than torch"))
    rows.append(row)

    x, y = load_wine()
    libs = {"dlcore": (dlcore.from_numpy(x), dlcore.from_numpy(y))}
    if torch is not None:
        libs["torch"] = (torch.from_numpy(x), torch.from_numpy(y))
    full_epochs = 20 if quick else 100

    def lib_run(name, n_epochs, batch_size):
        if name not in libs:
            return None
        lib = dlcore if name == "dlcore" else torch
        return lambda: wine_epochs(lib, wine_model(lib), *libs[name], n_epochs, batch_size)

    row, checks["wine full batch (loss)"] = measure(
        f"wine MLP 11-64-1, full batch ({full_epochs} epochs), per epoch", "4898 × 11",
        {"dlcore": lib_run("dlcore", full_epochs, None), "torch": lib_run("torch", full_epochs, None),
         "numpy": lambda: numpy_wine_epochs(NumpyMLP(wine_model(dlcore)), x, y, full_epochs)},
        full_epochs, 2 if quick else 5, (1.0, "no slower than torch"))
    rows.append(row)

    row, checks["wine minibatch 64 (loss)"] = measure(
        "wine MLP 11-64-1, minibatch 64 via DataLoader, per epoch", "77 batches",
        {"dlcore": lib_run("dlcore", 1, 64), "torch": lib_run("torch", 1, 64),
         "numpy": lambda: numpy_wine_epochs(NumpyMLP(wine_model(dlcore)), x, y, 1, 64)},
        1, 2 if quick else 5)
    rows.append(row)
    return rows, checks, libs


def chapter5_phases(lib, n_epochs):
    """Seconds per epoch spent in each phase of the chapter 5 loop (the loop above, timed)."""
    t_u_train, t_c_train, t_u_val, t_c_val = chapter5_data(lib)
    model = chapter5_model(lib)
    optimizer = lib.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = lib.nn.MSELoss()
    phases = dict.fromkeys(["forward + loss", "validation (no_grad)", "zero_grad", "backward",
                            "step"], 0.0)
    clock = time.perf_counter
    for epoch in range(n_epochs):
        t0 = clock()
        loss_train = loss_fn(model(t_u_train), t_c_train)
        t1 = clock()
        with lib.no_grad():
            loss_fn(model(t_u_val), t_c_val)
        t2 = clock()
        optimizer.zero_grad()
        t3 = clock()
        loss_train.backward()
        t4 = clock()
        optimizer.step()
        t5 = clock()
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            phases[name] += seconds
    return {name: seconds / n_epochs for name, seconds in phases.items()}


def adam_phases(lib, n_epochs):
    """Seconds per epoch in each phase of the Adam loop."""
    t_c, t_u = lib.tensor(T_C), lib.tensor(T_U)
    params = lib.tensor([1.0, 0.0], requires_grad=True)
    optimizer = lib.optim.Adam([params], lr=1e-1)
    phases = dict.fromkeys(["forward + loss", "zero_grad", "backward", "step"], 0.0)
    clock = time.perf_counter
    for epoch in range(n_epochs):
        t0 = clock()
        w, b = params
        loss = ((w * t_u + b - t_c) ** 2).mean()
        t1 = clock()
        optimizer.zero_grad()
        t2 = clock()
        loss.backward()
        t3 = clock()
        optimizer.step()
        t4 = clock()
        for name, seconds in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            phases[name] += seconds
    return {name: seconds / n_epochs for name, seconds in phases.items()}


def phase_table(quick):
    """dlcore's and torch's time per phase of the chapter loops (the best of 3 passes each)."""
    n_epochs = 300 if quick else 1000
    lines = ["| loop | phase | dlcore | torch |", "|---|---|---|---|"]
    for label, phases in (("chapter 5", chapter5_phases), ("chapter 4 Adam", adam_phases)):
        best = {}
        for name, lib in (("dlcore", dlcore), ("torch", torch)):
            if lib is None:
                continue
            runs = [phases(lib, n_epochs) for _ in range(3)]
            best[name] = {phase: min(run[phase] for run in runs) for phase in runs[0]}
        for phase in best["dlcore"]:
            torch_time = best["torch"][phase] if "torch" in best else None
            lines.append(f"| {label} | {phase} | {fmt_time(best['dlcore'][phase])} | "
                         f"{fmt_time(torch_time)} |")
    return "### time per phase of an epoch\n\n" + "\n".join(lines)


def profile(libs, quick):
    """Where dlcore's time goes: the top functions (own time) of each case, for the report."""
    cases = {
        "chapter 5 loop (500 epochs)": lambda: chapter5_loop(dlcore, chapter5_model(dlcore), 500),
        "chapter 4 Adam loop (500 epochs)": lambda: adam_loop(dlcore, 500),
        "wine full batch (20 epochs)": lambda: wine_epochs(dlcore, wine_model(dlcore),
                                                           *libs["dlcore"], 20),
        "wine minibatch 64 (1 epoch)": lambda: wine_epochs(dlcore, wine_model(dlcore),
                                                           *libs["dlcore"], 1, 64),
    }
    out = []
    for name, run in cases.items():
        profiler = cProfile.Profile()
        profiler.runcall(run)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime")
        stats.print_stats(8 if quick else 12)
        out.append(f"### {name}\n```\n{text.getvalue().strip()}\n```")
    return "\n\n".join(out)


def main(argv=None):
    args = _parse_args(argv)
    if torch is not None:
        torch.set_num_threads(args.threads)

    load_before = load_average()
    rows, checks, libs = run_all(args.quick)
    verdicts = [row[-1].split()[0] for row in rows if row[-1]]
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in ("PASS", "FAIL", "ERROR"))
    check_lines = [f"- {case}: " + "; ".join(f"{name} {value}" for name, value in results.items())
                   for case, results in checks.items()]
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    report = "\n".join([
        f"## dlcore nn/optim/DataLoader benchmark, {stamp}{' (quick)' if args.quick else ''}", "",
        *machine_notes(),
        load_note(load_before), "",
        "Times are the minimum over repeats; ratios below 1 mean dlcore is faster. The numpy "
        "column runs the same models with gradients and updates written by hand.", "",
        markdown_table(rows), "",
        f"Results: {counts}.", "",
        "Final values (the same seed and initial weights: they should agree):", *check_lines, ""])
    if args.profile:
        report += "\n" + phase_table(args.quick) + "\n\n" + profile(libs, args.quick) + "\n"
    append_report(report, args.output)


if __name__ == "__main__":
    main()
