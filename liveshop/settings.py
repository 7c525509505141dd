"""Liveshop settings: one file, read from the environment.

Production defaults fail closed: DEBUG is off unless DEBUG=true (`make run` and the tests set it),
and with DEBUG off the process refuses to start without SECRET_KEY or a payment provider
(checkout/checks.py). With DEBUG=true and nothing else this runs the embedded default: SQLite, the
in-memory channel layer, local media and the test-mode payment provider. `.env.example` lists every
variable.
"""

import tempfile
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over the file; ENV_FILE points elsewhere (tests use an empty one).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

# Off unless turned on: a server started without it gets production behaviour and checks.
DEBUG = env.bool("DEBUG", default=False)

# Only a local, DEBUG run may use the built-in development key.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "liveshop.apps.ShoppingManagerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "axes",
    "infrastructure",
    "catalog",
    "events",
    "ingest",
    "checkout",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "infrastructure.content_policy.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "infrastructure.upload_limits.TooManyFilesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liveshop.urls"
ASGI_APPLICATION = "liveshop.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account_nav",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process: under a herd each request waits for one of a few connections instead
    # of opening its own (PostgreSQL refuses clients past max_connections). Replaces CONN_MAX_AGE.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": env.int("DATABASE_POOL_SIZE", default=16),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=20.0),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the server and a management command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # Every key Liveshop writes to Redis starts with this (cache, channel layer, presence), so that
    # two deployments, or two test runs, can share one Redis.
    LIVESHOP_REDIS_PREFIX = env.str("LIVESHOP_REDIS_PREFIX", default="liveshop")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": LIVESHOP_REDIS_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # One hub channel per process carries every show's changes (events/realtime.py),
            # so it gets more room than the per-connection default of 100 messages.
            # Its receive is a blocking pop that Redis answers after 5 s of silence; redis-py 8
            # times reads out after 5 s by default, so a quiet hub saw a spurious error and rejoined
            # its groups (every viewer resynced). Reads wait longer than the pop.
            "CONFIG": {
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 5}
                ],
                "prefix": f"{LIVESHOP_REDIS_PREFIX}:",
                "capacity": 5000,
            },
        }
    }
else:
    LIVESHOP_REDIS_PREFIX = "liveshop"  # no Redis: unused
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 5000}}
    }

# Sessions are read from the cache, and from the database only on a miss (or while Redis is down:
# infrastructure/sessions.py), when the cache is shared by every process (Redis). A per-process memory
# cache would keep a session a sign-out deleted alive in the other processes, so the embedded
# default reads them from the database.
SESSION_ENGINE = "infrastructure.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"

# --- Background tasks (Celery: liveshop/celery.py, checkout/tasks.py) ----------------------------

# What a request does not need to wait for (refunds, order emails, payment cancels, the sweep of
# expired reservations) runs on Celery workers, with Redis as the broker. Without REDIS_URL (the
# embedded default) tasks run at once in the process that queues them, so no worker is needed;
# their failures are logged, never raised into the request that queued them.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once done, so one a worker was running when it died runs again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# `celery -A liveshop beat`: stock held by abandoned checkouts comes back within a minute. Beat's
# own state file goes to the temporary folder: the container's code folder is read-only.
CELERY_BEAT_SCHEDULE_FILENAME = str(Path(tempfile.gettempdir()) / "liveshop-celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "release-expired-reservations": {
        "task": "checkout.tasks.orders_release_expired",
        "schedule": 60.0,
    },
}

# --- Files ---------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

MEDIA_URL = env.str("MEDIA_URL", default="/media/")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            # Uploaded files are public product images; never overwrite one in place.
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# Uploads: Django refuses larger request bodies before they reach a form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Files in one request (the product page's photo rows); more is refused with a message.
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o644

# Product images (see catalog/images.py).
IMAGE_UPLOAD_MAX_BYTES = env.int("IMAGE_UPLOAD_MAX_BYTES", default=8 * 1024 * 1024)
IMAGE_UPLOAD_MAX_PIXELS = env.int("IMAGE_UPLOAD_MAX_PIXELS", default=25_000_000)
IMAGE_THUMBNAIL_SIZES = (160, 480, 960)
CATALOG_CSV_MAX_BYTES = env.int("CATALOG_CSV_MAX_BYTES", default=5 * 1024 * 1024)

