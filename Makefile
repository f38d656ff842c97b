# Steward: `make run` (demo on SQLite with a real Celery worker), `make test` (the whole suite) and `make test-fast`
# (the inner loop: no browser, no Tryton or Medusa server).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# Local demo and tests only: production sets SECRET_KEY and CELERY_BROKER_URL itself and leaves this unset.
export STEWARD_DEV ?= 1

.PHONY: install run serve test test-fast services chromium connector-servers lint migrations-check bench-ingest bench-match-scale bench-match-quality clean

$(VENV)/.installed: requirements/base.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_connectors --sandbox-url http://$(HOST):$(SANDBOX_PORT)
	$(PY) manage.py demo_data
	$(MAKE) --no-print-directory serve

# A real Celery worker (with beat) on the embedded filesystem broker, the sandbox stand-ins of the CDP, loyalty and
# webhook receivers (what the demo's connectors deliver to), and gunicorn; Ctrl-C stops them all.
SANDBOX_PORT ?= 8700
serve:
	@mkdir -p var; \
	$(VENV)/bin/celery -A stewardship worker --beat --schedule var/celerybeat-schedule --loglevel INFO \
		--concurrency 1 >var/worker.log 2>&1 & worker=$$!; \
	$(PY) manage.py sandbox --port $(SANDBOX_PORT) >var/sandbox.log 2>&1 & sandbox=$$!; \
	trap 'kill $$worker $$sandbox 2>/dev/null; wait $$worker $$sandbox 2>/dev/null' EXIT INT TERM; \
	echo "Celery worker running (log: var/worker.log); sandbox on http://$(HOST):$(SANDBOX_PORT)/_sandbox/health."; \
	echo "Steward on http://$(HOST):$(PORT)/ (sync health: /sync/)"; \
	$(VENV)/bin/gunicorn stewardship.wsgi -c python:stewardship.gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile -

test: install services chromium connector-servers
	$(VENV)/bin/pytest

# The suite without the tests that drive Chromium or need the real Tryton and Medusa servers (tests/conftest.py marks
# them from the fixtures they use), so nothing is installed into var/ first; about two minutes. PostgreSQL only when
# DATABASE_URL names it. Arguments go to pytest: make test-fast ARGS="tests/sync -x"
test-fast: install
	@bash .ci/services.sh --install redis $(if $(filter postgres%,$(DATABASE_URL)),postgresql)
	$(VENV)/bin/pytest -m "not browser and not external" $(ARGS)

# PostgreSQL, Redis and Node.js 20 for the whole suite: installed with apt-get when missing, started when down.
services:
	@bash .ci/services.sh --install

connector-servers:
	bash connectors/erp/tryton/install.sh
	bash connectors/commerce/medusa/install.sh

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@[ -x /usr/bin/chromium ] || { echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# The packages named in pyproject.toml's [tool.mypy] files; the Django plugin loads the settings (STEWARD_DEV above).
.PHONY: typecheck
typecheck: install
	$(VENV)/bin/mypy

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

bench-ingest: install
	$(PY) bench/ingest.py

# The engine on 100k and 1M customers, then one upsert at a time against 1M stored ones (about 10 minutes on 2 idle
# cores; ARGS="--reuse-db --skip-engine" measures the upserts again in a minute). Needs PostgreSQL: see --help.
bench-match-scale: install
	$(PY) bench/match_scale.py $(ARGS)

# Match quality on FEBRL3/4, RLdata10000 and generated retail data, beside Splink: make bench-match-quality ARGS="--help"
bench-match-quality: install
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/bench.txt
	$(PY) bench/match_quality.py $(ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
