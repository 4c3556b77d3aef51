# Two commands do the whole set-up: `make run` and `make test`.
# The virtual environment is created once; a stamp file keeps torch from being
# reinstalled on later runs (pip only re-runs when pyproject.toml changes).

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast setup bench screenshots dist dist-check clean

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

# The edit loop: everything but the end-to-end runs marked slow (training, two processes).
test-fast: $(STAMP)
	QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=2 $(PY) -m pytest -q -m "not slow"

# The main views after a scripted session, rendered offscreen to build/screenshots/.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen OMP_NUM_THREADS=2 $(PY) tools/screenshots.py --out build/screenshots

bench: $(STAMP)
	$(PY) benchmarks/embed_speed.py

# The desktop bundle: one folder, dist/forensics-app/, that runs without Python (README: Desktop bundle).
dist: $(STAMP)
	$(PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller build_spec/forensics_app.spec

# Builds the bundle, runs its headless self-check, and reports its size.  Not part of `make test` (too slow).
dist-check: dist
	QT_QPA_PLATFORM=offscreen dist/forensics-app/forensics-app --self-check
	@du -sh dist/forensics-app

clean:
	rm -rf build dist .pytest_cache
