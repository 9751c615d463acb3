"""Writes of the tickets app: the request lifecycle, every transition in one place.

new ──assign──▶ open ◀──customer writes── waiting ◀──support asks / call not reached / reminder
  any open state ──customer closes / support resolves / agreed unresolved / auto-close──▶ closed
  closed ──customer reopens with a comment──▶ open

Every change writes a TicketEvent, and every mail goes through the outbox in the same
transaction as the change.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Case, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from entitlements import arrangements, lifecycle
from entitlements import selectors as entitlement_selectors
from entitlements import services as entitlement_services
from entitlements.models import Category, Channel, Product
from knowledge import selectors as knowledge_selectors
from knowledge.models import Article
from partners import selectors as partner_selectors
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.text import clean_text
from surveys import services as survey_services
from teams import selectors as team_selectors
from teams import services as team_services
from tickets import attachments as attachment_checks
from tickets import links, selectors
from tickets.models import (
    Attachment,
    EngineerProfile,
    Message,
    Priority,
    ReplyToken,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
    TicketNumber,
)
from tickets.text import mask_passwords
from tickets.validators import remote_id_clean

logger = logging.getLogger(__name__)

CALLBACK_HOURS = 3
LAST_ATTEMPT_GRACE = timedelta(days=1)
OPEN_STATES = (Status.NEW, Status.OPEN, Status.WAITING)
# Partners' pre- and post-sales requests are answered online within a business day.
PARTNER_FIRST_RESPONSE_DAYS = 1
# The entitlement decision's answer to a pre- or post-sales request: a partner-level service.
PARTNER_ONLY_REFUSAL = "partner-only"
CLOSURE_PROPOSED = "closure proposed"
CLOSURE_WITHDRAWN = "closure proposal withdrawn"


# --- Numbers ----------------------------------------------------------------------------------


def ticket_number_next() -> int:
    """Draw the next ticket number from a database sequence: never reused, never doubled."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('tickets_ticket_number_seq')")
            return cursor.fetchone()[0]
    return TicketNumber.objects.create().pk


def ticket_id_format(number: int, year: int) -> str:
    return f"{settings.TICKET_ID_PREFIX}-{year}-{number:06d}"


# --- Helpers ----------------------------------------------------------------------------------


def _event(ticket: Ticket, action: str, *, actor=None, before: str = "", detail: str = "") -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        action=action,
        from_status=before,
        to_status=ticket.status,
        detail=detail[:300],
    )


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: transitions never work on a stale status."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "product")
        .get(pk=ticket.pk)
    )


