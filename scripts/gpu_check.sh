#!/usr/bin/env bash
# On a machine with a CUDA GPU (and CuPy, PyTorch, pytest installed): the whole test suite, whose
# device-parametrised tests then run on cuda too, and then benchmarks/bench_gpu.py.
# Logs go to $OUT (default: ./gpu-check). No notebooks here (nbval may be missing): tests/ only.
#   bash scripts/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-gpu-check}"
mkdir -p "$OUT"
PY="${PYTHON:-$(command -v python || command -v python3)}"
{
  echo "== $(date -u)"; nvidia-smi -L 2>&1 || true
  "$PY" -c "import numpy, cupy, dlcore; print('numpy', numpy.__version__, 'cupy', cupy.__version__, \
'cuda available:', dlcore.cuda.is_available(), dlcore.cuda.get_device_name() if dlcore.cuda.is_available() else '')"
  "$PY" -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())" || true
} 2>&1 | tee "$OUT/env.log"
# -o addopts= drops nbval's options from pyproject (no nbval on the GPU image); -p no:cacheprovider
# keeps the tree clean. DLCORE_TEST_DEVICE=cuda makes cuda every test's default device, so the
# whole suite runs its tensors on the GPU (tests marked cpu_only are skipped, saying why); the
# device tests and the gpu-marked ones run there too. --dist load, not loadfile: a worker that
# dies (a crash inside a library) is then one failed test, where loadfile's replacement worker
# made pytest-xdist hang or stop with an INTERNALERROR, losing the rest of the run.
DLCORE_TEST_DEVICE=cuda timeout "${GPU_TEST_TIMEOUT:-420}" "$PY" -m pytest tests/ -q -p no:cacheprovider -p no:nbval \
  -o addopts="" -n "${GPU_TEST_WORKERS:-8}" --dist load -rfEs --junitxml="$OUT/pytest.xml" 2>&1 \
  | tail -n 400 > "$OUT/pytest.log"
echo "pytest exit: ${PIPESTATUS[0]}" | tee -a "$OUT/pytest.log"
tail -n 5 "$OUT/pytest.log"
timeout "${GPU_BENCH_TIMEOUT:-150}" "$PY" benchmarks/bench_gpu.py --out "$OUT/bench_gpu.md" 2>&1 | tee "$OUT/bench_gpu.log"
