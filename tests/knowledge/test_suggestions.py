"""Articles suggested while a request is written: ranking, the endpoint, opening, sending,
the new-request page, and the deflection numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from entitlements.models import Product
from knowledge import selectors, suggestions
from knowledge.models import ArticleState, Suggestion
from tests.factories import RegistrationFactory, UserFactory, grant
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

COMPOSE = "draftKey_0123456789abc"
OTHER_COMPOSE = "otherDraft-0123456789x"
SUGGEST = "/help/suggest/"
NOW = "2026-11-23T17:00:00+00:00"


@pytest.fixture
def signed_in(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def tape_articles(make_article, releases):
    """Server articles about tape drives for 20 and for 21, plus ones that must never show."""
    return {
        "new": make_article(
            title="Tape drive not found",
            slug="tape-new",
            summary="When the tape library vanishes.",
            body="Reinstall the tape driver, then restart the NovaBACKUP service.",
            products=["server"],
            min_version="21.0",
        ),
        "old": make_article(
            title="Tape drive not found (old)",
            slug="tape-old",
            body="Reinstall the tape driver.",
            products=["server"],
            max_version="20.x",
        ),
        "draft": make_article(
            title="Tape drive secret",
            slug="tape-draft",
            body="Tape driver.",
            products=["server"],
            state=ArticleState.DRAFT,
        ),
        "professional": make_article(
            title="Tape drive on Professional",
            slug="tape-pro",
            body="Tape driver.",
            products=["professional"],
        ),
    }


def suggest(client, **params):
    return client.get(SUGGEST, {"compose": COMPOSE, **params})


def result_slugs(response) -> list[str]:
    return [result["slug"] for result in response.json()["results"]]


# --- Ranking by registered products -----------------------------------------------------------


def test_articles_of_registered_products_come_first_in_rank_order(make_article):
    make_article(title="Tape rotation", slug="pro-best", products=["professional"])
    make_article(title="Scheduling", slug="pro-next", body="Tape is mentioned.")
    make_article(title="Other", slug="server-low", body="A tape here.", products=["server"])
    make_article(title="Something", slug="server-lower", body="tape", products=["server"])
    server = Product.objects.get(code="server")

    plain = [hit.article.slug for hit in selectors.article_search(query="tape")]
    preferred = [
        hit.article.slug
        for hit in selectors.article_search(query="tape", prefer_products=[server.pk])
    ]

    assert plain[0] == "pro-best"
    server_order = [slug for slug in plain if slug.startswith("server")]
    pro_order = [slug for slug in plain if slug.startswith("pro")]
    assert preferred == server_order + pro_order


def test_the_help_centre_ranks_a_signed_in_customers_products_first(
    make_article, signed_in, customer
):
    make_article(title="Tape rotation", slug="pro-best", products=["professional"])
    make_article(title="Other", slug="server-low", body="A tape here.", products=["server"])
    RegistrationFactory(customer=customer, product=Product.objects.get(code="server"))

    page = signed_in.get("/help/", {"q": "tape"}).content.decode()
    anonymous = Client().get("/help/", {"q": "tape"}).content.decode()

    assert page.index("/help/server-low/") < page.index("/help/pro-best/")
    assert anonymous.index("/help/pro-best/") < anonymous.index("/help/server-low/")


# --- The endpoint -----------------------------------------------------------------------------


def test_suggestions_need_sign_in(client, tape_articles):
    response = client.get(SUGGEST, {"q": "tape drive", "compose": COMPOSE})

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "Sign in" in response.json()["error"]
    assert not Suggestion.objects.exists()


def test_returns_the_article_for_the_product_and_version(signed_in, tape_articles):
    # Not every word is in the article: a few typed words are enough.
    response = suggest(
        signed_in,
        q="Tape drive is not detected anymore since yesterday",
        product="server",
        version="21.2",
    )

    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {
                "slug": "tape-new",
                "title": "Tape drive not found",
                "summary": "When the tape library vanishes.",
                "snippet": response.json()["results"][0]["snippet"],
                "url": f"/help/tape-new/?from={COMPOSE}",
                "language": "en",
            }
        ]
    }
    assert "<mark>" in response.json()["results"][0]["snippet"]
    assert result_slugs(suggest(signed_in, q="tape drive", product="server", version="20.1")) == [
        "tape-old"
    ]


def test_returns_at_most_five(signed_in, make_article):
    for number in range(7):
        make_article(title=f"Tape drive {number}", slug=f"tape-{number}")

    assert len(result_slugs(suggest(signed_in, q="tape drive"))) == 5


def test_falls_back_to_the_other_language(signed_in, customer, make_article):
    make_article(title="Tape drive not found", slug="tape-en")
    customer.language = "de"
    customer.save(update_fields=["language"])

    assert result_slugs(suggest(signed_in, q="tape drive")) == ["tape-en"]


def test_prefers_the_readers_language(signed_in, customer, make_article):
    english = make_article(title="Tape drive not found", slug="tape-en")
    make_article(
        title="Bandlaufwerk nicht gefunden",
        slug="band-de",
        tags="tape",
        body="Tape drive",
        language="de",
        translation_of=english,
    )
    customer.language = "de"
    customer.save(update_fields=["language"])

    response = suggest(signed_in, q="tape drive")

    assert [(r["slug"], r["language"]) for r in response.json()["results"]] == [("band-de", "de")]


def test_records_each_suggested_article_once_per_draft(signed_in, tape_articles):
    suggest(signed_in, q="tape drive", product="server", version="21.2")
    suggest(signed_in, q="tape drive driver", product="server", version="21.2")

    rows = list(Suggestion.objects.values_list("compose", "article__slug", "product__code"))
    assert rows == [(COMPOSE, "tape-new", "server")]


def test_a_malformed_draft_key_records_nothing(signed_in, tape_articles):
    for compose in ("", "short", "x" * 33, "bad key with spaces!!"):
        response = suggest(
            signed_in, q="tape drive", product="server", version="21.2", compose=compose
        )

        assert result_slugs(response) == ["tape-new"]
        assert all("from=" not in r["url"] for r in response.json()["results"])
    assert not Suggestion.objects.exists()


def test_short_or_empty_text_finds_nothing(signed_in, tape_articles):
    assert suggest(signed_in, q="").json() == {"results": []}
    assert suggest(signed_in, q="? !").json() == {"results": []}


def test_needs_a_handful_of_queries(signed_in, tape_articles):
    suggest(signed_in, q="warm up", product="server")  # session, user, the reader's products

    with CaptureQueriesContext(connection) as queries:
        response = suggest(signed_in, q="tape drive", product="server", version="21.2")

    assert result_slugs(response) == ["tape-new"]
    # Session, user, the words' stems, the search, the snippets, the stored suggestions.
    assert len(queries) <= 7


def test_the_readers_products_are_read_once_per_draft(signed_in, tape_articles):
    suggest(signed_in, q="tape drive")
    with CaptureQueriesContext(connection) as same_draft:
        suggest(signed_in, q="tape drive")
    with CaptureQueriesContext(connection) as new_draft:
        suggest(signed_in, q="tape drive", compose=OTHER_COMPOSE)

    def reads_registrations(captured) -> bool:
        return any("entitlements_registration" in q["sql"] for q in captured.captured_queries)

    assert not reads_registrations(same_draft)
    assert reads_registrations(new_draft)


def test_is_rate_limited_per_user(signed_in, tape_articles, settings, client):
    settings.KNOWLEDGE_RATE_SUGGEST = "2/m"
    other = Client()
    other.force_login(UserFactory(email="someone@example.com"))

    # Within one minute's window, whatever the clock says when the test runs.
    with time_machine.travel(NOW, tick=False):
        first = suggest(signed_in, q="tape drive")
        second = suggest(signed_in, q="tape drive")
        third = suggest(signed_in, q="tape drive")
        for_other = suggest(other, q="tape drive")

    assert (first.status_code, second.status_code) == (200, 200)
    assert third.status_code == 429
    assert "Too many requests" in third.json()["error"]
    assert for_other.status_code == 200


# --- Opening a suggestion ---------------------------------------------------------------------


def test_opening_a_suggestion_stamps_it_once(client, tape_articles):
    article = tape_articles["new"]
    Suggestion.objects.create(compose=COMPOSE, article=article)
    Suggestion.objects.create(compose=OTHER_COMPOSE, article=article)

    with time_machine.travel(NOW, tick=False) as traveller:
        assert client.get(f"/help/tape-new/?from={COMPOSE}").status_code == 200
        traveller.shift(timedelta(hours=2))
        client.get(f"/help/tape-new/?from={COMPOSE}")

    assert Suggestion.objects.get(compose=COMPOSE).opened_at.isoformat() == NOW
    assert Suggestion.objects.get(compose=OTHER_COMPOSE).opened_at is None


def test_opening_without_a_suggestion_changes_nothing(client, tape_articles):
    Suggestion.objects.create(compose=COMPOSE, article=tape_articles["old"])

    assert client.get(f"/help/tape-new/?from={COMPOSE}").status_code == 200
    assert client.get("/help/tape-old/?from=bad").status_code == 200

    assert Suggestion.objects.get().opened_at is None


def test_the_draft_key_follows_the_translation_redirect(client, make_article):
    english = make_article(title="Schedule backups", slug="schedule-backups")
    german = make_article(
        title="Sicherungen planen",
        slug="sicherungen-planen",
        language="de",
        translation_of=english,
    )
    Suggestion.objects.create(compose=COMPOSE, article=english)

    response = client.get(f"/help/schedule-backups/?from={COMPOSE}", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 302
    assert response["Location"] == f"/help/sicherungen-planen/?from={COMPOSE}"
    assert Suggestion.objects.get(article=english).opened_at is not None
    assert client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="de").status_code == 200
    assert not Suggestion.objects.filter(article=german).exists()


# --- The new-request page and sending it ------------------------------------------------------


@pytest.fixture
def premium(client, releases):
    customer = UserFactory(email="paula@example.com", name="Paula Premium")
    grant(customer, "premium", "server")
    client.force_login(customer)
    return client


def form_data(**overrides) -> dict:
    return {
        "product": "server",
        "version": "21.2",
        "category": "technical",
        "channel": "online",
        "phone": "",
        "subject": "Tape drive not found",
        "description": "Since the update the tape drive is missing.",
        "remote_id": "",
        "language": "en",
        **overrides,
    }


def compose_of(response) -> str:
    match = re.search(
        r'<input type="hidden" name="compose" value="([^"]*)"', response.content.decode()
    )
    assert match, "the form carries no draft key"
    return match.group(1)


def test_the_page_carries_a_new_draft_key_and_keeps_a_posted_one(premium):
    first = compose_of(premium.get("/tickets/new/"))
    second = compose_of(premium.get("/tickets/new/"))
    kept = compose_of(premium.post("/tickets/new/", form_data(check="1", compose=COMPOSE)))
    replaced = compose_of(premium.post("/tickets/new/", form_data(check="1", compose="<bad>")))

    assert suggestions.compose_key_valid(first) and suggestions.compose_key_valid(second)
    assert first != second
    assert kept == COMPOSE
    assert suggestions.compose_key_valid(replaced) and replaced != COMPOSE


def test_sending_the_request_stamps_its_suggestions(premium, tape_articles):
    compose = compose_of(premium.get("/tickets/new/"))
    premium.get(
        SUGGEST, {"q": "tape drive", "product": "server", "version": "21.2", "compose": compose}
    )
    Suggestion.objects.create(compose=OTHER_COMPOSE, article=tape_articles["new"])

    response = premium.post("/tickets/new/", form_data(compose=compose))

    assert response.status_code == 302
    assert Ticket.objects.count() == 1
    sent = Suggestion.objects.get(compose=compose)
    assert sent.article == tape_articles["new"] and sent.submitted_at is not None
    assert Suggestion.objects.get(compose=OTHER_COMPOSE).submitted_at is None


def test_a_request_that_is_not_sent_stamps_nothing(premium, tape_articles):
    Suggestion.objects.create(compose=COMPOSE, article=tape_articles["new"])

    premium.post("/tickets/new/", form_data(compose=COMPOSE, description=""))
    premium.post("/tickets/new/", form_data(compose=COMPOSE, check="1"))

    assert not Ticket.objects.exists()
    assert Suggestion.objects.get().submitted_at is None


def test_without_javascript_the_panel_links_to_the_help_centre_search(premium):
    response = premium.post("/tickets/new/", form_data(check="1", subject="Tape & drive"))

    page = response.content.decode()
    assert "Articles that may answer your question" in page
    assert re.search(r'<aside class="suggestions"[^>]*aria-live="polite"', page)
    link = re.search(r'<a id="suggestions-search-link" href="([^"]+)"', page).group(1)
    url = urlsplit(unescape(link))
    assert url.path == "/help/"
    assert parse_qs(url.query) == {"q": ["Tape & drive"], "product": ["server"]}


def test_the_script_is_a_static_file_the_page_loads(premium):
    page = premium.get("/tickets/new/").content.decode()

    assert '<script src="/static/js/suggest.js" defer></script>' in page
    # The Content-Security-Policy allows no inline script.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
    assert finders.find("js/suggest.js")
    response = serve(RequestFactory().get("/static/js/suggest.js"), "js/suggest.js", insecure=True)
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    script = b"".join(response.streaming_content).decode()
    assert "AbortController" in script and "credentials" in script
    assert "innerHTML" not in script


# --- Words every article has ------------------------------------------------------------------


def test_words_most_articles_share_are_left_out_of_the_any_word_search(make_article, releases):
    for n in range(selectors.COMMON_MIN_ARTICLES):
        make_article(title=f"Backup job {n}", slug=f"backup-job-{n}", body="The backup ran.")
    make_article(title="Tape drive not found", slug="tape", body="The backup to tape stops.")

    query = suggestions.suggestion_query("Backup stops on the tape drive", language="en")
    hits = suggestions.article_suggestions(text="Backup stops on the tape drive", language="en")

    assert "backup" not in query.split(" or ")
    assert {"tape", "drive", "stops"} <= set(query.split(" or "))
    assert [hit.article.slug for hit in hits][:1] == ["tape"]
    # Only common words: they are all kept, rather than searching for nothing.
    assert suggestions.suggestion_query("backup", language="en") == "backup"


def test_a_mistyped_error_code_finds_its_article_by_the_tags(make_article, releases):
    make_article(title="Access denied", slug="denied", tags="0x80070005 E_ACCESSDENIED")
    make_article(title="Shadow copy failed", slug="vss", tags="0x800423f3 VSS")

    hits = selectors.article_search(query="0x8007005", language="en")

    assert [hit.article.slug for hit in hits][:1] == ["denied"]


def test_a_short_text_is_also_looked_up_as_a_typo_a_long_one_is_not(make_article, releases):
    make_article(title="Access denied", slug="denied", tags="0x80070005 E_ACCESSDENIED")

    short = suggestions.article_suggestions(text="Fehlr 0x8007005", language="en")
    long = suggestions.article_suggestions(
        text="Fehlr 0x8007005 zxqw vbnm plokij uhzgt", language="en"
    )

    assert [hit.article.slug for hit in short] == ["denied"]
    assert long == []


def test_word_stems_are_asked_for_once_per_process(db):
    selectors.word_stems(["sicherungen", "bänder"], language="de")

    with CaptureQueriesContext(connection) as queries:
        stems = selectors.word_stems(["sicherungen", "bänder", "und"], language="de")

    assert stems["sicherungen"] == frozenset({"sicher"})
    assert stems["und"] == frozenset()  # a stop word
    assert len(queries) == 1  # only "und" was new
