"""Writes of the surveys app: invitations (after a closure, or to an audience) and responses.

A link's token is 256 random bits that only the e-mail holds; the database keeps its SHA-256.
Every invitation mail goes through the outbox in the transaction that creates the invitation;
a satisfaction invitation waits there a while after the closure, and reopening withdraws it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from surveys import selectors
from surveys.models import (
    RATING_LABELS,
    RATING_MAX,
    RATING_MIN,
    Answer,
    Invitation,
    Question,
    Response,
    Survey,
    SurveyRun,
)
from surveys.standard import SATISFACTION_CODE, standard_surveys_create
from tickets.models import Message, Resolution, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User

Item = TypeVar("Item")

TEXT_LIMIT = 5000
BATCH = 1000


# --- Links ------------------------------------------------------------------------------------


def invitation_days() -> int:
    return getattr(settings, "SURVEY_INVITATION_DAYS", 30)


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, selectors.token_hash(token)


def survey_url(token: str, *, rating: int | None = None) -> str:
    url = settings.SITE_URL + reverse("surveys:respond", kwargs={"token": token})
    return f"{url}?{urlencode({'rating': rating})}" if rating is not None else url


@dataclass(frozen=True)
class RatingLink:
    value: int
    label: str
    url: str


def rating_links(token: str) -> list[RatingLink]:
    return [
        RatingLink(value=value, label=RATING_LABELS[value], url=survey_url(token, rating=value))
        for value in range(RATING_MIN, RATING_MAX + 1)
    ]


# --- The satisfaction survey ------------------------------------------------------------------


def satisfaction_survey() -> Survey:
    """The standard satisfaction survey (created again if a test emptied the database)."""
    survey = Survey.objects.filter(code=SATISFACTION_CODE).first()
    if survey is None:
        standard_surveys_create(Survey, Question, codes=[SATISFACTION_CODE])
        survey = Survey.objects.get(code=SATISFACTION_CODE)
    return survey


def invitation_delay() -> timedelta:
    return timedelta(minutes=settings.SURVEY_INVITATION_DELAY_MINUTES)


def _answered_by_support() -> Q:
    """Messages that count as an answer: a reply by support, or a call that reached the customer.

    Internal notes, automatic reminders and unanswered calls are not.
    """
    return Q(kind=Message.Kind.ENGINEER) | Q(kind=Message.Kind.CALL, awaits_customer=False)


def satisfaction_invite(*, tickets: list, closed_at: datetime) -> int:
    """Invite the customers of just-closed, answered tickets to rate the support they received.

    Called inside the closing transaction after the closure mail, for one ticket or a whole
    sweep batch: one query for which tickets support answered and which closures were already
    invited (the unique constraint on (ticket, closed_at) backs that up), one INSERT of outbox
    rows and one of invitations. The mail waits ``SURVEY_INVITATION_DELAY_MINUTES`` so that it
    arrives after the closure mail, and can still be withdrawn if the request is reopened.
    """
    tickets = [ticket for ticket in tickets if ticket.resolution != Resolution.CANCELLED]
    if not tickets:
        return 0
    survey = satisfaction_survey()
    if not survey.is_active:
        return 0
    answered = Message.objects.filter(_answered_by_support(), ticket=OuterRef("pk"))
    invited = Invitation.objects.filter(ticket=OuterRef("pk"), closed_at=closed_at)
    eligible = set(
        Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets])
        .filter(Exists(answered), ~Exists(invited))
        .values_list("pk", flat=True)
    )
    # Counted from now, when the closure mail was just queued (a sweep's closed_at may be
    # earlier); the invitation is "sent" when its mail is due.
    send_at = max(closed_at, timezone.now()) + invitation_delay()
    expires_at = send_at + timedelta(days=invitation_days())
    invitations, emails = [], []
    for ticket in tickets:
        if ticket.pk not in eligible:
            continue
        eligible.discard(ticket.pk)
        token, hashed = _new_token()
        invitations.append(
            Invitation(
                survey=survey,
                customer_id=ticket.customer_id,
                ticket=ticket,
                closed_at=closed_at,
                engineer_id=ticket.assignee_id,
                team_id=ticket.team_id,
                product_id=ticket.product_id,
                support_kind=ticket.entitlement_kind,
                language=ticket.language,
                token_hash=hashed,
                sent_at=send_at,
                expires_at=expires_at,
            )
        )
        rendered = outbox.email_render(
            template="survey_satisfaction",
            context={
                "ticket": ticket,
                "customer": ticket.customer,
                "survey": survey,
                "link": survey_url(token),
                "ratings": rating_links(token),
                "days": invitation_days(),
            },
            language=ticket.language,
        )
        emails.append(
            {
                "to": ticket.customer.email,
                "tag": "survey_satisfaction",
                "language": ticket.language,
                "send_after": send_at,
                **rendered,
            }
        )
    if not invitations:
        return 0
    rows = outbox.email_enqueue_many(emails=emails)
    for invitation, row in zip(invitations, rows, strict=True):
        invitation.email = row
    Invitation.objects.bulk_create(invitations, batch_size=BATCH)
    return len(invitations)


@transaction.atomic
def satisfaction_withdraw(*, ticket: Ticket) -> int:
    """Withdraw the unanswered invitations of a ticket that is being reopened; return how many.

    The page of a withdrawn invitation says the request was reopened and asks for nothing; an
    invitation mail still waiting in the outbox is taken out, so it never goes out. A mail a
    worker is sending at this moment cannot be stopped. Answered invitations stay: they are
    the customer's record.
    """
    withdrawn = list(
        Invitation.objects.select_for_update()
        .filter(ticket=ticket, answered_at__isnull=True, withdrawn_at__isnull=True)
        .values_list("pk", "email_id")
    )
    if not withdrawn:
        return 0
    Invitation.objects.filter(pk__in=[pk for pk, _email in withdrawn]).update(
        withdrawn_at=timezone.now()
    )
    OutboundEmail.objects.filter(
        pk__in=[email for _pk, email in withdrawn if email is not None],
        status=OutboundEmail.Status.PENDING,
    ).delete()
    return len(withdrawn)


# --- Surveys sent to an audience --------------------------------------------------------------


def _check_audience(audience: str, support_kind: str, days: int | None) -> None:
    if audience not in SurveyRun.Audience.values:
        raise ApplicationError(_("Choose an audience."), code="invalid-audience")
    if audience == SurveyRun.Audience.PLAN and not support_kind:
        raise ApplicationError(_("Choose the kind of plan."), code="kind-required")
    if audience == SurveyRun.Audience.RECENT_CLOSURE and not (days and days > 0):
        raise ApplicationError(_("Enter the number of days."), code="days-required")


@transaction.atomic
def survey_send(
    *,
    survey: Survey,
    audience: str,
    support_kind: str = "",
    days: int | None = None,
    actor: User | None = None,
) -> SurveyRun:
    """Invite every customer of an audience to a survey: one invitation and one mail each."""
    if survey.is_satisfaction:
        raise ApplicationError(
            _("The satisfaction survey goes out by itself after every closed request."),
            code="satisfaction-survey",
        )
    if not survey.is_active:
        raise ApplicationError(_("This survey is not active."), code="inactive")
    if not survey.questions.exists():
        raise ApplicationError(_("This survey has no questions yet."), code="no-questions")
    _check_audience(audience, support_kind, days)
    now = timezone.now()
    run = SurveyRun.objects.create(
        survey=survey,
        audience=audience,
        support_kind=support_kind if audience == SurveyRun.Audience.PLAN else "",
        days=days if audience == SurveyRun.Audience.RECENT_CLOSURE else None,
        created_at=now,
        created_by=actor,
    )
    customers = selectors.audience_customers(
        audience=audience, support_kind=support_kind, days=days, at=now
    ).only("pk", "email", "name", "language")
    expires_at = now + timedelta(days=invitation_days())
    invited = 0
    for batch in _batches(customers.order_by("pk").iterator(chunk_size=BATCH), BATCH):
        invitations, emails = [], []
        for customer in batch:
            token, hashed = _new_token()
            language = customer.language or settings.LANGUAGE_CODE
            invitations.append(
                Invitation(
                    survey=survey,
                    customer=customer,
                    run=run,
                    language=language,
                    token_hash=hashed,
                    sent_at=now,
                    expires_at=expires_at,
                )
            )
            rendered = outbox.email_render(
                template="survey_invitation",
                context={
                    "customer": customer,
                    "survey": survey,
                    "link": survey_url(token),
                    "days": invitation_days(),
                },
                language=language,
            )
            emails.append(
                {"to": customer.email, "tag": "survey_invitation", "language": language, **rendered}
            )
        Invitation.objects.bulk_create(invitations)
        outbox.email_enqueue_many(emails=emails)
        invited += len(invitations)
    run.invited = invited
    run.save(update_fields=["invited"])
    return run


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Answers ----------------------------------------------------------------------------------


def _clean_answer(question: Question, value: object) -> dict | None:
    """The Answer fields for one value, None for no answer; raise when the value is not valid."""
    if value in (None, ""):
        return None
    if question.kind == Question.Kind.RATING:
        try:
            rating = int(value)
        except (TypeError, ValueError):
            rating = 0
        if not RATING_MIN <= rating <= RATING_MAX:
            raise ApplicationError(_("Choose a rating from 1 to 5."), code="invalid-rating")
        return {"rating": rating}
    text = str(value).strip()
    if not text:
        return None
    if question.kind == Question.Kind.CHOICE:
        if text not in question.option_list:
            raise ApplicationError(_("Choose one of the options."), code="invalid-choice")
        return {"choice": text}
    if len(text) > TEXT_LIMIT:
        raise ApplicationError(
            _("Your answer is too long (at most %(limit)s characters).") % {"limit": TEXT_LIMIT},
            code="too-long",
        )
    return {"text": text}


@transaction.atomic
def response_submit(*, invitation: Invitation, answers: Mapping[int, object]) -> Response:
    """Record the answers to an invitation (question id → value); a second answer replaces them."""
    invitation = (
        Invitation.objects.select_for_update().select_related("survey").get(pk=invitation.pk)
    )
    now = timezone.now()
    if invitation.expires_at <= now:
        raise ApplicationError(_("This survey link has expired."), code="expired")
    if invitation.withdrawn_at is not None:
        raise ApplicationError(
            _("This request was reopened, so no answer is needed."), code="withdrawn"
        )
    cleaned: list[tuple[Question, dict]] = []
    for question in invitation.survey.questions.all():
        fields = _clean_answer(question, answers.get(question.pk))
        if fields is None:
            if question.required:
                raise ApplicationError(
                    _("Please answer: %(question)s") % {"question": question.display_text},
                    code="required",
                )
            continue
        cleaned.append((question, fields))
    rating = next((f["rating"] for q, f in cleaned if q.kind == Question.Kind.RATING), None)
    comment = next((f["text"] for q, f in cleaned if q.kind == Question.Kind.TEXT), "")
    response, created = Response.objects.get_or_create(
        invitation=invitation,
        defaults={"rating": rating, "comment": comment, "submitted_at": now, "updated_at": now},
    )
    if not created:
        response.rating, response.comment, response.updated_at = rating, comment, now
        response.save(update_fields=["rating", "comment", "updated_at"])
        response.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(response=response, question=question, **fields) for question, fields in cleaned
    )
    if invitation.answered_at is None:
        invitation.answered_at = now
        invitation.save(update_fields=["answered_at"])
    return response
