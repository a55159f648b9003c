# One virtualenv (.venv), made from setup.cfg by whichever target runs first.
# Each target installs into it the extras it needs, behind a stamp of its
# own, so `make run` on a fresh clone installs only what the gallery needs,
# and `make test` or `make docs` add theirs to the same environment.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
PACKAGING := setup.cfg setup.py pyproject.toml

.PHONY: run test test-min lint docs docs-screenshots bench fuzz screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What each target installs: <stamp>: the package with these extras.
$(BIN)/.installed-run: $(PACKAGING) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[example]'
	touch $@

# The suite also builds the docs and runs their examples.
$(BIN)/.installed-test: $(PACKAGING) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[example,test,docs]'
	touch $@

$(BIN)/.installed-docs: $(PACKAGING) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $@

$(BIN)/.installed-dev: $(PACKAGING) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[example,test,docs,dev]'
	touch $@

run: $(BIN)/.installed-run
	$(BIN)/python -m example_project --host $(HOST) --port $(PORT)

# Two processes, a test file each at a time (the machine's two cores; files
# share a Chromium and their servers within one process).
PYTEST_PARALLEL ?= -n 2 --dist loadfile

test: $(BIN)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The same suite against the lowest versions setup.cfg declares.
MIN_VENV ?= .venv-min
$(MIN_VENV)/bin/.installed: $(PACKAGING) tools/lower_bounds.py
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/lower_bounds.py > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_VENV)/constraints.txt -e '.[test,docs]'
	touch $@

test-min: $(MIN_VENV)/bin/.installed
	$(MIN_VENV)/bin/python -m pip list 2>/dev/null | grep -iE '^(flask|werkzeug|itsdangerous|pillow|dash|blinker|numpy|matplotlib|flask-caching|redis|prometheus.client) '
	$(MIN_VENV)/bin/python -m pytest $(PYTEST_PARALLEL)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check flask_dash_images tests example_project bench tools docs
	$(BIN)/ruff format --check flask_dash_images tests example_project bench tools docs
	$(BIN)/mypy

# The documentation, warnings as errors, every reference resolved (-n),
# offline (docs/inventories.py); open docs/_build/html/index.html.
docs: $(BIN)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -n -q -b html -d docs/_build/doctrees docs docs/_build/html

# The built documentation's index and a guide in Debian's Chromium, into
# docs/images/ (docs-index.png, docs-guide.png).
docs-screenshots: docs $(BIN)/.installed-test
	$(BIN)/python docs/screenshots.py

# Ratios against the alternatives (bench/results/*.txt, summary.rst; the
# instruction counts need valgrind), then
# the bounded load and memory run (bench/results/load.txt), then render
# slots under a flood of slow pictures (bench/results/render_load.txt).
bench: $(BIN)/.installed-test
	$(BIN)/python -m bench
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.render_load

# A long property-based run against the route and the codec (minutes).
fuzz: $(BIN)/.installed-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_hostile_input.py tests/test_codec.py

# The gallery's pages in Debian's Chromium, into docs/images/ (the README's picture).
screenshots: $(BIN)/.installed-test
	$(BIN)/python -m tools.screenshots

clean:
	rm -rf $(VENV) $(MIN_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis docs/_build
