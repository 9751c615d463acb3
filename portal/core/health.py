"""The checks behind /healthz: database, broker and outbox backlog."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from portal.celery import app as celery_app
from portal.core import selectors


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "vendor": connection.vendor}


def check_broker() -> dict:
    transport = str(celery_app.conf.broker_url).split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        return {"ok": False, "transport": transport, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "transport": transport}


def check_outbox() -> dict:
    try:
        backlog = selectors.outbox_backlog()
    except Exception as exc:  # noqa: BLE001 - reported as part of the database failure
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    limit = settings.OUTBOX_HEALTHY_MAX_AGE_SECONDS
    return {
        "ok": backlog["oldest_unsent_seconds"] <= limit,
        "unsent": backlog["unsent"],
        "failed": backlog["failed"],
        "oldest_unsent_seconds": round(backlog["oldest_unsent_seconds"], 1),
        "max_age_seconds": limit,
    }


def health_report() -> dict:
    checks = {"database": check_database(), "broker": check_broker()}
    checks["outbox"] = check_outbox() if checks["database"]["ok"] else {"ok": False}
    return {"ok": all(check["ok"] for check in checks.values()), **checks}