def _require(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    if ticket.status not in allowed:
        raise ApplicationError(
            _("Request %(id)s is %(status)s: it cannot be %(action)s.")
            % {"id": ticket.ticket_id, "status": ticket.get_status_display(), "action": action},
            code="invalid-transition",
        )


# 160 random bits as 32 characters of lower-case base32: mail systems may change the case of an
# address, and the local part "reply+<ticket ID>.<token>" must stay within its 64 characters.
REPLY_TOKEN_BYTES = 20


def reply_address(ticket: Ticket, token: str) -> str:
    return f"reply+{ticket.ticket_id}.{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def reply_token_hash(token: str) -> str:
    return hashlib.sha256(token.lower().encode()).hexdigest()


def _reply_tokens_issue(*, tickets: Sequence[Ticket], supersede: bool = True) -> list[str]:
    """Give one mail to each ticket a fresh reply token; return them (they are never stored).

    The tickets' current tokens are superseded now (one UPDATE), and they keep working for the
    grace period; the new ones go in with one INSERT. A ticket just created has none to
    supersede.
    """
    if not tickets:
        return []
    now = timezone.now()
    if supersede:
        ReplyToken.objects.filter(
            ticket_id__in=[ticket.pk for ticket in tickets], superseded_at__isnull=True
        ).update(superseded_at=now)
    tokens = [
        base64.b32encode(secrets.token_bytes(REPLY_TOKEN_BYTES)).decode().lower()
        for _ticket in tickets
    ]
    ReplyToken.objects.bulk_create(
        ReplyToken(ticket=ticket, token_hash=reply_token_hash(token), created_at=now)
        for ticket, token in zip(tickets, tokens, strict=True)
    )
    return tokens


def _mail_context(ticket: Ticket, token: str, **extra) -> dict:
    return {
        "ticket": ticket,
        "customer": ticket.customer,
        "link": links.link_url(token),
        **extra,
    }


def _may_receive_mail(ticket: Ticket) -> bool:
    """A post-sales request is mailed only to a current technical representative."""
    if ticket.category != Category.POST_SALES:
        return True
    return partner_selectors.is_technical_representative(
        user=ticket.customer, organisation_id=ticket.partner_organisation_id
    )


def _notify(ticket: Ticket, template: str, **extra) -> None:
    """Mail the customer about their ticket, with a fresh private link and the reply address."""
    if not _may_receive_mail(ticket):
        logger.info("No %s mail for %s: not a technical representative", template, ticket)
        return
    token = links.link_issue(ticket=ticket)
    (reply_token,) = _reply_tokens_issue(tickets=[ticket])
    outbox.email_enqueue_template(
        to=ticket.customer.email,
        template=template,
        context=_mail_context(ticket, token, **extra),
        language=ticket.language,
        tag=template,
        reply_to=reply_address(ticket, reply_token),
    )


def _store_attachments(
    message: Message, files: Sequence[attachment_checks.CheckedFile]
) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            message=message,
            ticket_id_ref=message.ticket.ticket_id,
            storage_key=secrets.token_hex(16),
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        attachment.file.save(attachment.storage_key, checked.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _stored_bytes(ticket: Ticket) -> int:
    return sum(Attachment.objects.filter(message__ticket=ticket).values_list("size", flat=True))


def _clean_text(value: str, *, field: str, limit: int) -> str:
    return clean_text(value, field=field, limit=limit, transform=mask_passwords)


def article_public_url(article: Article) -> str:
    """Return the absolute address of a help-centre article, as a customer opens it."""
    return settings.SITE_URL + reverse("knowledge:article", args=[article.slug])


def _published(article: Article) -> Article:
    """Re-read ``article`` and refuse it unless it is published (now, not when the form was)."""
    published = knowledge_selectors.published_articles().filter(pk=article.pk).first()
    if published is None:
        raise ApplicationError(
            _("The article “%(title)s” is not published in the help centre.")
            % {"title": article.title},
            code="article-not-published",
        )
    return published


def _with_article_link(body: str, article: Article | None) -> str:
    """The reply's text, cleaned, with the article's title and address at the end."""
    if article is None:
        return _clean_text(body, field=_("the reply"), limit=20000)
    link = f"{article.title}: {article_public_url(article)}"
    if not (body or "").strip():
        return link
    return f"{_clean_text(body, field=_('the reply'), limit=20000)}\n\n{link}"


# --- Assignment -------------------------------------------------------------------------------


def assignee_choose(*, ticket: Ticket) -> EngineerProfile | None:
    """Choose an engineer skilled in the ticket's product, the least loaded first: one of the
    ticket's team, or of another team when no engineer of the ticket's team knows the product.

    The other team helps with a skill the team lacks, not with a team whose skilled engineers
    take no new requests at the moment: then the request waits for the team. One query either
    way; the profile comes with its user and team.
    """
    skilled = EngineerProfile.objects.filter(
        products=ticket.product, user__is_active=True, user__is_staff=True
    )
    profile = (
        skilled.filter(takes_new_tickets=True)
        .filter(Q(team=ticket.team) | ~Exists(skilled.filter(team=ticket.team)))
        .annotate(
            # Counted over open tickets only, a range of the (assignee, status) index per
            # engineer: a busy engineer's years of closed tickets are not read at every
            # submission. COUNT(*) without GROUP BY always gives one row (0 when none), and
            # reads the index only, where COUNT(id) would visit every ticket's row.
            load=Subquery(
                Ticket.objects.filter(assignee=OuterRef("user_id"), status__in=OPEN_STATES)
                .order_by()
                .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
                .values("n")
            )
        )
        .order_by("load", "user_id")
        .select_related("user", "team")
        .first()
    )
    return profile


def _assign(ticket: Ticket, engineer, *, actor, action: str) -> None:
    before = ticket.status
    ticket.assignee = engineer
    if ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    ticket.save(update_fields=["assignee", "status"])
    _event(ticket, action, actor=actor, before=before, detail=str(engineer))


@transaction.atomic
def ticket_take(*, ticket: Ticket, engineer) -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("taken"))
    _assign(ticket, engineer, actor=engineer, action="taken")
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, engineer, actor) -> Ticket:
    if not engineer.is_staff:
        raise ApplicationError(_("Only support engineers can be assigned."), code="not-staff")
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("assigned"))
    _assign(ticket, engineer, actor=actor, action="assigned")
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, actor) -> Ticket:
    ticket = _lock(ticket)
    if priority not in Priority.values:
        raise ApplicationError(_("Unknown priority."), code="invalid-priority")
    before = ticket.get_priority_display()
    ticket.priority = priority
    ticket.save(update_fields=["priority"])
    _event(
        ticket,
        "priority changed",
        actor=actor,
        before=ticket.status,
        detail=f"{before} → {ticket.get_priority_display()}",
    )
    return ticket


