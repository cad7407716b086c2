# Entry points (see README): `make demo`, `make test`, and `make test-oldest`. Each creates its venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The oldest stack we support, as Google Colab ships it (Python 3.12, TensorFlow 2.19, Keras 3.10), with
# pyproject.toml's minimum of every other core dependency: those minimums are the ones tested here.
# (python3.12 on PATH, else a pyenv-installed 3.12)
PYTHON_OLDEST ?= $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12; do \
  $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && echo $$p && break; done)
OLDEST ?= .venv-oldest
OLDEST_PINS := tensorflow==2.19.0 keras==3.10.0 numpy==1.26.4 pillow==10.1.0 scikit-image==0.22.0 \
               scipy==1.11.4 matplotlib==3.8.0 tqdm==4.66.1
OLDEST_TOOLS := pytest==9.2.0 pytest-timeout==2.4.0 nbclient==0.11.0 nbformat==5.11.1 ipykernel==7.4.0

.PHONY: demo test test-fast test-oldest venv

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .   # the `deepcolor` command, from this checkout
	touch $@

demo: venv
	$(PY) -m deepcolor.demo --out results/demo

test: venv
	$(PY) -m pytest -q -n 2 tests   # two workers: much of a smoke run is single-threaded Python

# A developer's quick run: everything but the tests marked heavy (see pytest.ini); CI runs `make test`.
test-fast: venv
	$(PY) -m pytest -q -n 2 -m "not heavy" tests

# Colab's stack: installs those versions first, then this checkout with `pip install '.[web]'` (the
# quickstart shows the colorize page; it needs neither [hub] nor Google Drive), and runs the demo, the
# API tests and the quickstart.
test-oldest:
	@test -n "$(PYTHON_OLDEST)" || (echo "make test-oldest needs Python 3.12 (Colab's): set PYTHON_OLDEST" >&2; exit 2)
	rm -rf $(OLDEST) && $(PYTHON_OLDEST) -m venv $(OLDEST)
	$(OLDEST)/bin/python -m pip install --quiet --upgrade pip
	$(OLDEST)/bin/python -m pip install --quiet $(OLDEST_PINS) $(OLDEST_TOOLS)
	printf '%s\n' $(OLDEST_PINS) > $(OLDEST)/constraints.txt  # the extras must not move Colab's versions
	$(OLDEST)/bin/python -m pip install --quiet ".[web]" -c $(OLDEST)/constraints.txt
	$(OLDEST)/bin/python -c "import importlib.util as u, keras, tensorflow as tf; \
	  assert (tf.__version__, keras.__version__) == ('2.19.0', '3.10.0'), (tf.__version__, keras.__version__); \
	  assert not any(u.find_spec(m) for m in ('fiftyone', 'datasets', 'tensorflow_datasets')), 'a hub library'"
	cd /tmp && $(CURDIR)/$(OLDEST)/bin/deepcolor demo --out $(CURDIR)/$(OLDEST)/demo
	$(OLDEST)/bin/python -m pytest -q -p no:cacheprovider tests/test_api.py \
	  "tests/test_notebooks.py::test_quickstart_notebook_colorizes_samples_and_trains"
