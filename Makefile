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
# Second generation (contracts from 1 July 2022): sample region and its completed regional campaign
DATA2 ?= data/exemple-2022
CAMPAIGN2 ?= --campaign $(DATA2)/caqes-2022-region-fictive.yml
# Mutants tested at once by make mutation (one process each)
MUTATION_JOBS ?= 2
# What make mutation tests: every function of the rules and of the evaluation, then the functions of
# data/validation.py that read a cell (number, oui/non/NC, FINESS, year, date, choice) or decide which
# contract is in force (mutmut names a mutant module.x_function__mutmut_N).
PARSERS := _numbers _value_kinds _values _finess _luhn_ok _years _dated_years _dates _bounded_numbers \
           _bad_cells _choice _activities _fractions _percent_above_one _reference_values contracts_in_force
RULE_MUTANTS := 'caqes_toolkit.rules.*' 'caqes_toolkit.evaluation.*'
PARSER_MUTANTS := $(foreach f,$(PARSERS),'caqes_toolkit.data.validation.x_$(f)*')

.DEFAULT_GOAL := help
.PHONY: help demo test test-fast mutation bench lint lab sysdeps testdeps clean
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core fonts-liberation
# Prints the PDFs faster than chromium when installed (same Blink); optional.
FAST_PDF_PACKAGE := chromium-headless-shell
# LibreOffice Calc, for the test that collects a grid re-saved by LibreOffice; optional.
TEST_PACKAGES := libreoffice-calc-nogui

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

$(VENV)/.lab-installed: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,dask,lab]'
	touch $@

$(VENV)/.mutation-installed: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,dask,mutation]'
	touch $@

demo: $(STAMP) sysdeps ## Evaluate the bundled sample region: scores and every report into reports/
	$(BIN)/caqes validate $(DATA) --campaign params/caqes-2019.yml
	$(BIN)/caqes score $(DATA) $(CAMPAIGNS) $(YEARS) --out $(OUT)/scores.xlsx --detail $(OUT)/indicateurs.xlsx
	$(BIN)/caqes score $(DATA) $(CAMPAIGNS) $(YEARS) --out $(OUT)/scores.csv --volets $(OUT)/volets.csv
	$(BIN)/caqes reports $(DATA) $(CAMPAIGNS) --year 2019 --out $(OUT)/rapports-2019 --jobs 2
	$(BIN)/caqes synthese $(DATA) $(CAMPAIGNS) --year 2019 --out $(OUT)/synthese
	$(BIN)/caqes plan $(DATA) $(CAMPAIGNS) --year 2019 --out $(OUT)/plans-2019
	$(BIN)/caqes grille $(DATA) --campaign params/caqes-2019.yml --year 2019 --out $(OUT)/grilles-2019
	$(BIN)/caqes methode --campaign params/caqes-2019.yml --out $(OUT)/methode
	$(BIN)/caqes validate $(DATA2) $(CAMPAIGN2)
	$(BIN)/caqes score $(DATA2) $(CAMPAIGN2) --year 2022 --year 2023 --out $(OUT)/interessement-caqes-2022.csv --volets $(OUT)/volets-caqes-2022.csv
	$(BIN)/caqes ciblage $(DATA2) $(CAMPAIGN2) --year 2023 --out $(OUT)/ciblage-caqes-2022.xlsx
	$(BIN)/caqes reports $(DATA2) $(CAMPAIGN2) --year 2023 --out $(OUT)/rapports-caqes-2022 --jobs 2 --finess 380001016,690002027
	$(BIN)/caqes synthese $(DATA2) $(CAMPAIGN2) --year 2023 --out $(OUT)/synthese-caqes-2022
	$(BIN)/caqes methode --campaign params/caqes-2022.yml --out $(OUT)/methode
	@echo "Rapports : $(OUT)/rapports-2019/index.html ; synthèse : $(OUT)/synthese/ ; plans : $(OUT)/plans-2019/ ; grilles : $(OUT)/grilles-2019/"
	@echo "Deuxième génération : $(OUT)/rapports-caqes-2022/index.html ; ciblage : $(OUT)/ciblage-caqes-2022.xlsx ; synthèse : $(OUT)/synthese-caqes-2022/"

test: $(STAMP) lint sysdeps testdeps ## What CI runs: make lint, then the whole test suite
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## Edit-test loop: the tests not marked slow (no notebook, no PDF, no system package)
	$(BIN)/python -m pytest -q -m "not slow"

mutation: $(VENV)/.mutation-installed ## Mutation testing of rules/, evaluation/ and the data parsers (fast tests, ~40 min): score, surviving mutants
	rm -rf mutants
	set -o pipefail; $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(RULE_MUTANTS) | grep -v '__mutmut_'
	set -o pipefail; $(BIN)/mutmut run --max-children $(MUTATION_JOBS) $(PARSER_MUTANTS) | grep -v '__mutmut_'
	$(BIN)/python mutation/report.py

testdeps: ## Install LibreOffice Calc if missing (the grid tests re-save a workbook with it; skipped without it)
	@command -v soffice >/dev/null || { SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_PACKAGES); } \
	  || echo "$(TEST_PACKAGES) indisponible : les tests qui en ont besoin seront sautés."

sysdeps: ## Install the system packages for PDF reports if missing (Debian: Chromium, poppler, fonts)
	@SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	if command -v chromium >/dev/null && command -v pdftoppm >/dev/null \
	    && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then echo "Paquets système présents."; \
	else \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) || exit 1; \
	fi; \
	command -v $(FAST_PDF_PACKAGE) >/dev/null || { $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FAST_PDF_PACKAGE); } \
	  || echo "$(FAST_PDF_PACKAGE) indisponible : les PDF seront imprimés par chromium (plus lent)."

bench: $(STAMP) sysdeps ## Benchmarks: scoring 30,000 establishments and making 20 reports, each against a naive way
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_reports.py --repeat 3

lab: $(VENV)/.lab-installed ## JupyterLab in the project's environment, on notebooks/exploration.ipynb
	$(BIN)/python -m ipykernel install --sys-prefix --name caqes-toolkit --display-name "Python (caqes-toolkit)"
	cd notebooks && ../$(BIN)/jupyter lab exploration.ipynb $$([ "$$(id -u)" -eq 0 ] && echo --allow-root)

lint: $(STAMP) ## Static checks: ruff, then mypy (configured in pyproject.toml)
	$(BIN)/ruff check caqes_toolkit tests benchmarks mutation
	$(BIN)/mypy

clean: ## Remove generated reports and caches (keeps the virtual environment)
	find $(OUT) -mindepth 1 ! -name .gitkeep ! -name README.md -exec rm -rf {} +
	rm -rf .pytest_cache .hypothesis mutants