# --- Payments (used by checkout) ---------------------------------------------------------------

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Another address for Stripe's API (a local stripe-mock, or the tests' fake server).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Seconds a call to Stripe may take before it is given up (checkout/payments.py).
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=5.0)
# How long stock is held for a buyer who started checkout, and the most units per order line.
CHECKOUT_RESERVATION_MINUTES = env.int("CHECKOUT_RESERVATION_MINUTES", default=10)
CHECKOUT_MAX_QUANTITY = env.int("CHECKOUT_MAX_QUANTITY", default=10)
# The built-in test-mode provider refuses to run with DEBUG off unless this is set on purpose.
PAYMENTS_ALLOW_TEST_MODE = env.bool("PAYMENTS_ALLOW_TEST_MODE", default=DEBUG)

# --- Auth, email, i18n ---------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Failed sign-ins (the Shopping Manager's and the viewers') are throttled by django-axes: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair waits AXES_COOLOFF.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # A username typed in another case (a viewer's is their email, in lower case).
    "accounts.backends.UsernameInAnyCaseBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Counted under the username in any case: changing its case is the same account's attempt.
AXES_USERNAME_CALLABLE = "accounts.sign_in.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # the Shopping Manager shows merchants their own data only
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]  # set from X-Forwarded-For by TRUSTED_PROXIES
# How many proxies in front of daphne append the client's address to X-Forwarded-For (a load
# balancer, a TLS terminator: usually 1). Only their entries are believed (the rightmost ones);
# 0, with no proxy, ignores the header (infrastructure/client_address.py).
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

# Abuse limits (infrastructure/ratelimits.py): "count/period" per IP address and per shopper (a user,
# or a guest's session), counted in the cache. Per-IP limits are loose on purpose: a venue's or a
# mobile carrier's whole audience may share one address.
RATELIMITS = {
    "cart": {"ip": "600/m", "shopper": "60/m"},
    "checkout": {"ip": "300/m", "shopper": "10/m"},
    "chat": {"ip": "120/m"},
    "sell": {"ip": "5/h"},
    "login": {"ip": "30/m"},
    "signup": {"ip": "20/h"},
    "verify_email": {"ip": "30/h", "shopper": "5/h"},
    "password_reset": {"ip": "20/h"},
    "stream_key": {"shopper": "10/h"},
}
# Websocket connections one IP address may hold open to one server process (0: no limit).
LIVESHOP_MAX_SOCKETS_PER_IP = env.int("LIVESHOP_MAX_SOCKETS_PER_IP", default=200)
# Checkouts one shopper may have waiting for payment at once (each holds stock).
CHECKOUT_MAX_HOLDS = env.int("CHECKOUT_MAX_HOLDS", default=2)
# Units the checkouts waiting for payment from one address may hold at once, however many browsers
# it uses (0: no limit). A carrier's or a venue's crowd shares an address: allow for it.
CHECKOUT_MAX_UNITS_HELD_PER_ADDRESS = env.int("CHECKOUT_MAX_UNITS_HELD_PER_ADDRESS", default=30)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Liveshop <hello@liveshop.localhost>")
if env.str("EMAIL_URL", default=""):
    # e.g. smtp+tls://user:password@smtp.example.com:587 sets EMAIL_HOST, EMAIL_PORT and the rest.
    globals().update(env.email_url("EMAIL_URL"))
# Seconds an SMTP connection may block; a slow mail server then fails the task, which retries.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# The site's public address for links in emails, e.g. https://shop.example.com: required when DEBUG
# is off (infrastructure/site_url.py checks it). Unset in development: http://127.0.0.1:8000.
SITE_URL = env.str("SITE_URL", default="")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ------------------------------------------------------------------------------------

# Content-Security-Policy (django-csp): the pages load scripts and styles from this site only, and
# have no inline code (data for scripts is in json_script blocks, which never run). The video plays
# through hls.js: blob: media fed by a blob: worker. infrastructure/content_policy.py adds what depends
# on the request: the websocket of this host, the media storage's host (S3, a CDN), a show's
# streaming host on its page, and Stripe.js when payments go to Stripe.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Live shows ----------------------------------------------------------------------------------

