from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.celery import app as celery_app
from tests.factories import OutboundEmailFactory
from tests.workers import free_port

pytestmark = pytest.mark.django_db


def test_healthy_portal_reports_every_check(client):
    OutboundEmailFactory()

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["outbox"]["unsent"] == 1


def test_unreachable_broker_makes_the_portal_unhealthy(client, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert "error" in body["broker"]
    assert body["database"]["ok"] is True


def test_an_old_outbox_backlog_makes_the_portal_unhealthy(client, settings):
    settings.OUTBOX_HEALTHY_MAX_AGE_SECONDS = 600
    written = timezone.now() - timedelta(minutes=11)
    OutboundEmailFactory(created_at=written, next_attempt_at=written)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["outbox"]["ok"] is False
    assert response.json()["outbox"]["oldest_unsent_seconds"] >= 660


def test_sent_and_failed_mail_is_no_backlog(client):
    old = timezone.now() - timedelta(days=1)
    OutboundEmailFactory(created_at=old, status="sent")
    OutboundEmailFactory(created_at=old, status="failed")

    body = client.get("/healthz").json()

    assert body["outbox"]["ok"] is True
    assert body["outbox"]["unsent"] == 0
    assert body["outbox"]["failed"] == 1


def test_mail_written_to_go_out_later_waits_from_its_due_time(client, settings):
    """A survey invitation waits an hour after the closure mail: no backlog until it is due."""
    settings.OUTBOX_HEALTHY_MAX_AGE_SECONDS = 600
    now = timezone.now()
    OutboundEmailFactory(
        created_at=now - timedelta(minutes=50), next_attempt_at=now + timedelta(minutes=10)
    )

    body = client.get("/healthz").json()

    assert body["outbox"]["ok"] is True
    assert body["outbox"]["oldest_unsent_seconds"] == 0


def test_mail_the_provider_keeps_refusing_counts_from_when_it_was_written(client, settings):
    settings.OUTBOX_HEALTHY_MAX_AGE_SECONDS = 600
    now = timezone.now()
    OutboundEmailFactory(
        created_at=now - timedelta(minutes=20),
        next_attempt_at=now + timedelta(minutes=30),
        attempts=4,
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["outbox"]["oldest_unsent_seconds"] >= 1200
