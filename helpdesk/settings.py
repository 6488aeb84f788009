"""Settings, all read from the environment (twelve-factor); `.env.example` lists each one."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets ModelAdmin, inlines and ModelForm take type arguments at run time (`ModelAdmin[Ticket]`),
# as mypy's disallow_any_generics asks of the admin modules.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("HELPDESK_DEV", False):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (or DEBUG / HELPDESK_DEV for development)"
        )
    # Development only: `make run` / `make test` set HELPDESK_DEV; production must set its own.
    SECRET_KEY = "dev-insecure-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# The trusted-proxy switch: on only when every request reaches us through our own reverse
# proxy (docker/nginx.conf), which sets X-Forwarded-Proto and X-Forwarded-For itself.
SECURE_TRUSTED_PROXY = env_bool("SECURE_TRUSTED_PROXY", False)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "anymail",
    "channels",
    "customers",
    "tickets",
    "channels_inbox",
    "surveys",
    "helpcentre",
    "privacy",
    "reports",
    "desk",
    "portal",
    # Sign-in throttling (its own migrations); `helpdesk` connects project-wide receivers.
    "axes",
    "helpdesk.apps.HelpdeskConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helpdesk.middleware.DatabaseBusyMiddleware",
    # Turns axes' lockout flag into its response; axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE for <html lang>: the active language, not always "en".
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
# No JIT: our statements are short index reads whose cost estimates still cross PostgreSQL's
# JIT threshold at a million tickets, and compiling them costs more than running them (the
# desk's views column: 250 ms with JIT, 73 ms without, measured by bench/desk.py).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Django's own psycopg pool; CONN_MAX_AGE must stay 0 with it (STACK.md: persistent
# connections under ASGI exhausted PostgreSQL).
if env_bool("DATABASE_POOL", True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "10")),
        # Seconds a request waits for a free connection before PoolTimeout, which
        # helpdesk.middleware answers with 503 + Retry-After (not a 500).
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "helpdesk"),
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("CHANNEL_PREFIX", "asgi")},
    }
}

# --- Celery ------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "celery")

# --- Auth, i18n, static ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/desk/signin/"
# axes first (our subclass of AxesStandaloneBackend): it refuses a locked-out
# account+address before any password is hashed. PasswordCheckBackend is ModelBackend with a
# bound on concurrent password checks.
AUTHENTICATION_BACKENDS = [
    "helpdesk.auth_api.SigninLockoutBackend",
    "helpdesk.auth_api.PasswordCheckBackend",
]

# --- Sign-in throttling (django-axes) -------------------------------------------------------
# Every sign-in goes through django.contrib.auth.authenticate(request=...): the admin login,
# POST /api/v1/auth/token/, and later the desk and portal sign-in pages.
# Failures per account+address before a lock-out; the address alone gets
# AXES_IP_FAILURE_LIMIT (looser: a shared office address has many agents).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "50"))
# Two counters: account+address, address alone (helpdesk.auth_api.SigninFailureHandler).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
# Minutes a lock-out lasts (a failure during it starts it again).
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
# Counts live in Redis (the default cache), not in PostgreSQL: the database handler writes
# and locks a row on every failure, in the very burst that must not tie up the pool.
AXES_HANDLER = "helpdesk.auth_api.SigninFailureHandler"
AXES_CLIENT_IP_CALLABLE = "helpdesk.auth_api.client_ip"
AXES_LOCKOUT_CALLABLE = "helpdesk.auth_api.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Password checks at a time per process, and how long a sign-in waits for its turn
# (helpdesk.auth_api.PasswordCheckBackend).
HELPDESK_SIGNIN_CONCURRENCY = int(os.environ.get("HELPDESK_SIGNIN_CONCURRENCY", "2"))
HELPDESK_SIGNIN_WAIT_SECONDS = float(os.environ.get("HELPDESK_SIGNIN_WAIT_SECONDS", "5"))
# --- Customer portal sign-in (django-sesame links, portal.signin) ------------------------------
# A link works once and for 15 minutes; a customer's session ends after 30 idle minutes.
SESAME_MAX_AGE = 15 * 60
SESAME_ONE_TIME = True
PORTAL_SESSION_IDLE_SECONDS = 30 * 60
# Link requests per address and per client address in an hour (portal.signin).
PORTAL_LINKS_PER_ADDRESS = int(os.environ.get("PORTAL_LINKS_PER_ADDRESS", "5"))
PORTAL_LINKS_PER_IP = int(os.environ.get("PORTAL_LINKS_PER_IP", "20"))
# New requests from the public web form per address and per client address in an hour
# (portal.new_request); signed-in customers are not limited.
PORTAL_REQUESTS_PER_ADDRESS = int(os.environ.get("PORTAL_REQUESTS_PER_ADDRESS", "5"))
PORTAL_REQUESTS_PER_IP = int(os.environ.get("PORTAL_REQUESTS_PER_IP", "20"))
# --- Privacy (privacy app) ----------------------------------------------------------------
# Closed tickets older than this many months are anonymised by a nightly beat task (0: never).
PRIVACY_RETENTION_MONTHS = int(os.environ.get("PRIVACY_RETENTION_MONTHS", "0"))
# A "download my data" ZIP can be downloaded for this many days, then it is removed.
PRIVACY_EXPORT_DAYS = 7
# Export ZIPs live outside MEDIA_ROOT and STATIC_ROOT: only the portal's owner check serves them.
PRIVACY_EXPORT_ROOT = Path(
    os.environ.get("PRIVACY_EXPORT_ROOT", BASE_DIR / "var" / "private" / "exports")
)
# API tokens expire after this many hours (0: never); an expired one answers 401.
HELPDESK_API_TOKEN_TTL_HOURS = int(os.environ.get("HELPDESK_API_TOKEN_TTL_HOURS", "720"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("nl", "Nederlands"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
# An agent's choice in the desk's user menu (Django's set_language) outlives the browser
# session; without the cookie the browser's Accept-Language decides.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_TZ = True

# --- Customer portal branding (portal.branding) --------------------------------------------
# The organisation's name in the portal's header and in the sign-in emails.
PORTAL_ORGANISATION_NAME = os.environ.get("PORTAL_ORGANISATION_NAME", "Festival Care")
# A logo this site serves (a path such as /static/… or /media/…: the CSP loads images only
# from us); empty: our own plain logo (static/portal/logo.svg).
PORTAL_LOGO_URL = os.environ.get("PORTAL_LOGO_URL", "")
# The header's colour, #rrggbb only (anything else falls back to this default, so it can never
# carry CSS); the text on it is white or dark, whichever contrasts more (WCAG AA).
PORTAL_BRAND_COLOUR = os.environ.get("PORTAL_BRAND_COLOUR", "#1d6b73")
# When people answer, in words; empty: "Monday to Friday, 09:00-17:00" in the reader's language.
PORTAL_SUPPORT_HOURS = os.environ.get("PORTAL_SUPPORT_HOURS", "")
# Sign-in codes by WhatsApp (portal.signin_code): outside Meta's 24-hour window only an
# approved authentication template may go out; its name here (empty: no code then).
PORTAL_WHATSAPP_CODE_TEMPLATE = os.environ.get("PORTAL_WHATSAPP_CODE_TEMPLATE", "")

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Email -------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@helpdesk.localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "MAILER_BACKEND", "django.core.mail.backends.console.EmailBackend"
        ),
        "OPTIONS": {},
    }
}
if os.environ.get("EMAIL_HOST"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ["EMAIL_HOST"],
        "port": int(os.environ.get("EMAIL_PORT", "25")),
    }

# `make run` (helpdesk.dev) sends the demo's mail to files in this folder, which the page
# /dev/mail/ lists (helpdesk.dev_mail); that page exists only with HELPDESK_DEV or DEBUG.
HELPDESK_DEV = env_bool("HELPDESK_DEV", False)
HELPDESK_DEV_MAILBOX = Path(os.environ.get("HELPDESK_DEV_MAILBOX", BASE_DIR / "var" / "mail"))

# Inbound webhooks: anymail's shared basic-auth secret ("user:password"; several with commas)
# and the ESPs' own signing keys. Unset, anymail warns that the webhooks are open.
ANYMAIL = {
    key: value
    for key, value in {
        "WEBHOOK_SECRET": env_list("ANYMAIL_WEBHOOK_SECRET") or None,
        "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY"),
        "POSTMARK_SERVER_TOKEN": os.environ.get("POSTMARK_SERVER_TOKEN"),
        "SENDGRID_API_KEY": os.environ.get("SENDGRID_API_KEY"),
        "MAILGUN_API_KEY": os.environ.get("MAILGUN_API_KEY"),
    }.items()
    if value
}
# Whole inbound emails arrive in one request body.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(
    os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(32 * 1024 * 1024))
)

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "helpdesk.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tickets.permissions.IsAgent"],
    # JSON with a bound on nesting: 100,000 `[` is a 400, not a RecursionError (a 500).
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.pagination.IdCursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Services' refusals (helpdesk.errors.DomainError) become responses in one place.
    "EXCEPTION_HANDLER": "helpdesk.api_errors.exception_handler",
    # Anonymous requests by address, signed-in ones by user; the token endpoint has its own.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "auth_token": os.environ.get("API_THROTTLE_SIGNIN", "20/min"),
    },
    # The address DRF throttles by: REMOTE_ADDR, or behind our own proxy the right-most
    # X-Forwarded-For entry (by default DRF would trust whatever X-Forwarded-For says).
    "NUM_PROXIES": 1 if SECURE_TRUSTED_PROXY else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Helpdesk API",
    "DESCRIPTION": "Customers, tickets, messages and teams of the multichannel helpdesk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Helpdesk domain ---------------------------------------------------------------------
# Region used to read phone numbers written without a country code ("06 12345678").
HELPDESK_DEFAULT_PHONE_REGION = os.environ.get("HELPDESK_DEFAULT_PHONE_REGION", "NL")
# A solved ticket is closed (read-only; later contacts open a follow-up) after this many days.
HELPDESK_CLOSE_SOLVED_AFTER_DAYS = int(os.environ.get("HELPDESK_CLOSE_SOLVED_AFTER_DAYS", "4"))
# Inbound mails per sender per hour before the rest are kept but not ingested (mail storms).
HELPDESK_EMAIL_SENDER_LIMIT = int(os.environ.get("HELPDESK_EMAIL_SENDER_LIMIT", "30"))
# Largest file kept from a customer (email attachments, Meta media); larger ones are named on
# the message instead.
HELPDESK_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("HELPDESK_ATTACHMENT_MAX_BYTES", str(15 * 1024 * 1024))
)
# Outbound delivery retries before a message is marked failed.
HELPDESK_SEND_MAX_ATTEMPTS = int(os.environ.get("HELPDESK_SEND_MAX_ATTEMPTS", "5"))

# --- Security ----------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# X-Forwarded-Proto (is the request HTTPS?) and X-Forwarded-For (the client's address, for
# throttling) are believed only behind our own reverse proxy, which overwrites them
# (docker/nginx.conf). Without it anyone could claim HTTPS or any address.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_TRUSTED_PROXY else None
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# The compose health checks call /healthz over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a commitment made on hstspreload.org for the whole domain; the
    # operator opts in with SECURE_HSTS_PRELOAD=true, it is not ours to make by default.
    "security.W021",
    # drf-spectacular's schema hints, run by `check --deploy`: today only enum component
    # naming (e.g. two `direction` choice sets become "DirectionFbdEnum"), cosmetic for the
    # schema and not a deployment risk. Its W002 (schema errors) and E001 stay on.
    "drf_spectacular.W001",
]
# Content-Security-Policy on every response (Django's own middleware). Scripts only from us
# or with the request's nonce; styles from us or inline (Swagger UI's page and the chat
# widget's shadow root carry inline styles, and style cannot run code); XHR and websockets
# ('self' covers ws:/wss: to this host) only to us; no plugins, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Chat, phone and Meta channels ---------------------------------------------------------
# Meta app secret: every POST to /webhooks/meta/ must carry X-Hub-Signature-256 made with it.
META_APP_SECRET = os.environ.get("META_APP_SECRET", "")
# The token Meta echoes in the GET verify-token handshake of /webhooks/meta/.
META_VERIFY_TOKEN = os.environ.get("META_VERIFY_TOKEN", "")
# Graph API base URL (tests point it at a local fake).
META_GRAPH_URL = os.environ.get("META_GRAPH_URL", "https://graph.facebook.com/v21.0")
# Twilio auth token: X-Twilio-Signature on /webhooks/twilio/voice/ is checked with it.
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
# Chat messages one visitor may send per minute.
HELPDESK_CHAT_RATE_LIMIT = int(os.environ.get("HELPDESK_CHAT_RATE_LIMIT", "20"))
