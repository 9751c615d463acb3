"""The sweep against concurrent sweeps and customers: real threads, each on its own connection.

Row locks (FOR UPDATE SKIP LOCKED) are what keeps two sweeps, or a sweep and a customer, apart
on PostgreSQL, which CI runs. SQLite has no row locks: its write transactions (BEGIN IMMEDIATE)
run one after the other, so the tests that only need "one at a time" run there too, while the
test of a sweep skipping a row held by a customer is PostgreSQL only.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from portal.core import services as outbox
from portal.core.models import OutboundEmail
from tests.factories import UserFactory, grant
from tests.tickets.conftest import ticket_mails
from tickets import services
from tickets.models import AccessLink, Message, Resolution, Status, Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("frozen_monday"),
]

DAY0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # the frozen_monday instant
DAY = timedelta(days=1)
SWEEPERS = 4
TICKETS = 12
JOIN_SECONDS = 60

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "SKIP LOCKED needs row locks: SQLite locks the whole database for a write "
        "transaction, so a sweep cannot pass over one ticket a customer holds (CI runs "
        "PostgreSQL)"
    ),
)


# --- Helpers ----------------------------------------------------------------------------------


def day(n: float) -> datetime:
    return DAY0 + n * DAY


@pytest.fixture
def published(monkeypatch) -> list[int]:
    """Record the outbox rows handed to the broker instead of queueing them for real."""
    ids: list[int] = []
    monkeypatch.setattr(outbox, "email_publish", lambda *, email_id: ids.append(email_id) or True)
    return ids


@pytest.fixture
def silent_customer(releases):
    customer = UserFactory(email="silent@example.com", name="Sam Silent", country="US")
    grant(customer, "premium")
    return customer


def waiting_tickets(customer, engineer, count: int, *, attempts: int) -> list[Ticket]:
    """Tickets asked on day 0; with three attempts the closure is due on day 10, else day 4."""
    tickets = []
    for n in range(count):
        ticket = services.ticket_create(
            customer=customer,
            product="professional",
            version="21.2",
            category="technical",
            subject=f"Silent {n}",
            description="Nothing works.",
        ).ticket
        services.ticket_reply(
            ticket=ticket, engineer=engineer, body="Which version?", awaits_customer=True
        )
        for _ in range(attempts - 1):
            services.ticket_log_call(ticket=ticket, engineer=engineer, reached=False)
        tickets.append(ticket)
    return tickets


def in_thread(function: Callable, *, barrier: threading.Barrier | None = None):
    """Start ``function`` on its own connection; return the thread and its outcome."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            if barrier is not None:
                barrier.wait(timeout=10)
            outcome["result"] = function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def finished(thread: threading.Thread, outcome: dict, timeout: float = JOIN_SECONDS):
    thread.join(timeout=timeout)
    assert not thread.is_alive(), "the thread is still running (blocked on a lock?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def sweeps_at_once(now: datetime, *, batch: int, sweepers: int = SWEEPERS):
    """Start ``sweepers`` sweeps at the same moment, each on its own connection."""
    barrier = threading.Barrier(sweepers)
    runs = [
        in_thread(lambda: services.tickets_sweep(now=now, batch=batch), barrier=barrier)
        for _ in range(sweepers)
    ]
    return [finished(thread, outcome) for thread, outcome in runs]


def mails(ticket: Ticket, tag: str):
    return ticket_mails(ticket).filter(tag=tag)


