"""Forms of the surveys app: answering a survey, sending one to an audience, the report filter."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import SupportKind
from surveys.models import (
    RATING_LABELS,
    RATING_MAX,
    RATING_MIN,
    Question,
    Response,
    Survey,
    SurveyRun,
)
from surveys.services import TEXT_LIMIT
from teams.models import Team


def _field_name(question: Question) -> str:
    return f"q{question.pk}"


class ResponseForm(forms.Form):
    """One field per question of the survey, in the survey's order."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # questions end in their own punctuation
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[_field_name(question)] = self._field(question)

    @staticmethod
    def _field(question: Question) -> forms.Field:
        label = question.display_text
        if question.kind == Question.Kind.RATING:
            return forms.TypedChoiceField(
                label=label,
                required=question.required,
                coerce=int,
                empty_value=None,
                choices=[
                    (value, RATING_LABELS[value]) for value in range(RATING_MIN, RATING_MAX + 1)
                ],
                widget=forms.RadioSelect(attrs={"class": "rating-choice"}),
                error_messages={"required": _("Please choose a rating.")},
            )
        if question.kind == Question.Kind.CHOICE:
            return forms.ChoiceField(
                label=label,
                required=question.required,
                choices=[(option, option) for option in question.option_list],
                widget=forms.RadioSelect,
            )
        return forms.CharField(
            label=label,
            required=question.required,
            max_length=TEXT_LIMIT,
            widget=forms.Textarea(attrs={"rows": 5}),
        )

    def rating_field_name(self) -> str | None:
        for question in self.questions:
            if question.kind == Question.Kind.RATING:
                return _field_name(question)
        return None

    def answers(self) -> dict[int, object]:
        return {
            question.pk: self.cleaned_data.get(_field_name(question)) for question in self.questions
        }

    @classmethod
    def initial_from(
        cls, *, questions: list[Question], response: Response | None, rating: str | None
    ) -> dict:
        """The earlier answers, and the rating chosen in the e-mail (it wins over them)."""
        initial: dict[str, object] = {}
        if response is not None:
            by_question = {answer.question_id: answer.value for answer in response.answers.all()}
            for question in questions:
                if question.pk in by_question:
                    initial[_field_name(question)] = by_question[question.pk]
        if rating and rating.isdigit() and RATING_MIN <= int(rating) <= RATING_MAX:
            for question in questions:
                if question.kind == Question.Kind.RATING:
                    initial[_field_name(question)] = int(rating)
                    break
        return initial


class SurveySendForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Audience"), choices=SurveyRun.Audience.choices, widget=forms.RadioSelect
    )
    support_kind = forms.ChoiceField(
        label=_("Kind of plan"),
        choices=[("", "—"), *SupportKind.choices],
        required=False,
        help_text=_("For customers with an active plan: which kind."),
    )
    days = forms.IntegerField(
        label=_("Days"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("For customers with a closed request: how many days back."),
    )

    def clean(self) -> dict:
        data = super().clean()
        audience = data.get("audience")
        if audience == SurveyRun.Audience.PLAN and not data.get("support_kind"):
            self.add_error("support_kind", _("Choose the kind of plan."))
        if audience == SurveyRun.Audience.RECENT_CLOSURE and not data.get("days"):
            self.add_error("days", _("Enter the number of days."))
        return data


PERIODS = [(3, _("last 3 months")), (6, _("last 6 months")), (12, _("last 12 months")),
           (24, _("last 24 months"))]  # fmt: skip


class ReportFilterForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"),
        queryset=Survey.objects.order_by("title"),
        required=False,
        empty_label=None,
    )
    months = forms.TypedChoiceField(
        label=_("Period"), choices=PERIODS, coerce=int, required=False, empty_value=12
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False, empty_label=_("All teams")
    )

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        """``teams``: the only teams to offer (a support lead's own), instead of all of them."""
        super().__init__(*args, **kwargs)
        if teams is not None:
            self.fields["team"].queryset = teams
            self.fields["team"].empty_label = None

    def period(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """From the first day of the month N-1 months back, until now."""
        now = timezone.localtime(now or timezone.now())
        months = (self.cleaned_data.get("months") or 12) if self.is_valid() else 12
        year, month = now.year, now.month - (months - 1)
        while month < 1:
            month += 12
            year -= 1
        since = now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)
        return since.replace(microsecond=0), now + timedelta(seconds=1)