# How often each server process reports its viewers, and when a silent process stops counting.
LIVESHOP_PRESENCE_INTERVAL = env.float("LIVESHOP_PRESENCE_INTERVAL", default=2.0)
LIVESHOP_PRESENCE_STALE_AFTER = env.float("LIVESHOP_PRESENCE_STALE_AFTER", default=10.0)
# Database work from websockets and the realtime hub runs on this many threads per process
# (infrastructure/database.py), each with its own database connection.
LIVESHOP_DB_THREADS = env.int("LIVESHOP_DB_THREADS", default=4)
# HTTP requests in Django at once per process (infrastructure/admission.py); others wait in arrival order
# up to LIVESHOP_HTTP_QUEUE_SECONDS, then get 503 with Retry-After.
LIVESHOP_HTTP_CONCURRENCY = env.int("LIVESHOP_HTTP_CONCURRENCY", default=24)
LIVESHOP_HTTP_QUEUE_SECONDS = env.float("LIVESHOP_HTTP_QUEUE_SECONDS", default=10.0)
LIVESHOP_HTTP_RETRY_AFTER = env.float("LIVESHOP_HTTP_RETRY_AFTER", default=1.0)
# A connect reads no database in the common case (events/show_cache.py): each process keeps the
# open shows it found by slug for this many seconds (a brand unverified meanwhile is refused once
# it expires), and rebuilds a show's snapshot on its next change, or when older than this.
LIVESHOP_SHOW_CACHE_SECONDS = env.float("LIVESHOP_SHOW_CACHE_SECONDS", default=5.0)
LIVESHOP_SNAPSHOT_MAX_AGE = env.float("LIVESHOP_SNAPSHOT_MAX_AGE", default=10.0)
# How long after "End show" the host may resume the show where it was.
LIVESHOP_END_UNDO_SECONDS = env.float("LIVESHOP_END_UNDO_SECONDS", default=60.0)
# HLS puts viewers seconds behind the host: the featured product, banner and announcement reach a
# viewer when their video shows the moment the host changed them, but never more than this many
# seconds late (0: at once). The server keeps that much of their history (docs/realtime.md).
LIVESHOP_VIDEO_SYNC_MAX_SECONDS = env.float("LIVESHOP_VIDEO_SYNC_MAX_SECONDS", default=15.0)
# Check every websocket frame the server sends against events/protocol.py, logging what does not
# match ("Protocol violation"). On in the tests; it costs a parse per frame, so off by default.
LIVESHOP_PROTOCOL_CHECKS = env.bool("LIVESHOP_PROTOCOL_CHECKS", default=False)
# The home page and the list of shows fetch their lists again this often (shows going live, ending).
LIVESHOP_LISTING_REFRESH_SECONDS = env.float("LIVESHOP_LISTING_REFRESH_SECONDS", default=20.0)
# --- Video ingest (ingest/, docs/deploy.md) -----------------------------------------------------
# Brands broadcast to nginx with the RTMP module (`make ingest`), which asks Liveshop who may
# publish and packages the stream to HLS. Unset INGEST_RTMP_URL: no ingest (shows play the HLS URL
# they were given). INGEST_SECRET is the shared secret of nginx's callbacks; they are also refused
# from any address outside INGEST_ALLOWED_ADDRESSES.
INGEST_RTMP_URL = env.str(
    "INGEST_RTMP_URL", default=""
)  # what brands type in OBS: rtmp://host/live
INGEST_HLS_URL = env.str("INGEST_HLS_URL", default="")  # where viewers play it: https://host/hls
INGEST_STAT_URL = env.str("INGEST_STAT_URL", default="")  # nginx-rtmp's statistics (XML)
# nginx-rtmp's control module (a rotated key's stream is dropped through it); unset: beside /stat.
INGEST_CONTROL_URL = env.str("INGEST_CONTROL_URL", default="")
INGEST_SECRET = env.str("INGEST_SECRET", default="")
INGEST_ALLOWED_ADDRESSES = env.list("INGEST_ALLOWED_ADDRESSES", default=["127.0.0.1", "::1"])
# A show's key is accepted from this many minutes before its start, and while it is live.
INGEST_EARLY_MINUTES = env.int("INGEST_EARLY_MINUTES", default=30)
# Where nginx writes HLS fragments and recordings (the config generator and `make ingest`).
INGEST_DIR = Path(env.str("INGEST_DIR", default="") or BASE_DIR / "var" / "ingest")

# Front-end packages installed from the npm registry (package-lock.json), served as static files.
STATICFILES_DIRS += [("vendor/hls.js", BASE_DIR / "node_modules" / "hls.js" / "dist")]
