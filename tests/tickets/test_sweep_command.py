"""How the sweep is run: the management command, the Celery task and its beat schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from portal import celery_app
from portal.core import services as outbox
from portal.core.models import OutboundEmail
from tickets import services, tasks
from tickets.models import Resolution, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

DAY0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # the frozen_monday instant
DAY = timedelta(days=1)


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """Record the outbox rows handed to the broker instead of queueing them for real."""
    ids: list[int] = []
    monkeypatch.setattr(outbox, "email_publish", lambda *, email_id: ids.append(email_id) or True)
    return ids


@pytest.fixture
def due_on_day_ten(premium_customer, us_engineer, frozen_monday) -> dict[str, list[Ticket]]:
    """On day 10: two tickets due for a reminder (asked on day 6), one due for its closure."""

    def ask(subject: str) -> Ticket:
        ticket = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject=subject,
            description="It fails every night.",
        ).ticket
        services.ticket_reply(
            ticket=ticket, engineer=us_engineer, body="Which version?", awaits_customer=True
        )
        return ticket

    closing = ask("Silent since day 0")
    frozen_monday.move_to(DAY0 + 4 * DAY)
    services.tickets_sweep()
    frozen_monday.move_to(DAY0 + 6 * DAY)
    reminding = [ask("Asked on day 6"), ask("Also asked on day 6")]
    frozen_monday.move_to(DAY0 + 8 * DAY)
    services.tickets_sweep()
    frozen_monday.move_to(DAY0 + 10 * DAY)
    return {"closing": [closing], "reminding": reminding}


def test_the_command_runs_one_pass_and_prints_the_counts(due_on_day_ten, published):
    out = StringIO()

    call_command("run_ticket_sweeps", stdout=out)

    now = DAY0 + 10 * DAY
    stuck = OutboundEmail.objects.filter(
        next_attempt_at__lte=now - timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
    )
    assert out.getvalue().strip() == (
        f"Reminders sent: 2; tickets closed: 1; e-mails handed out again: {stuck.count()}"
    )
    assert sorted(published) == sorted(stuck.values_list("pk", flat=True))
    (closing,) = due_on_day_ten["closing"]
    closing.refresh_from_db()
    assert (closing.status, closing.resolution) == (Status.CLOSED, Resolution.AUTO_CLOSED)
    for ticket in due_on_day_ten["reminding"]:
        ticket.refresh_from_db()
        assert ticket.contact_attempts == 2


def test_a_second_command_run_finds_nothing_left(due_on_day_ten, published):
    call_command("run_ticket_sweeps", stdout=StringIO())
    mails = OutboundEmail.objects.count()
    out = StringIO()

    call_command("run_ticket_sweeps", stdout=out)

    assert out.getvalue().startswith("Reminders sent: 0; tickets closed: 0; ")
    assert OutboundEmail.objects.count() == mails


def test_the_celery_task_runs_the_sweep(due_on_day_ten):
    first = tasks.run_ticket_sweeps.apply()
    second = tasks.run_ticket_sweeps.apply()

    assert first.successful(), first.traceback
    assert first.get() == {"reminded": 2, "closed": 1}
    assert second.get() == {"reminded": 0, "closed": 0}
    assert Ticket.objects.filter(resolution=Resolution.AUTO_CLOSED).count() == 1


def test_beat_runs_the_task_on_its_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["ticket-sweeps"]

    assert entry["task"] == "tickets.tasks.run_ticket_sweeps"
    assert entry["schedule"] == float(settings.TICKET_SWEEP_SECONDS)
    assert celery_app.conf.beat_schedule["ticket-sweeps"]["task"] == entry["task"]
    celery_app.loader.import_default_modules()
    assert entry["task"] in celery_app.tasks
    assert tasks.run_ticket_sweeps.name == entry["task"]
