"""The help-centre report: figures per article and product, totals, searches without result,
reviews due, the period, who may see the page, and its fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entitlements.models import Product
from knowledge import reports
from knowledge.models import Article, ArticleFeedback, ArticleState, SearchMiss, Suggestion
from portal.accounts import roles
from teams.models import Team
from tests.factories import StaffFactory, UserFactory
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

NOW = "2026-11-23T17:00:00+00:00"
REPORT = "/admin/knowledge/article/report/"
_serial = count(1)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield timezone.now()


def suggestion(article, product, *, shown, opened=False, submitted=False) -> Suggestion:
    """A suggestion shown ``shown`` before now, opened a minute later, sent five minutes later."""
    shown_at = timezone.now() - shown
    return Suggestion.objects.create(
        compose=f"draft-{next(_serial):020d}",
        article=article,
        product=product,
        shown_at=shown_at,
        opened_at=shown_at + timedelta(minutes=1) if opened else None,
        submitted_at=shown_at + timedelta(minutes=5) if submitted else None,
    )


def vote(article, *, helpful: bool, ago: timedelta = timedelta(days=1)) -> None:
    ArticleFeedback.objects.create(
        article=article,
        visitor=f"visitor-{next(_serial)}",
        helpful=helpful,
        created_at=timezone.now() - ago,
    )


def solved_ticket(article, *, closed_ago: timedelta | None = timedelta(days=2)) -> Ticket:
    """A request the article solved, closed ``closed_ago`` before now (None: still open)."""
    serial = next(_serial)
    return Ticket.objects.create(
        ticket_id=f"T-REPORT-{serial}",
        customer=UserFactory(email=f"report{serial}@example.com"),
        product=Product.objects.get(code="professional"),
        version="21.2",
        category="technical",
        subject="Backup fails",
        language="en",
        status=Status.OPEN if closed_ago is None else Status.CLOSED,
        team=Team.objects.get(code="us"),
        solved_by=article,
        created_at=timezone.now() - timedelta(days=10),
        closed_at=None if closed_ago is None else timezone.now() - closed_ago,
    )


def miss(query: str, *, searches: int, days_ago: int = 0, language: str = "en") -> None:
    SearchMiss.objects.create(
        query=query,
        language=language,
        day=timezone.localdate() - timedelta(days=days_ago),
        count=searches,
    )


@pytest.fixture
def data_set(now, make_article, releases):
    """Two articles with suggestions, votes, solved tickets, and searches without result."""
    tape = make_article(title="Tape drive", slug="tape", views=40)
    vss = make_article(title="VSS error", slug="vss", products=["server"], views=90)
    quiet = make_article(title="Quiet article", slug="quiet", views=500)
    professional = Product.objects.get(code="professional")
    server = Product.objects.get(code="server")
    hour = timedelta(hours=1)

    # Given: the tape article shown four times in the period and once before it
    suggestion(tape, professional, shown=3 * hour, opened=True, submitted=True)  # sent anyway
    suggestion(tape, professional, shown=2 * hour, opened=True)  # a deflection
    suggestion(tape, professional, shown=timedelta(minutes=10), opened=True)  # still writing
    suggestion(tape, professional, shown=3 * hour)  # not opened
    suggestion(tape, professional, shown=timedelta(days=31), opened=True)  # before the period
    # ... and the VSS article twice, once before a product was chosen
    suggestion(vss, server, shown=5 * hour, opened=True)  # a deflection
    suggestion(vss, None, shown=2 * hour)

    vote(tape, helpful=True)
    vote(tape, helpful=True)
    vote(tape, helpful=False)
    vote(tape, helpful=False, ago=timedelta(days=40))  # before the period
    vote(vss, helpful=False)

    solved_ticket(vss)
    solved_ticket(vss, closed_ago=timedelta(days=20))
    solved_ticket(vss, closed_ago=timedelta(days=45))  # before the period
    solved_ticket(vss, closed_ago=None)  # reopened: not solved (yet)

    miss("tape library", searches=3)
    miss("tape library", searches=2, days_ago=5, language="de")
    miss("error #", searches=4, days_ago=10)
    miss("old thing", searches=9, days_ago=45)  # before the period

    make_article(title="Stale", slug="stale", review_by=date(2026, 1, 1))
    make_article(title="Stale draft", slug="stale-draft", review_by=date(2026, 1, 1),
                 state=ArticleState.DRAFT)  # fmt: skip
    make_article(title="Fresh", slug="fresh", review_by=date(2027, 1, 1))
    return {"tape": tape, "vss": vss, "quiet": quiet}


SUGGESTION_FIGURES = ("shown", "opened", "submitted", "deflected")


def figures(entry) -> tuple[int, ...]:
    return tuple(getattr(entry, name) for name in SUGGESTION_FIGURES)


# --- The figures ------------------------------------------------------------------------------


def test_articles_are_listed_by_suggestions_then_views_with_their_figures(data_set, now):
    report = reports.help_report(days=30, now=now)

    slugs = [row.slug for row in report.articles]
    assert slugs[:3] == ["tape", "vss", "quiet"]
    tape, vss, quiet = report.articles[:3]
    assert figures(tape) == (4, 3, 1, 1)
    assert figures(vss) == (2, 1, 0, 1)
    assert figures(quiet) == (0, 0, 0, 0)
    assert (tape.views, tape.helpful_yes, tape.helpful_no, tape.helpful_share) == (40, 2, 1, 67)
    assert (vss.helpful_yes, vss.helpful_no, vss.helpful_share) == (0, 1, 0)
    assert quiet.helpful_share is None
    assert (tape.solved, vss.solved, quiet.solved) == (0, 2, 0)


def test_a_suggestion_opened_minutes_ago_becomes_a_deflection_after_an_hour(data_set, now):
    later = now + timedelta(hours=1)

    tape = reports.help_report(days=30, now=later).articles[0]

    assert tape.slug == "tape"
    assert tape.deflected == 2


def test_suggestions_are_summed_per_product_and_in_total(data_set, now):
    report = reports.help_report(days=30, now=now)

    assert [(row.code, figures(row)) for row in report.products] == [
        ("professional", (4, 3, 1, 1)),
        ("server", (1, 1, 0, 1)),
        ("", (1, 0, 0, 0)),
    ]
    assert report.products[2].product_id is None
    totals = report.totals
    assert figures(totals) == (6, 4, 1, 2)
    assert (totals.helpful_yes, totals.helpful_no, totals.helpful_share) == (2, 2, 50)
    assert totals.solved == 2
    assert totals.views == 630


def test_search_misses_are_summed_per_query_most_frequent_first(data_set, now):
    report = reports.help_report(days=30, now=now)

    assert [(m.query, m.count) for m in report.misses] == [("tape library", 5), ("error #", 4)]
    assert reports.help_report(days=7, now=now).misses[0].count == 5
    assert reports.help_report(days=90, now=now).misses[0].query == "old thing"


def test_a_longer_period_counts_older_rows(data_set, now):
    report = reports.help_report(days=90, now=now)

    tape, vss = report.articles[:2]
    assert tape.shown == 5
    assert tape.helpful_no == 2
    assert vss.solved == 3


def test_only_published_articles_past_their_review_date_are_due(data_set, now):
    assert reports.help_report(days=30, now=now).review_due == 1


@pytest.mark.parametrize(
    ("value", "days"),
    [("7", 7), ("30", 30), ("90", 90), (None, 30), ("14", 30), ("abc", 30), ("-7", 30)],
)
def test_the_period_is_one_of_three(value, days):
    assert reports.report_days(value) == days


def test_the_number_of_queries_does_not_grow_with_the_data(
    data_set, now, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        reports.help_report(days=30, now=now)
    with CaptureQueriesContext(connection) as small:
        reports.help_report(days=30, now=now)

    # When: many more articles, suggestions, votes, tickets and misses
    professional = Product.objects.get(code="professional")
    for article in data_set.values():
        for _ in range(5):
            suggestion(article, professional, shown=timedelta(hours=3), opened=True)
            vote(article, helpful=True)
        solved_ticket(article)
    for n in range(30):
        miss(f"query {n}", searches=n + 1)
    Article.objects.bulk_create(
        Article(title=f"More {n}", slug=f"more-{n}", category="how-to", state="published")
        for n in range(60)
    )

    with CaptureQueriesContext(connection) as large:
        report = reports.help_report(days=30, now=now)

    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(report.articles) == reports.TOP_ARTICLES
    assert len(report.misses) == reports.TOP_MISSES


# --- The page ---------------------------------------------------------------------------------


@pytest.fixture
def article_reader(db):
    user = StaffFactory(email="lena@novadesk.test")
    user.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
    return user


def test_staff_who_may_see_articles_read_the_report(client, article_reader, data_set):
    client.force_login(article_reader)

    response = client.get(REPORT)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-article="tape"' in page
    assert "tape library" in page
    assert "?review=past&amp;state__exact=published" in page
    assert response.context["report"].days == 30
    assert '<strong aria-current="true" data-days="30">' in page


@pytest.mark.parametrize(("asked", "shown"), [("7", 7), ("90", 90), ("14", 30), ("x", 30)])
def test_the_page_shows_the_period_chosen(client, article_reader, asked, shown):
    client.force_login(article_reader)

    response = client.get(REPORT, {"days": asked})

    assert response.context["report"].days == shown
    assert f'<strong aria-current="true" data-days="{shown}">' in response.content.decode()


def test_the_report_url_is_named_in_the_admin():
    assert reverse("admin:knowledge_report") == REPORT


def test_the_article_list_links_to_the_report(client, article_reader):
    client.force_login(article_reader)

    response = client.get("/admin/knowledge/article/")

    assert response.status_code == 200
    assert f'href="{REPORT}"' in response.content.decode()


def test_a_view_permission_alone_is_enough(client, db):
    user = StaffFactory(email="viewer@novadesk.test")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="knowledge", codename="view_article")
    )
    client.force_login(user)

    assert client.get(REPORT).status_code == 200


def test_an_engineer_without_the_view_permission_is_refused(client, db):
    client.force_login(StaffFactory(email="nobody@novadesk.test"))

    assert client.get(REPORT).status_code == 403


def test_a_customer_is_sent_to_sign_in(client, customer):
    client.force_login(customer)

    response = client.get(REPORT)

    assert response.status_code == 302
    assert "login" in response["Location"]
