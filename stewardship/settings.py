"""Steward settings: one module, driven by environment variables.

Every helper fails loudly on a value it cannot read. Development/demo mode (``STEWARD_DEV=1``) is the only
place where defaults for secrets and the broker exist; production must set them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """A string from the environment, or from the file named by ``<name>_FILE`` (for secrets)."""
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true/false, 1/0, yes/no, on/off)")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def envlist(name: str, default: str) -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


DEV_MODE = envbool("STEWARD_DEV", False)
DEBUG = envbool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEV_MODE:
        raise ImproperlyConfigured("SECRET_KEY is required (or set STEWARD_DEV=1 for the local demo and tests)")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEV_MODE else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "stewardship",
    "sync",
    "connectors",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "stewardship.middleware.CorrelationIdMiddleware",
    "stewardship.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stewardship.urls"
WSGI_APPLICATION = "stewardship.wsgi.application"

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
            ],
        },
    },
]

# The SQLite default is for the laptop demo only; PostgreSQL is the production database and the one CI tests on.
DATABASE_URL = env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'steward.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL: no client-side quoting of every array element in bulk inserts. A statement
    # run DB_PREPARE_THRESHOLD times on one connection is prepared (psycopg's own cache): it is no longer parsed and
    # planned on every run, which was a fifth of a single upsert's time at 1M records. 0 turns it off.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": envbool("DB_SERVER_SIDE_BINDING", True)}
    if DATABASES["default"]["OPTIONS"]["server_side_binding"] and envint("DB_PREPARE_THRESHOLD", 5) > 0:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = envint("DB_PREPARE_THRESHOLD", 5)
SILENCED_SYSTEM_CHECKS: list[str] = []
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: one writer at a time; wait for the lock instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not shared-cache memory: concurrent test connections then wait for the lock like the demo does.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # The blocking-key index's INCLUDE column serves PostgreSQL's index-only scans; SQLite ignores it, and says so on
    # every migrate of the demo.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in lockout (django-axes): after STEWARD_LOGIN_FAILURE_LIMIT failures for one username from one address, that
# pair is refused (429, the sign-in page says so) for STEWARD_LOGIN_LOCKOUT_MINUTES (0: until an administrator
# deletes the access attempt in the admin). The UI's and the admin's sign-in alike; API tokens and keys have their
# own throttle (REST API below).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("STEWARD_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("STEWARD_LOGIN_LOCKOUT_MINUTES", 15)) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "stewardship.api.throttling.client_address"  # STEWARD_PROXY_COUNT, as the API reads it
AXES_LOCKOUT_CALLABLE = "stewardship.ui.views.login.locked_out"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STEWARD_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEV_MODE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Dev/demo serves static files straight from the apps (no collectstatic step); production serves collected files.
WHITENOISE_USE_FINDERS = DEV_MODE
WHITENOISE_AUTOREFRESH = DEV_MODE
if DEV_MODE:
    STATIC_ROOT.mkdir(exist_ok=True)

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Request bodies: the batch endpoints take up to 1,000 records; anything larger than this is a 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("STEWARD_MAX_BODY_BYTES", 5 * 1024 * 1024)
STEWARD_MAX_BATCH_RECORDS = 1000
# How deeply a JSON body may nest (a batch needs four levels): deeper is a 400 (stewardship.api.parsers).
STEWARD_MAX_JSON_DEPTH = envint("STEWARD_MAX_JSON_DEPTH", 32)
STEWARD_IDEMPOTENCY_TTL_HOURS = envint("STEWARD_IDEMPOTENCY_TTL_HOURS", 48)
# How far ahead of Steward's clock a source's timestamps (updated_at, captured_at) may be; later ones are rejected.
STEWARD_MAX_CLOCK_SKEW_SECONDS = envint("STEWARD_MAX_CLOCK_SKEW_SECONDS", 300)

# --- Security (manage.py check --deploy clean when DEBUG is off) ---
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEV_MODE)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEV_MODE)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEV_MODE)
# Load balancers probe health over plain HTTP: never redirected (Django matches these against the path without its
# leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEV_MODE else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEV_MODE
# Preloading binds the domain and every subdomain to HTTPS in browsers for months, beyond this app: the operator's
# choice, not a default. Without it, check --deploy says so (security.W021): silenced, since that is deliberate.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp) on every response: everything from this origin and nothing inline. The
# templates carry no inline script, style or event handler (tests/ui/test_csp.py reads them); data: images are the
# favicon and the API docs' icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF],
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# --- REST API ---
# A person's API token (DRF's authtoken) is refused once older than this many hours; 0: tokens never expire.
STEWARD_TOKEN_TTL_HOURS = envint("STEWARD_TOKEN_TTL_HOURS", 0)
# Failed API keys and tokens per client address and minute; past it, that address is answered 429. 0: no limit.
STEWARD_API_AUTH_FAILURES_PER_MINUTE = envint("STEWARD_API_AUTH_FAILURES_PER_MINUTE", 10)
# Reverse proxies in front of Steward that append the client's address to X-Forwarded-For: throttles and the login
# lockout read the address that many entries from the right. 0: REMOTE_ADDR (what a client writes there is ignored).
STEWARD_PROXY_COUNT = envint("STEWARD_PROXY_COUNT", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "stewardship.api.authentication.ApiKeyAuthentication",
        "stewardship.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["stewardship.api.permissions.IsReader"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "stewardship.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "stewardship.api.pagination.GoldenCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "stewardship.errors.api_exception_handler",
    "NUM_PROXIES": STEWARD_PROXY_COUNT,
    # Each source system's ingest quota (records a minute, set in the admin). Failed keys and tokens are throttled by
    # the authentication classes themselves (DRF's throttles run after authentication and never see a failure).
    "DEFAULT_THROTTLE_CLASSES": ["stewardship.api.throttling.IngestQuotaThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": (
        "Master-data stewardship for retail: source systems upsert customers, products and consents; "
        "golden records are built under ownership rules. Source systems authenticate with "
        "`Authorization: Api-Key <key>`; stewards with a session or `Authorization: Token <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents the errors it may answer (stewardship.api.schema), beside drf-spectacular's own hook.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stewardship.api.schema.add_error_responses",
    ],
    # Several models have a "status": name each choice set, so clients get stable enum names.
    "ENUM_NAME_OVERRIDES": {
        "GoldenStatusEnum": "stewardship.models.GoldenStatus",
        "CandidateStatusEnum": "stewardship.models.CandidateStatus",
        "ChangeRequestStatusEnum": "stewardship.models.ChangeRequestStatus",
        "DeliveryStatusEnum": "sync.models.DeliveryStatus",
        "AttemptOutcomeEnum": "sync.models.AttemptOutcome",
    },
}

# --- Celery ---
# Production must name its broker (Redis or RabbitMQ). Dev/demo mode uses kombu's filesystem transport so that a
# real worker runs with nothing to install. Tasks are never run eagerly.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or ""
if not CELERY_BROKER_URL:
    if not DEV_MODE:
        raise ImproperlyConfigured("CELERY_BROKER_URL is required (redis://... or amqp://...)")
    CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = BASE_DIR / "var" / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker logs through LOGGING below (its filters keep personal data out), not through handlers of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {"task": "stewardship.tasks.idempotency_keys_purge", "schedule": 3600.0},
    "sync-sweep": {"task": "sync.tasks.sweep", "schedule": float(envint("STEWARD_SYNC_SWEEP_SECONDS", 5))},
    "purge-access-log": {"task": "stewardship.tasks.access_log_purge", "schedule": 86400.0},
    "purge-sync-payloads": {"task": "sync.tasks.payloads_purge", "schedule": 3600.0},
}
# Redis restores a task whose worker died without acking after this long; the sync sweeper (lease and requeue
# below) already recovers deliveries sooner, so this only bounds duplicate work.
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- Sync (outbox delivery) ---
# What the domain hands its new golden versions to, in the same transaction (stewardship.publishing).
STEWARD_PUBLISHER = "sync.outbox"
# A claimed delivery whose worker has not reported after this long is taken back (the worker died or hung).
STEWARD_SYNC_LEASE_SECONDS = envint("STEWARD_SYNC_LEASE_SECONDS", 300)
# A pending, due delivery whose task was sent this long ago without effect is queued again (lost task).
STEWARD_SYNC_REQUEUE_SECONDS = envint("STEWARD_SYNC_REQUEUE_SECONDS", 60)
# The per-connector rate limit is shared through Redis when there is one (several workers); else per process. The
# Django cache (API throttles, ingest quotas) uses it too.
STEWARD_RATE_LIMIT_REDIS_URL = env(
    "STEWARD_RATE_LIMIT_REDIS_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)

# --- Privacy (docs/privacy.md) ---
# A subject request is due this many days after it is received (GDPR: one month).
STEWARD_PRIVACY_REQUEST_DUE_DAYS = envint("STEWARD_PRIVACY_REQUEST_DUE_DAYS", 30)
# Who read whose personal data is kept this long (beat, daily).
STEWARD_ACCESS_LOG_RETENTION_DAYS = envint("STEWARD_ACCESS_LOG_RETENTION_DAYS", 730)
# Delivered outbox payloads and attempt excerpts lose their personal values after this long (beat, hourly).
STEWARD_SYNC_PAYLOAD_RETENTION_DAYS = envint("STEWARD_SYNC_PAYLOAD_RETENTION_DAYS", 30)

# --- Shared counters: the Django cache ---
# The API throttles and the ingest quotas are counted where every web process sees them: the Redis of the connector
# rate limits when there is one, else the database (a table that migrate creates); never a process's memory. Never
# call cache.clear(): on Redis that empties the whole database, the broker's queues too when they share it.
if STEWARD_RATE_LIMIT_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": STEWARD_RATE_LIMIT_REDIS_URL,
            "KEY_PREFIX": "steward",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "steward_cache"}}

# --- Logging: every line carries the request's correlation id ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "correlation": {"()": "stewardship.correlation.CorrelationIdLogFilter"},
        # No personal data: database error details, personal query values and emails are stripped (stewardship.logs).
        "personal_data": {"()": "stewardship.logs.PersonalDataFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["correlation", "personal_data"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Every line through the one console handler: Django's own handlers (the debug console, mail_admins with its
        # tracebacks) and runserver's request lines (django.server) would skip its filters.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Failures of other code are filtered where they are logged, so that every handler gets them clean.
        "django.request": {"filters": ["personal_data"]},
        "celery.app.trace": {"filters": ["personal_data"]},
        # SQL with its parameters (DEBUG only): never, whatever LOG_LEVEL says.
        "django.db.backends": {"level": "INFO"},
    },
}
