# Two commands do the whole set-up: `make run` and `make test`.
# The virtual environment is created once; a stamp file keeps torch from being
# reinstalled on later runs (pip only re-runs when pyproject.toml changes).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test setup bench screenshots clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/forensics-app

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=2 $(PY) -m pytest -q

# The main views after a scripted session, rendered offscreen to build/screenshots/.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=2 $(PY) build_spec/screenshots.py --out build/screenshots

bench: $(STAMP)
	$(PY) benchmarks/embed_speed.py

clean:
	rm -rf build dist .pytest_cache
