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
.PHONY: all setup lock validate build site serve release browser test lint format check clean reference-doc help

all: validate build ## validate the content, then build every output

# Every package is installed at the version (and hash) written in uv.lock, the one the tests
# passed with. pip only bootstraps uv itself, from requirements.txt (uv.lock exported with its
# hashes); `uv sync --locked` then installs the rest, refuses a lock that no longer matches
# pyproject.toml, and puts back any package that drifted in .venv (it takes well under a second
# when nothing did, so every target re-syncs).
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
# Every package compiled to bytecode when it is installed, as pip does: where Python may not write
# __pycache__ (a read-only install, PYTHONDONTWRITEBYTECODE), each run would otherwise compile
# the ~2 s of modules a build imports again. Files already compiled are skipped.
export UV_COMPILE_BYTECODE := 1
SYNC := $(BIN)/uv sync --locked --extra test --quiet

$(STAMP): pyproject.toml uv.lock requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@awk '/^uv==/{on=1} on{print} on && !/\\$$/{exit}' requirements.txt > $(VENV)/uv-requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(VENV)/uv-requirements.txt
	@touch $(STAMP)

# protdocs' own modules compiled too (uv compiles the installed packages, not the project they
# install as editable): where Python may not write __pycache__ (PYTHONDONTWRITEBYTECODE, set on
# this project's machines), every protdocs process and test worker compiled them again, about
# 0.2 s each. Up-to-date files are skipped.
setup: $(STAMP) ## create .venv (or bring it back to uv.lock) and install protdocs
	@$(SYNC)
	@$(BIN)/python -m compileall -q generator

# On purpose only: re-resolve uv.lock after a change to pyproject.toml, or upgrade one package
# (UPGRADE=NAME) or all (UPGRADE=all), and export it with its hashes to requirements.txt.
# Then build before and after and compare the outputs (README, "Upgrading a dependency").
lock: $(STAMP) ## update uv.lock and requirements.txt (make lock [UPGRADE=babel|all])
	$(BIN)/uv lock $(if $(filter all,$(UPGRADE)),--upgrade,$(if $(UPGRADE),--upgrade-package $(UPGRADE)))
	$(BIN)/uv export --quiet --locked --format requirements-txt --extra test --no-emit-project \
	  --no-header -o requirements.txt
	@$(SYNC)

validate: setup ## check the content files and list every problem
	$(BIN)/protdocs validate --content $(CONTENT)

build: setup ## write the Word and Markdown documents into build/
	$(BIN)/protdocs build --content $(CONTENT) --out $(OUT)

site: setup ## build only the public preview site into build/OP/site/
	$(BIN)/protdocs site --content $(CONTENT) --out $(OUT)

# The build time of a release is its content's last commit, so that the same commit gives the same
# bytes; protdocs release does the same when called directly (SOURCE_DATE_EPOCH wins if set).
release: setup ## bundle release VERSION into build/releases/ (make release VERSION=2027.2 [FORCE=1])
	@test -n "$(VERSION)" || { echo "make release needs a version: make release VERSION=2027.2 (add FORCE=1 to replace a release)" >&2; exit 2; }
	SOURCE_DATE_EPOCH="$${SOURCE_DATE_EPOCH:-$$(git -C $(CONTENT) log -1 --format=%ct -- . 2>/dev/null)}" \
	  $(BIN)/protdocs release --content $(CONTENT) --out $(OUT) --version "$(VERSION)" $(if $(filter 1 yes true,$(FORCE)),--force)

serve: setup ## preview the public site on http://127.0.0.1:$(PORT)/, rebuilt on every change
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

# The picture test of the Arabic documents prints them with LibreOffice and renders the page with
# poppler's pdftoppm, both from Debian's packages, with Liberation Sans (Arial's metrics: the column
# widths are measured in Arial) and Noto (Arabic) so that every machine prints the same pages.
.PHONY: doc-tools
doc-tools: ## install LibreOffice Writer and poppler-utils from Debian's packages (once; needs apt)
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && fc-list | grep -q LiberationSans; then \
	  echo "libreoffice and pdftoppm are installed"; \
	else \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    libreoffice-writer-nogui poppler-utils fonts-liberation fonts-noto-core; \
	fi

# Translations of the templates' fixed text (generator/locale/LANG/LC_MESSAGES/protdocs.po).
# protdocs reads the .po files themselves: there is no compiled catalogue to keep in step.
LOCALES := generator/locale
.PHONY: translations-extract translations-update translations-check translations-init
translations-extract: setup ## collect every fixed string into generator/locale/protdocs.pot
	$(BIN)/pybabel extract -F babel.cfg -k N_ --sort-by-file --no-wrap --project=protdocs \
	  -o $(LOCALES)/protdocs.pot .

translations-update: translations-extract ## merge new and changed strings into every .po file
	$(BIN)/pybabel update -i $(LOCALES)/protdocs.pot -d $(LOCALES) -D protdocs \
	  --no-wrap --ignore-obsolete

translations-check: setup ## compile each catalogue in memory: errors and how much is translated
	@for po in $(LOCALES)/*/LC_MESSAGES/protdocs.po; do \
	  echo "$$po"; $(BIN)/pybabel compile --statistics -D protdocs -i $$po -o /dev/null || exit 1; \
	done

translations-init: translations-extract ## start the catalogue of a new language: make translations-init LOCALE=pt
	@test -n "$(LOCALE)" || { echo "usage: make translations-init LOCALE=pt" >&2; exit 2; }
	$(BIN)/pybabel init -i $(LOCALES)/protdocs.pot -d $(LOCALES) -D protdocs -l $(LOCALE) --no-wrap

# One pytest worker per core (pytest-xdist), each test file whole on one worker so that a file's
# shared build is made once; each worker builds the example once for the files it runs.
test: setup ## run the test suite, on every core
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: setup ## ruff lint and format check
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy generator

format: setup ## reformat the code with ruff
	$(BIN)/ruff format generator tests benchmarks
	$(BIN)/ruff check --fix generator tests benchmarks

check: lint test ## lint, then test

clean: ## remove build outputs but keep build/releases/ (never touches content/)
	@if [ -d $(OUT) ]; then find $(OUT) -mindepth 1 -maxdepth 1 ! -name releases -exec rm -rf {} +; fi

reference-doc: setup ## regenerate templates/reference.docx from pandoc's default styles
	$(BIN)/python -m generator.reference_doc

.PHONY: bench
# protdocs' own modules are compiled first too, as its first run does wherever Python may write
# __pycache__: the benchmark measures the runs after it.
bench: setup ## measure build times at 1x, 10x and 30x the example (writes benchmarks/results.json)
	cd benchmarks && ../$(BIN)/python run.py

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16
