# protdocs: `make` validates the content and builds every document.
# The Makefile creates (or reuses) a virtual environment in .venv, so nobody types pip.

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
CONTENT ?= content
OUT     ?= build
STAMP   := $(VENV)/.installed-stamp

.DEFAULT_GOAL := all
.PHONY: all setup validate build test lint format check clean reference-doc help

all: validate build ## validate the content, then build every output

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP) ## create the virtual environment and install protdocs

validate: $(STAMP) ## check the content files and list every problem
	$(BIN)/protdocs validate --content $(CONTENT)

build: $(STAMP) ## write the Word and Markdown documents into build/
	$(BIN)/protdocs build --content $(CONTENT) --out $(OUT)

test: $(STAMP) ## run the test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check generator tests
	$(BIN)/ruff format --check generator tests

format: $(STAMP) ## reformat the code with ruff
	$(BIN)/ruff format generator tests
	$(BIN)/ruff check --fix generator tests

check: lint test ## lint, then test

clean: ## remove build outputs (never touches content/)
	rm -rf $(OUT)

reference-doc: $(STAMP) ## regenerate templates/reference.docx from pandoc's default styles
	$(BIN)/python -m generator.reference_doc

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16
