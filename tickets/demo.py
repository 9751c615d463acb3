"""Demo support requests, so a new engineer's queue, dashboard and survey report show a day's work.

``seed`` opens a handful of requests for a customer of each team at realistic moments of the
past weeks — each one through the same services a customer and an engineer would use, with the
clock moved to that moment, so due times, contact attempts, history and surveys are what they
would have been: new, answered and open, waiting on the customer after one or two attempts,
overdue, and closed with a rating. It does nothing when the demo customers have requests already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from tickets import services
from tickets.models import Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User

ZONES = {"us": ZoneInfo("America/Los_Angeles"), "de": ZoneInfo("Europe/Berlin")}


@dataclass(frozen=True)
class Step:
    days_ago: int
    at: time
    action: str  # "reply", "ask", "call", "resolve", "customer", "rate"
    text: str = ""
    rating: int = 0


@dataclass(frozen=True)
class DemoRequest:
    team: str
    subject: str
    description: str
    days_ago: int
    at: time
    steps: tuple[Step, ...] = ()
    category: str = "technical"
    version: str = "21.2"


REQUESTS = [
    DemoRequest(
        "us",
        "Nightly image backup stops at 43 %",
        "Since Tuesday the image backup of drive C: stops at 43 % with error 0x80070570.",
        0,
        time(9, 30),
    ),
    DemoRequest(
        "us",
        "Restore of a single mailbox folder",
        "How do I restore only the Inbox folder of one Exchange mailbox from last Friday?",
        4,
        time(10, 15),
    ),
    DemoRequest(
        "us",
        "Backup to NAS fails after router change",
        "After replacing our router the backup to \\\\nas01\\backup fails with 'network path "
        "not found'.",
        2,
        time(11, 0),
        (Step(2, time(14, 0), "ask", "Could you send us the job log of the last run?"),),
    ),
    DemoRequest(
        "us",
        "E-mail notifications no longer arrive",
        "The job report e-mails stopped after we moved to Microsoft 365.",
        7,
        time(13, 0),
        (
            Step(7, time(15, 0), "ask", "Which SMTP server and port are set in the options?"),
            Step(5, time(10, 0), "call", "No answer; left a voicemail."),
        ),
    ),
    DemoRequest(
        "us",
        "Licence shows as expired after upgrade",
        "After updating to 21.2 the console says my licence expired.",
        14,
        time(9, 0),
        (
            Step(14, time(11, 0), "reply", "Please sign out and in again in the console."),
            Step(13, time(9, 0), "customer", "That fixed it, thank you!"),
            Step(13, time(10, 0), "resolve"),
            Step(12, time(8, 0), "rate", "Quick and friendly.", 5),
        ),
        category="licensing",
    ),
    DemoRequest(
        "us",
        "Slow backups over VPN",
        "Incremental backups over our VPN take eight hours.",
        21,
        time(14, 0),
        (
            Step(20, time(9, 0), "reply", "Please enable compression level 2 and try again."),
            Step(18, time(9, 0), "resolve"),
            Step(17, time(12, 0), "rate", "Still slow; the advice did not help much.", 2),
        ),
    ),
    DemoRequest(
        "de",
        "Sicherung auf USB-Festplatte bricht ab",
        "Die Sicherung auf die externe USB-Festplatte bricht nach wenigen Minuten ab.",
        0,
        time(10, 0),
    ),
    DemoRequest(
        "de",
        "Wiederherstellung einzelner Dateien dauert sehr lange",
        "Das Durchsuchen der Sicherung vom Montag dauert über eine Stunde.",
        3,
        time(9, 0),
    ),
    DemoRequest(
        "de",
        "Fehlermeldung VSS beim Start der Sicherung",
        "Beim Start erscheint 'VSS-Schattenkopie konnte nicht erstellt werden'.",
        5,
        time(11, 0),
        (
            Step(
                5,
                time(15, 0),
                "ask",
                "Bitte senden Sie uns die Ausgabe von 'vssadmin list writers'.",
            ),
        ),
    ),
    DemoRequest(
        "de",
        "Zeitplan startet nicht am Wochenende",
        "Die geplante Sicherung am Samstag wird nicht ausgeführt.",
        16,
        time(13, 0),
        (
            Step(
                15,
                time(9, 30),
                "reply",
                "Bitte aktivieren Sie 'Computer zum Ausführen reaktivieren'.",
            ),
            Step(14, time(10, 0), "resolve"),
            Step(13, time(9, 0), "rate", "Sehr hilfreich.", 4),
        ),
    ),
]


def _moment(days_ago: int, at: time, team: str) -> datetime:
    local_day = timezone.localtime(timezone.now(), ZONES[team]).date() - timedelta(days=days_ago)
    return datetime.combine(local_day, at, tzinfo=ZONES[team])


def seed(*, customers: dict[str, User], engineers: dict[str, User]) -> int:
    """Open the demo requests of ``customers`` (team code → user); return how many were made."""
    import time_machine  # a development dependency, like the demo itself

    if Ticket.objects.filter(customer__in=customers.values()).exists():
        return 0
    made = 0
    for request in sorted(REQUESTS, key=lambda r: -r.days_ago):
        customer, engineer = customers[request.team], engineers[request.team]
        with time_machine.travel(_moment(request.days_ago, request.at, request.team), tick=False):
            ticket = services.ticket_create(
                customer=customer,
                product="professional",
                version=request.version,
                category=request.category,
                subject=request.subject,
                description=request.description,
                language=customer.language,
            ).ticket
        for step in request.steps:
            with time_machine.travel(_moment(step.days_ago, step.at, request.team), tick=False):
                ticket.refresh_from_db()
                _act(ticket, step, engineer=engineer)
        made += 1
    return made


def _act(ticket: Ticket, step: Step, *, engineer: User) -> None:
    if step.action in ("reply", "ask"):
        services.ticket_reply(
            ticket=ticket, engineer=engineer, body=step.text, awaits_customer=step.action == "ask"
        )
    elif step.action == "call":
        services.ticket_log_call(ticket=ticket, engineer=engineer, reached=False, note=step.text)
    elif step.action == "customer":
        services.ticket_customer_message(ticket=ticket, body=step.text)
    elif step.action == "resolve":
        services.ticket_resolve(ticket=ticket, engineer=engineer)
    elif step.action == "rate":
        _rate(ticket, rating=step.rating, comment=step.text)


def _rate(ticket: Ticket, *, rating: int, comment: str) -> None:
    # Imported here: surveys sit above tickets (an invitation belongs to a ticket).
    from surveys import services as survey_services
    from surveys.models import Invitation

    invitation = Invitation.objects.filter(ticket=ticket).order_by("-pk").first()
    if invitation is None:
        return
    answers = {}
    for question in invitation.survey.questions.all():
        answers[question.pk] = rating if question.kind == "rating" else comment
    survey_services.response_submit(invitation=invitation, answers=answers)