@transaction.atomic
def ticket_solved_by_set(*, ticket: Ticket, article: Article | None, actor) -> Ticket:
    """Record the published article that answered the request, or clear it with None.

    Allowed in any status: support often notes the article after closing. Setting what is
    already set changes nothing and writes no event.
    """
    if not getattr(actor, "is_staff", False):
        raise ApplicationError(
            _("Only support staff can say which article solved a request."), code="not-staff"
        )
    ticket = _lock(ticket)
    if article is not None:
        article = _published(article)
    if ticket.solved_by_id == (article.pk if article is not None else None):
        return ticket
    ticket.solved_by = article
    ticket.save(update_fields=["solved_by"])
    _event(
        ticket,
        "solved_by_article",
        actor=actor,
        before=ticket.status,
        detail=article.title if article is not None else "cleared",
    )
    return ticket


# --- Creation ---------------------------------------------------------------------------------


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
    customer,
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
    language = language or customer.language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose English or German."), code="invalid-language")
    remote_id = " ".join(remote_id.split())
    if remote_id:
        if category not in (Category.SETUP, Category.RESTORE):
            raise ApplicationError(
                _("A remote-assistance ID is only needed for setup and restore requests."),
                code="remote-id-not-needed",
            )
        try:
            remote_id = remote_id_clean(remote_id)
        except ValidationError as exc:
            raise ApplicationError(exc.messages[0], code="invalid-remote-id") from exc
    phone = " ".join(phone.split())
    if channel == Channel.PHONE and not phone:
        raise ApplicationError(
            _("Enter the phone number we should call back."), code="phone-required"
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
    callback_due = None
    if channel == Channel.PHONE and decision.entitlement.offering.phone_response_hours:
        callback_due = team_services.add_business_time(
            team=team, start=now, duration=timedelta(hours=CALLBACK_HOURS)
        )
    elif decision.entitlement.kind in entitlement_services.COMPLEMENTARY_KINDS:
        # A Setup or Restore session is arranged by phone, whichever channel the request used;
        # the refusal rolls back the credit just taken.
        if not phone:
            raise ApplicationError(
                _("Enter the phone number we should call to arrange the session."),
                code="phone-required",
            )
        callback_due = arrangements.arrangement_due(
            entitlement=decision.entitlement, team=team, start=now
        )
        arrangements.arrangement_call_take_over(
            entitlement=decision.entitlement, reference=ticket_id
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


def _ticket_created(
    ticket: Ticket,
    *,
    description: str,
    files: Sequence[attachment_checks.CheckedFile],
    via: str,
    actor,
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
            action="created",
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
                action="assigned automatically",
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
                action="assigned to the other team",
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
    customer,
    organisation_id: int,
    product: Product | str,
    version: str,
    category: str,
    subject: str,
    description: str,
    language: str = "",
    actor=None,
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
            code="invalid-category",
        )
    subject = _clean_text(subject, field=_("the subject"), limit=200)
    description = _clean_text(description, field=_("the description"), limit=20000)
    language = language or customer.language or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Choose English or German."), code="invalid-language")
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


# --- Conversation -----------------------------------------------------------------------------


def _start_or_count_attempt(ticket: Ticket, now: datetime) -> None:
    """An outbound contact that awaits the customer: count it in the current waiting period."""
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    if ticket.status != Status.WAITING or ticket.first_attempt_at is None:
        ticket.contact_attempts = 0
        ticket.first_attempt_at = now
    ticket.contact_attempts += 1
    ticket.last_attempt_at = now
    ticket.status = Status.WAITING
    if ticket.contact_attempts < attempts:
        ticket.next_action_at = now + timedelta(days=settings.TICKET_REMINDER_INTERVAL_DAYS)
    else:
        window_end = ticket.first_attempt_at + timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
        # Even a last attempt made late leaves the customer a day to answer it.
        ticket.next_action_at = max(window_end, now + LAST_ATTEMPT_GRACE)


def _end_waiting(ticket: Ticket) -> None:
    ticket.contact_attempts = 0
    ticket.first_attempt_at = None
    ticket.last_attempt_at = None
    ticket.next_action_at = None


def _closure_proposal_withdraw(ticket: Ticket) -> bool:
    """The conversation goes on: a proposal to close unresolved no longer stands; say if one did.

    A customer who writes instead of agreeing disagrees, and a new reply of support means they
    are still at it: agreeing weeks later must not close a conversation that has moved on.
    """
    if ticket.closure_proposed_at is None:
        return False
    ticket.closure_proposed_at = None
    return True


WAITING_FIELDS = ["contact_attempts", "first_attempt_at", "last_attempt_at", "next_action_at"]
# What opening, closing and reopening change.
STATE_FIELDS = [
    "status", "resolution", "closed_at", "closure_proposed_at", "last_activity_at",
    *WAITING_FIELDS,
]  # fmt: skip


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    engineer,
    body: str,
    awaits_customer: bool,
    files: Sequence[UploadedFile] = (),
    via: str = Message.Via.ADMIN,
    article: Article | None = None,
) -> Message:
    """Answer the customer; a reply that asks them something is a contact attempt.

    With ``article``, the help-centre article's title and address end the reply (or are the
    whole reply when ``body`` is empty). It does not set ``solved_by``: the engineer decides.
    """
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("answered"))
    body = _with_article_link(body, _published(article) if article is not None else None)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    now = timezone.now()
    before = ticket.status
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.ENGINEER,
        via=via,
        body=body,
        awaits_customer=awaits_customer,
        created_at=now,
    )
    _store_attachments(message, checked)
    if ticket.assignee_id is None:
        ticket.assignee = engineer
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if awaits_customer:
        _start_or_count_attempt(ticket, now)
    else:
        ticket.status = Status.OPEN
        _end_waiting(ticket)
    withdrawn = _closure_proposal_withdraw(ticket)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=[
            "assignee",
            "first_responded_at",
            "status",
            "closure_proposed_at",
            "last_activity_at",
            *WAITING_FIELDS,
        ]
    )
    _event(
        ticket,
        "replied",
        actor=engineer,
        before=before,
        detail="asks customer" if awaits_customer else "",
    )
    if withdrawn:
        _event(
            ticket,
            CLOSURE_WITHDRAWN,
            actor=engineer,
            before=ticket.status,
            detail="support replied",
        )
    _notify(ticket, "ticket_reply", message=message)
    return message


