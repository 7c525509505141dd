"""liveshop/settings.py: what each environment produces, checked in a fresh process.

Settings are read once per process, so every case starts Python with an environment built from
scratch (only PATH, plus the variables under test) and an empty env file, so that a developer's
`.env` never leaks in. Production defaults fail closed: DEBUG is off unless turned on, and a
process with DEBUG off refuses to start without a secret key or a way to take payments.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Printed by a fresh process: what the project actually runs on, not just the raw settings.
DESCRIBE = """
import json
import re
import django
django.setup()
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connection
print(json.dumps({
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "csrf_trusted_origins": settings.CSRF_TRUSTED_ORIGINS,
    "db_vendor": connection.vendor,
    "db_name": str(connection.settings_dict["NAME"]),
    "db_host": connection.settings_dict["HOST"],
    "channel_layer": type(get_channel_layer()).__name__,
    "channel_hosts": [h["address"] for h in getattr(get_channel_layer(), "hosts", [])],
    "cache": type(caches["default"]).__name__,
    "storage": type(storages["default"]).__name__,
    "storage_bucket": getattr(storages["default"], "bucket_name", None),
    "storage_endpoint": getattr(storages["default"], "endpoint_url", None),
    "media_root": str(settings.MEDIA_ROOT),
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "stripe": [settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY,
               settings.STRIPE_WEBHOOK_SECRET],
    "payments_test_mode": settings.PAYMENTS_ALLOW_TEST_MODE,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
}))
"""


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run `python <args>` in the repository with only PATH and `env` in its environment."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.touch()
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "liveshop.settings",
        "ENV_FILE": str(empty_env_file),
        **env,
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def describe(tmp_path: Path, **env: str) -> dict:
    result = run(["-c", DESCRIBE], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
        "SITE_URL": "https://shop.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "STRIPE_SECRET_KEY": "sk_live_" + "x" * 24,
        "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "x" * 24,
        "STRIPE_WEBHOOK_SECRET": "whsec_" + "x" * 32,
    }


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {key: value for key, value in env.items() if key not in names}


def start_server(tmp_path: Path, seconds: float = 20, **env: str) -> tuple[int | None, str]:
    """Start daphne as the Dockerfile does; return its exit code (None: it was serving, accepting
    connections, within `seconds`; then stopped) and what it printed."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.touch()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-p", str(port), "liveshop.asgi:application"],
        cwd=REPO,
        env={"PATH": os.environ["PATH"], "ENV_FILE": str(empty_env_file), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + seconds
    serving = False
    while process.poll() is None and time.monotonic() < deadline and not serving:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            serving = True
        except OSError:
            time.sleep(0.1)
    if process.poll() is not None:
        output, _ = process.communicate(timeout=10)
        return process.returncode, output
    process.terminate()
    output, _ = process.communicate(timeout=10)
    return None, output


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    # given DEBUG off and no SECRET_KEY
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    # when any management command starts
    result = run(["manage.py", "check"], tmp_path, **env)
    # then it stops, saying what is missing and how to make one
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr


def test_an_empty_secret_key_counts_as_missing(tmp_path):
    result = run(["manage.py", "check"], tmp_path, **production_env(tmp_path) | {"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_deploy_check_is_clean_with_a_production_environment(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production_env(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output


def test_production_environment_turns_on_https_and_hashed_static_files(tmp_path):
    settings = describe(tmp_path, **production_env(tmp_path))
    assert settings["debug"] is False
    assert settings["allowed_hosts"] == ["shop.example.com"]
    assert settings["csrf_trusted_origins"] == ["https://shop.example.com"]
    assert settings["ssl_redirect"] is True
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # the built-in fake payment provider is off unless asked for on purpose
    assert settings["payments_test_mode"] is False


def test_debug_is_off_unless_turned_on(tmp_path):
    # given only a secret key: nothing says this is a development machine
    settings = describe(tmp_path, SECRET_KEY=secrets.token_urlsafe(50))
    # then it runs as production does
    assert settings["debug"] is False
    assert settings["ssl_redirect"] is True
    assert settings["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert settings["payments_test_mode"] is False


def test_no_environment_at_all_refuses_to_start(tmp_path):
    # DEBUG defaults to off, so the built-in development key is not used
    result = run(["manage.py", "check"], tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_on_runs_the_embedded_default(tmp_path):
    # what `make run` and the tests do: DEBUG on, and nothing else
    settings = describe(tmp_path, DEBUG="true")
    assert settings["debug"] is True
    assert settings["allowed_hosts"] == ["127.0.0.1", "localhost", "[::1]"]
    assert settings["db_vendor"] == "sqlite"
    assert settings["db_name"] == str(REPO / "db.sqlite3")
    assert settings["channel_layer"] == "InMemoryChannelLayer"
    assert settings["cache"] == "LocMemCache"
    assert settings["storage"] == "FileSystemStorage"
    assert settings["media_root"] == str(REPO / "media")
    assert settings["stripe"] == ["", "", ""]
    assert settings["payments_test_mode"] is True


def test_database_url_selects_postgresql(tmp_path):
    settings = describe(
        tmp_path, DEBUG="true", DATABASE_URL="postgres://shop:pw@db.internal:5432/liveshop"
    )
    assert settings["db_vendor"] == "postgresql"
    assert settings["db_name"] == "liveshop"
    assert settings["db_host"] == "db.internal"


def test_redis_url_moves_the_channel_layer_and_cache_to_redis(tmp_path):
    settings = describe(tmp_path, DEBUG="true", REDIS_URL="redis://cache.internal:6379/2")
    assert settings["channel_layer"] == "RedisChannelLayer"
    assert settings["channel_hosts"] == ["redis://cache.internal:6379/2"]
    assert settings["cache"] == "RedisCache"


def test_a_bucket_name_moves_media_to_s3(tmp_path):
    settings = describe(
        tmp_path,
        DEBUG="true",
        AWS_STORAGE_BUCKET_NAME="liveshop-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
    )
    assert settings["storage"] == "S3Storage"
    assert settings["storage_bucket"] == "liveshop-media"
    assert settings["storage_endpoint"] == "https://s3.example.net"


def test_stripe_keys_come_from_the_environment(tmp_path):
    settings = describe(
        tmp_path,
        DEBUG="true",
        STRIPE_SECRET_KEY="sk_test_123",
        STRIPE_PUBLISHABLE_KEY="pk_test_456",
        STRIPE_WEBHOOK_SECRET="whsec_789",
    )
    assert settings["stripe"] == ["sk_test_123", "pk_test_456", "whsec_789"]


def test_real_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / "custom.env"
    env_file.write_text("DEBUG=false\nSECRET_KEY=from-the-file-" + "x" * 50 + "\n")
    # the file is read: DEBUG off with its SECRET_KEY starts fine
    from_file = describe(tmp_path, ENV_FILE=str(env_file))
    assert from_file["debug"] is False
    # and a variable set in the environment beats the file
    overridden = describe(tmp_path, ENV_FILE=str(env_file), DEBUG="true")
    assert overridden["debug"] is True


def test_env_example_lists_every_variable_settings_read():
    source = (REPO / "liveshop" / "settings.py").read_text()
    read = set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "STRIPE_SECRET_KEY"} <= read
    assert read - listed == set()


ALL_SETTINGS = """
import django
django.setup()
from django.conf import settings
for name in sorted(dir(settings)):
    if name.isupper():
        print(name, repr(getattr(settings, name)))
"""


def same_settings(printed: str) -> list[str]:
    """The printed settings, without the memory addresses some lazy values show."""
    return re.sub(r" at 0x[0-9a-f]+", "", printed).splitlines()


def test_copying_env_example_to_env_keeps_the_defaults(tmp_path):
    # the uncommented lines of .env.example are the defaults, and the file parses
    key = secrets.token_urlsafe(50)
    with_example = run(
        ["-c", ALL_SETTINGS], tmp_path, ENV_FILE=str(REPO / ".env.example"), SECRET_KEY=key
    )
    without = run(["-c", ALL_SETTINGS], tmp_path, SECRET_KEY=key)
    assert with_example.returncode == 0, with_example.stderr
    assert same_settings(with_example.stdout) == same_settings(without.stdout)


# --- Payments: a production process starts only with a way to take payments ---------------------


def check(tmp_path: Path, env: dict[str, str], *options: str) -> tuple[int, str]:
    result = run(["manage.py", "check", *options], tmp_path, **env)
    return result.returncode, result.stdout + result.stderr


def test_production_without_stripe_keys_refuses_to_start(tmp_path):
    # given DEBUG off, no Stripe keys, and the test-mode provider not allowed
    env = without(
        production_env(tmp_path),
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
    )
    # when the checks run (manage.py check, check --deploy, and every other command)
    for options in [(), ("--deploy",)]:
        code, output = check(tmp_path, env, *options)
        # then they fail, naming what to set
        assert code != 0
        assert "checkout.E001" in output
        assert "STRIPE_SECRET_KEY" in output and "PAYMENTS_ALLOW_TEST_MODE" in output
    # and the server itself does not start
    code, output = start_server(tmp_path, **env)
    assert code not in (0, None), output
    assert "checkout.E001" in output and "STRIPE_SECRET_KEY" in output


def test_production_with_the_test_mode_provider_allowed_on_purpose_starts(tmp_path):
    env = without(
        production_env(tmp_path),
        "STRIPE_SECRET_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "STRIPE_WEBHOOK_SECRET",
    ) | {"PAYMENTS_ALLOW_TEST_MODE": "true"}
    code, output = check(tmp_path, env)
    assert code == 0, output


def test_a_stripe_key_without_a_webhook_secret_refuses_to_start(tmp_path):
    # payments would be taken, but never confirmed: their outcome arrives by signed webhook
    env = without(production_env(tmp_path), "STRIPE_WEBHOOK_SECRET")
    code, output = check(tmp_path, env)
    assert code != 0
    assert "checkout.E002" in output and "STRIPE_WEBHOOK_SECRET" in output
    code, output = start_server(tmp_path, **env)
    assert code not in (0, None), output
    assert "STRIPE_WEBHOOK_SECRET" in output
    # in development too
    code, output = check(tmp_path, {"DEBUG": "true", "STRIPE_SECRET_KEY": "sk_test_x"})
    assert code != 0 and "STRIPE_WEBHOOK_SECRET" in output


def test_a_stripe_key_without_a_publishable_key_refuses_to_start(tmp_path):
    code, output = check(tmp_path, without(production_env(tmp_path), "STRIPE_PUBLISHABLE_KEY"))
    assert code != 0
    assert "checkout.E003" in output and "STRIPE_PUBLISHABLE_KEY" in output


def test_development_starts_without_any_payment_configuration(tmp_path):
    code, output = check(tmp_path, {"DEBUG": "true"})
    assert code == 0, output
    code, output = start_server(tmp_path, seconds=8, DEBUG="true")
    assert code is None, output  # still serving


# --- The site's address: links in emails need it ------------------------------------------------


def test_production_without_site_url_refuses_to_start(tmp_path):
    # given DEBUG off and no SITE_URL: a set-password link would have no address
    env = without(production_env(tmp_path), "SITE_URL")
    # when the checks run, then they fail, naming what to set
    for options in [(), ("--deploy",)]:
        code, output = check(tmp_path, env, *options)
        assert code != 0
        assert "liveshop.E001" in output and "SITE_URL" in output
        assert "https://shop.example.com" in output  # what a value looks like
    # and the server itself does not start
    code, output = start_server(tmp_path, **env)
    assert code not in (0, None), output
    assert "liveshop.E001" in output


def test_site_url_must_be_an_absolute_http_address(tmp_path):
    for value in [
        "shop.example.com",
        "ftp://shop.example.com",
        "https://",
        "https://shop.example.com/shop/",
        "https://shop.example.com/?ref=email",
    ]:
        code, output = check(tmp_path, production_env(tmp_path) | {"SITE_URL": value})
        assert code != 0, value
        assert "liveshop.E002" in output and repr(value) in output
    # in development too: a value that is set must be usable
    code, output = check(tmp_path, {"DEBUG": "true", "SITE_URL": "shop.example.com"})
    assert code != 0 and "liveshop.E002" in output
    # a port, or a trailing slash, are fine
    for value in ["https://shop.example.com/", "http://10.0.0.5:8000"]:
        code, output = check(tmp_path, production_env(tmp_path) | {"SITE_URL": value})
        assert code == 0, output


def test_development_needs_no_site_url(tmp_path):
    code, output = check(tmp_path, {"DEBUG": "true"})
    assert code == 0, output


# --- Demo data --------------------------------------------------------------------------------------


USERNAMES = """
import django
django.setup()
from django.contrib.auth.models import User
print(sorted(User.objects.values_list("username", flat=True)))
"""


def test_seed_demo_refuses_to_create_the_demo_users_with_debug_off(tmp_path):
    # given a production environment and its migrated database
    env = production_env(tmp_path)
    migrated = run(["manage.py", "migrate", "-v0"], tmp_path, **env)
    assert migrated.returncode == 0, migrated.stderr
    # when the demo is seeded
    refused = run(["manage.py", "seed_demo"], tmp_path, **env)
    # then it refuses, says why and how to do it anyway, and creates no user
    assert refused.returncode != 0
    assert "DEBUG is off" in refused.stderr
    assert "--allow-demo-users-without-debug" in refused.stderr
    assert run(["-c", USERNAMES], tmp_path, **env).stdout.strip() == "[]"

    # when asked on purpose, it seeds the demo and its users
    # (the demo's video is a static file: without collectstatic's manifest, plain static storage)
    env["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    allowed = run(["manage.py", "seed_demo", "--allow-demo-users-without-debug"], tmp_path, **env)
    assert allowed.returncode == 0, allowed.stderr
    assert "Demo ready" in allowed.stdout
    users = run(["-c", USERNAMES], tmp_path, **env).stdout.strip()
    assert users == "['admin', 'viewer', 'waltmart']"
