# Two commands for a newcomer: `make run` and `make test`. Both create .venv when missing; `make shell` opens a
# shell with .venv's harness and aws on the PATH.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast bench soak shell clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/harness run
	$(BIN)/harness run examples/sam-crud/scenarios
	$(BIN)/harness run examples/openapi-keys/scenarios

test: $(STAMP)   ## everything: the import contracts, every test and every scenario
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2

test-fast: $(STAMP)   ## the quick loop: import contracts, unit tests and the fast functional ones
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 2 -m "not slow" tests

shell: $(STAMP)   ## a new shell with harness and aws on the PATH (exit leaves it)
	@echo "harness: a shell with $(VENV)/bin on the PATH; exit leaves it"
	@PATH="$(CURDIR)/$(BIN):$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" $${SHELL:-/bin/sh}

bench: $(STAMP)
	$(BIN)/python -m harness.bench

SOAK_SECONDS ?= 300
soak: $(STAMP)   ## the stack's memory after start and after SOAK_SECONDS of steady load (bounded: timeout)
	timeout $$(( $(SOAK_SECONDS) + 180 )) $(BIN)/python -m harness.soak --seconds $(SOAK_SECONDS)

clean:
	rm -rf $(VENV) .harness reports build *.egg-info
