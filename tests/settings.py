"""Test settings: the project's settings, with faster hashing and static files from the apps."""

import os
import tempfile
from pathlib import Path

from liveshop.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
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