@transaction.atomic
def ticket_note(
    *, ticket: Ticket, engineer, body: str, files: Sequence[UploadedFile] = ()
) -> Message:
    """An internal note, with files if any: engineers only, no mail, no change of status."""
    ticket = _lock(ticket)
    body = _clean_text(body, field=_("the note"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    message = Message.objects.create(
        ticket=ticket, author=engineer, kind=Message.Kind.NOTE, via=Message.Via.ADMIN, body=body
    )
    _store_attachments(message, checked)
    _event(ticket, "internal note", actor=engineer, before=ticket.status)
    return message


@transaction.atomic
def ticket_log_call(
    *, ticket: Ticket, engineer, reached: bool, note: str = "", via: str = Message.Via.ADMIN
) -> Message:
    """Record a phone call; an unanswered call is a contact attempt."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("called"))
    now = timezone.now()
    before = ticket.status
    note = mask_passwords(note.strip())
    body = (
        _("We called you and spoke with you.")
        if reached
        else _("We tried to call you but could not reach you.")
    )
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.CALL,
        via=via,
        body=f"{body}\n\n{note}".strip(),
        awaits_customer=not reached,
        created_at=now,
    )
    if ticket.assignee_id is None:
        ticket.assignee = engineer
    if reached:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if ticket.callback_due and not ticket.callback_done_at:
            ticket.callback_done_at = now
        ticket.status = Status.OPEN
        _end_waiting(ticket)
    else:
        _start_or_count_attempt(ticket, now)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=[
            "assignee", "first_responded_at", "callback_done_at", "status", "last_activity_at",
            *WAITING_FIELDS,
        ]
    )  # fmt: skip
    _event(ticket, "call reached" if reached else "call not reached", actor=engineer, before=before)
    if not reached:
        _notify(ticket, "ticket_call_attempt", message=message)
    return message


@transaction.atomic
def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    files: Sequence[UploadedFile] = (),
    via: str = Message.Via.WEB,
    actor=None,
) -> Message:
    """The customer writes: the waiting period ends and the ticket is open again.

    A message that meets a ticket just closed by the sweep is never lost: it reopens the ticket.
    """
    ticket = _lock(ticket)
    body = _clean_text(body, field=_("your message"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    now = timezone.now()
    before = ticket.status
    if ticket.status == Status.CLOSED:
        if ticket.resolution != Resolution.AUTO_CLOSED:
            raise ApplicationError(
                _("Request %(id)s is closed. Reopen it with a comment if the problem is back.")
                % {"id": ticket.ticket_id},
                code="closed",
            )
        _reopen(ticket)
    message = Message.objects.create(
        ticket=ticket,
        author=actor or ticket.customer,
        kind=Message.Kind.CUSTOMER,
        via=via,
        body=body,
        created_at=now,
    )
    _store_attachments(message, checked)
    if ticket.status != Status.NEW:
        ticket.status = Status.OPEN
    _end_waiting(ticket)
    withdrawn = _closure_proposal_withdraw(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    action = "reopened by customer reply" if before == Status.CLOSED else "customer wrote"
    _event(ticket, action, actor=actor or ticket.customer, before=before, detail=via)
    if withdrawn:
        _event(
            ticket,
            CLOSURE_WITHDRAWN,
            actor=actor or ticket.customer,
            before=ticket.status,
            detail="the customer wrote",
        )
    return message


# --- Closing and reopening --------------------------------------------------------------------


def _close(ticket: Ticket, resolution: str, *, actor, now: datetime, detail: str = "") -> None:
    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.resolution = resolution
    ticket.closed_at = now
    ticket.closure_proposed_at = None
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(ticket, f"closed: {resolution}", actor=actor, before=before, detail=detail)
    links.links_expire_after_close(ticket_ids=[ticket.pk], closed_at=now)
    _notify(ticket, "ticket_closed", resolution=ticket.get_resolution_display())
    if resolution != Resolution.CANCELLED:
        survey_services.satisfaction_invite(tickets=[ticket], closed_at=now)


@transaction.atomic
def ticket_close_by_customer(*, ticket: Ticket, actor=None) -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("closed"))
    _close(ticket, Resolution.CUSTOMER_CLOSED, actor=actor or ticket.customer, now=timezone.now())
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, engineer, note: str = "") -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("resolved"))
    _close(ticket, Resolution.RESOLVED, actor=engineer, now=timezone.now(), detail=note)
    return ticket


@transaction.atomic
def ticket_propose_unresolved_closure(*, ticket: Ticket, engineer, explanation: str) -> Ticket:
    """Support cannot (or chooses not to) resolve: ask the customer to agree to closing."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("proposed for closing"))
    explanation = _clean_text(explanation, field=_("the explanation"), limit=5000)
    now = timezone.now()
    before = ticket.status
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.ENGINEER,
        via=Message.Via.ADMIN,
        body=explanation,
        awaits_customer=True,
        created_at=now,
    )
    ticket.closure_proposed_at = now
    _start_or_count_attempt(ticket, now)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=["closure_proposed_at", "status", "last_activity_at", *WAITING_FIELDS]
    )
    _event(ticket, CLOSURE_PROPOSED, actor=engineer, before=before, detail=explanation[:200])
    _notify(ticket, "ticket_closure_proposed", message=message)
    return ticket


