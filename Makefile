# Two commands for a newcomer: `make serve` and `make test`.
# Every target creates .venv on first use and reinstalls when requirements.txt
# or pyproject.toml change.

PYTHON ?= python3

# Material prints a banner about MkDocs 2 on every build; the site pins MkDocs 1.6.
export NO_MKDOCS_2_WARNING := 1
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# JavaScript from the npm registry (package.json, pinned by package-lock.json):
# the 2-D plotly.js bundle the site serves, MathJax 3 (mathjax-full), which the
# build runs with Node.js to typeset the site's math, axe-core for the browser
# tests and Lighthouse for `make bench`.
NPM_INSTALLED := node_modules/.installed
# Not tracked (1.5 MB): copied from node_modules on first use.
PLOTLY_CARTESIAN := docs/assets/javascripts/plotly-cartesian/plotly.min.js

.PHONY: serve build test bench clean system-check

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --editable .
	touch $@

$(NPM_INSTALLED): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (the site's 2-D plotly.js, the MathJax that typesets its math and the accessibility tests come from the npm registry): sudo apt-get install npm"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

$(PLOTLY_CARTESIAN): $(NPM_INSTALLED)
	mkdir -p $(dir $@)
	cp node_modules/plotly.js-cartesian-dist-min/plotly-cartesian.min.js $@

# A missing system package is one line with the command that installs it.
system-check:
	@command -v dot >/dev/null || { echo "Graphviz's 'dot' is missing (torchviz needs it): sudo apt-get install graphviz"; exit 1; }

serve: $(INSTALLED) $(PLOTLY_CARTESIAN) system-check
	$(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

build: $(INSTALLED) $(PLOTLY_CARTESIAN) system-check
	$(BIN)/mkdocs build --strict

test: $(INSTALLED) $(PLOTLY_CARTESIAN) system-check
	@command -v chromium >/dev/null || { echo "Chromium is missing (the browser tests need it): sudo apt-get install chromium"; exit 1; }
	$(BIN)/pytest

bench: $(INSTALLED) $(PLOTLY_CARTESIAN) system-check
	$(BIN)/python -m tests.bench

# The venv stays: it is slow to make and does not go stale by itself.
clean:
	rm -rf site .cache
