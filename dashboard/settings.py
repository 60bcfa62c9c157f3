"""Django settings: one file, every knob read from the environment through small typed helpers."""

import base64
import hashlib
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import overload
from urllib.parse import unquote, urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


# --- helpers: each reads one variable and fails loudly on a value it cannot use -------------


# With a default the value is always a string; without one, None when the variable is unset or blank.
@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    return _env_number(name, default, int, "a whole number", minimum)


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    return _env_number(name, default, float, "a number", minimum)


def _env_number[N: (int, float)](name: str, default: N, parse: type[N], kind: str, minimum: N | None) -> N:
    value = env_str(name)
    if value is None:
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not {kind}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is too small: the minimum is {minimum}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None, *, schemes: tuple[str, ...] = ("http", "https")):
    value = env_str(name, default)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a valid URL: it must start with {' or '.join(schemes)}://."
        )
    return value.rstrip("/")


def database_from_url(url: str) -> dict:
    """sqlite:///relative/or//absolute/path.sqlite3 or postgres://user:pass@host:port/name."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        if not path:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no SQLite file.")
        name = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            # The tests hand this file to worker processes, so it cannot live in memory; the
            # process id keeps two test runs on one machine from sharing it.
            "TEST": {"NAME": VAR_DIR / f"test-{name.stem}-{os.getpid()}.sqlite3"},
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"),
            },
            # Kept open between requests, as on PostgreSQL: opening one costs about a millisecond of
            # CPU (Django registers its functions and runs the PRAGMAs), as much as a webhook delivery.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        }
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(f"DATABASE_URL={url!r}: only sqlite:/// and postgres:// URLs are supported.")


def redis_reachable(url: str, timeout: float = 0.3) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout):
            return True
    except OSError:
        return False


# --- core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules

SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated).")

PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
HEYMILO_BASE_URL = env_url("HEYMILO_BASE_URL", "https://api.heymilo.network")
HEYMILO_API_PREFIX = env_str("HEYMILO_API_PREFIX", "/api")
# Hosts or host:port pairs a team's base URL may reach over plain http or at a private address
# (the API key goes there): the local sandbox in development, nothing in production unless listed.
HEYMILO_ALLOWED_HOSTS = env_list(
    "HEYMILO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
try:
    from heymilo.addresses import AddressPolicy as _AddressPolicy

    _AddressPolicy(HEYMILO_ALLOWED_HOSTS)
except ValueError as _error:
    raise ImproperlyConfigured(f"HEYMILO_ALLOWED_HOSTS: {_error}.") from None
HEYMILO_RATE_LIMIT = env_int("HEYMILO_RATE_LIMIT", 300, minimum=1)  # requests per period per key
HEYMILO_RATE_PERIOD = env_int("HEYMILO_RATE_PERIOD", 60, minimum=1)  # seconds
# Redis key prefix of the shared buckets: one deployment, one prefix (tests use their own).
HEYMILO_RATE_PREFIX = env_str("HEYMILO_RATE_PREFIX", "heymilo:rl:")
HEYMILO_CONNECT_TIMEOUT = env_int("HEYMILO_CONNECT_TIMEOUT", 5, minimum=1)  # seconds
HEYMILO_READ_TIMEOUT = env_int("HEYMILO_READ_TIMEOUT", 30, minimum=1)  # seconds
HEYMILO_PAGE_SIZE = env_int("HEYMILO_PAGE_SIZE", 100, minimum=1)
HEYMILO_MAX_RETRIES = env_int("HEYMILO_MAX_RETRIES", 4, minimum=0)
# Longest Retry-After a worker sleeps through; a longer wait reschedules the task instead.
HEYMILO_MAX_CLIENT_WAIT = env_int("HEYMILO_MAX_CLIENT_WAIT", 10, minimum=0)
SYNC_INTERVAL_MINUTES = env_int("SYNC_INTERVAL_MINUTES", 15, minimum=1)
# A sync holds a per-team lock renewed at every page; a dead worker's lock expires after this.
SYNC_LOCK_TTL = env_int("SYNC_LOCK_TTL", 120, minimum=1)
SYNC_QUEUED_TIMEOUT = env_int("SYNC_QUEUED_TIMEOUT", 600, minimum=1)  # seconds a run may wait
# A sync step writes pages for up to this many seconds before queueing the next step behind
# other teams' work (0: one page per step). Longer steps overlap more fetching with writing.
SYNC_STEP_SECONDS = env_float("SYNC_STEP_SECONDS", 1.0, minimum=0.0)
SYNC_MAX_PAGES = env_int("SYNC_MAX_PAGES", 1000, minimum=1)  # per posting, against runaway paging
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_ROWS = env_int("UPLOAD_MAX_ROWS", 50_000, minimum=1)
# More columns than any candidate file needs made a page of one select per column (5 MB at 10,000).
UPLOAD_MAX_COLUMNS = env_int("UPLOAD_MAX_COLUMNS", 200, minimum=2)
# Refuses a file over UPLOAD_MAX_BYTES while the body is read, before it is kept anywhere.
FILE_UPLOAD_HANDLERS = [
    "dashboard.ingestion.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Fernet keys, newest first; older ones still decrypt until `manage.py rotate_keys` re-encrypts.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off. Generate one with: python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    # Development only: a key derived from the dev SECRET_KEY, stable across restarts.
    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "dashboard.core",
    "dashboard.mail",
    "dashboard.accounts",
    "dashboard.mirror",
    "dashboard.transcripts",
    "dashboard.review",
    "dashboard.webhooks",
    "dashboard.ingestion",
    "dashboard.ops",
    "dashboard.analytics",
    "dashboard.sharing",
    "dashboard.notifications",
    "dashboard.scorecards",
]

MIDDLEWARE = [
    # First: every request gets its id (logs, tasks) and its latency counted, whatever answers it.
    "dashboard.ops.middleware.request_context",
    "django.middleware.security.SecurityMiddleware",
    "dashboard.core.middleware.refuse_nul",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dashboard.core.middleware.no_store_when_signed_in",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.accounts.middleware.CurrentTeamMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

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
                "django.template.context_processors.csp",
                "dashboard.accounts.context_processors.team",
                "dashboard.mirror.context_processors.freshness",
                "dashboard.review.context_processors.waiting",
                "dashboard.review.context_processors.inbox",
                "dashboard.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dashboard.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_THROTTLE_FAILURES = env_int("LOGIN_THROTTLE_FAILURES", 5, minimum=1)  # per username
LOGIN_THROTTLE_IP_FAILURES = env_int("LOGIN_THROTTLE_IP_FAILURES", 20, minimum=1)
LOGIN_THROTTLE_SECONDS = env_int("LOGIN_THROTTLE_SECONDS", 15 * 60, minimum=1)
# Over LOGIN_THROTTLE_IP_FAILURES, an address gets one attempt per this many seconds (slowed,
# never locked out: it must not lock out accounts it never touched).
LOGIN_THROTTLE_IP_DELAY = env_int("LOGIN_THROTTLE_IP_DELAY", 5, minimum=1)

# --- mail ---------------------------------------------------------------------------------------


def email_from_url(url: str) -> tuple[str, int, str, str, bool, bool]:
    """smtp://host:25, smtp+tls://user:pass@host:587 (STARTTLS) or smtp+ssl://user:pass@host:465:
    host, port, user, password, use_tls, use_ssl."""
    parts = urlsplit(url)
    modes = {"smtp": (False, False, 25), "smtp+tls": (True, False, 587), "smtp+ssl": (False, True, 465)}
    if parts.scheme not in modes or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://host:25, smtp+tls://user:pass@host:587 or "
            "smtp+ssl://user:pass@host:465."
        )
    use_tls, use_ssl, default_port = modes[parts.scheme]
    try:
        port = parts.port or default_port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    return parts.hostname, port, user, password, use_tls, use_ssl


EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    _email_host, _email_port, _email_user, _email_password, _email_tls, _email_ssl = email_from_url(EMAIL_URL)
else:
    _email_host = env_str("EMAIL_HOST", "")
    _email_port = env_int("EMAIL_PORT", 25, minimum=1)
    _email_user = env_str("EMAIL_HOST_USER", "")
    _email_password = env_str("EMAIL_HOST_PASSWORD", "")
    _email_tls = env_bool("EMAIL_USE_TLS", False)
    _email_ssl = env_bool("EMAIL_USE_SSL", False)
if _email_tls and _email_ssl:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: choose one.")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "HeyMilo Dashboard <dashboard@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_DIR = VAR_DIR / "mail"
# Django 6.1's MAILERS (the EMAIL_HOST... settings are deprecated); the environment keeps the usual names.
if _email_host or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": _email_port,
                "username": _email_user,
                "password": _email_password,
                "use_tls": _email_tls,
                "use_ssl": _email_ssl,
                # seconds: a mail server that hangs must not hold a worker
                "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
            },
        }
    }
else:
    # Development without a mail server: each message is a file under var/mail/ (make demo says so).
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": MAIL_DIR},
        }
    }
MAIL_PER_RECIPIENT_PER_HOUR = env_int("MAIL_PER_RECIPIENT_PER_HOUR", 20, minimum=1)
# A refused or unreachable send is retried 5 times, after a random wait up to this, then twice
# that, four times ... (at most 10 minutes).
MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 30, minimum=1)
INVITATION_DAYS = 7  # an invitation link opens for this long after it was sent

# How many proxies in front append to X-Forwarded-For (the documented nginx: 1). 0 trusts only
# REMOTE_ADDR: the header is then whatever the client wrote.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0, minimum=0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at every start when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "uploads"},
    },
    # Uploads between an import's steps, which may run on different hosts: in the database.
    "uploads": {"BACKEND": "dashboard.ingestion.storage.DatabaseStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The entry of STORAGES uploads are kept in: "default" to use STORAGES["default"] (S3-compatible
# storage through django-storages, docs/deploy.md); never a host's own disk with several hosts.
UPLOAD_STORAGE = env_str("UPLOAD_STORAGE", "uploads")
if UPLOAD_STORAGE not in STORAGES:
    raise ImproperlyConfigured(
        f"UPLOAD_STORAGE={UPLOAD_STORAGE!r} names no entry of STORAGES ({', '.join(STORAGES)})."
    )

# --- Redis: Celery broker, result backend and Django's cache ---------------------------------

REDIS_URL_SET = env_str("REDIS_URL") is not None
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
# Development without Redis: tasks run inline in the web process and every page says so.
# Never in production, where a missing Redis is a failure to see, not to paper over.
TASKS_INLINE = env_bool("TASKS_INLINE", DEBUG and not REDIS_URL_SET and not redis_reachable(REDIS_URL))
if TASKS_INLINE and not DEBUG:
    raise ImproperlyConfigured("TASKS_INLINE is a development mode; it cannot run with DEBUG off.")

if TASKS_INLINE:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hmd"),
        }
    }

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ALWAYS_EAGER = TASKS_INLINE
CELERY_TASK_EAGER_PROPAGATES = TESTING
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
# Tasks are idempotent, so a task a dead worker held is simply run again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 30 * 60, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
# A task unacknowledged this long is redelivered; it must outlive the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Surviving Redis restarts (docs/deploy.md, "Celery worker and Redis restarts"). Remote control
# keeps a Redis SUBSCRIBE socket in the worker beside the task queue's BRPOP (so does gossip, which
# the Procfile turns off with mingle and heartbeats, both only there for it). When Redis goes and
# that socket fails first, kombu 5.x's close of the task channel fails on the BRPOP still out, the
# consumer drops the transport, closes the channel again, and re-queueing the task in hand needs
# a client from the dropped transport: "Unrecoverable error: AttributeError('NoneType' ...
# 'hostname')" (celery/kombu#582's path, reached through kombu#1733's read on close); the worker
# exits. With no subscriber the BRPOP socket reports the loss itself and the close is clean.
# Nothing here uses remote control (`celery inspect`/`control`, Flower's worker views).
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # forever: a long Redis outage must not end the worker
# A step in flight when the connection drops finishes (its writes are idempotent) instead of being
# killed; its acknowledgement is lost, so Redis redelivers it later and it finds nothing to do.
# Pinned: Celery 6 changes the default.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Tests give each run its own queue so they never take a running demo's tasks (or vice versa).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_BEAT_SCHEDULE = {
    "sync-all-teams": {
        "task": "dashboard.mirror.tasks.sync_all_teams",
        "schedule": SYNC_INTERVAL_MINUTES * 60.0,
    },
}

# --- security -----------------------------------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    # Recordings are played from HeyMilo's storage (signed links), never embedded scripts.
    "media-src": [CSP.SELF, "https:", *env_list("CSP_MEDIA_SRC", ["http://127.0.0.1:*"] if DEBUG else [])],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600, minimum=60)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if env_bool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PUBLIC_BASE_URL])

# --- operating it (dashboard/ops, issue 23; docs/deploy.md "What to watch") ------------------------
# "json": one JSON object per log line, each with the request id (web and the tasks it enqueued).
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use plain or json.")
# /metrics answers a bearer token (Authorization: Bearer <METRICS_TOKEN>) or a client address in
# METRICS_ALLOWED_IPS (addresses or networks, comma-separated; read as the sign-in throttle reads
# it, so TRUSTED_PROXY_HOPS applies). Neither set: /metrics is a 404 for everyone.
METRICS_TOKEN = env_str("METRICS_TOKEN")
try:
    METRICS_ALLOWED_IPS = [ipaddress.ip_network(n, strict=False) for n in env_list("METRICS_ALLOWED_IPS", [])]
except ValueError as _error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_error}.") from None
# Where each gunicorn and Celery process writes its metrics for /metrics to add up (prometheus-client
# reads the same variable itself). Unset: each process counts for itself (runserver, tests).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
READY_TIMEOUT = env_float("READY_TIMEOUT", 0.5, minimum=0.05)  # seconds, per Redis check of /readyz
# /readyz fails when no Celery worker has left its heartbeat for this long.
READY_WORKER_SECONDS = env_int("READY_WORKER_SECONDS", 300, minimum=60)
CELERY_BEAT_SCHEDULE["ops-heartbeat"] = {"task": "dashboard.ops.tasks.heartbeat", "schedule": 60.0}
# Probes reach gunicorn over plain http on a private address.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from dashboard.ops.errors import sentry_init

    sentry_init(
        SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        release=env_str("SENTRY_RELEASE"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0),
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dashboard.ops.context.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "dashboard.ops.context.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- ingestion (issue 8) ------------------------------------------------------------------------
INGEST_CHUNK_SIZE = env_int("INGEST_CHUNK_SIZE", 100, minimum=1)  # candidates per bulk request
# A running import whose worker has not reported for this long is resumed by the next poll or beat.
INGEST_STALL_SECONDS = env_int("INGEST_STALL_SECONDS", 120, minimum=1)
CELERY_BEAT_SCHEDULE["resume-stalled-imports"] = {
    "task": "dashboard.ingestion.tasks.resume_stalled_imports",
    "schedule": 60.0,
}
# An upload nobody started (a preview, or a file waiting for its columns to be mapped) is deleted
# with its stored file this many days after it was uploaded (issue 18).
IMPORT_DRAFT_DAYS = env_int("IMPORT_DRAFT_DAYS", 7, minimum=1)
CELERY_BEAT_SCHEDULE["clean-up-import-drafts"] = {
    "task": "dashboard.ingestion.tasks.clean_up_import_drafts",
    "schedule": 3600.0,
}

# Outgoing mail rows are kept MAIL_KEEP_DAYS (the rate cap reads the last hour, admins the last week).
MAIL_KEEP_DAYS = env_int("MAIL_KEEP_DAYS", 30, minimum=8)
CELERY_BEAT_SCHEDULE["clean-up-sent-mail"] = {
    "task": "dashboard.mail.tasks.clean_up_sent_mail",
    "schedule": 24 * 3600.0,
}

# --- notifications (dashboard/notifications, issue 21) -------------------------------------------
# At the top of every hour: each person's daily digest goes out at their chosen hour in their
# own time zone, so beat cannot send everyone's at one time.
CELERY_BEAT_SCHEDULE["send-digests"] = {
    "task": "dashboard.notifications.tasks.send_digests",
    "schedule": crontab(minute=0),
}

# --- webhooks (dashboard/webhooks, issue 7) -----------------------------------------------------
# Deliveries larger than this are answered 413 and logged as rejected.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
# The same event for the same interview within this many seconds is processed once.
WEBHOOK_DEDUP_SECONDS = env_int("WEBHOOK_DEDUP_SECONDS", 60, minimum=0)
# A delivery still waiting this long (its enqueue failed: broker down) is picked up by the sweep.
WEBHOOK_SWEEP_AFTER_SECONDS = env_int("WEBHOOK_SWEEP_AFTER_SECONDS", 30, minimum=0)
# A delivery still `processing` this long had its worker die mid-task: the sweep processes it again.
# Above process_delivery's time limit (90 s), so the sweep never races a slow but living worker.
WEBHOOK_PROCESSING_TIMEOUT = env_int("WEBHOOK_PROCESSING_TIMEOUT", 300, minimum=100)
# A delivery taken this many times without finishing (its worker died each time) is failed, not
# sent again: the sweep would otherwise retry a poison delivery forever (issue 25).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5, minimum=1)
# Longest a verification waits for the team's rate limit; past it the team's deliveries are
# rescheduled instead of holding a worker asleep (issue 25).
WEBHOOK_MAX_RATE_WAIT = env_float("WEBHOOK_MAX_RATE_WAIT", 1.0, minimum=0.0)
# Unknown interview ids (neither mirrored nor named by a delivery or an import) one person may have
# fetched from HeyMilo per minute by opening /interviews/<id>/ (issue 25).
READ_THROUGH_PER_MINUTE = env_int("READ_THROUGH_PER_MINUTE", 3, minimum=0)
# The local webhook table follows HeyMilo on the mirror's own rhythm.
CELERY_BEAT_SCHEDULE["webhooks-refresh"] = {
    "task": "dashboard.webhooks.tasks.refresh_all_subscriptions",
    "schedule": SYNC_INTERVAL_MINUTES * 60.0,
}
CELERY_BEAT_SCHEDULE["webhooks-process-pending"] = {
    "task": "dashboard.webhooks.tasks.process_pending_deliveries",
    "schedule": 60.0,
}
