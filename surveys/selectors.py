"""Reads of the surveys app: an invitation behind a link, audiences, and the reports."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import (
    Avg,
    Count,
    FloatField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Entitlement, SupportKind
from surveys.models import LOW_RATING_MAX, Invitation, Response, Survey, SurveyRun
from teams.models import Team, team_display_name
from tickets.models import EngineerProfile, Status, Ticket
from tickets.selectors import staff_may_triage

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

TOKEN_MAX_LENGTH = 100
# Reading every answer: support leads (their own team's) and the product team.
REPORT_PERMISSION = "surveys.view_response"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Answering --------------------------------------------------------------------------------


def invitation_for_token(*, token: str, at: datetime | None = None) -> Invitation | None:
    """The invitation a token opens while it is valid; unknown and expired alike give None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        Invitation.objects.filter(token_hash=token_hash(token), expires_at__gt=at or timezone.now())
        .select_related("survey", "ticket", "customer")
        .first()
    )


def invitation_response(*, invitation: Invitation) -> Response | None:
    return Response.objects.filter(invitation=invitation).prefetch_related("answers").first()


# --- Audiences --------------------------------------------------------------------------------


def audience_customers(
    *, audience: str, support_kind: str = "", days: int | None = None, at: datetime | None = None
) -> QuerySet:
    """Active customers (not staff) of an audience, each once."""
    at = at or timezone.now()
    customers = get_user_model().objects.filter(is_active=True, is_staff=False)
    if audience == SurveyRun.Audience.PLAN:
        holders = Entitlement.objects.active(at).filter(kind=support_kind).values("customer_id")
        return customers.filter(pk__in=holders)
    if audience == SurveyRun.Audience.RECENT_CLOSURE:
        since = at - timedelta(days=days or 0)
        closed = Ticket.objects.filter(
            status=Status.CLOSED, closed_at__gte=since, closed_at__lte=at
        ).values("customer_id")
        return customers.filter(pk__in=closed)
    if audience == SurveyRun.Audience.RELEASE_NOTIFICATIONS:
        return customers.filter(release_notifications=True)
    raise ValueError(f"Unknown audience {audience!r}")


# --- Reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportAccess:
    """Which teams' rows a member of staff sees in the report: all, or one team's."""

    all_teams: bool
    team: Team | None = None

    def teams(self) -> QuerySet[Team]:
        if self.all_teams:
            return Team.objects.all()
        return Team.objects.filter(pk=self.team.pk) if self.team else Team.objects.none()


def report_may_open(*, user: User | AnonymousUser) -> bool:
    """Whether this member of staff opens the survey report.

    Those who read the answers (support leads, the product team) open it, and so do the
    engineers, who act on tickets: a lead and an engineer see their own team's figures
    (``report_access``).
    """
    return bool(
        user.is_active
        and user.is_staff
        and (user.has_perm(REPORT_PERMISSION) or staff_may_triage(user))
    )


def report_access(*, user: User) -> ReportAccess:
    """Support leads and engineers see their own team; the product team, superusers and
    others who may read the answers, every team.

    A lead's or engineer's team is their engineer profile's, else the support team set on their
    account. The team guessed from country and language is never used: it must not open another
    team's ratings. One with neither gets ``ReportAccess(all_teams=False, team=None)``.
    """
    # Imported here: importing the roles module connects its post_migrate receiver, which must
    # come after the one of django.contrib.auth that creates the permissions.
    from portal.accounts import roles

    if user.is_superuser:
        return ReportAccess(all_teams=True)
    groups = set(user.groups.values_list("name", flat=True))
    if roles.PRODUCT_TEAM in groups:
        return ReportAccess(all_teams=True)
    if roles.SUPPORT_LEAD not in groups and user.has_perm(REPORT_PERMISSION):
        return ReportAccess(all_teams=True)
    profile = EngineerProfile.objects.filter(user=user).select_related("team").first()
    if profile is not None:
        return ReportAccess(all_teams=False, team=profile.team)
    code = user.support_team_override
    return ReportAccess(
        all_teams=False, team=Team.objects.filter(code=code).first() if code else None
    )


@dataclass(frozen=True)
class Grouping:
    key: str
    label: str
    heading: str
    fields: tuple[str, ...]
    order: tuple[str, ...]


