# caqes-toolkit — `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data/exemple
CAMPAIGNS ?= --campaign params/caqes-2018.yml --campaign params/caqes-2019.yml
YEARS ?= --year 2018 --year 2019
OUT ?= reports

.DEFAULT_GOAL := help
.PHONY: help demo test bench lint lab sysdeps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dask,lab]'
	touch $(STAMP)

demo: $(STAMP) ## Score the bundled sample region and write its outputs into reports/
	$(BIN)/caqes validate $(DATA) --campaign params/caqes-2019.yml
	$(BIN)/caqes score $(DATA) $(CAMPAIGNS) $(YEARS) --out $(OUT)/scores.xlsx --detail $(OUT)/indicateurs.xlsx
	$(BIN)/caqes score $(DATA) $(CAMPAIGNS) $(YEARS) --out $(OUT)/scores.csv

test: $(STAMP) ## Run the test suite
	$(BIN)/python -m pytest -q

bench: $(STAMP) ## Benchmarks: scoring (30,000 establishments) against a naive implementation
	$(BIN)/python benchmarks/bench_scoring.py

lint: $(STAMP) ## Static checks (ruff)
	$(BIN)/ruff check caqes_toolkit tests benchmarks

clean: ## Remove generated reports and caches (keeps the virtual environment)
	find $(OUT) -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis
