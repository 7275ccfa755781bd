# haiyan-comp: `make demo` serves the demo county, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_RECORDS ?= 100000
DEMO_ARGS ?= --since 2016 --year 2019 --records $(DEMO_RECORDS)
BENCH_SIZES ?= 1000000 5000000
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo demo-reset test bench lint install clean

# Two stamps: what the product needs to run (make demo), and the test and lint tools.
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if [ $(STAMP) -nt pyproject.toml ]; then :; else \
		$(BIN)/python -m pip install --quiet --upgrade pip && \
		$(BIN)/python -m pip install --quiet -e . ; fi
	$(BIN)/python -m compileall -q haiyan_comp > /dev/null
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q haiyan_comp > /dev/null
	touch $(STAMP)

install: $(STAMP)

# Serves the demo database in whatever state it is; loads the demo county only into
# a database that does not hold it yet (make demo-reset starts over).
demo: $(RUN_STAMP)
	$(BIN)/haiyan db upgrade
	$(BIN)/haiyan demo $(DEMO_ARGS) --unless-loaded
	$(BIN)/haiyan run --host $(HOST) --port $(PORT)

demo-reset: $(RUN_STAMP)
	$(BIN)/haiyan db upgrade
	$(BIN)/haiyan demo $(DEMO_ARGS) --reset

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.imports --sizes $(BENCH_SIZES) --postgres $(PG_URL)
	$(BIN)/python -m bench.reading
	$(BIN)/python -m bench.audit --postgres $(PG_URL)
	$(BIN)/python -m bench.statements --postgres $(PG_URL)
	$(BIN)/python -m bench.web --postgres $(PG_URL)
	$(BIN)/python -m bench.pages --sizes $(BENCH_SIZES) --postgres $(PG_URL)

lint: $(STAMP)
	$(BIN)/ruff check haiyan_comp tests bench migrations
	$(BIN)/ruff format --check haiyan_comp tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
