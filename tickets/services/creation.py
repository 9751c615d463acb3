"""Opening requests: the ticket number, the customer's new request and a partner's request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements import arrangements, lifecycle
from entitlements import selectors as entitlement_selectors
from entitlements import services as entitlement_services
from entitlements.errors import ErrorCode as EntitlementCode
from entitlements.models import Category, Channel, Product
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from teams import selectors as team_selectors
from teams import services as team_services
from tickets import attachments as attachment_checks
from tickets import links
from tickets.errors import ErrorCode
from tickets.models import (
    Attachment,
    Message,
    Status,
    Ticket,
    TicketEvent,
    TicketNumber,
)
from tickets.services.assignment import assignee_choose
from tickets.services.base import (
    CALLBACK_HOURS,
    PARTNER_FIRST_RESPONSE_DAYS,
    PARTNER_ONLY_REFUSAL,
    _clean_text,
    _mail_context,
    _reply_tokens_issue,
    _store_attachments,
    reply_address,
)
from tickets.validators import remote_id_clean

if TYPE_CHECKING:
    from portal.accounts.models import User
    from teams.models import Team


def ticket_number_next() -> int:
    """Draw the next ticket number from a database sequence: never reused, never doubled."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('tickets_ticket_number_seq')")
            return cursor.fetchone()[0]
    return TicketNumber.objects.create().pk


def ticket_id_format(number: int, year: int) -> str:
    return f"{settings.TICKET_ID_PREFIX}-{year}-{number:06d}"


@dataclass(frozen=True)
class NewTicket:
    """The ticket as stored, with its first message and that message's attachments."""

    ticket: Ticket
    link_token: str
    message: Message | None = None
    attachments: tuple[Attachment, ...] = ()


@transaction.atomic
def ticket_create(
    *,
    customer: User,
    product: Product | str,
    version: str,
    category: str,
    subject: str,
    description: str,
    channel: str = Channel.ONLINE,
    phone: str = "",
    language: str = "",
    remote_id: str = "",
    files: Sequence[UploadedFile] = (),
    via: str = Message.Via.WEB,
) -> NewTicket:
    """Open a support request under the customer's entitlement, or raise why not.

    Everything happens in one transaction: the credit, the ticket, its first message and files,
    the audit entry, the assignment and the confirmation mail. A refusal leaves nothing behind.
    """
    subject = _clean_text(subject, field=_("the subject"), limit=200)
    description = _clean_text(description, field=_("the description"), limit=20000)
    language, remote_id, phone = _contact_details(
        customer=customer,
        category=category,
        channel=channel,
        language=language,
        remote_id=remote_id,
        phone=phone,
    )
    checked = attachment_checks.check_uploads(list(files))

    now = timezone.now()
    ticket_id = ticket_id_format(ticket_number_next(), now.year)
    team = team_selectors.team_for_user(user=customer)
    decision = entitlement_services.entitlement_use(
        customer=customer,
        product=product,
        version=version,
        category=category,
        channel=channel,
        reference=ticket_id,
        team=team,
    )
    callback_due = _callback_due(
        decision=decision, channel=channel, phone=phone, team=team, now=now, ticket_id=ticket_id
    )
    ticket = Ticket(
        ticket_id=ticket_id,
        customer=customer,
        product=decision.product,
        version=version,
        category=category,
        channel=channel,
        subject=subject,
        language=language,
        phone=phone,
        remote_id=remote_id,
        status=Status.NEW,
        team=team,
        entitlement=decision.entitlement,
        entitlement_kind=decision.entitlement.kind,
        created_at=now,
        last_activity_at=now,
        first_response_due=decision.first_response_due,
        callback_due=callback_due,
    )
    return _ticket_created(
        ticket,
        description=description,
        files=checked,
        via=via,
        actor=customer,
        detail=f"{decision.entitlement.kind} · {via}",
    )


def _contact_details(
    *, customer: User, category: str, channel: str, language: str, remote_id: str, phone: str
) -> tuple[str, str, str]:
    """The request's language, remote-assistance ID and call-back number, checked."""
    language = language or customer.language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose English or German."), code=ErrorCode.INVALID_LANGUAGE)
    remote_id = " ".join(remote_id.split())
    if remote_id:
        if category not in (Category.SETUP, Category.RESTORE):
            raise ApplicationError(
                _("A remote-assistance ID is only needed for setup and restore requests."),
                code=ErrorCode.REMOTE_ID_NOT_NEEDED,
            )
        try:
            remote_id = remote_id_clean(remote_id)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], code=ErrorCode.INVALID_REMOTE_ID) from exc
    phone = " ".join(phone.split())
    if channel == Channel.PHONE and not phone:
        raise ApplicationError(
            _("Enter the phone number we should call back."), code=ErrorCode.PHONE_REQUIRED
        )
    return language, remote_id, phone


def _callback_due(
    *,
    decision: entitlement_services.Allowed,
    channel: str,
    phone: str,
    team: Team,
    now: datetime,
    ticket_id: str,
) -> datetime | None:
    """When support calls back: a phone request under a plan with a phone response time, or
    the call that arranges a Setup or Restore session (whichever channel the request used)."""
    if channel == Channel.PHONE and decision.entitlement.offering.phone_response_hours:
        return team_services.add_business_time(
            team=team, start=now, duration=timedelta(hours=CALLBACK_HOURS)
        )
    if decision.entitlement.kind in entitlement_services.COMPLEMENTARY_KINDS:
        # A Setup or Restore session is arranged by phone, whichever channel the request used;
        # the refusal rolls back the credit just taken.
        if not phone:
            raise ApplicationError(
                _("Enter the phone number we should call to arrange the session."),
                code=ErrorCode.PHONE_REQUIRED,
            )
        due = arrangements.arrangement_due(entitlement=decision.entitlement, team=team, start=now)
        arrangements.arrangement_call_take_over(
            entitlement=decision.entitlement, reference=ticket_id
        )
        return due
    return None