def _closure_proposal_was_withdrawn(ticket: Ticket) -> bool:
    """Whether the latest proposal to close unresolved no longer stands (one query).

    Either it was withdrawn, or it was stored before a message withdrew proposals and the
    conversation went on after it.
    """
    if ticket.closure_proposed_at is not None:
        return Message.objects.filter(
            ticket=ticket,
            kind__in=selectors.CONVERSATION_KINDS,
            created_at__gt=ticket.closure_proposed_at,
        ).exists()
    latest = (
        TicketEvent.objects.filter(ticket=ticket, action__in=[CLOSURE_PROPOSED, CLOSURE_WITHDRAWN])
        .order_by("-at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return latest == CLOSURE_WITHDRAWN


@transaction.atomic
def ticket_agree_closure(*, ticket: Ticket, actor=None) -> Ticket:
    """Close unresolved with the customer's agreement, while support's proposal stands."""
    ticket = _lock(ticket)
    if ticket.status != Status.CLOSED and _closure_proposal_was_withdrawn(ticket):
        raise ApplicationError(
            _(
                "The proposal to close request %(id)s was withdrawn when the conversation went "
                "on, so the request stays open. If support still cannot resolve it, they will "
                "propose closing it again."
            )
            % {"id": ticket.ticket_id},
            code="proposal-withdrawn",
        )
    if ticket.closure_proposed_at is None or ticket.status == Status.CLOSED:
        raise ApplicationError(
            _("Support has not proposed to close this request."), code="no-proposal"
        )
    _close(ticket, Resolution.CANNOT_RESOLVE, actor=actor or ticket.customer, now=timezone.now())
    return ticket


def _reopen(ticket: Ticket) -> None:
    ticket.status = Status.OPEN if ticket.assignee_id else Status.NEW
    ticket.resolution = ""
    ticket.closed_at = None
    ticket.closure_proposed_at = None
    links.links_renew_on_reopen(ticket=ticket)
    # However it is reopened (the page, the API, a reply by e-mail), the survey of the closure
    # no longer applies.
    survey_services.satisfaction_withdraw(ticket=ticket)


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, comment: str, actor=None, via: str = Message.Via.WEB
) -> Ticket:
    """Reopen a closed request with the customer's comment; no further credit is used."""
    ticket = _lock(ticket)
    _require(ticket, [Status.CLOSED], _("reopened"))
    if ticket.resolution == Resolution.CANCELLED:
        raise ApplicationError(
            _("This request was cancelled; please send a new request."), code="cancelled"
        )
    comment = _clean_text(comment, field=_("a comment"), limit=20000)
    now = timezone.now()
    _reopen(ticket)
    Message.objects.create(
        ticket=ticket,
        author=actor or ticket.customer,
        kind=Message.Kind.CUSTOMER,
        via=via,
        body=comment,
        created_at=now,
    )
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(ticket, "reopened", actor=actor or ticket.customer, before=Status.CLOSED)
    return ticket


@transaction.atomic
def ticket_cancel_as_mistake(*, ticket: Ticket, staff, reason: str) -> Ticket:
    """Close a request opened by mistake and give back the credit it used."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATES, _("cancelled"))
    if ticket.entitlement is not None and ticket.entitlement.uses_total is not None:
        entitlement_services.entitlement_give_back(
            entitlement=ticket.entitlement, reference=ticket.ticket_id, reason=reason, actor=staff
        )
    _close(ticket, Resolution.CANCELLED, actor=staff, now=timezone.now(), detail=reason)
    return ticket


@transaction.atomic
def ticket_revoke_links(*, ticket: Ticket, staff, reason: str) -> int:
    count = links.links_revoke(ticket=ticket, reason=reason)
    _event(ticket, "links revoked", actor=staff, before=ticket.status, detail=reason)
    return count


# --- Replies by e-mail to closed requests -----------------------------------------------------


@dataclass(frozen=True)
class EmailReply:
    """Where a customer's reply by e-mail went.

    ``message`` is on ``ticket``: the request replied to (reopened or not), or the new request
    that follows it. When it went nowhere, ``message`` is None and ``refusal`` says why.
    """

    ticket: Ticket
    message: Message | None = None
    reopened: bool = False
    follow_up: bool = False
    refusal: str = ""


@transaction.atomic
def ticket_customer_reply_by_email(
    *, ticket: Ticket, body: str, files: Sequence[UploadedFile] = (), actor=None
) -> EmailReply:
    """Add the customer's reply by e-mail to its request; to a closed one by its closing date.

    Within ``TICKET_REOPEN_BY_REPLY_DAYS`` of the closing the reply reopens the request (so does
    a reply that meets the closing sweep), and the customer is reminded that a new problem needs
    a new request. A later reply starts a new request that follows the old one, under the
    entitlement check like any other. When the customer's support no longer allows one, nothing
    is opened: the customer is told how to send a new request, and ``refusal`` says why.
    """
    ticket = _lock(ticket)
    actor = actor or ticket.customer
    if ticket.status != Status.CLOSED:
        message = ticket_customer_message(
            ticket=ticket, body=body, files=files, via=Message.Via.EMAIL, actor=actor
        )
        return EmailReply(ticket=message.ticket, message=message)
    if ticket.resolution == Resolution.CANCELLED:
        raise ApplicationError(
            _("This request was cancelled; please send a new request."), code="cancelled"
        )
    now = timezone.now()
    window_start = now - timedelta(days=settings.TICKET_REOPEN_BY_REPLY_DAYS)
    if ticket.closed_at is None or ticket.closed_at >= window_start:
        return _reopen_by_reply(ticket, body=body, files=files, actor=actor, now=now)
    return _follow_up_by_reply(ticket, body=body, files=files, actor=actor)


def _reopen_by_reply(
    ticket: Ticket, *, body: str, files: Sequence[UploadedFile], actor, now: datetime
) -> EmailReply:
    body = _clean_text(body, field=_("your message"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    _reopen(ticket)
    message = Message.objects.create(
        ticket=ticket,
        author=actor,
        kind=Message.Kind.CUSTOMER,
        via=Message.Via.EMAIL,
        body=body,
        created_at=now,
    )
    _store_attachments(message, checked)
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(
        ticket,
        "reopened by customer reply",
        actor=actor,
        before=Status.CLOSED,
        detail=Message.Via.EMAIL,
    )
    _mail_reopened_by_reply(ticket)
    return EmailReply(ticket=ticket, message=message, reopened=True)


def _follow_up_by_reply(
    ticket: Ticket, *, body: str, files: Sequence[UploadedFile], actor
) -> EmailReply:
    # Another late reply (the closed request is locked, so replies come one at a time) joins
    # the request the first one opened, while that is not closed, instead of opening another.
    open_follow_up = ticket.followed_by.unclosed().order_by("-created_at", "-pk").first()
    if open_follow_up is not None:
        message = ticket_customer_message(
            ticket=open_follow_up, body=body, files=files, via=Message.Via.EMAIL, actor=actor
        )
        return EmailReply(ticket=message.ticket, message=message, follow_up=True)
    closed_on = _closed_on(ticket)
    if ticket.category in entitlement_services.PARTNER_CATEGORIES:
        # Partner help is opened by the partners app, which decides who may ask for it.
        _mail_follow_up_refused(ticket, decision=None)
        return EmailReply(
            ticket=ticket,
            refusal=_(
                "No new request opened from a reply to partner request %(id)s, closed on "
                "%(date)s: partners send a new one from the partner area."
            )
            % {"id": ticket.ticket_id, "date": closed_on},
        )
    with translation.override(ticket.language):
        subject = _("Follow-up to %(id)s: %(subject)s") % {
            "id": ticket.ticket_id,
            "subject": ticket.subject,
        }
    # The same way of answering as before, where the request has what it needs for it.
    channel = ticket.channel
    if channel == Channel.PHONE and not ticket.phone:
        channel = Channel.ONLINE
    try:
        created = ticket_create(
            customer=ticket.customer,
            product=ticket.product,
            version=ticket.version,
            category=ticket.category,
            subject=subject[:200],
            description=body,
            channel=channel,
            phone=ticket.phone,
            language=ticket.language,
            files=files,
            via=Message.Via.EMAIL,
        )
    except entitlement_services.EntitlementRefused as refused:
        _mail_follow_up_refused(ticket, decision=refused.decision)
        return EmailReply(
            ticket=ticket,
            refusal=_(
                "No new request opened from a reply to %(id)s, closed on %(date)s: %(reason)s"
            )
            % {"id": ticket.ticket_id, "date": closed_on, "reason": refused.message},
        )
    follow_up = created.ticket
    follow_up.follows = ticket
    follow_up.save(update_fields=["follows"])
    _event(follow_up, "follows", actor=actor, before=follow_up.status, detail=ticket.ticket_id)
    _event(ticket, "followed by", actor=actor, before=ticket.status, detail=follow_up.ticket_id)
    return EmailReply(ticket=follow_up, message=created.message, follow_up=True)


def _closed_on(ticket: Ticket) -> str:
    """The closing date in the ticket's team calendar, written the way of the active language."""
    closed_at = timezone.localtime(ticket.closed_at, ZoneInfo(ticket.team.time_zone))
    return formats.date_format(closed_at.date(), "DATE_FORMAT")


def _mail_reopened_by_reply(ticket: Ticket) -> None:
    """Confirm the reopening, with the reopen page's reminder that a new problem needs a new
    request (a reply reopens without the page that says so)."""
    if not _may_receive_mail(ticket):
        return
    token = links.link_issue(ticket=ticket)
    (reply_token,) = _reply_tokens_issue(tickets=[ticket])
    with translation.override(ticket.language):
        names = {"id": ticket.ticket_id, "subject": ticket.subject}
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": ticket.customer.get_short_name()},
                _("your e-mail reopened your request %(id)s (%(subject)s); support answers it.")
                % names,
                _(
                    "Reopen it only if the same problem is back. A new problem needs a new "
                    "request, so that the right engineer and your current support take care of it."
                ),
                _("If your e-mail is about a new problem, please send a new request: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('tickets:new')}"},
                "\n".join(
                    [
                        _("Your request online (a private link, please do not forward it):"),
                        links.link_url(token),
                    ]
                ),
                _("You can also answer this e-mail; your reply is added to the request."),
                _("Request %(id)s · NovaDesk support") % names,
            ]
        )
        outbox.email_enqueue(
            to=ticket.customer.email,
            subject=_("[%(id)s] Your request is open again: %(subject)s") % names,
            body_text=f"{body}\n",
            tag="ticket_reopened_by_reply",
            language=ticket.language,
            reply_to=reply_address(ticket, reply_token),
        )


