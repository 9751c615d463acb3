"""The public help centre: articles, languages, feedback, API, sitemap, publishing."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse

from knowledge import demo, services
from knowledge.models import Article, ArticleFeedback, ArticleState
from knowledge.views import VISITOR_COOKIE
from portal.accounts.roles import SUPPORT_ENGINEER, SUPPORT_LEAD
from portal.core.errors import ApplicationError
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_an_article_page_has_title_description_canonical_and_applies_to(
    make_article, client, releases, settings
):
    make_article(
        title="Tape drive not detected",
        slug="tape",
        summary="Check the driver.",
        body="| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nvssadmin list writers\n```",
        products=["server"],
        min_version="19.0",
        max_version="19.x",
    )

    response = client.get("/help/tape/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "<title>Tape drive not detected · NovaDesk</title>" in page
    assert '<meta name="description" content="Check the driver.">' in page
    assert f'<link rel="canonical" href="{settings.SITE_URL}/help/tape/">' in page
    assert "<table>" in page and "<pre><code>vssadmin list writers" in page
    assert "NovaBACKUP Server 19.0\u201319.x" in page
    assert "applies to a version whose support has ended" in page
    assert Article.objects.get(slug="tape").views == 1


def test_a_current_range_is_not_marked_unsupported(make_article, client, releases):
    make_article(title="Schedule", slug="schedule", min_version="21.0")

    assert "support has ended" not in client.get("/help/schedule/").content.decode()


def test_a_reader_is_sent_to_their_translation(make_article, client):
    english = make_article(title="Schedule backups", slug="schedule-backups")
    make_article(title="Sicherungen planen", slug="sicherungen-planen", language="de",
                 translation_of=english)  # fmt: skip

    response = client.get("/help/schedule-backups/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 302
    assert response["Location"] == "/help/sicherungen-planen/"


def test_without_a_translation_the_other_language_is_shown_with_a_notice(make_article, client):
    make_article(title="Tape drive", slug="tape")

    german = client.get("/help/tape/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = client.get("/help/tape/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'id="language-fallback"' in german
    assert 'id="language-fallback"' not in english


def test_feedback_is_recorded_once_per_visitor(make_article, client):
    article = make_article(title="Tape", slug="tape")
    url = reverse("knowledge:feedback", args=["tape"])

    client.post(url, {"helpful": "yes", "comment": "Worked"})
    client.post(url, {"helpful": "no"})
    assert VISITOR_COOKIE in client.cookies
    page = client.get("/help/tape/").content.decode()

    other = client.__class__()
    other.post(url, {"helpful": "no"})

    assert list(ArticleFeedback.objects.order_by("pk").values_list("helpful", "comment")) == [
        (True, "Worked"),
        (False, ""),
    ]
    assert ArticleFeedback.objects.filter(article=article).count() == 2
    assert 'name="helpful"' not in page


def test_feedback_is_rate_limited(make_article, client, settings):
    make_article(title="Tape", slug="tape")
    settings.KNOWLEDGE_RATE_FEEDBACK = "2/m"
    url = reverse("knowledge:feedback", args=["tape"])

    # Within one minute's window, whatever the clock says when the test runs.
    with time_machine.travel("2026-12-03 10:00:00+00:00", tick=False):
        codes = [client.__class__().post(url, {"helpful": "yes"}).status_code for _ in range(3)]

    assert codes == [302, 302, 429]
    assert ArticleFeedback.objects.count() == 2


def test_the_api_answers_with_hits(make_article, client):
    make_article(title="Access denied", slug="code", tags="0x80070005", products=["server"],
                 min_version="20.0", summary="Rights missing.")  # fmt: skip

    answer = client.get(
        "/api/v1/help/articles/", {"q": "0x80070005", "product": "server", "version": "21.1"}
    ).json()

    assert answer["count"] == 1
    hit = answer["results"][0]
    assert {k: hit[k] for k in ("slug", "url", "language", "products", "tags", "min_version")} == {
        "slug": "code",
        "url": "/help/code/",
        "language": "en",
        "products": ["server"],
        "tags": ["0x80070005"],
        "min_version": "20.0",
    }
    assert set(hit) >= {"title", "summary", "category", "snippet", "rank", "max_version"}
    assert client.get("/api/v1/help/articles/", {"language": "fr"}).status_code == 400


def test_the_api_is_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()

    assert "/api/v1/help/articles/" in schema


def test_the_sitemap_lists_published_articles_only(make_article, client):
    make_article(title="Public", slug="public-one")
    make_article(title="Draft", slug="draft-one", state=ArticleState.DRAFT)

    sitemap = client.get("/sitemap.xml").content.decode()

    assert "/help/public-one/" in sitemap
    assert "/help/draft-one/" not in sitemap


def test_only_a_support_lead_publishes(make_article):
    article = make_article(title="Tape", slug="tape", state=ArticleState.DRAFT)
    engineer = StaffFactory()
    engineer.groups.add(Group.objects.get(name=SUPPORT_ENGINEER))
    lead = StaffFactory()
    lead.groups.add(Group.objects.get(name=SUPPORT_LEAD))

    assert engineer.has_perm("knowledge.change_article")
    services.article_submit_for_review(article=article, by=engineer)
    with pytest.raises(ApplicationError):
        services.article_publish(article=article, by=engineer)
    assert Article.objects.get(pk=article.pk).state == ArticleState.IN_REVIEW

    services.article_publish(article=article, by=lead)

    article.refresh_from_db()
    assert (article.state, article.published_by) == (ArticleState.PUBLISHED, lead)
    assert article.published_at is not None


def test_the_publish_action_in_the_admin_refuses_an_engineer(make_article, client):
    article = make_article(title="Tape", slug="tape", state=ArticleState.IN_REVIEW)
    engineer = StaffFactory()
    engineer.groups.add(Group.objects.get(name=SUPPORT_ENGINEER))
    client.force_login(engineer)

    client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )

    assert Article.objects.get(pk=article.pk).state == ArticleState.IN_REVIEW
    lead = StaffFactory()
    lead.groups.add(Group.objects.get(name=SUPPORT_LEAD))
    client.force_login(lead)
    client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "publish", "_selected_action": [article.pk]},
    )
    assert Article.objects.get(pk=article.pk).state == ArticleState.PUBLISHED


def test_the_demo_seed_is_idempotent_and_searchable():
    assert demo.seed() == demo.seed()
    assert Article.objects.published().count() == sum(
        a.state == ArticleState.PUBLISHED for a in demo.ARTICLES
    )
    assert Article.objects.filter(translation_of__isnull=False).count() == sum(
        bool(a.translation_of) for a in demo.ARTICLES
    )

    from knowledge import selectors

    assert "sicherungen-planen" in [
        h.article.slug for h in selectors.article_search(query="Sicherungen", language="de")
    ]
    assert "access-denied-0x80070005" in [
        h.article.slug for h in selectors.article_search(query="0x8007005", language="en")
    ]


def test_staff_see_the_preview_and_articles_past_their_review_date(make_article, admin_client):
    from datetime import date

    old = make_article(title="Old one", slug="old-one", review_by=date(2020, 1, 1),
                       body="**bold** <script>x</script>")  # fmt: skip
    make_article(title="Fresh one", slug="fresh-one", review_by=date(2999, 1, 1))

    change = admin_client.get(reverse("admin:knowledge_article_change", args=[old.pk]))
    listing = admin_client.get(reverse("admin:knowledge_article_changelist"), {"review": "past"})

    assert "<strong>bold</strong>" in change.content.decode()
    assert "<script>x</script>" not in change.content.decode()
    assert "Old one" in listing.content.decode()
    assert "Fresh one" not in listing.content.decode()


def test_the_help_index_searches_in_german(make_article, client):
    make_article(title="Die Sicherung startet nicht", slug="sicherung", language="de")

    page = client.get("/help/", {"q": "Sicherungen"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert 'href="/help/sicherung/"' in page
    assert "Hilfe-Center" in page