def wait_until_blocked_on_a_lock(timeout: float = 10) -> None:
    """Wait until another PostgreSQL session waits for a lock (the customer behind the sweep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("no session ever waited for the ticket's row lock")


def pause_after(monkeypatch, module, name: str, *, only_in: Callable[[], bool] = lambda: True):
    """Make ``module.name`` stop after it ran, until the test says go; return the two events."""
    reached, go = threading.Event(), threading.Event()
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        if only_in():
            reached.set()
            assert go.wait(timeout=JOIN_SECONDS), "the test never let the paused call go on"
        return result

    monkeypatch.setattr(module, name, paused)
    return reached, go


# --- Two sweeps at once -----------------------------------------------------------------------


@pytest.mark.parametrize("batch", [1, 5, 1000])
def test_concurrent_sweeps_close_every_ticket_exactly_once(
    silent_customer, us_engineer, frozen_monday, published, batch
):
    tickets = waiting_tickets(silent_customer, us_engineer, TICKETS, attempts=3)

    frozen_monday.move_to(day(10))
    results = sweeps_at_once(day(10), batch=batch)

    assert sum(r.closed for r in results) == TICKETS
    assert sum(r.reminded for r in results) == 0
    for ticket in tickets:
        ticket.refresh_from_db()
        assert (ticket.status, ticket.resolution) == (Status.CLOSED, Resolution.AUTO_CLOSED)
        assert mails(ticket, "ticket_closed").count() == 1
        assert ticket.events.filter(action="closed: auto-closed").count() == 1
    closure_mails = OutboundEmail.objects.filter(tag="ticket_closed")
    assert closure_mails.count() == TICKETS
    assert max(Counter(published).values()) == 1, "an e-mail was handed out twice"
    assert set(closure_mails.values_list("pk", flat=True)) <= set(published)
    assert services.tickets_sweep(now=day(10)) == services.SweepResult()


@pytest.mark.parametrize("batch", [1, 5, 1000])
def test_concurrent_sweeps_send_each_reminder_once_over_the_whole_timeline(
    silent_customer, us_engineer, frozen_monday, published, batch
):
    tickets = waiting_tickets(silent_customer, us_engineer, TICKETS, attempts=1)

    totals = Counter()
    for n in (4, 8, 10):
        frozen_monday.move_to(day(n))
        for result in sweeps_at_once(day(n), batch=batch):
            totals[n, "reminded"] += result.reminded
            totals[n, "closed"] += result.closed

    assert totals == {
        (4, "reminded"): TICKETS,
        (4, "closed"): 0,
        (8, "reminded"): TICKETS,
        (8, "closed"): 0,
        (10, "reminded"): 0,
        (10, "closed"): TICKETS,
    }
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.CLOSED
        assert mails(ticket, "ticket_reply").count() == 1
        assert mails(ticket, "ticket_reminder").count() == 2
        assert mails(ticket, "ticket_closed").count() == 1
        assert ticket.messages.filter(kind=Message.Kind.SYSTEM).count() == 2
        reminders = ticket.events.filter(action="reminder sent")
        assert sorted(reminders.values_list("detail", flat=True)) == ["attempt 2", "attempt 3"]
    assert max(Counter(published).values()) == 1


# --- A customer writes while the sweep runs ---------------------------------------------------


@postgres_only
@pytest.mark.parametrize(
    ("attempts", "due_day", "work"),
    [(3, 10, "closed"), (1, 4, "reminded")],
    ids=["closure", "reminder"],
)
def test_the_sweep_skips_a_ticket_the_customer_is_writing_to(
    silent_customer, us_engineer, frozen_monday, published, monkeypatch, attempts, due_day, work
):
    # Given two tickets due for the sweep, and the customer answering one of them: their
    # transaction holds the ticket's row lock and stops right after taking it.
    held, other = waiting_tickets(silent_customer, us_engineer, 2, attempts=attempts)
    frozen_monday.move_to(day(due_day))
    writer = threading.current_thread
    main = writer()
    locked, go = pause_after(
        monkeypatch, services.base, "mask_passwords", only_in=lambda: writer() is not main
    )

    def answer():
        with transaction.atomic():
            return services.ticket_customer_message(ticket=held, body="Windows 11, sorry!")

    customer_thread, customer_outcome = in_thread(answer)
    try:
        assert locked.wait(timeout=10), "the customer never took the lock"

        # When the sweep runs meanwhile, it neither waits for the customer nor touches
        # their ticket, and still handles the other one.
        sweep_thread, sweep_outcome = in_thread(lambda: services.tickets_sweep(now=day(due_day)))
        result = finished(sweep_thread, sweep_outcome, timeout=15)
        assert getattr(result, work) == 1
        assert Ticket.objects.get(pk=held.pk).status == Status.WAITING  # not committed yet
        other.refresh_from_db()
        assert other.contact_attempts == attempts + (1 if work == "reminded" else 0)
        assert other.status == (Status.CLOSED if work == "closed" else Status.WAITING)
    finally:
        go.set()
    message = finished(customer_thread, customer_outcome)

    # Then the customer's answer is stored and the ticket is open, with nothing pending.
    held.refresh_from_db()
    assert held.status == Status.OPEN
    assert (held.contact_attempts, held.next_action_at) == (0, None)
    assert held.messages.filter(pk=message.pk, body="Windows 11, sorry!").exists()
    assert not mails(held, "ticket_reminder").exists()
    assert not mails(held, "ticket_closed").exists()
    assert not held.messages.filter(kind=Message.Kind.SYSTEM).exists()
    # ... and no later sweep reminds or closes it.
    for n in (due_day, due_day + 1, due_day + 4, due_day + 10, due_day + 30):
        services.tickets_sweep(now=day(n))
        held.refresh_from_db()
        assert (held.status, held.contact_attempts) == (Status.OPEN, 0)
    assert not mails(held, "ticket_reminder").exists()
    assert not mails(held, "ticket_closed").exists()


def test_an_answer_that_meets_a_closure_in_progress_reopens_the_ticket(
    silent_customer, us_engineer, frozen_monday, published, monkeypatch
):
    # Given a ticket due for closure, and a sweep that has closed it but not yet committed.
    (ticket,) = waiting_tickets(silent_customer, us_engineer, 1, attempts=3)
    frozen_monday.move_to(day(10))
    closing, go = pause_after(monkeypatch, services.sweep, "_mail_many")
    sweep_thread, sweep_outcome = in_thread(lambda: services.tickets_sweep(now=day(10)))
    try:
        assert closing.wait(timeout=10), "the sweep never reached the closure"

        # When the customer answers now, their write waits for the sweep's commit.
        customer_thread, customer_outcome = in_thread(
            lambda: services.ticket_customer_message(ticket=ticket, body="Still broken!")
        )
        if connection.vendor == "postgresql":
            wait_until_blocked_on_a_lock()
        else:
            time.sleep(0.5)  # SQLite: the customer waits for the database's write lock
        assert customer_thread.is_alive()
    finally:
        go.set()
    assert finished(sweep_thread, sweep_outcome).closed == 1
    message = finished(customer_thread, customer_outcome)

    # Then the closure stands in the history, and the customer's answer reopened the ticket.
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert (ticket.resolution, ticket.closed_at, ticket.next_action_at) == ("", None, None)
    assert ticket.contact_attempts == 0
    assert Message.objects.get(pk=message.pk).body == "Still broken!"
    actions = list(ticket.events.order_by("at", "pk").values_list("action", flat=True))
    assert actions[-2:] == ["closed: auto-closed", "reopened by customer reply"]
    assert mails(ticket, "ticket_closed").count() == 1
    # Every private link, the one in the closure mail included, works again.
    assert set(AccessLink.objects.filter(ticket=ticket).values_list("expires_at", flat=True)) == {
        None
    }
    for n in (10, 11, 40):
        assert services.tickets_sweep(now=day(n)) == services.SweepResult()
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_an_answer_that_meets_a_reminder_in_progress_ends_the_waiting(
    silent_customer, us_engineer, frozen_monday, published, monkeypatch
):
    (ticket,) = waiting_tickets(silent_customer, us_engineer, 1, attempts=1)
    frozen_monday.move_to(day(4))
    reminding, go = pause_after(monkeypatch, services.sweep, "_mail_many")
    sweep_thread, sweep_outcome = in_thread(lambda: services.tickets_sweep(now=day(4)))
    try:
        assert reminding.wait(timeout=10), "the sweep never reached the reminder"
        customer_thread, customer_outcome = in_thread(
            lambda: services.ticket_customer_message(ticket=ticket, body="Here you are.")
        )
        if connection.vendor == "postgresql":
            wait_until_blocked_on_a_lock()
        else:
            time.sleep(0.5)
        assert customer_thread.is_alive()
    finally:
        go.set()
    assert finished(sweep_thread, sweep_outcome).reminded == 1
    finished(customer_thread, customer_outcome)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.contact_attempts, ticket.next_action_at) == (
        Status.OPEN,
        0,
        None,
    )
    assert ticket.messages.filter(body="Here you are.").exists()
    assert TicketEvent.objects.filter(ticket=ticket, action="reminder sent").count() == 1
    for n in (8, 10, 30):
        assert services.tickets_sweep(now=day(n)) == services.SweepResult()