def _mail_follow_up_refused(ticket: Ticket, *, decision) -> None:
    """Tell the customer that their late reply opened nothing, why, and how to ask anew.

    The mail has no reply address: answering it would only arrive at the closed request again.
    """
    if not _may_receive_mail(ticket):
        return
    partner = ticket.category in entitlement_services.PARTNER_CATEGORIES
    with translation.override(ticket.language):
        names = {"id": ticket.ticket_id, "subject": ticket.subject, "date": _closed_on(ticket)}
        paragraphs = [
            _("Hello %(name)s,") % {"name": ticket.customer.get_short_name()},
            _(
                "your request %(id)s (%(subject)s) was closed on %(date)s, so your e-mail was "
                "not added to it, and no new request could be opened from it."
            )
            % names,
        ]
        if partner:
            paragraphs.append(
                _("Please send a new request from the partner area: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('partners:area')}"}
            )
        else:
            # Decided again in the customer's language: the reason is for them to read.
            decision = entitlement_services.check(
                customer=ticket.customer,
                product=ticket.product,
                version=ticket.version,
                category=ticket.category,
                channel=decision.channel,
            )
            paragraphs.append(decision.reason)
            paragraphs.append(
                _("Please send a new request: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('tickets:new')}"}
            )
            offerings = selectors.offerings_by_code(codes=decision.purchase_options)
            if offerings:
                buy = reverse("entitlements:buy")
                query = urlencode({"product": ticket.product.code, "category": ticket.category})
                paragraphs.append(
                    "\n".join(
                        [
                            _("Support that covers it:"),
                            *(
                                f"- {offering.name}: {settings.SITE_URL}{buy}?{query}"
                                f"#offering-{offering.code}"
                                for offering in offerings
                            ),
                        ]
                    )
                )
        paragraphs.append(_("Request %(id)s · NovaDesk support") % names)
        outbox.email_enqueue(
            to=ticket.customer.email,
            subject=_("[%(id)s] Your e-mail was not added: please send a new request") % names,
            body_text="\n\n".join(paragraphs) + "\n",
            tag="ticket_follow_up_refused",
            language=ticket.language,
        )


