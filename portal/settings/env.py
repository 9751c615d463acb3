"""Read configuration from the environment, failing with a message that names the variable."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss"}


def is_set(name: str) -> bool:
    return bool(os.environ.get(name, "").strip())


def database_from_env(*, default_sqlite: Path, name: str = "DATABASE_URL") -> dict:
    """Return Django's DATABASES entry for ``name``, or the embedded SQLite file when unset."""
    if not is_set(name):
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            # Writers queue for the lock instead of failing at once ("database is locked").
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    raw = os.environ[name].strip()
    parts = urlsplit(raw)
    if parts.scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} is not a usable database URL (got scheme {parts.scheme or 'none'!r}); "
            "expected postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH"
        )
    if parts.scheme != "sqlite":
        try:
            port = parts.port
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} has an invalid port: {exc}") from exc
        if not parts.hostname or not parts.path.strip("/"):
            raise ImproperlyConfigured(
                f"{name} must name a host and a database, "
                "e.g. postgres://novadesk@127.0.0.1:5432/novadesk"
            )
        del port
    config = env.db_url_config(raw)
    if parts.scheme == "sqlite":
        config["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    else:
        # PostgreSQL's default page cost (4) prices random reads for spinning disks; on solid
        # state storage, or with the tables in memory, it makes the planner read a whole table
        # instead of an index (the help centre's full-text search took 25 ms that way instead of
        # 3). Every connection starts with the cost of solid state storage unless told otherwise.
        cost = env.float("DATABASE_RANDOM_PAGE_COST", default=1.1)
        if cost <= 0:
            raise ImproperlyConfigured(
                f"DATABASE_RANDOM_PAGE_COST must be a positive number (got {cost})"
            )
        config.setdefault("OPTIONS", {})["options"] = f"-c random_page_cost={cost}"
    config.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    config["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
    return config


def redis_url_from_env(name: str = "REDIS_URL") -> str | None:
    """Return the Redis URL in ``name`` after checking its form, or None when unset."""
    if not is_set(name):
        return None
    raw = os.environ[name].strip()
    parts = urlsplit(raw)
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} is not a usable Redis URL (got {raw!r}); expected redis://HOST:PORT/DB"
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} has an invalid port: {exc}") from exc
    return raw


# E-mail backends that reach nobody: fine for development, never a mail provider.
NON_DELIVERING_EMAIL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "anymail.backends.test.EmailBackend",
    }
)


def required(name: str) -> str:
    """Return a value production cannot run without."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production")
    return value


def bool_from_env(name: str, default: bool) -> bool:
    try:
        return env.bool(name, default=default)
    except (ValueError, ImproperlyConfigured) as exc:
        raise ImproperlyConfigured(f"{name} must be true or false: {exc}") from exc


def int_from_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from exc


def list_from_env(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
