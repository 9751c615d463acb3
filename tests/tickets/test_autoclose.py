"""Auto-close: a silent customer gets three contact attempts over ten days, then the ticket closes.

Every test walks a clock (time-machine) through the days of a waiting period and runs the sweep
the way Celery beat would: given a ticket and what support did, when the sweep runs on day N,
then the ticket, its messages, its events and the outbox say exactly what the policy says.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.core.models import OutboundEmail
from tests.tickets.conftest import ticket_mails
from tickets import links, services
from tickets.models import AccessLink, Message, Resolution, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

DAY0 = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # the frozen_monday instant
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NOTHING = services.SweepResult(reminded=0, closed=0)


# --- Helpers ----------------------------------------------------------------------------------


@pytest.fixture
def clock(frozen_monday):
    """Move the frozen clock to day N (and H hours) of the waiting period."""

    def move(days: float, hours: float = 0) -> datetime:
        when = DAY0 + days * DAY + hours * HOUR
        frozen_monday.move_to(when)
        return when

    return move


def day(n: float) -> datetime:
    return DAY0 + n * DAY


def new_ticket(customer, subject: str = "Backup fails") -> Ticket:
    return services.ticket_create(
        customer=customer,
        product="professional",
        version="21.2",
        category="technical",
        subject=subject,
        description="It fails every night.",
    ).ticket


def ask(ticket: Ticket, engineer, body: str = "Which Windows version do you run?") -> None:
    services.ticket_reply(ticket=ticket, engineer=engineer, body=body, awaits_customer=True)


def sweep(**kwargs) -> services.SweepResult:
    return services.tickets_sweep(**kwargs)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def mails(ticket: Ticket, tag: str | None = None):
    """The outbox rows about one ticket (the reply address names the ticket)."""
    rows = ticket_mails(ticket)
    return rows.filter(tag=tag) if tag else rows


def mail_tags(ticket: Ticket) -> list[str]:
    return list(mails(ticket).order_by("pk").values_list("tag", flat=True))


def everything() -> dict[str, object]:
    """A snapshot of every row the sweep writes, to prove a second run writes nothing."""
    return {
        "mails": sorted(OutboundEmail.objects.values_list("pk", "tag", "to")),
        "messages": sorted(Message.objects.values_list("pk", "ticket_id", "kind")),
        "events": sorted(TicketEvent.objects.values_list("pk", "ticket_id", "action")),
        "links": sorted(AccessLink.objects.values_list("pk", "ticket_id", "expires_at")),
        "tickets": sorted(
            Ticket.objects.values_list(
                "pk",
                "status",
                "resolution",
                "contact_attempts",
                "first_attempt_at",
                "last_attempt_at",
                "next_action_at",
                "closed_at",
                "last_activity_at",
            )
        ),
    }


def daily_sweeps(clock, days: range, hours: float = 0) -> dict[int, services.SweepResult]:
    """Run the sweep once a day; return the days on which it did something."""
    done = {}
    for n in days:
        clock(n, hours)
        result = sweep()
        if result != NOTHING:
            done[n] = result
    return done


def link_token(mail: OutboundEmail) -> str:
    return re.search(r"/t/([\w-]+)/", mail.body_text).group(1)


# --- The whole timeline -----------------------------------------------------------------------


class TestSilentCustomer:
    def test_two_reminders_then_the_ticket_closes_on_day_ten(
        self, open_ticket, us_engineer, premium_customer, clock
    ):
        # Given: on day 0 the engineer asks the customer something (attempt 1).
        ask(open_ticket, us_engineer)
        ticket = fresh(open_ticket)
        assert ticket.status == Status.WAITING
        assert ticket.contact_attempts == 1
        assert ticket.first_attempt_at == day(0)
        assert ticket.next_action_at == day(4)
        assert mail_tags(ticket) == ["ticket_created", "ticket_reply"]

        # When the sweep runs on day 3, then nothing is due yet.
        clock(3)
        assert sweep() == NOTHING
        assert fresh(ticket).contact_attempts == 1

        # On day 4 the first reminder goes out (attempt 2).
        clock(4)
        assert sweep() == services.SweepResult(reminded=1, closed=0)
        ticket = fresh(ticket)
        assert (ticket.status, ticket.contact_attempts) == (Status.WAITING, 2)
        assert ticket.last_attempt_at == day(4)
        assert ticket.last_activity_at == day(4)
        assert ticket.next_action_at == day(8)
        reminder = mails(ticket, "ticket_reminder").get()
        assert reminder.to == premium_customer.email
        # A reply address of its own: not the one of any earlier mail.
        earlier = mails(ticket).exclude(pk=reminder.pk).values_list("reply_to", flat=True)
        assert reminder.reply_to not in set(earlier)
        assert ticket.ticket_id in reminder.subject
        assert "Reminder" in reminder.subject
        assert links.link_ticket(token=link_token(reminder)) == ticket
        system = ticket.messages.get(kind=Message.Kind.SYSTEM)
        assert system.via == Message.Via.SYSTEM
        assert system.awaits_customer is True
        assert system.created_at == day(4)
        event = ticket.events.get(action="reminder sent")
        assert (event.from_status, event.to_status) == (Status.WAITING, Status.WAITING)
        assert event.at == day(4)
        assert event.detail == "attempt 2"

        # Days 5 to 7: nothing.
        for n in (5, 6, 7):
            clock(n)
            assert sweep() == NOTHING

        # On day 8 the second reminder (attempt 3); the closure is due on day 10.
        clock(8)
        assert sweep() == services.SweepResult(reminded=1, closed=0)
        ticket = fresh(ticket)
        assert (ticket.status, ticket.contact_attempts) == (Status.WAITING, 3)
        assert ticket.next_action_at == day(10)
        assert mails(ticket, "ticket_reminder").count() == 2
        assert ticket.messages.filter(kind=Message.Kind.SYSTEM).count() == 2
        assert ticket.events.get(action="reminder sent", detail="attempt 3").at == day(8)

        # On day 9, and a minute before the end of day 10's window: nothing.
        clock(9)
        assert sweep() == NOTHING
        clock(10, hours=-1 / 60)
        assert sweep() == NOTHING
        assert fresh(ticket).status == Status.WAITING

        # On day 10 the ticket closes, unanswered.
        clock(10)
        assert sweep() == services.SweepResult(reminded=0, closed=1)
        ticket = fresh(ticket)
        assert ticket.status == Status.CLOSED
        assert ticket.resolution == Resolution.AUTO_CLOSED
        assert ticket.closed_at == day(10)
        assert ticket.next_action_at is None
        closed = mails(ticket, "ticket_closed").get()
        assert closed.to == premium_customer.email
        assert ticket.get_resolution_display() in closed.body_text
        event = ticket.events.get(action="closed: auto-closed")
        assert (event.from_status, event.to_status) == (Status.WAITING, Status.CLOSED)
        assert event.at == day(10)
        assert set(ticket.links.values_list("expires_at", flat=True)) == {day(40)}
        assert mail_tags(ticket) == [
            "ticket_created",
            "ticket_reply",
            "ticket_reminder",
            "ticket_reminder",
            "ticket_closed",
        ]

        # The links in the mails keep working for 30 days after the closure, then stop.
        token = link_token(closed)
        clock(39)
        assert links.link_ticket(token=token) == ticket
        clock(40, hours=1)
        assert links.link_ticket(token=token) is None

        # And later sweeps never touch the closed ticket again.
        clock(60)
        assert sweep() == NOTHING

    def test_a_proposal_to_close_unresolved_is_an_attempt_too(
        self, open_ticket, us_engineer, clock
    ):
        services.ticket_propose_unresolved_closure(
            ticket=open_ticket, engineer=us_engineer, explanation="A third-party driver bug."
        )

        done = daily_sweeps(clock, range(0, 15))

        assert done == {
            4: services.SweepResult(reminded=1, closed=0),
            8: services.SweepResult(reminded=1, closed=0),
            10: services.SweepResult(reminded=0, closed=1),
        }
        assert fresh(open_ticket).resolution == Resolution.AUTO_CLOSED

    def test_every_ticket_gets_one_reply_two_reminders_and_one_closure_mail(
        self, premium_customer, us_engineer, clock
    ):
        # Given three tickets asked at different times of day 0, and a sweep every hour.
        tickets = []
        for minutes in (0, 20, 50):
            clock(0, hours=minutes / 60)
            ticket = new_ticket(premium_customer, subject=f"Asked at +{minutes} min")
            ask(ticket, us_engineer)
            tickets.append(ticket)

        for hour in range(1, 14 * 24):
            clock(0, hours=hour)
            sweep()

        for ticket in tickets:
            ticket = fresh(ticket)
            assert ticket.status == Status.CLOSED
            assert ticket.resolution == Resolution.AUTO_CLOSED
            assert mail_tags(ticket) == [
                "ticket_created",
                "ticket_reply",
                "ticket_reminder",
                "ticket_reminder",
                "ticket_closed",
            ]
            # Never before day 10 after the question, and at the first sweep after it.
            asked = ticket.messages.get(awaits_customer=True, kind=Message.Kind.ENGINEER)
            assert asked.created_at + 10 * DAY <= ticket.closed_at
            assert ticket.closed_at <= asked.created_at + 10 * DAY + HOUR
            assert ticket.events.filter(action="reminder sent").count() == 2
            assert ticket.events.filter(action="closed: auto-closed").count() == 1
            assert ticket.messages.filter(kind=Message.Kind.SYSTEM).count() == 2


class TestCustomerAnswers:
    def test_a_reply_on_day_six_resets_the_count_and_the_next_question_starts_again(
        self, open_ticket, us_engineer, clock
    ):
        # Given the engineer asked on day 0 and the sweep reminded on day 4.
        ask(open_ticket, us_engineer)
        clock(4)
        assert sweep().reminded == 1

        # When the customer answers on day 6.
        clock(6)
        services.ticket_customer_message(ticket=open_ticket, body="Windows 11, 23H2.")

        # Then the waiting period is over: open, no attempts, nothing due.
        ticket = fresh(open_ticket)
        assert ticket.status == Status.OPEN
        assert ticket.contact_attempts == 0
        assert ticket.first_attempt_at is None
        assert ticket.next_action_at is None
        assert sweep() == NOTHING

        # When the engineer asks again on day 7, a new window starts from there: nothing
        # happens on day 8 or day 10 (the old window), reminders on days 11 and 15, the
        # closure on day 17.
        clock(7)
        ask(ticket, us_engineer, body="Please send the log file.")
        ticket = fresh(ticket)
        assert (ticket.status, ticket.contact_attempts) == (Status.WAITING, 1)
        assert (ticket.first_attempt_at, ticket.next_action_at) == (day(7), day(11))

        done = daily_sweeps(clock, range(7, 25))

        assert done == {
            11: services.SweepResult(reminded=1, closed=0),
            15: services.SweepResult(reminded=1, closed=0),
            17: services.SweepResult(reminded=0, closed=1),
        }
        assert fresh(ticket).status == Status.CLOSED
        assert mails(ticket, "ticket_reminder").count() == 3  # day 4, then days 11 and 15

    def test_a_customer_who_answered_is_never_closed(self, open_ticket, us_engineer, clock):
        ask(open_ticket, us_engineer)
        clock(9, hours=23)
        services.ticket_customer_message(ticket=open_ticket, body="Windows 11, 23H2.")

        assert daily_sweeps(clock, range(10, 60)) == {}
        assert fresh(open_ticket).status == Status.OPEN

    def test_a_reply_right_after_the_first_question_resets_too(
        self, open_ticket, us_engineer, clock
    ):
        ask(open_ticket, us_engineer)
        clock(1)
        services.ticket_customer_message(ticket=open_ticket, body="Windows 10.")
        clock(2)
        ask(open_ticket, us_engineer, body="And which edition?")

        done = daily_sweeps(clock, range(2, 16))

        assert done == {
            6: services.SweepResult(reminded=1, closed=0),
            10: services.SweepResult(reminded=1, closed=0),
            12: services.SweepResult(reminded=0, closed=1),
        }

    def test_an_answer_after_the_auto_closure_reopens_the_ticket(
        self, open_ticket, us_engineer, clock
    ):
        ask(open_ticket, us_engineer)
        daily_sweeps(clock, range(0, 11))
        assert fresh(open_ticket).status == Status.CLOSED

        clock(12)
        services.ticket_customer_message(ticket=open_ticket, body="Sorry, I was on holiday.")

        ticket = fresh(open_ticket)
        assert ticket.status == Status.OPEN
        assert (ticket.resolution, ticket.closed_at, ticket.next_action_at) == ("", None, None)
        assert ticket.contact_attempts == 0
        assert ticket.messages.filter(body="Sorry, I was on holiday.").exists()
        assert set(ticket.links.values_list("expires_at", flat=True)) == {None}
        assert daily_sweeps(clock, range(12, 40)) == {}


class TestManualAttempts:
    def test_a_question_and_two_unanswered_calls_need_no_reminder(
        self, open_ticket, us_engineer, clock
    ):
        # Given: question on day 0, unanswered calls on days 1 and 2 (three attempts).
        ask(open_ticket, us_engineer)
        clock(1)
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)
        clock(2)
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)
        ticket = fresh(open_ticket)
        assert ticket.contact_attempts == 3
        assert ticket.next_action_at == day(10)

        # When the sweep runs every six hours: no reminder, and no closure before day 10.
        for quarter in range(2 * 4, 10 * 4):
            clock(quarter / 4)
            assert sweep() == NOTHING, f"day {quarter / 4}"
        assert fresh(ticket).status == Status.WAITING

        clock(10)
        assert sweep() == services.SweepResult(reminded=0, closed=1)
        ticket = fresh(ticket)
        assert ticket.resolution == Resolution.AUTO_CLOSED
        assert mail_tags(ticket) == [
            "ticket_created",
            "ticket_reply",
            "ticket_call_attempt",
            "ticket_call_attempt",
            "ticket_closed",
        ]
        assert not ticket.messages.filter(kind=Message.Kind.SYSTEM).exists()

    def test_a_call_between_reminders_counts_and_moves_the_next_reminder(
        self, open_ticket, us_engineer, clock
    ):
        ask(open_ticket, us_engineer)
        clock(3)
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)

        done = daily_sweeps(clock, range(3, 15))

        # Attempt 2 on day 3 (the call), attempt 3 on day 7 (a reminder), closure on day 10.
        assert done == {
            7: services.SweepResult(reminded=1, closed=0),
            10: services.SweepResult(reminded=0, closed=1),
        }

    def test_a_reached_call_ends_the_waiting_period(self, open_ticket, us_engineer, clock):
        ask(open_ticket, us_engineer)
        clock(4)
        sweep()
        clock(5)
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=True)

        ticket = fresh(open_ticket)
        assert (ticket.status, ticket.contact_attempts, ticket.next_action_at) == (
            Status.OPEN,
            0,
            None,
        )
        assert daily_sweeps(clock, range(5, 30)) == {}

    def test_a_reply_that_asks_nothing_ends_the_waiting_period(
        self, open_ticket, us_engineer, clock
    ):
        ask(open_ticket, us_engineer)
        clock(1)
        services.ticket_reply(
            ticket=open_ticket,
            engineer=us_engineer,
            body="Found it, fixing.",
            awaits_customer=False,
        )

        assert fresh(open_ticket).status == Status.OPEN
        assert daily_sweeps(clock, range(1, 30)) == {}


class TestNeverClosed:
    def test_open_and_new_tickets_are_never_reminded_or_closed(
        self, premium_customer, us_engineer, clock
    ):
        # Given an open ticket and a new one (created while nobody takes new requests).
        opened = new_ticket(premium_customer, subject="Assigned")
        us_engineer.engineer.takes_new_tickets = False
        us_engineer.engineer.save()
        unassigned = new_ticket(premium_customer, subject="Nobody took it")
        assert fresh(opened).status == Status.OPEN
        assert fresh(unassigned).status == Status.NEW
        # ... and another open one whose waiting fields were left behind looking due.
        stale = new_ticket(premium_customer, subject="Stale fields")
        Ticket.objects.filter(pk=stale.pk).update(
            status=Status.OPEN,
            contact_attempts=5,
            first_attempt_at=day(-30),
            last_attempt_at=day(-20),
            next_action_at=day(-1),
        )
        before = everything()

        done = daily_sweeps(clock, range(0, 60))

        assert done == {}
        assert everything() == before
        assert {fresh(t).status for t in (opened, stale)} == {Status.OPEN}
        assert fresh(unassigned).status == Status.NEW

    def test_tickets_closed_otherwise_are_left_alone(self, open_ticket, us_engineer, clock):
        ask(open_ticket, us_engineer)
        clock(2)
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
        before = everything()

        assert daily_sweeps(clock, range(2, 30)) == {}
        assert everything() == before
        assert fresh(open_ticket).resolution == Resolution.RESOLVED


class TestSettings:
    @pytest.mark.parametrize(
        ("attempts", "days", "interval", "reminder_days", "closure_day"),
        [
            (3, 10, 4, [4, 8], 10),
            (2, 5, 4, [4], 5),
            (4, 14, 3, [3, 6, 9], 14),
            (1, 7, 4, [], 7),
            # The last reminder comes after the window: the customer still gets a day.
            (3, 6, 4, [4, 8], 9),
        ],
    )
    def test_attempts_window_and_interval_come_from_the_settings(
        self,
        settings,
        open_ticket,
        us_engineer,
        clock,
        attempts,
        days,
        interval,
        reminder_days,
        closure_day,
    ):
        settings.TICKET_CONTACT_ATTEMPTS = attempts
        settings.TICKET_AUTOCLOSE_DAYS = days
        settings.TICKET_REMINDER_INTERVAL_DAYS = interval
        ask(open_ticket, us_engineer)

        done = daily_sweeps(clock, range(0, days + 10))

        expected = {n: services.SweepResult(reminded=1, closed=0) for n in reminder_days}
        expected[closure_day] = services.SweepResult(reminded=0, closed=1)
        assert done == expected
        ticket = fresh(open_ticket)
        assert ticket.closed_at == day(closure_day)
        assert mails(ticket, "ticket_reminder").count() == len(reminder_days)
        assert mails(ticket, "ticket_closed").count() == 1

    def test_a_longer_window_set_while_waiting_is_honoured(
        self, settings, open_ticket, us_engineer, clock
    ):
        # Given three attempts made under the default ten-day window (closure due on day 10).
        ask(open_ticket, us_engineer)
        daily_sweeps(clock, range(0, 9))
        assert fresh(open_ticket).next_action_at == day(10)

        # When the window is raised to 14 days before the closure is due.
        settings.TICKET_AUTOCLOSE_DAYS = 14

        # Then the ticket closes only when 14 days have passed since the first attempt.
        done = daily_sweeps(clock, range(9, 20))
        assert done == {14: services.SweepResult(reminded=0, closed=1)}

    def test_fewer_attempts_set_while_waiting_never_close_before_the_window(
        self, settings, open_ticket, us_engineer, clock
    ):
        # Given two attempts (question on day 0, reminder on day 4; the next reminder is due
        # on day 8).
        ask(open_ticket, us_engineer)
        daily_sweeps(clock, range(0, 5))
        assert fresh(open_ticket).contact_attempts == 2

        # When only two attempts are required from now on.
        settings.TICKET_CONTACT_ATTEMPTS = 2

        # Then two unanswered attempts are enough, but not before ten days.
        done = daily_sweeps(clock, range(5, 20))
        assert done == {10: services.SweepResult(reminded=0, closed=1)}


class TestIdempotence:
    def test_a_second_sweep_at_the_same_instant_changes_nothing(
        self, premium_customer, us_engineer, clock
    ):
        # Given one ticket due for a reminder and one due for the closure, on day 10.
        closing = new_ticket(premium_customer, subject="Due for closure")
        ask(closing, us_engineer)
        daily_sweeps(clock, range(0, 6))
        clock(6)
        reminding = new_ticket(premium_customer, subject="Due for a reminder")
        ask(reminding, us_engineer)
        daily_sweeps(clock, range(6, 10))
        clock(10)

        first = sweep()
        after_first = everything()
        second = sweep()

        assert first == services.SweepResult(reminded=1, closed=1)
        assert second == NOTHING
        assert everything() == after_first

    def test_sweeping_at_the_same_instant_over_the_whole_timeline_sends_nothing_twice(
        self, open_ticket, us_engineer, clock
    ):
        ask(open_ticket, us_engineer)
        for n in range(0, 13):
            clock(n)
            sweep()
            snapshot = everything()
            assert sweep() == NOTHING
            assert everything() == snapshot
        assert mail_tags(open_ticket).count("ticket_reminder") == 2
        assert mail_tags(open_ticket).count("ticket_closed") == 1


class TestBatches:
    def test_batches_smaller_than_the_due_set_still_handle_every_ticket(
        self, premium_customer, us_engineer, clock
    ):
        tickets = [new_ticket(premium_customer, subject=f"Ticket {n}") for n in range(5)]
        for ticket in tickets:
            ask(ticket, us_engineer)

        clock(4)
        assert sweep(batch=2) == services.SweepResult(reminded=5, closed=0)
        clock(8)
        assert sweep(batch=2) == services.SweepResult(reminded=5, closed=0)
        clock(10)
        assert sweep(batch=2) == services.SweepResult(reminded=0, closed=5)

        for ticket in tickets:
            assert fresh(ticket).status == Status.CLOSED
            assert mail_tags(ticket).count("ticket_reminder") == 2
            assert mail_tags(ticket).count("ticket_closed") == 1

    def test_reminders_and_closures_due_together_in_small_batches(
        self, premium_customer, us_engineer, clock
    ):
        closing = [new_ticket(premium_customer, subject=f"Closing {n}") for n in range(5)]
        for ticket in closing:
            ask(ticket, us_engineer)
        clock(4)
        assert sweep(batch=2) == services.SweepResult(reminded=5, closed=0)
        clock(6)
        reminding = [new_ticket(premium_customer, subject=f"Reminding {n}") for n in range(5)]
        for ticket in reminding:
            ask(ticket, us_engineer)
        clock(8)
        assert sweep(batch=2) == services.SweepResult(reminded=5, closed=0)

        clock(10)
        assert sweep(batch=2) == services.SweepResult(reminded=5, closed=5)
        assert sweep(batch=2) == NOTHING

        assert {fresh(t).status for t in closing} == {Status.CLOSED}
        assert {fresh(t).contact_attempts for t in reminding} == {2}

    def test_a_sweep_with_the_exact_batch_size(self, premium_customer, us_engineer, clock):
        tickets = [new_ticket(premium_customer, subject=f"Ticket {n}") for n in range(4)]
        for ticket in tickets:
            ask(ticket, us_engineer)

        clock(4)
        assert sweep(batch=2) == services.SweepResult(reminded=4, closed=0)
        assert sweep(batch=4) == NOTHING