# --- The sweep --------------------------------------------------------------------------------


@dataclass
class SweepResult:
    reminded: int = 0
    closed: int = 0


def _claim_due(*, reminders: bool, now: datetime, batch: int) -> list[int]:
    """Lock a batch of due waiting tickets; rows another transaction holds are skipped."""
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    due = Ticket.objects.filter(status=Status.WAITING, next_action_at__lte=now)
    if reminders:
        due = due.filter(contact_attempts__lt=attempts)
    else:
        # The window is checked here too, not only through next_action_at: a due time set
        # under other settings (fewer attempts, a longer window) must not close a ticket early.
        window_start = now - timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
        due = due.filter(contact_attempts__gte=attempts, first_attempt_at__lte=window_start)
    return list(
        due.order_by("next_action_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:batch]
    )


def _mail_many(tickets: list[Ticket], template: str) -> None:
    emails = []
    postsales = {
        (t.customer_id, t.partner_organisation_id)
        for t in tickets
        if t.category == Category.POST_SALES and t.partner_organisation_id
    }
    allowed = partner_selectors.technical_member_pairs(pairs=postsales)
    mailed = [
        ticket
        for ticket in tickets
        if ticket.category != Category.POST_SALES
        or (ticket.customer_id, ticket.partner_organisation_id) in allowed
    ]
    reply_tokens = _reply_tokens_issue(tickets=mailed)
    for ticket, reply_token in zip(mailed, reply_tokens, strict=True):
        token = links.link_issue(ticket=ticket)
        rendered = outbox.email_render(
            template=template, context=_mail_context(ticket, token), language=ticket.language
        )
        emails.append(
            {
                "to": ticket.customer.email,
                "tag": template,
                "language": ticket.language,
                "reply_to": reply_address(ticket, reply_token),
                **rendered,
            }
        )
    outbox.email_enqueue_many(emails=emails)


def _sweep_reminders(now: datetime, batch: int) -> int:
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    window = timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
    with transaction.atomic():
        ids = _claim_due(reminders=True, now=now, batch=batch)
        if not ids:
            return 0
        # One statement moves every claimed ticket on: one more attempt, and the next due step
        # (another reminder, or the closure once the window since the first attempt is over).
        Ticket.objects.filter(pk__in=ids).update(
            contact_attempts=F("contact_attempts") + 1,
            last_attempt_at=now,
            last_activity_at=now,
            next_action_at=Case(
                When(
                    contact_attempts__lt=attempts - 1,
                    then=Value(now + timedelta(days=settings.TICKET_REMINDER_INTERVAL_DAYS)),
                ),
                default=Greatest(F("first_attempt_at") + window, Value(now + LAST_ATTEMPT_GRACE)),
            ),
        )
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("customer"))
        Message.objects.bulk_create(
            Message(
                ticket=t,
                kind=Message.Kind.SYSTEM,
                via=Message.Via.SYSTEM,
                body=_("Automatic reminder: we are waiting for your reply."),
                awaits_customer=True,
                created_at=now,
            )
            for t in tickets
        )
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=t,
                at=now,
                action="reminder sent",
                from_status=Status.WAITING,
                to_status=Status.WAITING,
                detail=f"attempt {t.contact_attempts}",
            )
            for t in tickets
        )
        _mail_many(tickets, "ticket_reminder")
    return len(ids)


