"""The demo help centre of ``seed_demo``: enough articles in both languages, release notes,
training, and the same rows after a second run."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from entitlements.catalogue import ALL_PRODUCTS
from entitlements.models import Product, Release
from knowledge import demo, selectors
from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleState,
    ReleaseNote,
    SearchMiss,
    Training,
    TrainingKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(releases) -> None:
    demo.seed()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Article, ArticleFeedback, ReleaseNote, SearchMiss, Training)
    } | {"products": Article.products.through.objects.count()}


def test_at_least_30_articles_are_published_in_english_and_german(seeded):
    published = Article.objects.published()

    assert published.count() >= 30
    assert published.filter(language="en").count() >= 15
    assert published.filter(language="de").count() >= 15
    assert published.filter(author__isnull=True).count() == published.count()  # no demo staff


def test_translations_link_an_english_original_and_some_articles_have_none(seeded):
    translations = Article.objects.published().filter(translation_of__isnull=False)

    assert translations.count() >= 10
    for article in translations.select_related("translation_of"):
        assert article.translation_of.language != article.language
        assert article.translation_of.state == ArticleState.PUBLISHED
    alone = Article.objects.published().filter(translation_of__isnull=True, translations=None)
    assert set(alone.values_list("language", flat=True)) == {"en", "de"}


def test_every_product_of_the_catalogue_has_articles_in_both_languages(seeded):
    for code in ALL_PRODUCTS:
        for language in ("en", "de"):
            assert selectors.published_articles(language=language, product=code).exists(), (
                code,
                language,
            )


def test_every_category_is_used_and_error_codes_are_tags(seeded):
    categories = set(Article.objects.published().values_list("category", flat=True))

    assert categories == {
        "troubleshooting",
        "how-to",
        "error-messages",
        "licensing",
        "release-notes",
    }
    assert "0x80070005" in Article.objects.get(slug="access-denied-0x80070005").tag_list


def test_drafts_reviews_and_the_archived_article_are_not_public(seeded):
    hidden = Article.objects.exclude(state=ArticleState.PUBLISHED)

    assert set(hidden.values_list("state", flat=True)) == {
        ArticleState.DRAFT,
        ArticleState.IN_REVIEW,
        ArticleState.ARCHIVED,
    }
    assert hidden.filter(state=ArticleState.ARCHIVED).count() == 1
    assert "windows-xp-clients" not in [
        hit.article.slug for hit in selectors.article_search(query="Windows XP")
    ]


def test_some_ranges_end_in_an_unsupported_major_and_some_reviews_are_due(seeded):
    legacy = Article.objects.get(slug="windows-7-clients-on-version-19")
    current = Article.objects.get(slug="vss-writer-timeout")
    on = date(2026, 11, 20)

    assert all(entry.unsupported for entry in selectors.article_applies_to(article=legacy, on=on))
    assert not any(e.unsupported for e in selectors.article_applies_to(article=current, on=on))
    assert Article.objects.published().filter(review_by__lt=timezone.localdate()).exists()


def test_the_latest_release_of_each_product_has_notes_in_both_languages(seeded):
    for product in Product.objects.all():
        latest = max(
            Release.objects.filter(product=product, is_beta=False),
            key=lambda r: (r.major, r.minor, r.patch),
        )
        notes = ReleaseNote.objects.filter(release=latest)

        assert set(notes.values_list("language", flat=True)) == {"en", "de"}
        assert all(
            note.documentation_url
            == f"https://docs.novabackup.test/{product.code}/{latest.version}/"
            for note in notes
        )


def test_training_has_videos_upcoming_and_past_webinars_in_both_languages(seeded):
    now = timezone.now()
    webinars = Training.objects.published().filter(kind=TrainingKind.WEBINAR)

    assert Training.objects.filter(kind=TrainingKind.VIDEO).exists()
    assert webinars.filter(starts_at__gt=now).count() == 2
    assert webinars.filter(starts_at__lt=now).count() == 1
    assert set(Training.objects.values_list("language", flat=True)) == {"en", "de"}


def test_votes_comments_and_searches_without_result_are_seeded(seeded):
    assert ArticleFeedback.objects.filter(helpful=True).count() > 20
    assert ArticleFeedback.objects.filter(helpful=False).exclude(comment="").exists()
    assert SearchMiss.objects.count() == 2


def test_seeding_again_changes_nothing(seeded):
    before = _counts()
    published_at = dict(Article.objects.values_list("slug", "published_at"))

    demo.seed()

    assert _counts() == before
    assert dict(Article.objects.values_list("slug", "published_at")) == published_at


def test_the_vss_article_is_found_by_search(seeded):
    hits = selectors.article_search(query="VSS writer timeout", language="en")
    typo = selectors.article_search(query="0x8007005", language="en")

    assert hits[0].article.slug == "vss-writer-timeout"
    assert typo[0].article.slug == "access-denied-0x80070005"


def test_seed_demo_loads_the_help_centre_written_by_the_demo_staff():
    call_command("seed_demo", stdout=StringIO())

    english = Article.objects.get(slug="vss-writer-timeout")
    assert english.author.email == demo.AUTHORS["en"]
    assert english.published_by.email == demo.PUBLISHER
    assert (
        Article.objects.get(slug="vss-writer-zeitueberschreitung").author.email
        == (demo.AUTHORS["de"])
    )
