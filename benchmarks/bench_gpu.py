"""dlcore on a GPU against PyTorch CUDA and raw CuPy, in one run (float32, TF32 off).

    python benchmarks/bench_gpu.py [--quick] [--out FILE]

Three workloads, each timed for dlcore, PyTorch and CuPy alike: an MLP training step (batch
8192, 4096 -> 4096 -> 4096 -> 10, ReLU, cross-entropy, SGD), an 8192x8192 matmul and an
8192x8192 elementwise add. Each time is the median of several timed repeats after a warm-up,
with the device synchronised before and after (GPU calls return before the work is done).
Prints a Markdown table with the ratios and the targets, and writes it to FILE if given.
Targets: MLP step >= 0.8x PyTorch's throughput; matmul >= 0.95x PyTorch's; add within 1.1x of
raw CuPy. This is a benchmark, not a test.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlcore  # noqa: E402


def timed(step, sync, warmup, repeats):
    """Median seconds of `step()`, after `warmup` untimed calls."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    for _ in range(repeats):
        sync()
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- the MLP step, written once per library ----------------------------------------------------------
def dlcore_mlp(batch, sizes):
    nn, optim = dlcore.nn, dlcore.optim
    dlcore.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers).to("cuda")
    opt = optim.SGD(model.parameters(), lr=0.01)
    x = dlcore.randn(batch, sizes[0], device="cuda")
    y = dlcore.randint(0, sizes[-1], (batch,), device="cuda")
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def torch_mlp(torch, batch, sizes):
    torch.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).cuda()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(batch, sizes[0], device="cuda")
    y = torch.randint(0, sizes[-1], (batch,), device="cuda")
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def cupy_mlp(cp, batch, sizes):
    """The same step by hand in CuPy: forward, softmax cross-entropy, backward, SGD."""
    rng = cp.random.default_rng(0)
    weights = [(rng.standard_normal((n_out, n_in), dtype=cp.float32) / n_in ** 0.5,
                cp.zeros(n_out, cp.float32)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    x = rng.standard_normal((batch, sizes[0]), dtype=cp.float32)
    y = rng.integers(0, sizes[-1], batch)

    def step():
        acts = [x]
        for i, (w, b) in enumerate(weights):
            z = acts[-1] @ w.T + b
            acts.append(cp.maximum(z, 0) if i < len(weights) - 1 else z)
        logits = acts[-1]
        p = cp.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        g = p
        g[cp.arange(batch), y] -= 1
        g /= batch
        for i in range(len(weights) - 1, -1, -1):
            w, b = weights[i]
            gw, gb = g.T @ acts[i], g.sum(0)
            if i:
                g = (g @ w) * (acts[i] > 0)
            w -= 0.01 * gw
            b -= 0.01 * gb
    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    if not dlcore.cuda.is_available():
        sys.exit("bench_gpu.py needs a CUDA GPU (dlcore.cuda.is_available() is False)")
    import cupy as cp
    try:
        import torch
        if not torch.cuda.is_available():
            torch = None
    except ImportError:
        torch = None
    if torch is not None:
        torch.backends.cuda.matmul.allow_tf32 = False       # float32 means float32 everywhere
        torch.backends.cudnn.allow_tf32 = False
    warmup, repeats = (2, 5) if args.quick else (5, 20)
    n, batch, sizes = 8192, 8192, (4096, 4096, 4096, 10)

    def sync_all():
        dlcore.cuda.synchronize()
        cp.cuda.Device().synchronize()
        if torch is not None:
            torch.cuda.synchronize()

    rows = []
    # matmul and add: the same inputs' values for all three libraries
    a_cp = cp.random.default_rng(1).standard_normal((n, n), dtype=cp.float32)
    b_cp = cp.random.default_rng(2).standard_normal((n, n), dtype=cp.float32)
    a_dl, b_dl = dlcore.from_dlpack(a_cp), dlcore.from_dlpack(b_cp)
    a_t = torch.from_dlpack(a_cp) if torch is not None else None
    b_t = torch.from_dlpack(b_cp) if torch is not None else None
    workloads = [
        ("MLP step (8192, 4096-4096-4096-10)", dlcore_mlp(batch, sizes),
         torch_mlp(torch, batch, sizes) if torch is not None else None, cupy_mlp(cp, batch, sizes)),
        ("matmul 8192x8192", lambda: a_dl @ b_dl, (lambda: a_t @ b_t) if torch is not None else None,
         lambda: a_cp @ b_cp),
        ("add 8192x8192", lambda: a_dl + b_dl, (lambda: a_t + b_t) if torch is not None else None,
         lambda: a_cp + b_cp),
    ]
    for name, ours, theirs, raw in workloads:
        try:
            t_ours = timed(ours, sync_all, warmup, repeats)
        except Exception as error:          # report it and go on with the other workloads
            print(f"{name}: dlcore failed: {type(error).__name__}: {error}", flush=True)
            continue
        t_torch = timed(theirs, sync_all, warmup, repeats) if theirs is not None else None
        t_cupy = timed(raw, sync_all, warmup, repeats)
        rows.append((name, t_ours, t_torch, t_cupy))
        print(f"{name}: dlcore {t_ours * 1e3:.2f} ms, PyTorch "
              f"{'-' if t_torch is None else f'{t_torch * 1e3:.2f} ms'}, CuPy {t_cupy * 1e3:.2f} ms",
              flush=True)

    targets = {"MLP": ("torch", 0.8), "matmul": ("torch", 0.95), "add": ("cupy", 1 / 1.1)}
    lines = [f"GPU: {dlcore.cuda.get_device_name()} (float32, TF32 off; median of {repeats} "
             f"after {warmup} warm-up runs)", "",
             "| workload | dlcore ms | PyTorch ms | CuPy ms | dlcore speed vs PyTorch | "
             "vs CuPy | target | verdict |",
             "|---|---|---|---|---|---|---|---|"]
    for name, t_ours, t_torch, t_cupy in rows:
        vs_torch = None if t_torch is None else t_torch / t_ours     # >1: dlcore is faster
        vs_cupy = t_cupy / t_ours
        against, bound = targets[name.split()[0]]
        ratio = vs_torch if against == "torch" else vs_cupy
        verdict = "-" if ratio is None else ("PASS" if ratio >= bound else "FAIL")
        goal = f">= {bound:.2f}x {'PyTorch' if against == 'torch' else 'CuPy'}"
        lines.append(f"| {name} | {t_ours * 1e3:.2f} | "
                     f"{'-' if t_torch is None else f'{t_torch * 1e3:.2f}'} | {t_cupy * 1e3:.2f} | "
                     f"{'-' if vs_torch is None else f'{vs_torch:.2f}x'} | {vs_cupy:.2f}x | "
                     f"{goal} | {verdict} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).write_text(table + "\n")


if __name__ == "__main__":
    main()