def _sweep_closures(now: datetime, batch: int) -> int:
    with transaction.atomic():
        ids = _claim_due(reminders=False, now=now, batch=batch)
        if not ids:
            return 0
        Ticket.objects.filter(pk__in=ids, status=Status.WAITING).update(
            status=Status.CLOSED,
            resolution=Resolution.AUTO_CLOSED,
            closed_at=now,
            last_activity_at=now,
            next_action_at=None,
            closure_proposed_at=None,
        )
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("customer"))
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=t,
                at=now,
                action=f"closed: {Resolution.AUTO_CLOSED}",
                from_status=Status.WAITING,
                to_status=Status.CLOSED,
                detail=f"{t.contact_attempts} unanswered contact attempts",
            )
            for t in tickets
        )
        links.links_expire_after_close(ticket_ids=ids, closed_at=now)
        _mail_many(tickets, "ticket_closed")
        survey_services.satisfaction_invite(tickets=tickets, closed_at=now)
    return len(ids)


def tickets_sweep(*, now: datetime | None = None, batch: int | None = None) -> SweepResult:
    """Send due reminders and close tickets whose contact attempts all went unanswered.

    Safe to run twice or twice at once: each batch claims its rows with FOR UPDATE SKIP LOCKED
    and moves their due time on in the same transaction, so a row is handled once.
    """
    now = now or timezone.now()
    batch = batch or settings.TICKET_SWEEP_BATCH
    result = SweepResult()
    while (count := _sweep_reminders(now, batch)) > 0:
        result.reminded += count
        if count < batch:
            break
    while (count := _sweep_closures(now, batch)) > 0:
        result.closed += count
        if count < batch:
            break
    return result
