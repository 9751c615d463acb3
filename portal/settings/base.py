"""Settings shared by every environment. Each value comes from the environment or a safe default."""

from __future__ import annotations

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from portal.settings.env import (
    BASE_DIR,
    bool_from_env,
    database_from_env,
    env,
    int_from_env,
    list_from_env,
    redis_url_from_env,
)

VAR_DIR = BASE_DIR / "var"

# --- Core -----------------------------------------------------------------------------------
# "production" makes the project's safety checks (portal/core/checks.py) errors, not warnings.
DEPLOYMENT = "development"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = bool_from_env("DJANGO_DEBUG", False)
ALLOWED_HOSTS = list_from_env("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "allauth",
    "allauth.account",
    "anymail",
    "csp",
    "django_countries",
    "phonenumber_field",
    "portal.core",
    "portal.accounts",
    "teams",
    "entitlements",
    "tickets",
    "surveys",
    "telemetry",
    "partners",
    "onsite",
    "betas",
    "knowledge",
    "portal.demo",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.accounts.staff.StaffPasswordMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Data -----------------------------------------------------------------------------------
DATABASES = {"default": database_from_env(default_sqlite=VAR_DIR / "novadesk.sqlite3")}
# Every request is one transaction, so a change and the outbox mail it causes commit together.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE) are PostgreSQL's; SQLite keeps the index without the extra
    # columns, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = redis_url_from_env()

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "novadesk",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read from the cache and written through to the database, so a signed-in page
# reads no session row; signing out deletes both copies. Without Redis: the database alone.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")

# --- Accounts -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Staff only: at least 14 characters, letters and digits, not a common password.
    {"NAME": "portal.accounts.validators.StaffPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "portal.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "portal.accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[NovaDesk] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# Failed sign-ins are throttled per client address and per account.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = None

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files live outside the web root and are served only through views that check access.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="NovaDesk Support <support@novadesk.test>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the contact form's licensing and sales questions go.
SALES_EMAIL = env.str("SALES_EMAIL", default="sales@novadesk.test")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_") and value
}
EMAIL_TIMEOUT = int_from_env("EMAIL_TIMEOUT", 30)
# The outbox: how long a worker may hold a row while sending, when a stuck row is handed out
# again, how often a failing row is tried, and what backlog makes /healthz unhealthy.
OUTBOX_LEASE_SECONDS = int_from_env("OUTBOX_LEASE_SECONDS", 120)
OUTBOX_REQUEUE_AFTER_SECONDS = int_from_env("OUTBOX_REQUEUE_AFTER_SECONDS", 60)
OUTBOX_MAX_ATTEMPTS = int_from_env("OUTBOX_MAX_ATTEMPTS", 12)
OUTBOX_RETRY_BASE_SECONDS = int_from_env("OUTBOX_RETRY_BASE_SECONDS", 30)
OUTBOX_HEALTHY_MAX_AGE_SECONDS = int_from_env("OUTBOX_HEALTHY_MAX_AGE_SECONDS", 900)
# Sent mail carries live links (private links, survey and reset links): after this many days
# the bodies of sent rows are redacted, keeping only what the admin shows.
OUTBOX_BODY_RETENTION_DAYS = int_from_env("OUTBOX_BODY_RETENTION_DAYS", 7)

# --- Support requests -----------------------------------------------------------------------
TICKET_ID_PREFIX = env.str("TICKET_ID_PREFIX", default="NS")
TICKET_ATTACHMENT_MAX_BYTES = int_from_env("TICKET_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
TICKET_ATTACHMENTS_MAX_TOTAL_BYTES = int_from_env(
    "TICKET_ATTACHMENTS_MAX_TOTAL_BYTES", 50 * 1024 * 1024
)
TICKET_ATTACHMENTS_PER_MESSAGE = int_from_env("TICKET_ATTACHMENTS_PER_MESSAGE", 5)
# Auto-close: a silent customer gets this many contact attempts; the ticket closes when they
# are all unanswered and the window since the first has passed. Reminders fill the gaps.
TICKET_CONTACT_ATTEMPTS = int_from_env("TICKET_CONTACT_ATTEMPTS", 3)
TICKET_AUTOCLOSE_DAYS = int_from_env("TICKET_AUTOCLOSE_DAYS", 10)
TICKET_REMINDER_INTERVAL_DAYS = int_from_env("TICKET_REMINDER_INTERVAL_DAYS", 4)
TICKET_SWEEP_BATCH = int_from_env("TICKET_SWEEP_BATCH", 1000)
TICKET_SWEEP_SECONDS = int_from_env("TICKET_SWEEP_SECONDS", 60)
# The assignee is warned this long (wall time) before a first response is due; the escalation
# sweep runs with the other ticket sweeps, every TICKET_SWEEP_SECONDS.
TICKET_ESCALATION_WARNING_MINUTES = int_from_env("TICKET_ESCALATION_WARNING_MINUTES", 60)
# Stored files no attachment refers to (their transaction rolled back) go after this long.
TICKET_ORPHAN_FILE_HOURS = int_from_env("TICKET_ORPHAN_FILE_HOURS", 6)
# Private links stop working this many days after the ticket closes.
TICKET_LINK_DAYS_AFTER_CLOSE = int_from_env("TICKET_LINK_DAYS_AFTER_CLOSE", 30)
# A reply by e-mail within this many days of the closing reopens the request; a later one
# starts a new request that follows it.
TICKET_REOPEN_BY_REPLY_DAYS = int_from_env("TICKET_REOPEN_BY_REPLY_DAYS", 14)
# Replies to notification mails go to reply+<ticket>.<token>@INBOUND_EMAIL_DOMAIN.
INBOUND_EMAIL_DOMAIN = env.str("INBOUND_EMAIL_DOMAIN", default="reply.novadesk.test")
# The mail provider whose inbound webhook is mounted (only that one), e.g. "postmark".
INBOUND_EMAIL_PROVIDER = env.str("INBOUND_EMAIL_PROVIDER", default="postmark")
# Every notification carries a new reply token; one that has been superseded keeps working
# this many days, after which mail sent with it goes to the quarantine.
TICKET_REPLY_TOKEN_GRACE_DAYS = int_from_env("TICKET_REPLY_TOKEN_GRACE_DAYS", 14)
TICKET_RATE_SUBMIT = env.str("TICKET_RATE_SUBMIT", default="10/h")
TICKET_RATE_COMMENT = env.str("TICKET_RATE_COMMENT", default="60/h")
TICKET_RATE_LINK = env.str("TICKET_RATE_LINK", default="120/h")
# Where the client address for per-address limits comes from; behind a proxy that sets it,
# e.g. HTTP_X_REAL_IP.
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")

# --- Help centre and contact route ----------------------------------------------------------
# "Was this helpful?" answers per address; suggestions while typing a request, per customer.
KNOWLEDGE_RATE_FEEDBACK = env.str("KNOWLEDGE_RATE_FEEDBACK", default="30/h")
KNOWLEDGE_RATE_SUGGEST = env.str("KNOWLEDGE_RATE_SUGGEST", default="120/m")
# The sales contact form per address, and verification mails sent again per address and account.
CONTACT_RATE_SUBMIT = env.str("CONTACT_RATE_SUBMIT", default="5/h")
VERIFICATION_RESEND_RATE = env.str("VERIFICATION_RESEND_RATE", default="3/h")

# --- Surveys --------------------------------------------------------------------------------
SURVEY_INVITATION_DAYS = int_from_env("SURVEY_INVITATION_DAYS", 30)
# The invitation follows the closure mail by this many minutes.
SURVEY_INVITATION_DELAY_MINUTES = int_from_env("SURVEY_INVITATION_DELAY_MINUTES", 60)
SURVEY_RATE_LINK = env.str("SURVEY_RATE_LINK", default="120/h")

# --- Customer Experience Programme (usage reports) -------------------------------------------
TELEMETRY_MAX_BATCH = int_from_env("TELEMETRY_MAX_BATCH", 500)
# Request bodies: as sent (gzip or not) and after inflating; larger ones are refused with 413.
TELEMETRY_MAX_BODY_BYTES = int_from_env("TELEMETRY_MAX_BODY_BYTES", 4 * 1024 * 1024)
TELEMETRY_MAX_INFLATED_BYTES = int_from_env("TELEMETRY_MAX_INFLATED_BYTES", 16 * 1024 * 1024)
TELEMETRY_RETENTION_DAYS = int_from_env("TELEMETRY_RETENTION_DAYS", 90)
TELEMETRY_PARTITIONS_AHEAD_DAYS = int_from_env("TELEMETRY_PARTITIONS_AHEAD_DAYS", 7)
# What clients are told: report again after this many seconds (more when they push too hard).
TELEMETRY_REPORT_INTERVAL_SECONDS = int_from_env("TELEMETRY_REPORT_INTERVAL_SECONDS", 86400)
# A send time further from the receive time than this is clamped (and counted).
TELEMETRY_SENT_AT_MAX_AGE_DAYS = int_from_env("TELEMETRY_SENT_AT_MAX_AGE_DAYS", 30)
TELEMETRY_SENT_AT_MAX_AHEAD_SECONDS = int_from_env("TELEMETRY_SENT_AT_MAX_AHEAD_SECONDS", 3600)
# Rate limits per minute: requests per client address, reports per installation.
TELEMETRY_RATE_REQUESTS_PER_ADDRESS = int_from_env("TELEMETRY_RATE_REQUESTS_PER_ADDRESS", 120)
TELEMETRY_RATE_REPORTS_PER_INSTALLATION = int_from_env(
    "TELEMETRY_RATE_REPORTS_PER_INSTALLATION", 1000
)
# Free-text values (installed programs, OS edition, CPU model) are kept in clear only once this
# many distinct installations have sent the same value; until then only a keyed hash is kept.
TELEMETRY_K_ANONYMITY = int_from_env("TELEMETRY_K_ANONYMITY", 5)
# Key of that hash (HMAC-SHA256); defaults to one derived from the secret key.
TELEMETRY_VALUE_HASH_KEY = env.str("TELEMETRY_VALUE_HASH_KEY", default="")

# --- Online shop ----------------------------------------------------------------------------
# Order notifications are signed with this secret (HMAC-SHA256 of the raw body).
ORDER_WEBHOOK_SECRET = env.str("ORDER_WEBHOOK_SECRET", default="")
# Where "Checkout" sends the customer; empty: checkout completes locally through the same
# signed notification the shop would send (development and demos only: the local checkout
# grants support without a payment, so production turns it off and requires the shop).
SHOP_CHECKOUT_URL = env.str("SHOP_CHECKOUT_URL", default="")
SHOP_LOCAL_CHECKOUT = bool_from_env("SHOP_LOCAL_CHECKOUT", True)
# Order claims (page and API together) per account and per client address, so reference and
# e-mail pairs cannot be tried in bulk.
ORDER_CLAIM_RATE = env.str("ORDER_CLAIM_RATE", default="20/h")
ORDER_CLAIM_RATE_PER_ADDRESS = env.str("ORDER_CLAIM_RATE_PER_ADDRESS", default="60/h")

# --- Celery ---------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Unacknowledged tasks of a worker that died come back after this many seconds.
        "visibility_timeout": int_from_env("CELERY_VISIBILITY_TIMEOUT", 3600),
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }
else:
    # Embedded default: a broker kept in files, so a worker runs for real without any server.
    _broker_dir = VAR_DIR / "celery-broker"
    # The host part is unused by the file transport; naming one keeps kombu from warning.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
# What tasks print (the console mail backend's e-mails, in development) is information.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "outbox-requeue-stuck": {
        "task": "portal.core.tasks.outbox_requeue_stuck",
        "schedule": float(int_from_env("OUTBOX_SWEEP_SECONDS", 30)),
    },
    # Sent mail keeps no live links past OUTBOX_BODY_RETENTION_DAYS.
    "outbox-redact-bodies": {
        "task": "portal.core.tasks.outbox_redact_bodies",
        "schedule": 3600.0,
    },
    "telemetry-partitions": {
        "task": "telemetry.tasks.partitions_maintain",
        "schedule": 3600.0,
    },
    "telemetry-rollup": {
        "task": "telemetry.tasks.rollup_recent",
        "schedule": float(int_from_env("TELEMETRY_ROLLUP_SECONDS", 900)),
    },
    "ticket-orphan-files": {
        "task": "tickets.tasks.remove_orphan_attachments",
        "schedule": 3600.0,
    },
    "ticket-sweeps": {
        "task": "tickets.tasks.run_ticket_sweeps",
        "schedule": float(TICKET_SWEEP_SECONDS),
    },
    "ticket-escalations": {
        "task": "tickets.tasks.run_ticket_escalations",
        "schedule": float(TICKET_SWEEP_SECONDS),
    },
}

