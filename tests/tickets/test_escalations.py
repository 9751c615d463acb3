"""First-response escalations: the assignee's warning before the due time, the support leads'
mail after it, each once, whoever runs the sweep and how often."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from portal.core import services as outbox
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory
from tests.tickets.conftest import engineer
from tests.tickets.test_sweep_race import finished, in_thread
from tickets import services, tasks
from tickets.models import Status, Ticket, TicketEvent

WARNING = "ticket_first_response_warning"
ESCALATED = "ticket_escalated"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)

# Frozen first: the customer's support starts on the frozen Monday.
pytestmark = pytest.mark.usefixtures("frozen_monday")


# --- Helpers ----------------------------------------------------------------------------------


def lead(email: str, team: str):
    """A support lead of ``team``, who takes no requests of their own."""
    user = engineer(email, team)
    user.groups.add(Group.objects.get(name=roles.SUPPORT_LEAD))
    user.engineer.takes_new_tickets = False
    user.engineer.save(update_fields=["takes_new_tickets"])
    return user


def due_at(ticket: Ticket, due: datetime) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due=due)
    ticket.refresh_from_db()
    return ticket


def mails(tag: str, ticket: Ticket):
    return OutboundEmail.objects.filter(tag=tag, subject__contains=ticket.ticket_id)


def events(ticket: Ticket, action: str):
    return TicketEvent.objects.filter(ticket=ticket, action=action)


@pytest.fixture
def leads(db):
    return {"us": lead("una@novadesk.test", "us"), "de": lead("dora@novadesk.test", "de")}


@pytest.fixture
def ticket(open_ticket, us_engineer, frozen_monday):
    assert open_ticket.assignee == us_engineer
    return due_at(open_ticket, timezone.now() + 3 * HOUR)


# --- The warning ------------------------------------------------------------------------------


def test_the_assignee_is_warned_once_when_the_due_time_enters_the_window(
    ticket, us_engineer, leads, frozen_monday
):
    due = ticket.first_response_due
    frozen_monday.move_to(due - HOUR - MINUTE)
    assert services.tickets_escalate() == services.EscalationResult()

    frozen_monday.move_to(due - HOUR)
    assert services.tickets_escalate() == services.EscalationResult(warned=1)

    (mail,) = mails(WARNING, ticket)
    assert mail.to == us_engineer.email
    assert mail.language == us_engineer.language
    assert f"/admin/tickets/ticket/{ticket.pk}/change/" in mail.body_text
    ticket.refresh_from_db()
    assert ticket.first_response_warned_at == due - HOUR
    assert ticket.first_response_warned_due == due
    assert ticket.escalated_at is None
    assert events(ticket, "first response warning").count() == 1

    frozen_monday.move_to(due - MINUTE)
    assert services.tickets_escalate() == services.EscalationResult()
    assert mails(WARNING, ticket).count() == 1
    assert not OutboundEmail.objects.filter(to__in=[u.email for u in leads.values()]).exists()


def test_a_moved_target_is_warned_about_again(ticket, frozen_monday):
    due = ticket.first_response_due
    frozen_monday.move_to(due - 30 * MINUTE)
    assert services.tickets_escalate().warned == 1

    due_at(ticket, due + HOUR)
    assert services.tickets_escalate() == services.EscalationResult()
    frozen_monday.move_to(due + 10 * MINUTE)
    assert services.tickets_escalate().warned == 1
    assert mails(WARNING, ticket).count() == 2


def test_an_unassigned_request_is_warned_without_a_mail(ticket, frozen_monday):
    Ticket.objects.filter(pk=ticket.pk).update(assignee=None)
    frozen_monday.move_to(ticket.first_response_due - HOUR)

    assert services.tickets_escalate().warned == 1
    assert not mails(WARNING, ticket).exists()
    (event,) = events(ticket, "first response warning")
    assert "no assignee" in event.detail


def test_the_window_follows_the_setting(ticket, frozen_monday, settings):
    settings.TICKET_ESCALATION_WARNING_MINUTES = 15
    frozen_monday.move_to(ticket.first_response_due - 30 * MINUTE)
    assert services.tickets_escalate() == services.EscalationResult()
    frozen_monday.move_to(ticket.first_response_due - 15 * MINUTE)
    assert services.tickets_escalate().warned == 1


# --- The escalation ---------------------------------------------------------------------------


def test_a_missed_target_goes_to_the_teams_leads_once(ticket, leads, frozen_monday):
    due = ticket.first_response_due
    frozen_monday.move_to(due - HOUR)
    services.tickets_escalate()

    frozen_monday.move_to(due + MINUTE)
    assert services.tickets_escalate() == services.EscalationResult(escalated=1)

    (mail,) = mails(ESCALATED, ticket)
    assert mail.to == leads["us"].email
    ticket.refresh_from_db()
    assert ticket.escalated_at == due + MINUTE
    (event,) = events(ticket, "escalated")
    assert leads["us"].email in event.detail

    frozen_monday.move_to(due + HOUR)
    assert services.tickets_escalate() == services.EscalationResult()
    assert mails(ESCALATED, ticket).count() == 1
    assert mails(WARNING, ticket).count() == 1


def test_a_request_first_seen_after_its_due_time_is_escalated_without_a_warning(
    ticket, leads, frozen_monday
):
    frozen_monday.move_to(ticket.first_response_due + HOUR)
    assert services.tickets_escalate() == services.EscalationResult(escalated=1)
    assert not mails(WARNING, ticket).exists()


def test_a_met_target_is_neither_warned_nor_escalated(ticket, us_engineer, leads, frozen_monday):
    services.ticket_reply(ticket=ticket, engineer=us_engineer, body="On it.", awaits_customer=False)

    for moment in (ticket.first_response_due - HOUR, ticket.first_response_due + HOUR):
        frozen_monday.move_to(moment)
        assert services.tickets_escalate() == services.EscalationResult()
    assert not OutboundEmail.objects.filter(tag__in=[WARNING, ESCALATED]).exists()


def test_a_closed_request_is_neither_warned_nor_escalated(ticket, leads, frozen_monday):
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED, closed_at=timezone.now())

    for moment in (ticket.first_response_due - HOUR, ticket.first_response_due + HOUR):
        frozen_monday.move_to(moment)
        assert services.tickets_escalate() == services.EscalationResult()
    assert not OutboundEmail.objects.filter(tag__in=[WARNING, ESCALATED]).exists()


def test_the_task_runs_the_sweep(ticket, leads, frozen_monday):
    frozen_monday.move_to(ticket.first_response_due + MINUTE)
    assert tasks.run_ticket_escalations() == {"warned": 0, "escalated": 1}


# --- Two sweeps at once -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("batch", [1, 1000])
def test_concurrent_sweeps_send_each_mail_once(
    premium_customer, us_engineer, frozen_monday, monkeypatch, batch
):
    monkeypatch.setattr(outbox, "email_publish", lambda *, email_id: True)
    una = lead("una@novadesk.test", "us")
    now = timezone.now()
    tickets = [
        due_at(
            services.ticket_create(
                customer=premium_customer,
                product="professional",
                version="21.2",
                category="technical",
                subject=f"Urgent {n}",
                description="Nothing works.",
            ).ticket,
            now + 2 * HOUR,
        )
        for n in range(8)
    ]

    for moment in (now + HOUR + MINUTE, now + 2 * HOUR + MINUTE):
        frozen_monday.move_to(moment)
        barrier = threading.Barrier(4)
        runs = [
            in_thread(
                lambda at=moment: services.tickets_escalate(now=at, batch=batch), barrier=barrier
            )
            for _ in range(4)
        ]
        results = [finished(thread, outcome) for thread, outcome in runs]
        field = "warned" if moment < now + 2 * HOUR else "escalated"
        assert sum(getattr(result, field) for result in results) == len(tickets)

    sent = Counter(OutboundEmail.objects.values_list("tag", "to", "subject"))
    assert max(sent.values()) == 1
    for ticket in tickets:
        assert list(mails(WARNING, ticket).values_list("to", flat=True)) == [us_engineer.email]
        assert list(mails(ESCALATED, ticket).values_list("to", flat=True)) == [una.email]
        assert events(ticket, "first response warning").count() == 1
        assert events(ticket, "escalated").count() == 1


# --- The queue and the dashboard --------------------------------------------------------------


@pytest.fixture
def admin_client(db, client):
    client.force_login(StaffFactory(email="admin@novadesk.test", is_superuser=True))
    return client


@pytest.fixture
def escalated_and_not(premium_customer, ticket, frozen_monday, leads):
    other = due_at(
        services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Still in time",
            description="Slow backups.",
        ).ticket,
        ticket.first_response_due + 5 * HOUR,
    )
    frozen_monday.move_to(ticket.first_response_due + MINUTE)
    assert services.tickets_escalate().escalated == 1
    return ticket, other


@pytest.mark.parametrize(("choice", "shown"), [("yes", 0), ("no", 1)])
def test_the_queue_filters_escalated_requests(admin_client, escalated_and_not, choice, shown):
    changelist = reverse("admin:tickets_ticket_changelist")
    response = admin_client.get(f"{changelist}?assigned=all&escalated={choice}")

    assert response.status_code == 200
    listed = {ticket.ticket_id for ticket in response.context["cl"].result_list}
    assert listed == {escalated_and_not[shown].ticket_id}


def test_the_dashboard_counts_escalated_open_requests_per_team(admin_client, escalated_and_not):
    escalated, _other = escalated_and_not
    response = admin_client.get(reverse("desk-dashboard"))

    counts = {row["team"].code: row["escalated"] for row in response.context["open_rows"]}
    assert counts == {"de": 0, "us": 1}
    assert 'data-escalated="1"' in response.content.decode()

    Ticket.objects.filter(pk=escalated.pk).update(status=Status.CLOSED)
    response = admin_client.get(reverse("desk-dashboard"))
    assert {row["team"].code: row["escalated"] for row in response.context["open_rows"]} == {
        "de": 0,
        "us": 0,
    }