def _ticket_created(
    ticket: Ticket,
    *,
    description: str,
    files: Sequence[attachment_checks.CheckedFile],
    via: str,
    actor: User,
    detail: str,
) -> NewTicket:
    """Store a new ticket (given unsaved, status new) with what every new ticket gets: its
    first message, the audit entries, an engineer and the mail.

    The engineer is chosen before the ticket is written, so that the ticket is inserted
    already assigned and both audit entries go in with one INSERT; the history reads as
    before: created (new), then assigned automatically (new → open), and, when the engineer is
    of another team, why.
    """
    profile = assignee_choose(ticket=ticket)
    engineer = profile.user if profile else None
    if engineer is not None:
        ticket.assignee = engineer
        ticket.status = Status.OPEN
    ticket.save(force_insert=True)
    message = Message.objects.create(
        ticket=ticket, author=ticket.customer, kind=Message.Kind.CUSTOMER, via=via, body=description
    )
    attachments = _store_attachments(message, files)
    events = [
        TicketEvent(
            ticket=ticket,
            actor=actor,
            action=TicketEvent.Action.CREATED,
            from_status="",
            to_status=Status.NEW,
            detail=detail[:300],
        )
    ]
    if engineer is not None:
        events.append(
            TicketEvent(
                ticket=ticket,
                actor=None,
                action=TicketEvent.Action.ASSIGNED_AUTOMATICALLY,
                from_status=Status.NEW,
                to_status=ticket.status,
                detail=str(engineer)[:300],
            )
        )
    if profile is not None and profile.team_id != ticket.team_id:
        events.append(
            TicketEvent(
                ticket=ticket,
                actor=None,
                action=TicketEvent.Action.ASSIGNED_TO_OTHER_TEAM,
                from_status=ticket.status,
                to_status=ticket.status,
                detail=(
                    f"no engineer of the {ticket.team.name} knows {ticket.product.name}; "
                    f"{engineer} of the {profile.team.name} takes it"
                )[:300],
            )
        )
    TicketEvent.objects.bulk_create(events)
    token = links.link_issue(ticket=ticket)
    (reply_token,) = _reply_tokens_issue(tickets=[ticket], supersede=False)
    outbox.email_enqueue_template(
        to=ticket.customer.email,
        template="ticket_created",
        context=_mail_context(ticket, token, description=description),
        language=ticket.language,
        tag="ticket_created",
        reply_to=reply_address(ticket, reply_token),
    )
    return NewTicket(
        ticket=ticket, link_token=token, message=message, attachments=tuple(attachments)
    )


@transaction.atomic
def ticket_open_for_partner(
    *,
    customer: User,
    organisation_id: int,
    product: Product | str,
    version: str,
    category: str,
    subject: str,
    description: str,
    language: str = "",
    actor: User | None = None,
    via: str = Message.Via.WEB,
) -> NewTicket:
    """Open a pre- or post-sales request of a partner organisation.

    No entitlement is used: the partners app has decided that the organisation's level includes
    the help and that ``customer`` may ask for it. ``actor`` is who opened it (the sales
    representative who forwarded a pre-sales request), ``customer`` the member who follows it.
    """
    if category not in entitlement_services.PARTNER_CATEGORIES:
        raise ApplicationError(
            _("Only pre-sales and post-sales requests are opened for partners."),
            code=EntitlementCode.INVALID_CATEGORY,
        )
    subject = _clean_text(subject, field=_("the subject"), limit=200)
    description = _clean_text(description, field=_("the description"), limit=20000)
    language = language or customer.language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose English or German."), code=ErrorCode.INVALID_LANGUAGE)
    product = entitlement_services.product_get(product)
    now = timezone.now()
    team = team_selectors.team_for_user(user=customer)
    if not version.strip():
        # A project not yet installed (pre-sales) is about the current version.
        today = entitlement_selectors.calendar_day(
            now, entitlement_selectors.calendar_zone(team=team)
        )
        latest = lifecycle.version_status(product=product, version=version, on=today)
        version = latest.latest_version or version
    # The same decision as a customer's request, so the version lifecycle (unknown or retired
    # version, in the team calendar) is one rule with one answer on every path. Only its
    # "partners only" answer does not apply: the partners app has decided this one may ask.
    decision = entitlement_services.check(
        customer=customer, product=product, version=version, category=category, at=now, team=team
    )
    if not decision.allowed and decision.reason_code != PARTNER_ONLY_REFUSAL:
        raise entitlement_services.EntitlementRefused(decision)
    ticket = Ticket(
        ticket_id=ticket_id_format(ticket_number_next(), now.year),
        customer=customer,
        product=product,
        version=version,
        category=category,
        channel=Channel.ONLINE,
        subject=subject,
        language=language,
        status=Status.NEW,
        team=team,
        partner_organisation_id=organisation_id,
        created_at=now,
        last_activity_at=now,
        first_response_due=team_services.add_business_time(
            team=team, start=now, business_days=PARTNER_FIRST_RESPONSE_DAYS
        ),
    )
    return _ticket_created(
        ticket,
        description=description,
        files=(),
        via=via,
        actor=actor or customer,
        detail=f"{category} · partner",
    )
