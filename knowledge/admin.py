"""Authoring in the desk: articles with a rendered preview, state changes as actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from knowledge import reports, services
from knowledge.models import Article, ArticleFeedback, ArticleState, SearchMiss
from knowledge.rendering import markdown_render
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ReviewDueFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "review"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [("past", _("Past review date"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() == "past":
            return queryset.filter(review_by__lt=timezone.localdate()).exclude(
                state=ArticleState.ARCHIVED
            )
        return queryset


class ArticleFeedbackInline(admin.TabularInline):
    model = ArticleFeedback
    extra = 0
    can_delete = False
    fields = ("created_at", "helpful", "comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "language",
        "category",
        "state",
        "review_by",
        "views",
        "helpful_yes",
        "helpful_no",
    )
    list_filter = ("state", "language", "category", ReviewDueFilter, "beta_only", "products")
    search_fields = ("title", "slug", "tags")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("products",)
    autocomplete_fields = ("translation_of",)
    readonly_fields = ("state", "author", "published_by", "published_at", "views", "preview")
    fields = (
        "title",
        "slug",
        "language",
        "translation_of",
        "category",
        "summary",
        "body",
        "preview",
        "tags",
        "products",
        "min_version",
        "max_version",
        "beta_only",
        "review_by",
        "state",
        "author",
        "published_by",
        "published_at",
        "views",
    )
    inlines = [ArticleFeedbackInline]
    actions = ["submit_for_review", "publish", "archive"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                yes=Count("feedback", filter=Q(feedback__helpful=True)),
                no=Count("feedback", filter=Q(feedback__helpful=False)),
            )
        )

    @admin.display(description=_("helpful"), ordering="yes")
    def helpful_yes(self, obj: Article) -> int:
        return obj.yes

    @admin.display(description=_("not helpful"), ordering="no")
    def helpful_no(self, obj: Article) -> int:
        return obj.no

    @admin.display(description=_("preview"))
    def preview(self, obj: Article) -> StrOrPromise:
        if not obj.pk:
            return _("Save the article to see a preview.")
        html = mark_safe(markdown_render(obj.body))  # noqa: S308 - sanitised by nh3
        return format_html('<div class="article-preview">{}</div>', html)

    def get_urls(self) -> list[URLPattern]:
        report = self.admin_site.admin_view(self.report_view)
        return [path("report/", report, name="knowledge_report"), *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {**(extra_context or {}), "can_report": self.has_report_permission(request)}
        return super().changelist_view(request, extra_context)

    def has_report_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("knowledge.view_article")

    def report_view(self, request: HttpRequest) -> HttpResponse:
        """The help-centre report for staff who may see articles."""
        if not self.has_report_permission(request):
            raise PermissionDenied
        days = reports.report_days(request.GET.get("days"))
        changelist = reverse("admin:knowledge_article_changelist", current_app=self.admin_site.name)
        review_filter = (
            f"{ReviewDueFilter.parameter_name}=past&state__exact={ArticleState.PUBLISHED}"
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Help-centre report"),
            "opts": self.opts,
            "report": reports.help_report(days=days, now=timezone.now()),
            "periods": reports.PERIODS,
            "review_due_url": f"{changelist}?{review_filter}",
        }
        return render(request, "admin/knowledge/report.html", context)

    def save_model(
        self, request: HttpRequest, obj: Article, form: forms.ModelForm, change: bool
    ) -> None:
        if not change and obj.author_id is None and request.user.is_authenticated:
            # The admin is open to signed-in staff only.
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Article],
        service: Callable[..., Article],
        done: StrOrPromise,
    ) -> None:
        changed = 0
        for article in queryset:
            try:
                service(article=article, by=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{article}: {exc.message}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, done % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Submit for review"))
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._each(request, queryset, services.article_submit_for_review, _("%(count)d submitted."))

    @admin.action(description=_("Publish"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._each(request, queryset, services.article_publish, _("%(count)d published."))

    @admin.action(description=_("Archive"))
    def archive(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        self._each(request, queryset, services.article_archive, _("%(count)d archived."))


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ("query", "language", "product", "day", "count")
    list_filter = ("language", "product", "day")
    search_fields = ("query",)
    readonly_fields = ("query", "language", "product", "day", "count")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


from knowledge import admin_pages  # noqa: E402,F401  registers the product-content admins
