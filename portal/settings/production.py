"""Production: every secret from the environment, HTTPS only, Redis and PostgreSQL required."""

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, INBOUND_EMAIL_PROVIDER, REDIS_URL
from portal.settings.env import (
    NON_DELIVERING_EMAIL_BACKENDS,
    bool_from_env,
    int_from_env,
    list_from_env,
    required,
)

DEPLOYMENT = "production"
DEBUG = False
SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = list_from_env("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the public host names in production")
CSRF_TRUSTED_ORIGINS = list_from_env("DJANGO_CSRF_TRUSTED_ORIGINS", [])
required("DATABASE_URL")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL must be set in production (Celery broker and cache)")
EMAIL_BACKEND = required("EMAIL_BACKEND")
if EMAIL_BACKEND in NON_DELIVERING_EMAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND} delivers no mail; production needs a mail provider "
        "(an anymail backend such as anymail.backends.postmark.EmailBackend)"
    )
ORDER_WEBHOOK_SECRET = required("ORDER_WEBHOOK_SECRET")
# Support is granted only for orders the shop reports as paid.
SHOP_CHECKOUT_URL = required("SHOP_CHECKOUT_URL")
SHOP_LOCAL_CHECKOUT = False
# Without it anyone could post mail into tickets through the provider's inbound webhook.
if INBOUND_EMAIL_PROVIDER and ":" not in required("ANYMAIL_WEBHOOK_SECRET"):
    raise ImproperlyConfigured("ANYMAIL_WEBHOOK_SECRET must have the form user:password")
# Links in e-mails point here; allauth takes http or https from it (see base settings).
SITE_URL = required("SITE_URL").rstrip("/")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = bool_from_env("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int_from_env("DJANGO_SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