GROUPINGS = [
    Grouping(
        "engineer",
        _("Engineer"),
        _("By engineer"),
        ("engineer_id", "engineer__name", "engineer__email"),
        ("engineer__name", "engineer__email"),
    ),
    Grouping(
        "team", _("Team"), _("By team"), ("team_id", "team__name", "team__code"), ("team__name",)
    ),
    Grouping(
        "product",
        _("Product"),
        _("By product"),
        ("product_id", "product__name"),
        ("product__name",),
    ),
    Grouping(
        "support_kind",
        _("Support kind"),
        _("By support kind"),
        ("support_kind",),
        ("support_kind",),
    ),
    Grouping("month", _("Month"), _("By month"), ("month",), ("month",)),
]
GROUPING_KEYS = [grouping.key for grouping in GROUPINGS]


@dataclass(frozen=True)
class ReportRow:
    key: object
    label: str
    invited: int
    answered: int
    low: int
    response_rate: float | None  # percent
    average: float | None

    @property
    def is_low(self) -> bool:
        return self.average is not None and self.average < LOW_RATING_MAX + 1


def _invitations(
    *, survey: Survey, since: datetime, until: datetime, team_id: int | None
) -> QuerySet[Invitation]:
    # A withdrawn invitation (the request was reopened) asked nobody anything.
    invitations = Invitation.objects.filter(
        survey=survey, sent_at__gte=since, sent_at__lt=until, withdrawn_at__isnull=True
    )
    if team_id:
        invitations = invitations.filter(team_id=team_id)
    return invitations


def _measures() -> dict:
    invited = Count("pk")
    answered = Count("answered_at")
    return {
        "invited": invited,
        "answered": answered,
        "low": Count("pk", filter=Q(response__rating__lte=LOW_RATING_MAX)),
        "average": Avg("response__rating"),
        # Percent, computed by the database; NULLIF keeps an empty group from dividing by zero.
        "response_rate": Cast(answered, FloatField())
        * Value(100.0)
        / NullIf(Cast(invited, FloatField()), Value(0.0)),
    }


def _label(grouping: str, row: dict) -> str:
    if grouping == "engineer":
        if row["engineer_id"] is None:
            return str(_("(nobody assigned)"))
        return row["engineer__name"] or row["engineer__email"]
    if grouping == "team":
        if row["team_id"] is None:
            return str(_("(no team)"))
        return team_display_name(code=row["team__code"], name=row["team__name"])
    if grouping == "product":
        return row["product__name"] or str(_("(no product)"))
    if grouping == "support_kind":
        return SupportKind.label_of(row["support_kind"], empty="—")
    return f"{row['month']:%Y-%m}" if row["month"] else "—"


def report_rows(
    *,
    survey: Survey,
    grouping: str,
    since: datetime,
    until: datetime,
    team_id: int | None = None,
) -> list[ReportRow]:
    """Invitations, responses, response rate and average rating per group: one SQL query."""
    spec = next(g for g in GROUPINGS if g.key == grouping)
    invitations = _invitations(survey=survey, since=since, until=until, team_id=team_id)
    if grouping == "month":
        invitations = invitations.annotate(month=TruncMonth("sent_at"))
    rows = invitations.values(*spec.fields).annotate(**_measures()).order_by(*spec.order)
    return [
        ReportRow(
            key=row[spec.fields[0]],
            label=_label(grouping, row),
            invited=row["invited"],
            answered=row["answered"],
            low=row["low"],
            response_rate=row["response_rate"],
            average=row["average"],
        )
        for row in rows
    ]


def report_totals(
    *, survey: Survey, since: datetime, until: datetime, team_id: int | None = None
) -> ReportRow:
    totals = _invitations(survey=survey, since=since, until=until, team_id=team_id).aggregate(
        **_measures()
    )
    return ReportRow(key=None, label=str(_("All")), **totals)


def low_ratings(
    *,
    survey: Survey,
    since: datetime,
    until: datetime,
    team_id: int | None = None,
    limit: int = 50,
) -> QuerySet[Response]:
    """Recent responses rated 1 or 2, newest first, with what a team lead needs to follow up."""
    responses = Response.objects.filter(
        invitation__survey=survey,
        invitation__sent_at__gte=since,
        invitation__sent_at__lt=until,
        rating__lte=LOW_RATING_MAX,
    )
    if team_id:
        responses = responses.filter(invitation__team_id=team_id)
    return responses.select_related(
        "invitation__ticket", "invitation__engineer", "invitation__team", "invitation__customer"
    ).order_by("-submitted_at", "-pk")[:limit]
