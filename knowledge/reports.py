"""The help-centre report staff read in the desk: what articles are read, rated and answer.

Every figure is counted in the database. :func:`help_report` runs the same few queries however
many articles, votes, suggestions, tickets and searches there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleLanguage,
    ArticleState,
    SearchMiss,
    Suggestion,
)
from knowledge.suggestions import DEFLECTION_AFTER

PERIODS = (7, 30, 90)
DEFAULT_DAYS = 30
TOP_ARTICLES = 50
TOP_MISSES = 20

_SUGGESTION_FIGURES = ("shown", "opened", "submitted", "deflected")


def report_days(value: object) -> int:
    """Return the period in days that ``value`` (the ``days`` query parameter) asks for.

    Anything but one of :data:`PERIODS` gives :data:`DEFAULT_DAYS`.
    """
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionFigures:
    shown: int
    opened: int
    # Opened, and the request was sent all the same.
    submitted: int
    # Opened, no request sent, and shown more than DEFLECTION_AFTER before the report's time.
    deflected: int


@dataclass(frozen=True)
class ArticleFigures(SuggestionFigures):
    article_id: int
    title: str
    slug: str
    language: str
    state: str
    views: int
    helpful_yes: int
    helpful_no: int
    # Tickets closed in the period with this article as the one that solved them.
    solved: int

    @property
    def helpful_share(self) -> int | None:
        return _share(self.helpful_yes, self.helpful_no)

    @property
    def language_label(self) -> str:
        return str(ArticleLanguage(self.language).label)

    @property
    def state_label(self) -> str:
        return str(ArticleState(self.state).label)


@dataclass(frozen=True)
class ProductFigures(SuggestionFigures):
    product_id: int | None  # None: suggestions shown before a product was chosen
    code: str
    name: str


@dataclass(frozen=True)
class TotalFigures(SuggestionFigures):
    """The figures over every article, not only the ones listed."""

    views: int
    helpful_yes: int
    helpful_no: int
    solved: int

    @property
    def helpful_share(self) -> int | None:
        return _share(self.helpful_yes, self.helpful_no)


@dataclass(frozen=True)
class SearchMissFigure:
    query: str
    count: int


@dataclass(frozen=True)
class HelpReport:
    days: int
    since: datetime
    now: datetime
    articles: list[ArticleFigures]
    products: list[ProductFigures]
    totals: TotalFigures
    misses: list[SearchMissFigure]
    # Published articles whose review date has passed.
    review_due: int


def _share(yes: int, no: int) -> int | None:
    """The helpful votes as a whole percentage of all votes; None without votes."""
    votes = yes + no
    return round(100 * yes / votes) if votes else None


# --- Queries ----------------------------------------------------------------------------------


def _suggestion_conditions(*, now: datetime) -> dict[str, Q]:
    # What a suggestion counts as, at the report's time (DEFLECTION_AFTER: the customer has left).
    opened = Q(opened_at__isnull=False)
    return {
        "shown": Q(),
        "opened": opened,
        "submitted": opened & Q(submitted_at__isnull=False),
        "deflected": opened & Q(submitted_at__isnull=True, shown_at__lt=now - DEFLECTION_AFTER),
    }


def _suggestion_counts(*, now: datetime) -> dict[str, Count]:
    return {
        name: Count("pk", filter=condition or None)
        for name, condition in _suggestion_conditions(now=now).items()
    }


def _count_per_article(rows: QuerySet, *, article_field: str) -> Coalesce:
    """How many of ``rows`` belong to the outer query's article, as a correlated subquery."""
    counted = (
        rows.filter(**{article_field: OuterRef("pk")})
        .order_by()
        .values(article_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _period_rows(*, since: datetime, now: datetime) -> dict[str, QuerySet]:
    # Imported here: tickets sit above knowledge (a ticket may be solved by an article).
    from tickets.models import Status, Ticket

    return {
        "suggestions": Suggestion.objects.filter(shown_at__range=(since, now)),
        "feedback": ArticleFeedback.objects.filter(created_at__range=(since, now)),
        "solved": Ticket.objects.filter(
            status=Status.CLOSED, solved_by__isnull=False, closed_at__range=(since, now)
        ),
    }


def article_figures(
    *, since: datetime, now: datetime, limit: int = TOP_ARTICLES
) -> list[ArticleFigures]:
    """The ``limit`` articles most suggested since ``since``, then the most read; one query."""
    rows = _period_rows(since=since, now=now)
    suggestions = rows["suggestions"]
    annotations = {
        name: _count_per_article(suggestions.filter(condition), article_field="article")
        for name, condition in _suggestion_conditions(now=now).items()
    }
    feedback = rows["feedback"]
    annotations["helpful_yes"] = _count_per_article(
        feedback.filter(helpful=True), article_field="article"
    )
    annotations["helpful_no"] = _count_per_article(
        feedback.filter(helpful=False), article_field="article"
    )
    annotations["solved"] = _count_per_article(rows["solved"], article_field="solved_by")
    articles = (
        Article.objects.annotate(**annotations)
        .order_by("-shown", "-views", "title", "pk")
        .values("pk", "title", "slug", "language", "state", "views", *annotations)[:limit]
    )
    return [ArticleFigures(article_id=row.pop("pk"), **row) for row in articles]


def product_figures(*, since: datetime, now: datetime) -> list[ProductFigures]:
    """The suggestion figures per product since ``since``, most shown first; one query."""
    products = (
        _period_rows(since=since, now=now)["suggestions"]
        .order_by()
        .values("product_id", "product__code", "product__name")
        .annotate(**_suggestion_counts(now=now))
        .order_by("-shown", "product__name", "product_id")
    )
    return [
        ProductFigures(
            product_id=row["product_id"],
            code=row["product__code"] or "",
            name=row["product__name"] or "",
            **{name: row[name] for name in _SUGGESTION_FIGURES},
        )
        for row in products
    ]


def total_figures(*, since: datetime, now: datetime) -> TotalFigures:
    """Every figure of the report summed over all articles; four queries."""
    rows = _period_rows(since=since, now=now)
    suggestions = rows["suggestions"].order_by().aggregate(**_suggestion_counts(now=now))
    votes = (
        rows["feedback"]
        .order_by()
        .aggregate(
            helpful_yes=Count("pk", filter=Q(helpful=True)),
            helpful_no=Count("pk", filter=Q(helpful=False)),
        )
    )
    views = Article.objects.order_by().aggregate(views=Coalesce(Sum("views"), 0))["views"]
    return TotalFigures(
        **suggestions,
        **votes,
        views=views,
        solved=rows["solved"].order_by().count(),
    )


def search_miss_figures(
    *, since: date, until: date, limit: int = TOP_MISSES
) -> list[SearchMissFigure]:
    """The searches that most often found nothing from day ``since`` to ``until``; one query.

    A query counts over every language and product it was searched in.
    """
    misses = (
        SearchMiss.objects.filter(day__range=(since, until))
        .order_by()
        .values("query")
        .annotate(searches=Sum("count"))
        .order_by("-searches", "query")[:limit]
    )
    return [SearchMissFigure(query=row["query"], count=row["searches"]) for row in misses]


def review_due_count(*, today: date) -> int:
    """How many published articles should have been reviewed before ``today``."""
    return Article.objects.published().filter(review_by__lt=today).count()


def help_report(*, days: int, now: datetime) -> HelpReport:
    """The help-centre report over the ``days`` before ``now``, in a fixed number of queries."""
    since = now - timedelta(days=days)
    # Searches are counted per local day (see services.search_miss_record), from the first
    # day the period touches.
    today = timezone.localdate(now)
    return HelpReport(
        days=days,
        since=since,
        now=now,
        articles=article_figures(since=since, now=now),
        products=product_figures(since=since, now=now),
        totals=total_figures(since=since, now=now),
        misses=search_miss_figures(since=timezone.localdate(since), until=today),
        review_due=review_due_count(today=today),
    )
