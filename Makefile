# nazorg: two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DEMO   := .demo
DEMO_TODAY ?= 2026-03-02
# Written by npm ci: the test OpenID provider's packages are installed and match the lock file.
OIDC_MODULES := tests/oidc/node_modules/.package-lock.json

.PHONY: demo web screenshots test lint typecheck check bench clean install postgres servers wheel

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed stamp: re-install when the project metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The demo: a fresh SQLite database with the bundled demo organisation, its plan, and the daily
# run for a fixed demo date. Everything lands in .demo/ so it never touches a real installation.
demo: install
	rm -rf $(DEMO)
	@export NAZORG_DATABASE_URL=sqlite:///$(DEMO)/nazorg.db NAZORG_OUTBOX=$(DEMO)/outbox \
	        NAZORG_TODAY=$(DEMO_TODAY) NAZORG_USER=demo; \
	set -e; \
	$(BIN)/nazorg init; \
	$(BIN)/nazorg demo load; \
	$(BIN)/nazorg agenda; \
	$(BIN)/nazorg run

# The web application on the demo database (made by `make demo` when missing), with a demo
# account for each role; it prints where to log in and with which account.
WEB_PORT ?= 8000
web: install
	@test -f $(DEMO)/nazorg.db || $(MAKE) --no-print-directory demo
	@export NAZORG_DATABASE_URL=sqlite:///$(DEMO)/nazorg.db NAZORG_OUTBOX=$(DEMO)/outbox \
	        NAZORG_TODAY=$(DEMO_TODAY) NAZORG_USER=demo; \
	set -e; \
	$(BIN)/nazorg init >/dev/null; \
	$(BIN)/nazorg demo accounts; \
	echo "log in op http://127.0.0.1:$(WEB_PORT)/login"; \
	$(BIN)/nazorg web --port $(WEB_PORT)

# PostgreSQL server binaries for the test suite (apt-get when missing and possible).
postgres:
	@sh scripts/ensure-postgres.sh

# Dovecot (and openssl) for the delivery tests; SMTP and CalDAV servers come from PyPI. For the
# web tests: the test OpenID provider's node packages (tests/oidc, exact versions from its
# package-lock.json) and Debian's Chromium (never `playwright install`).
servers: $(OIDC_MODULES)
	@sh scripts/ensure-test-servers.sh
	@sh scripts/ensure-browser.sh
	@sh scripts/ensure-report-tools.sh

# npm ci only when node_modules is missing or older than the lock file: re-runs need no network.
$(OIDC_MODULES): tests/oidc/package-lock.json tests/oidc/package.json
	@if command -v npm >/dev/null 2>&1; then \
	    echo "npm ci --prefix tests/oidc" >&2; \
	    npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error >/dev/null; \
	else \
	    echo "npm not found: the OpenID provider tests will be skipped." >&2; \
	    echo "Install node with: sudo apt-get install nodejs npm" >&2; \
	fi

test: install postgres servers
	$(BIN)/python -m pytest

# Style, then the architecture: the layer contract (pyproject.toml, [tool.importlinter]), no
# import cycles between modules and no module over 400 lines of code.
# The README's pictures of the web app, taken by the browser tests.
screenshots: install servers
	NAZORG_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/python -m pytest -q tests/test_browser.py

lint: install
	$(BIN)/ruff check src tests migrations scripts
	$(BIN)/ruff format --check src tests migrations scripts
	$(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/check_architecture.py

typecheck: install
	$(BIN)/mypy

check: lint typecheck test

bench: install postgres
	$(BIN)/python bench/run.py

wheel: install
	$(BIN)/python -m pip wheel --no-deps -w dist .

clean:
	rm -rf $(VENV) $(DEMO) dist build .pytest_cache .mypy_cache .ruff_cache
