"""Arbiter's settings, all from environment variables (django-environ).

The defaults are the embedded platform: SQLite, a filesystem Celery broker that needs no server,
media under ./var. Production sets DATABASE_URL (PostgreSQL), CELERY_BROKER_URL (Redis), SECRET_KEY
and DEBUG=false.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("ARBITER_VAR_DIR", default=str(BASE_DIR / "var")))

# Off unless asked for: an unexpected error is a logged id, never a debug page (config/errors.py).
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from the installed package, not a CDN
    "annotations",
    "learning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.errors.UnexpectedErrorMiddleware",  # innermost: sees what a view raises
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'arbiter.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the embedded Celery worker write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not memory, so a real Celery worker process can share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-arbiter.sqlite3")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [p for p in [FRONTEND_DIST] if p.is_dir()]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "media/"

AUTHENTICATION_BACKENDS = ["annotations.auth.backends.LockoutModelBackend"]
# Lockout: this many wrong passwords for one account (or three times as many from one address)
# within the window lock it for ARBITER_LOCKOUT_SECONDS; every refusal is logged (arbiter.security).
ARBITER_LOGIN_FAILURE_LIMIT = env.int("ARBITER_LOGIN_FAILURE_LIMIT", default=10)
ARBITER_LOGIN_FAILURE_WINDOW_SECONDS = env.int("ARBITER_LOGIN_FAILURE_WINDOW_SECONDS", default=60)
ARBITER_LOCKOUT_SECONDS = env.int("ARBITER_LOCKOUT_SECONDS", default=15 * 60)
# The lockout counters live in the cache: production shares one (Redis) across web workers.
CACHES = {"default": env.cache_url("ARBITER_CACHE_URL", default="locmemcache://")}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env.int("ARBITER_TOKEN_TTL_HOURS", default=7 * 24)),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": env.int("ARBITER_TOKENS_PER_USER", default=20),
    "AUTO_REFRESH": False,
}

# Privacy: the key of the keyed pseudonyms (annotations/privacy). Set it once per installation and
# never change it: a new key makes new pseudonyms, and re-imports would no longer match old rows.
# Unset, a development key is derived from SECRET_KEY and `check --deploy` reports an error.
ARBITER_PSEUDONYM_KEY = env.str("ARBITER_PSEUDONYM_KEY", default="")

# Transport security: production sets these from the environment (platform/env.example); with the
# compose configuration `manage.py check --deploy` is clean (tests/security/test_deploy_check.py).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# Uploads: big files go to disk, never to memory; the hard cap is ARBITER_MAX_UPLOAD_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    # Django's temporary-file handler, deleting its file at once when the disk is full.
    "annotations.api.upload_handlers.CleanTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ARBITER_MAX_UPLOAD_BYTES = env.int("ARBITER_MAX_UPLOAD_BYTES", default=2 * 1024**3)
# Decompression-bomb guard: any image whose declared rows x cols exceeds this is refused unread.
ARBITER_MAX_IMAGE_PIXELS = env.int("ARBITER_MAX_IMAGE_PIXELS", default=50_000_000)
ARBITER_ZIP_MAX_MEMBERS = env.int("ARBITER_ZIP_MAX_MEMBERS", default=200_000)
ARBITER_ZIP_MAX_TOTAL_BYTES = env.int("ARBITER_ZIP_MAX_TOTAL_BYTES", default=64 * 1024**3)
ARBITER_ZIP_MAX_RATIO = env.float("ARBITER_ZIP_MAX_RATIO", default=200.0)
ARBITER_RENDER_CACHE_DIR = Path(env.str("ARBITER_RENDER_CACHE_DIR", default=str(VAR_DIR / "render-cache")))
ARBITER_PREPROCESS_CACHE_DIR = Path(
    env.str("ARBITER_PREPROCESS_CACHE_DIR", default=str(VAR_DIR / "preprocess-cache"))
)
ARBITER_MODEL_DIR = Path(env.str("ARBITER_MODEL_DIR", default=str(VAR_DIR / "models")))
ARBITER_EXPORT_DIR = Path(env.str("ARBITER_EXPORT_DIR", default=str(VAR_DIR / "exports")))
ARBITER_PEDIATRIC_AGE_YEARS = env.float("ARBITER_PEDIATRIC_AGE_YEARS", default=10.0)
ARBITER_READ_LEASE_SECONDS = env.int("ARBITER_READ_LEASE_SECONDS", default=15 * 60)
# Claims a reader may hold at once (2: the item on screen and the next one, preloaded).
ARBITER_MAX_OPEN_CLAIMS = env.int("ARBITER_MAX_OPEN_CLAIMS", default=2)
# A reader may undo their last submitted first read for this long (while the item takes first reads).
ARBITER_UNDO_GRACE_SECONDS = env.int("ARBITER_UNDO_GRACE_SECONDS", default=60)
# Similar-case search is exact up to this many embeddings, approximate (FAISS IVF) beyond.
ARBITER_RETRIEVAL_EXACT_MAX = env.int("ARBITER_RETRIEVAL_EXACT_MAX", default=50_000)
ARBITER_MODEL_SIZE = env.str("ARBITER_MODEL_SIZE", default="tiny")
# The job lifecycle (annotations.services.jobs.lifecycle, job_reaper): the worker running a job or a
# training run beats every HEARTBEAT seconds (a thread: even inside a long call); one silent for
# STALE seconds lost its worker, and the reaper (a timer in every worker, every REAPER seconds, and
# beat) re-queues it (idempotent kinds, at most MAX_ATTEMPTS times) or fails it with the reason.
ARBITER_JOB_HEARTBEAT_SECONDS = env.float("ARBITER_JOB_HEARTBEAT_SECONDS", default=10.0)
ARBITER_JOB_STALE_SECONDS = env.float("ARBITER_JOB_STALE_SECONDS", default=60.0)
ARBITER_REAPER_SECONDS = env.float("ARBITER_REAPER_SECONDS", default=30.0)
ARBITER_JOB_MAX_ATTEMPTS = env.int("ARBITER_JOB_MAX_ATTEMPTS", default=3)
# A queued job's task (or a quiet scoring job's remaining chunks) is sent again after this long: a
# message lost with a worker killed between fetching it and claiming its job, or a broker outage.
# Duplicates are harmless (the claim skips them).
ARBITER_JOB_QUEUED_RESEND_SECONDS = env.float("ARBITER_JOB_QUEUED_RESEND_SECONDS", default=90.0)
# A failed import keeps its uploaded file this long (for a retry); every other upload goes when its job ends.
ARBITER_FAILED_UPLOAD_KEEP_HOURS = env.float("ARBITER_FAILED_UPLOAD_KEEP_HOURS", default=24.0)

REST_FRAMEWORK = {
    # The first class answers an anonymous request: a token class gives 401 with WWW-Authenticate
    # (session authentication has no challenge, so DRF would answer 403). Session still works.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Expiring, revocable, hashed API tokens (django-rest-knox); header `Authorization: Token <key>`.
        "annotations.auth.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # `format` is a render parameter (png|webp) here, not DRF's content-negotiation override.
    "URL_FORMAT_OVERRIDE": None,
    # Token creation is rate limited per client address on top of the per-account lockout.
    "DEFAULT_THROTTLE_RATES": {"auth": env.str("ARBITER_AUTH_THROTTLE_RATE", default="30/minute")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Arbiter API",
    "DESCRIPTION": "Studies, images, NLP and model labels, reads, adjudication and label-set exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: the embedded default uses the filesystem transport (no server); production uses Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("ARBITER_BROKER_DIR", default=str(VAR_DIR / "broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
    for _d in ("queue", "processed", "control"):
        (_broker_dir / _d).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith("redis"):
    # A task not acknowledged within this time is redelivered. Short is safe: a redelivered copy of a
    # task still running finds its job claimed with a fresh heartbeat and exits, and the reaper
    # recovers a dead worker's job sooner anyway. It must exceed the longest countdown (PACS retries).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", 300)}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"withhold_exception_text": {"()": "annotations.api.error_log.WithholdExceptionText"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # What escapes a middleware is logged here with its traceback: the stack, not the message.
        "django.request": {"filters": ["withhold_exception_text"]},
        "PyRuSH": {"level": "WARNING"},
        "medspacy": {"level": "WARNING"},
        "openjpeg": {"level": "WARNING"},
        "arbiter.security": {"level": "INFO"},
        # pydicom's validation warnings quote header values (UIDs, ids): never in the logs.
        "pydicom": {"level": "ERROR"},
    },
}
