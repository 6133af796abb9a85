# The two commands of the README: `make book` and `make test`.
# Both create the virtual environment .venv on first use and install requirements.txt.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= cpu

.PHONY: install browser book timings test lint format lab ci-notebooks clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Headless Chromium for the browser test (Debian's package; needs root or sudo).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

## Train the runs missing from data/runs in parallel (one per core), then execute every
## chapter at $(PROFILE) from the records only and build _build/html/index.html. The
## build writes only under _build/ (chapter times: _build/timings.csv).
book: $(STAMP)
	$(PY) -m pinnlib sweep --profile $(PROFILE) --max-parallel $$(nproc)
	PINNLIB_NO_TRAINING=1 $(PY) -m pinnlib book --profile $(PROFILE)

## Copy the chapter times of the last build (_build/timings.csv) into data/timings.csv,
## the committed table the Reproducing chapter shows; commit it yourself.
timings: $(STAMP)
	$(PY) -c 'from pinnlib.book import publish_timings; print(publish_timings(), "rows")'

## Lint, then the whole test suite (unit tests, nbval over the ci notebooks, book build).
test: $(STAMP) browser
	$(VENV)/bin/ruff check pinnlib tests book scripts
	$(VENV)/bin/ruff format --check pinnlib tests book scripts
	$(PY) -m pytest

format: $(STAMP)
	$(VENV)/bin/ruff format pinnlib tests book scripts
	$(VENV)/bin/ruff check --fix pinnlib tests book scripts

## Train the ci records the chapters read into data/runs/ (only the missing ones), then
## re-execute the chapters at the ci profile from those records, training off, into
## tests/notebooks/ (what nbval compares). Commit both.
ci-notebooks: $(STAMP)
	$(PY) -m pinnlib sweep --profile ci --cache data/runs --max-parallel $$(nproc)
	PINNLIB_NO_TRAINING=1 $(PY) -m pinnlib book --profile ci --no-build --notebooks tests/notebooks --output _build/ci

## JupyterLab on the repository; open book/<chapter>.py with "Open With > Notebook".
lab: $(STAMP)
	$(VENV)/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,)

clean:
	rm -rf _build
