# Every target makes its own virtualenv (.venv) from setup.cfg and uses only it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: run test test-min lint bench fuzz screenshots clean

$(BIN)/.installed: setup.cfg setup.py pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[example,test,dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -m example_project --host $(HOST) --port $(PORT)

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# The same suite against the lowest versions setup.cfg declares.
MIN_VENV ?= .venv-min
$(MIN_VENV)/bin/.installed: setup.cfg setup.py pyproject.toml tools/lower_bounds.py
	$(PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(PYTHON) tools/lower_bounds.py > $(MIN_VENV)/constraints.txt
	$(MIN_VENV)/bin/python -m pip install --quiet -c $(MIN_VENV)/constraints.txt -e '.[test]'
	touch $@

test-min: $(MIN_VENV)/bin/.installed
	$(MIN_VENV)/bin/python -m pip list 2>/dev/null | grep -iE '^(flask|werkzeug|itsdangerous|pillow|dash|blinker|numpy|matplotlib|flask-caching|redis|prometheus.client) '
	$(MIN_VENV)/bin/python -m pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check flask_dash_images tests example_project bench tools
	$(BIN)/ruff format --check flask_dash_images tests example_project bench tools
	$(BIN)/mypy

# Ratios against the alternatives (bench/results/*.txt, summary.rst; the
# instruction counts need valgrind), then
# the bounded load and memory run (bench/results/load.txt), then render
# slots under a flood of slow pictures (bench/results/render_load.txt).
bench: $(BIN)/.installed
	$(BIN)/python -m bench
	$(BIN)/python -m bench.load
	$(BIN)/python -m bench.render_load

# A long property-based run against the route and the codec (minutes).
fuzz: $(BIN)/.installed
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest tests/test_hostile_input.py tests/test_codec.py

# The gallery's pages in Debian's Chromium, into docs/images/ (the README's picture).
screenshots: $(BIN)/.installed
	$(BIN)/python -m tools.screenshots

clean:
	rm -rf $(VENV) $(MIN_VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
