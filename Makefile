# Two commands for everyone (see README.md):
#   make course   install everything into .venv and open the course in JupyterLab
#   make test     run the test suite
# With CI=true, `make course` installs but does not start JupyterLab.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# PyTorch is the tests' oracle, never a dependency of dlcore. Always pin it: an unpinned
# `torch` pulls a multi-GB CUDA build.
TORCH  := torch==2.13.0
# Two workers: with the notebooks in the suite this is faster on 2 cores (34 s against 44 s);
# --dist loadfile keeps a notebook's cells on one worker. `make test PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n 2 --dist loadfile

.PHONY: course install test test-device notebooks bench clean

course: install
	@if [ "$$CI" = "true" ]; then \
		echo "CI=true: installed into $(VENV); not starting JupyterLab."; \
	else \
		$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/chapters \
			$$([ "$$(id -u)" = 0 ] && echo --allow-root); \
	fi

install: $(VENV)/.installed

# Reinstall only when the package's metadata changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --progress-bar off -e ".[all]" "$(TORCH)"
	touch $@

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-device

# The device tests again on dlcore's NumPy stand-in for a GPU (DLCORE_FAKE_CUDA=1): placement,
# moves, mixing errors, printing, Module.to and optimizer state, without a GPU; then the core
# test files with cuda as every test's default device (DLCORE_TEST_DEVICE=cuda), so an op that
# falls back to the CPU or mixes host and device arrays fails here as it would on a GPU.
CORE_TESTS := creation pointwise reduction indexing views linalg dtypes errors gradcheck \
	autograd_core autograd_creation autograd_pointwise autograd_reduction autograd_shape \
	nn_activations nn_functional nn_init nn_layers nn_losses nn_module optim lr_scheduler
test-device: install
	DLCORE_FAKE_CUDA=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_device.py \
		tests/test_device_ops.py tests/test_nn_module.py tests/test_optim.py -k "cuda or device or gpu"
	DLCORE_FAKE_CUDA=1 DLCORE_TEST_DEVICE=cuda $(BIN)/python -m pytest -q -p no:cacheprovider \
		-o addopts="--strict-markers" $(PYTEST_ARGS) $(CORE_TESTS:%=tests/test_%.py)

# Re-execute every notebook in chapters/ and exercises/ in a fresh kernel and store its outputs:
# run it after changing dlcore or a notebook (`make test` compares with what is stored).
notebooks: install
	$(BIN)/python scripts/run_notebooks.py

# CPU benchmarks (each prints a table of ratios and writes it under benchmarks/results/);
# benchmarks/bench_gpu.py needs a CUDA GPU (scripts/gpu_check.sh runs it with the tests).
bench: install
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_autograd.py
	$(BIN)/python benchmarks/bench_nn.py
	$(BIN)/python benchmarks/bench_serialization.py

clean:
	rm -rf $(VENV)
