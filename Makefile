# The two commands: `make run` and `make test`. Everything they need is installed by them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Connections the kernel queues for daphne to accept (Twisted's default, 50, drops a herd's SYNs).
BACKLOG ?= 4096

.PHONY: run worker test install install-test browser lint format bench bench-smoke migrate clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY) node_modules/.package-lock.json
	$(PIP) install --quiet -e .
	touch $@

# Front-end packages from the npm registry, exactly as package-lock.json pins them: hls.js (served)
# and axe-core (the accessibility tests, tests/e2e/test_accessibility.py; never served).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENV)/.installed-test: pyproject.toml | $(PY) node_modules/.package-lock.json
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser

# Browser tests drive Debian's Chromium (Playwright does not download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The settings default to production (DEBUG off, checks that refuse to start without SECRET_KEY or
# a payment provider); these targets are for a development machine, so they turn DEBUG on.
run migrate test bench bench-smoke: export DEBUG ?= true

migrate: install
	$(PY) manage.py migrate --noinput

run: install migrate
	$(PY) manage.py seed_demo
	$(VENV)/bin/daphne -e tcp:port=$(PORT):interface=$(HOST):backlog=$(BACKLOG) --websocket-max-message-size 65536 liveshop.asgi:application

# Background tasks (checkout/tasks.py) on a Celery worker with beat, next to `make run`, when
# REDIS_URL is set. Without REDIS_URL tasks run inside `make run` and no worker is needed.
worker: export DEBUG ?= true
worker: install
	$(VENV)/bin/celery -A liveshop worker --beat --loglevel INFO

test: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Benchmarks report ratios against a floor measured in the same run (docs/benchmarks.md). With
# DATABASE_URL (postgres://) and REDIS_URL set, the PostgreSQL + Redis benchmarks run too, in their
# own database `bench` and Redis database 7. `bench` writes docs/benchmarks.md and
# bench/results.json; `bench-smoke` runs each at a small size and fails if anything is lost or errors.
bench: install-test
	BENCH_COMMAND="make bench" $(PY) bench/run.py --write $(BENCH_ARGS)

bench-smoke: install-test
	BENCH_COMMAND="make bench-smoke" $(PY) bench/run.py --smoke $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 media
