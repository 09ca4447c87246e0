# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
TG := $(VENV)/bin/tusz-guard
STAMP := $(VENV)/.installed
DEMO ?= demo

.PHONY: demo test test-fast test-slow bench venv clean-demo lint

venv: $(STAMP)

# torch is pinned and installed BEFORE the package: an unpinned torch resolves to a multi-GB CUDA build.
# constraints.txt pins every version: an unpinned resolve backtracks through boto3/botocore until pip gives up.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[all,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh $(DEMO) $(TG)

test: $(STAMP)
	$(PY) -m pytest -n 2 -m 'not slow'
	$(PY) -m pytest -m slow

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -m 'not slow' -x -q

test-slow: $(STAMP)
	$(PY) -m pytest -m slow

bench: $(STAMP)
	$(PY) bench/run_all.py

# ruff (pyflakes, pycodestyle, import sorting, bugbear) and mypy, as configured in pyproject.toml; CI runs it
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean-demo:
	@echo "demo data lives in $(DEMO)/ (generated; remove it by hand if you want it gone)"
