# Two commands do everything on a fresh Linux machine with Python 3.11:
#   make demo   -> the course's four examples in both frameworks, one table
#   make test   -> the whole test suite (what CI runs)
# Both create .venv and install the project the first time; the stamp below
# makes later runs skip the install until pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(BIN)/python -m pytest

.PHONY: install demo test test-fast lessons bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[all,dev]"
	@# triton (pulled in by the CUDA build of torch) serves only torch.compile on NVIDIA GPUs, and it
	@# crashes a process that loaded TensorFlow first: removed where there is no NVIDIA GPU.
	@command -v nvidia-smi >/dev/null 2>&1 || $(BIN)/python -m pip uninstall --quiet -y triton
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dlcourse demo

test: $(STAMP)
	$(PYTEST) -n 2 --dist loadfile

test-fast: $(STAMP)
	$(PYTEST) -n 2 --dist loadfile -m "not slow"

lessons: $(STAMP)
	$(BIN)/dlcourse lessons build --fast
	$(BIN)/dlcourse lessons build --fast --student

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_cpu.py

clean:
	rm -rf runs build dist .pytest_cache
