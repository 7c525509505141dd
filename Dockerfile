# syntax=docker/dockerfile:1
# Liveshop: one image, one daphne process serving pages, static files (WhiteNoise) and websockets.
# The same image runs the Celery worker and beat (docs/deploy.md, "Background tasks").
#
#   docker build -t liveshop .
#   docker run --rm --env-file prod.env liveshop python manage.py migrate --noinput   # per release
#   docker run --env-file prod.env -p 8000:8000 liveshop
#   docker run --env-file prod.env liveshop celery -A liveshop worker --loglevel INFO   # tasks
#   docker run --env-file prod.env liveshop celery -A liveshop beat --loglevel INFO     # exactly one
#
# The environment is described in .env.example and docs/deploy.md. DEBUG is off unless set, and then
# the container refuses to start without SECRET_KEY or a payment provider (the Stripe variables, or
# PAYMENTS_ALLOW_TEST_MODE=true for a demo). Migrations never run at build time: the build has no
# database.

# --- Front-end packages, exactly as package-lock.json pins them ----------------------------------
FROM node:22-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- The application ------------------------------------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that this layer is rebuilt only when pyproject.toml changes. The project
# itself is not a package (setuptools `packages = []`): it runs from /app.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
# Only the player build the pages load (templates/events/event.html) and its source map, which the
# hashed static files storage needs because hls.min.js names it.
COPY --from=frontend /build/node_modules/hls.js/dist/hls.min.js \
                     /build/node_modules/hls.js/dist/hls.min.js.map \
                     node_modules/hls.js/dist/

# Hashed, compressed static files, made with production settings. The SECRET_KEY exists only for
# this one command (settings refuse DEBUG=false without one); it is not in the image's environment
# and the running container needs its own. collectstatic runs only the static files checks, so the
# build needs no payment settings.
ARG COLLECTSTATIC_SECRET_KEY=collectstatic-at-build-time-only
RUN DEBUG=false SECRET_KEY="$COLLECTSTATIC_SECRET_KEY" python manage.py collectstatic --noinput

# Run as an unprivileged user that owns nothing but the local media folder (used when no S3 bucket
# is configured); the code and static files stay read-only for it.
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin liveshop \
    && mkdir -p /app/media \
    && chown liveshop:liveshop /app/media
USER liveshop

EXPOSE 8000
# Frames over 64 KB are refused by the server itself; the app refuses messages over 4 KB.
CMD ["daphne", "-e", "tcp:port=8000:interface=0.0.0.0:backlog=4096", "--websocket-max-message-size", "65536", "liveshop.asgi:application"]
