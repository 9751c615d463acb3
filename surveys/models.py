"""Surveys: definitions with questions, the invitations sent for them, and the answers.

The satisfaction survey goes out by itself with every closure of a request (one invitation per
closure); other surveys are sent by staff to a chosen audience, one invitation per customer per
run. An invitation carries a snapshot of the request it is about (engineer, team, product,
support kind) so that the reports group by who handled the request when it closed.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product, SupportKind
from portal.core.models import OutboundEmail
from teams.models import Team

RATING_MIN, RATING_MAX = 1, 5
LOW_RATING_MAX = 2

RATING_LABELS = {
    1: _("Very dissatisfied"),
    2: _("Dissatisfied"),
    3: _("Neither satisfied nor dissatisfied"),
    4: _("Satisfied"),
    5: _("Very satisfied"),
}


class Survey(models.Model):
    """A questionnaire. Its texts are written in English; German comes from the catalog."""

    SATISFACTION = "satisfaction"

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_('"satisfaction" is the survey sent after every closed request.'),
    )
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive surveys send no new invitations.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_satisfaction(self) -> bool:
        return self.code == self.SATISFACTION

    @property
    def display_title(self) -> str:
        return gettext(self.title)

    @property
    def display_intro(self) -> str:
        return gettext(self.intro) if self.intro else ""


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("rating 1 to 5")
        CHOICE = "choice", _("single choice")
        TEXT = "text", _("free text")

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=300)
    options = models.TextField(
        _("options"), blank=True, help_text=_("Single choice only: one option per line.")
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def display_text(self) -> str:
        return gettext(self.text)

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and len(self.option_list) < 2:
            raise ValidationError({"options": _("A single-choice question needs two options.")})
        if self.kind != self.Kind.CHOICE and self.option_list:
            raise ValidationError({"options": _("Only single-choice questions have options.")})


class SurveyRun(models.Model):
    """One send of a survey to an audience that staff chose."""

    class Audience(models.TextChoices):
        PLAN = "plan", _("customers with an active plan of a kind")
        RECENT_CLOSURE = "recent-closure", _("customers with a request closed in the last days")
        RELEASE_NOTIFICATIONS = (
            "release-notifications",
            _("all customers who receive release notifications"),
        )

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="runs", verbose_name=_("survey")
    )
    audience = models.CharField(_("audience"), max_length=24, choices=Audience.choices)
    support_kind = models.CharField(_("support kind"), max_length=24, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    invited = models.PositiveIntegerField(_("invited"), default=0)

    class Meta:
        verbose_name = _("survey send")
        verbose_name_plural = _("survey sends")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.survey} · {self.get_audience_display()} · {self.created_at:%Y-%m-%d}"

    @property
    def support_kind_label(self) -> str:
        """The label of the support kind (stored as its code)."""
        return SupportKind.label_of(self.support_kind)


class Invitation(models.Model):
    """One customer asked to answer one survey; only a hash of the link's token is stored."""

    survey = models.ForeignKey(
        Survey, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("survey")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("customer"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
        verbose_name=_("ticket"),
    )
    closed_at = models.DateTimeField(_("closure"), null=True, blank=True)
    run = models.ForeignKey(
        SurveyRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("survey send"),
    )
    # The request as it was when it closed, for the reports.
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("engineer"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("team"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("product"),
    )
    support_kind = models.CharField(_("support kind"), max_length=24, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # Set when the request is reopened before the customer answered: the page then says no
    # answer is needed, and the reports leave the invitation out.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # The invitation mail, so that a withdrawal can take it back while it is still unsent.
    email = models.ForeignKey(
        OutboundEmail,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("e-mail"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # One invitation per closure: closing, reopening and closing again asks again.
            models.UniqueConstraint(
                fields=["ticket", "closed_at"],
                condition=Q(ticket__isnull=False),
                name="survey_invitation_once_per_closure",
            ),
            models.UniqueConstraint(
                fields=["run", "customer"],
                condition=Q(run__isnull=False),
                name="survey_invitation_once_per_run",
            ),
        ]
        indexes = [models.Index(fields=["survey", "sent_at"], name="survey_invitation_sent_idx")]

    def __str__(self) -> str:
        about = self.ticket.ticket_id if self.ticket_id else self.customer.email
        return f"{self.survey} · {about}"

    @property
    def support_kind_label(self) -> str:
        """The label of the support kind (stored as its code)."""
        return SupportKind.label_of(self.support_kind)


class Response(models.Model):
    """The answers to one invitation; answering again updates them."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="response", verbose_name=_("invitation")
    )
    # The first rating and free-text answers, kept here for the reports.
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="survey_response_rating_range",
            )
        ]
        indexes = [models.Index(fields=["rating", "-submitted_at"], name="survey_response_low_idx")]

    def __str__(self) -> str:
        return f"{self.invitation} · {self.rating or '-'}"

    @property
    def is_low(self) -> bool:
        return self.rating is not None and self.rating <= LOW_RATING_MAX


class Answer(models.Model):
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="survey_answer_once_per_question"
            )
        ]

    def __str__(self) -> str:
        return str(self.value)

    @property
    def value(self) -> object:
        if self.rating is not None:
            return self.rating
        return self.choice or self.text
