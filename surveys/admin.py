"""Surveys in the support desk: definitions with their questions, sending one to an audience,
the report, and the invitations and responses (read-only: they are the customers' record)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control

from entitlements.admin import support_kind_filter
from portal.core.admin import ReadOnlyAdminMixin
from portal.core.errors import ApplicationError
from surveys import charts, selectors, services
from surveys.forms import ReportFilterForm, SurveySendForm
from surveys.models import Answer, Invitation, Question, Response, Survey, SurveyRun

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from portal.accounts.models import User
    from portal.core.http import AuthenticatedHttpRequest
    from teams.models import Team

REPORT_PERMISSION = selectors.REPORT_PERMISSION
SEND_PERMISSION = "surveys.add_surveyrun"


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The customers' record of a survey: read here, never written by hand."""

    @admin.display(description=_("support kind"), ordering="support_kind")
    def support_kind_label(self, obj: SurveyRun | Invitation) -> str:
        return obj.support_kind_label


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    fields = ("position", "kind", "text", "options", "required")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("title", "code", "is_active", "question_count", "created_at")
    list_filter = ("is_active",)
    search_fields = ("title", "code")
    inlines = [QuestionInline]
    actions = ["send_to_audience"]
    fields = ("title", "code", "intro", "is_active")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    @admin.display(description=_("questions"), ordering="question_count")
    def question_count(self, obj: Survey) -> int:
        return obj.question_count

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("report/", view(self.report_view), name="surveys_survey_report"),
            path(
                "report/chart.css",
                view(cache_control(private=True, max_age=3600)(self.chart_css_view)),
                name="surveys_survey_report_css",
            ),
            path("<path:object_id>/send/", view(self.send_view), name="surveys_survey_send"),
            *super().get_urls(),
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_report": selectors.report_may_open(user=request.user),
        }
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_report": selectors.report_may_open(user=request.user),
            "can_send": request.user.has_perm(SEND_PERMISSION),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    # --- Sending to an audience ---

    @admin.action(description=_("Send to an audience…"), permissions=["send"])
    def send_to_audience(
        self, request: HttpRequest, queryset: QuerySet[Survey]
    ) -> HttpResponseRedirect | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one survey to send."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:surveys_survey_send", args=[queryset.get().pk]))

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SEND_PERMISSION)

    def send_view(self, request: AuthenticatedHttpRequest, object_id: str) -> HttpResponse:
        if not self.has_send_permission(request):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=object_id)
        form = SurveySendForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.survey_send(
                    survey=survey,
                    audience=form.cleaned_data["audience"],
                    support_kind=form.cleaned_data["support_kind"] or "",
                    days=form.cleaned_data["days"],
                    actor=request.user,
                )
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("%(count)s customers were invited to “%(survey)s”.")
                    % {"count": run.invited, "survey": survey},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:surveys_survey_change", args=[survey.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": survey,
            "title": _("Send “%(survey)s” to an audience") % {"survey": survey},
            "form": form,
            "runs": survey.runs.select_related("created_by")[:10],
        }
        return TemplateResponse(request, "admin/surveys/survey/send.html", context)

    # --- The report ---

    def report_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        """The report: every team's figures, or a lead's or engineer's own team's."""
        if not selectors.report_may_open(user=request.user):
            raise PermissionDenied
        access = selectors.report_access(user=request.user)
        satisfaction = services.satisfaction_survey()
        form = ReportFilterForm(
            request.GET or None,
            initial={"survey": satisfaction, "months": 12},
            teams=None if access.all_teams else access.teams(),
        )
        survey = form.cleaned_data.get("survey") if form.is_valid() else None
        survey = survey or satisfaction
        if not access.all_teams and access.team is None:
            return self._report_without_team(request, form, survey)
        team = form.cleaned_data.get("team") if form.is_valid() else None
        team = team if access.all_teams else access.team
        since, until = form.period()
        scope = {
            "survey": survey,
            "since": since,
            "until": until,
            "team_id": team.pk if team else None,
        }
        groups = [
            {"key": grouping.key, "label": grouping.label, "heading": grouping.heading,
             "rows": selectors.report_rows(grouping=grouping.key, **scope)}
            for grouping in selectors.GROUPINGS
        ]  # fmt: skip
        months = next(group["rows"] for group in groups if group["key"] == "month")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Survey report"),
            "can_browse_surveys": self.has_view_permission(request),
            "form": form,
            "survey": survey,
            "team": team,
            "since": since,
            "until": until,
            "totals": selectors.report_totals(**scope),
            "groups": groups,
            "chart": charts.trend_chart_svg(months) if months else "",
            "low_ratings": selectors.low_ratings(**scope),
        }
        return TemplateResponse(request, "admin/surveys/survey/report.html", context)

    def _report_without_team(
        self, request: HttpRequest, form: ReportFilterForm, survey: Survey
    ) -> HttpResponse:
        """A support lead sees their team's report; one without a team is told what is missing."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Survey report"),
            "can_browse_surveys": self.has_view_permission(request),
            "form": form,
            "survey": survey,
            "no_team": True,
        }
        return TemplateResponse(request, "admin/surveys/survey/report.html", context)

    def chart_css_view(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if not selectors.report_may_open(user=request.user):
            raise PermissionDenied
        return HttpResponse(charts.trend_chart_css(), content_type="text/css; charset=utf-8")


@admin.register(SurveyRun)
class SurveyRunAdmin(ReadOnlyAdmin):
    list_display = ("survey", "audience", "support_kind_label", "days", "invited", "created_at",
                    "created_by")  # fmt: skip
    list_filter = ("survey", "audience")
    list_select_related = ("survey", "created_by")
    fields = list_display


def _ticket_link(invitation: Invitation) -> str:
    if invitation.ticket_id is None:
        return "-"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:tickets_ticket_change", args=[invitation.ticket_id]),
        invitation.ticket.ticket_id,
    )


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "survey", "ticket_link", "customer", "engineer", "team",
                    "expires_at", "answered_at", "rating")  # fmt: skip
    list_select_related = ("survey", "ticket", "customer", "engineer", "team", "response")
    list_filter = ("survey", "team", ("answered_at", admin.EmptyFieldListFilter),
                   ("withdrawn_at", admin.EmptyFieldListFilter),
                   support_kind_filter("support_kind"))  # fmt: skip
    search_fields = ("ticket__ticket_id", "customer__email")
    date_hierarchy = "sent_at"
    show_full_result_count = False
    fields = ("survey", "ticket_link", "closed_at", "run", "customer", "language", "engineer",
              "team", "product", "support_kind_label", "sent_at", "expires_at", "answered_at",
              "withdrawn_at", "rating")  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("ticket"), ordering="ticket__ticket_id")
    def ticket_link(self, obj: Invitation) -> str:
        return _ticket_link(obj)

    @admin.display(description=_("rating"))
    def rating(self, obj: Invitation) -> int | str:
        response = getattr(obj, "response", None)
        return response.rating if response is not None and response.rating else "-"


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    max_num = 0
    can_delete = False
    fields = ("question", "rating", "choice", "text")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Response | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related("question")


class LowRatingFilter(admin.SimpleListFilter):
    title = _("low rating")
    parameter_name = "low"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("low (1 or 2)")), ("no", _("3 or better"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Response]) -> QuerySet[Response]:
        if self.value() == "yes":
            return queryset.filter(rating__lte=2)
        if self.value() == "no":
            return queryset.filter(rating__gte=3)
        return queryset


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("submitted_at", "survey", "ticket_link", "rating", "low_flag", "short_comment",
                    "engineer", "team")  # fmt: skip
    list_select_related = ("invitation__survey", "invitation__ticket", "invitation__engineer",
                           "invitation__team")  # fmt: skip
    list_filter = (LowRatingFilter, "rating", "invitation__survey", "invitation__team")
    search_fields = ("invitation__ticket__ticket_id", "invitation__customer__email", "comment")
    date_hierarchy = "submitted_at"
    show_full_result_count = False
    inlines = [AnswerInline]
    fields = ("invitation", "ticket_link", "rating", "comment", "submitted_at", "updated_at")
    readonly_fields = fields

    def get_queryset(  # type: ignore[override]
        self, request: AuthenticatedHttpRequest
    ) -> QuerySet[Response]:
        # A support lead reads their own team's answers here, as in the report.
        queryset = super().get_queryset(request)
        access = selectors.report_access(user=request.user)
        if access.all_teams:
            return queryset
        return queryset.filter(invitation__team=access.team) if access.team else queryset.none()

    @admin.display(description=_("survey"), ordering="invitation__survey__title")
    def survey(self, obj: Response) -> Survey:
        return obj.invitation.survey

    @admin.display(description=_("ticket"), ordering="invitation__ticket__ticket_id")
    def ticket_link(self, obj: Response) -> str:
        return _ticket_link(obj.invitation)

    @admin.display(description=_("low"), boolean=True)
    def low_flag(self, obj: Response) -> bool:
        return obj.is_low

    @admin.display(description=_("comment"))
    def short_comment(self, obj: Response) -> str:
        return Truncator(obj.comment).chars(80) or "-"

    @admin.display(description=_("engineer"), ordering="invitation__engineer__name")
    def engineer(self, obj: Response) -> User | str:
        return obj.invitation.engineer or "-"

    @admin.display(description=_("team"), ordering="invitation__team__name")
    def team(self, obj: Response) -> Team | str:
        return obj.invitation.team or "-"
