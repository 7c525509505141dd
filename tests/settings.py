"""Test settings: the project's settings, with faster hashing and static files from the apps."""

import os
import tempfile
import uuid
from pathlib import Path

# The settings default to production (DEBUG off); the tests run as a development machine does.
# Set before the settings are read, since other defaults follow DEBUG (and inherited by the server
# processes the tests start).
os.environ["DEBUG"] = "true"
# Each test run's Redis keys are its own (the server processes it starts inherit the prefix): every
# run makes a new test database whose ids start again at 1, and a slow-mode, presence or cache key
# an earlier run left for "show 1" must not meet this run's show 1.
os.environ.setdefault("LIVESHOP_REDIS_PREFIX", f"liveshop-test-{uuid.uuid4().hex[:12]}")

from liveshop.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Every frame a websocket is sent is checked against events/protocol.py, here and in the server
# processes the tests start (tests/conftest.py and tests/servers.py fail a test on a violation).
LIVESHOP_PROTOCOL_CHECKS = True
# Browser tests load CSS/JS from the live server: serve them from the source folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so tests that start real server processes can share the test database;
    # one per test run, so runs side by side do not meet.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"liveshop-test-{os.getpid()}.sqlite3")
    }

# Abuse limits stay out of the way of the rest of the suite; tests/test_ratelimits.py sets its own.
RATELIMITS = {group: {key: "100000/m" for key in keys} for group, keys in RATELIMITS.items()}  # noqa: F405

# Tasks run where they are queued, even with REDIS_URL set (the PostgreSQL + Redis leg), unless a
# test starts a real Celery worker (tests/checkout/test_tasks_worker.py): it gives its server and
# worker processes TEST_CELERY_QUEUE, a queue of their own on the broker (REDIS_URL), and may
# shorten the sweep's schedule with TEST_SWEEP_SECONDS for `celery beat`.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("TEST_CELERY_QUEUE")
CELERY_TASK_EAGER_PROPAGATES = False
if os.environ.get("TEST_CELERY_QUEUE"):
    CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
if os.environ.get("TEST_SWEEP_SECONDS"):
    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": float(os.environ["TEST_SWEEP_SECONDS"])}
        for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
    }