# --- Partners (ValueCREATE!) ----------------------------------------------------------------
# NFR licences run much longer than the standard product evaluation; their holders are
# reminded this many days before they expire. Invitation links expire after some days.
PRODUCT_EVALUATION_DAYS = int_from_env("PRODUCT_EVALUATION_DAYS", 30)
NFR_EVALUATION_DAYS = int_from_env("NFR_EVALUATION_DAYS", 365)
NFR_REMINDER_DAYS = int_from_env("NFR_REMINDER_DAYS", 30)
PARTNER_INVITATION_DAYS = int_from_env("PARTNER_INVITATION_DAYS", 14)
# Where partner applications go, and pre-sales/NFR requests of partners without a sales rep.
PARTNER_SALES_EMAIL = env.str("PARTNER_SALES_EMAIL", default="sales@novadesk.test")
CELERY_BEAT_SCHEDULE["nfr-expiry-reminders"] = {
    "task": "partners.tasks.send_nfr_expiry_reminders",
    "schedule": float(int_from_env("NFR_REMINDER_SWEEP_SECONDS", 3600)),
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "portal.accounts.authentication.LanguageTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's own parsers, with JSON bounded in depth (a deeply nested body answers 400).
    "DEFAULT_PARSER_CLASSES": [
        "portal.core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NovaDesk API",
    "DESCRIPTION": "Support requests, entitlements and usage reports of NovaDesk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "TicketCategoryEnum": "entitlements.models.Category",
        "ArticleCategoryEnum": "knowledge.models.ArticleCategory",
    },
}

# --- Security headers -----------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Paths lose their link tokens and keys ("Not Found: /t/<token>/" would name one).
    "filters": {"redact_paths": {"()": "portal.core.logredact.RedactPaths"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_paths"],
        }
    },
    "loggers": {"django.request": {"filters": ["redact_paths"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
