# The two commands of the README: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# uv is used when present (much faster); otherwise plain venv + pip.
UV     := $(shell command -v uv 2>/dev/null)

.PHONY: demo test lint typecheck pytest bench fuzz clean venv

# pip's own progress (a line per package, download bars on a terminal) instead of minutes of silence;
# --no-input: never wait for a prompt
PIP    := $(BIN)/python -m pip install --no-input --disable-pip-version-check

$(BIN)/python:
	@echo "== creating $(VENV) (once)"
ifdef UV
	$(UV) venv $(VENV) --python $(PYTHON)
else
	$(PYTHON) -m venv $(VENV)
	$(PIP) --quiet --upgrade pip
endif

# Stamp files re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "== installing cellworks and its dependencies into $(VENV) (first time: about 2-3 minutes with pip)"
ifdef UV
	$(UV) pip install --python $(BIN)/python -e .
else
	$(PIP) -e .
endif
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@echo "== installing cellworks with its test tools into $(VENV) (first time: about 3 minutes with pip)"
ifdef UV
	$(UV) pip install --python $(BIN)/python -e ".[test]"
else
	$(PIP) -e ".[test]"
endif
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed

# Besides the report, the demo compiles every numba kernel once into the on-disk cache beside the
# source (cellworks/_numba_cache.py), so the first `cellworks lis simulate` afterwards loads, not compiles.
demo: $(VENV)/.installed
	@echo "== cellworks demo: every part on its defaults (about 2 minutes; the first run also compiles the kernels)"
	$(BIN)/cellworks demo --out demo-report
	@echo "== open demo-report/index.html in a browser"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy src/cellworks

pytest: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

test: lint typecheck pytest

# nightly: >= 1000 mutants across every reader, every numeric option, the hostile protocols; one
# summary line at the end (tests/fuzz/; FUZZ_ARGS="--mutants 2000 --jobs 4 --seed 7" to vary)
fuzz: $(VENV)/.installed-test
	$(BIN)/python -m tests.fuzz $(FUZZ_ARGS)

# every benchmarks/*.py --json (not _*.py), one table of their rows; bench-results/table.json
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/_table.py

clean:
	rm -rf $(VENV) .venv-bench* demo-report bench-results .pytest_cache .mypy_cache .ruff_cache
