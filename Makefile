# The two commands: `make run` and `make test`. Everything they need is installed by them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
# Connections the kernel queues for daphne to accept (Twisted's default, 50, drops a herd's SYNs).
BACKLOG ?= 4096

.PHONY: run ingest worker test install install-test browser ingest-tools lint format bench bench-smoke migrate clean

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

install-test: $(VENV)/.installed-test browser ingest-tools

# Browser tests drive Debian's Chromium (Playwright does not download browsers here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The video ingest (ingest/, `make ingest` and its tests): Debian's nginx, its RTMP module, ffmpeg.
ingest-tools:
	@{ command -v nginx && command -v ffmpeg && test -e /usr/lib/nginx/modules/ngx_rtmp_module.so; } >/dev/null 2>&1 || { \
		echo "Installing Debian's nginx, libnginx-mod-rtmp and ffmpeg for the video ingest..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-rtmp ffmpeg >/dev/null; }

# The settings default to production (DEBUG off, checks that refuse to start without SECRET_KEY or
# a payment provider); these targets are for a development machine, so they turn DEBUG on.
run ingest migrate test bench bench-smoke: export DEBUG ?= true

migrate: install
	$(PY) manage.py migrate --noinput

run: install migrate
	$(PY) manage.py seed_demo
	$(VENV)/bin/daphne -e tcp:port=$(PORT):interface=$(HOST):backlog=$(BACKLOG) --websocket-max-message-size 65536 liveshop.asgi:application

# `make run` with a real broadcast: nginx with the RTMP module on INGEST_RTMP_PORT (brands publish
# to rtmp://$(HOST):$(INGEST_RTMP_PORT)/live with their show's key) serving HLS on INGEST_HTTP_PORT,
# and ffmpeg publishing the demo clip in a loop as the demo show's live stream. Ctrl-C stops all.
INGEST_RTMP_PORT ?= 1935
INGEST_HTTP_PORT ?= 8080
ingest: export INGEST_RTMP_URL ?= rtmp://$(HOST):$(INGEST_RTMP_PORT)/live
ingest: export INGEST_HLS_URL ?= http://$(HOST):$(INGEST_HTTP_PORT)/hls
ingest: export INGEST_STAT_URL ?= http://127.0.0.1:$(INGEST_HTTP_PORT)/stat
ingest: export INGEST_SECRET ?= $(shell mkdir -p var && { test -s var/ingest-secret || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > var/ingest-secret; } && cat var/ingest-secret)
ingest: install migrate ingest-tools
	$(PY) manage.py seed_demo
	$(PY) manage.py ingest_config --rtmp-port $(INGEST_RTMP_PORT) --http-port $(INGEST_HTTP_PORT) --callback http://127.0.0.1:$(PORT)
	@KEY=$$($(PY) manage.py ingest_demo_key) || exit 1; \
	nginx -c $(CURDIR)/var/ingest/nginx.conf -p $(CURDIR)/var/ingest & NGINX=$$!; \
	( while true; do ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i static/demo/clip/index.m3u8 \
		-c copy -f flv rtmp://127.0.0.1:$(INGEST_RTMP_PORT)/live/$$KEY; sleep 2; done ) & FFMPEG=$$!; \
	trap 'pkill -P $$FFMPEG; kill $$FFMPEG $$NGINX 2>/dev/null' EXIT INT TERM; \
	echo "Ingest: brands publish to $$INGEST_RTMP_URL; the demo show plays $$INGEST_HLS_URL"; \
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
