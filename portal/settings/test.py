"""The test suite: a fast hasher, and e-mail captured by anymail's test backend."""

from pathlib import Path

from portal.settings.base import *  # noqa: F403
from portal.settings.base import DATABASES, VAR_DIR
from portal.settings.env import env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="portal.core.mail_backends.RecordingTestBackend")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a worker process started by a test sees the same database.
    # Named after the database in DATABASE_URL, so separate checkouts can test side by side.
    _db_file = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_db_file.with_name(f"test-{_db_file.name}"))}
ACCOUNT_RATE_LIMITS = {"login_failed": "5/5m/key"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEST_MAIL_RECORD_DIR = env.str("TEST_MAIL_RECORD_DIR", default="")
TEST_MAIL_DELAY_SECONDS = env.float("TEST_MAIL_DELAY_SECONDS", default=0)
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    # Keep the suite's queue apart from the one `make run` uses.
    _broker_dir = VAR_DIR / "test-celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], BASE_DIR / "tests" / "templates"]  # noqa: F405
ORDER_WEBHOOK_SECRET = "test-order-webhook-secret"  # noqa: S105 - a test-only value
