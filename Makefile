# protdocs: `make` validates the content and builds every document.
# The Makefile creates (or reuses) a virtual environment in .venv, so nobody types pip.

PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
CONTENT ?= content
OUT     ?= build
PORT    ?= 8000
STAMP   := $(VENV)/.installed-stamp

.DEFAULT_GOAL := all
.PHONY: all setup validate build site serve browser test lint format check clean reference-doc help

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

site: $(STAMP) ## build only the public preview site into build/OP/site/
	$(BIN)/protdocs site --content $(CONTENT) --out $(OUT)

serve: $(STAMP) ## preview the public site on http://127.0.0.1:$(PORT)/, rebuilt on every change
	$(BIN)/protdocs serve --content $(CONTENT) --port $(PORT)

# The browser tests drive Debian's Chromium through its ChromeDriver; nothing downloads a browser.
browser: ## install Chromium and ChromeDriver from Debian's packages (once; needs apt)
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then \
	  echo "chromium and chromedriver are installed"; \
	else \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

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
