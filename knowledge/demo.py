"""The demo help centre ``seed_demo`` loads: articles in English and German, release notes,
training, a few votes and searches that found nothing.

The texts live in ``knowledge/demo_content/``: one Markdown file per article under ``articles/``
(a TOML header between two ``+++`` lines, a blank line, then the body), the release notes in
``release_notes.toml`` and the training in ``training.toml``. Articles load in the order of the
number their file name starts with, so an original comes before its translations.

Every row is keyed on something stable (an article's slug, a release and language, a training's
address, a visitor key), so running the seed again updates rows instead of adding them.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from entitlements.models import Product, Release
from knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleState,
    ReleaseNote,
    SearchMiss,
    Training,
    TrainingKind,
)

if TYPE_CHECKING:
    from portal.accounts.models import User

# The demo staff of seed_demo: the US engineer writes in English, the German lead in German and
# publishes. Without them (a bare database) the articles have no author.
AUTHORS = {"en": "engineer.us@novadesk.test", "de": "engineer.de@novadesk.test"}
PUBLISHER = "engineer.de@novadesk.test"
DOCS_URL = "https://docs.novabackup.test/{product}/{version}/"
CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"
FRONT_MATTER = "+++\n"  # opens an article file and closes its header

NoteLines = tuple[list[str], list[str]]  # the lines of a release note in English and in German


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    language: str
    category: str
    products: tuple[str, ...]
    title: str
    summary: str
    body: str
    tags: str = ""
    min_version: str = ""
    max_version: str = ""
    translation_of: str = ""  # slug of the original, which comes earlier in the list
    state: str = ArticleState.PUBLISHED
    age_days: int = 30  # published this many days ago
    review_in_days: int = 180  # negative: the review date has passed


def _toml(name: str) -> dict:
    """The contents of a TOML file of the demo help centre."""
    return tomllib.loads((CONTENT_DIR / name).read_text(encoding="utf-8"))


def _article_read(path: Path) -> DemoArticle:
    """One article file: its TOML header gives the fields, the rest is the Markdown body."""
    text = path.read_text(encoding="utf-8")
    closing = "\n" + FRONT_MATTER + "\n"
    if not text.startswith(FRONT_MATTER) or closing not in text:
        raise ValueError(f"{path.name}: expected a +++ header, a blank line, then the body")
    header, body = text.removeprefix(FRONT_MATTER).split(closing, 1)
    fields = tomllib.loads(header)
    return DemoArticle(
        **{
            **fields,
            "products": tuple(fields["products"]),
            "state": ArticleState(fields.get("state", ArticleState.PUBLISHED)),
        },
        body=body,
    )


def _articles_read() -> list[DemoArticle]:
    """Every article file, in the order of the number its name starts with."""
    paths = (CONTENT_DIR / "articles").glob("*.md")
    ordered = sorted(paths, key=lambda path: int(path.name.split("-", 1)[0]))
    return [_article_read(path) for path in ordered]


def _release_notes_read() -> tuple[dict[str, NoteLines], dict[str, tuple[str, str]]]:
    """The lines of each version's notes and the extra line of each product, English and German."""
    data = _toml("release_notes.toml")
    notes = {version: (lines["en"], lines["de"]) for version, lines in data["versions"].items()}
    extra = {code: (line["en"], line["de"]) for code, line in data["products"].items()}
    return notes, extra


def _training_read() -> list[tuple]:
    """The videos and webinars, as rows of TRAINING."""
    return [
        (
            entry["url"],
            TrainingKind(entry["kind"]),
            entry["language"],
            entry.get("product"),
            entry["title"],
            entry["description"],
            entry["minutes"],
            entry.get("starts_in_days"),
            entry.get("hour_utc"),
        )
        for entry in _toml("training.toml")["training"]
    ]


ARTICLES: list[DemoArticle] = _articles_read()

# Release notes: what each of the latest releases changed, in both languages.
_NOTES, _PRODUCT_NOTE = _release_notes_read()
RELEASE_NOTES_PER_PRODUCT = 3

# Training: (url, kind, language, product, title, description, minutes, start in days, hour UTC)
TRAINING = _training_read()

# Helpfulness votes: (article slug, helpful votes, unhelpful votes, comments of unhelpful ones)
FEEDBACK = [
    ("vss-writer-timeout", 14, 2, ["Our writer was the SharePoint one, which is not listed."]),
    ("vss-writer-zeitueberschreitung", 6, 1, []),
    ("access-denied-0x80070005", 9, 3, ["The share was on a NAS; the NTFS tip did not apply."]),
    ("zugriff-verweigert-0x80070005", 4, 0, []),
    ("tape-drive-not-detected", 3, 2, ["LTO-9 still not detected after the driver update."]),
    ("licence-activation-failed", 7, 1, []),
    ("lizenzaktivierung-fehlgeschlagen", 2, 2, ["Offline-Aktivierung: wo finde ich die Datei?"]),
    ("scheduled-backup-does-not-start", 11, 1, []),
    ("geplante-sicherung-startet-nicht", 5, 1, ["Bei uns war es die Energiesparoption."]),
    ("cloud-destination-credentials", 4, 0, []),
    ("ransomware-protection", 8, 0, []),
    ("upgrade-from-20-to-21", 3, 1, ["Says nothing about the Network console."]),
]

# Searches that found nothing: (query, language, product, days ago, count)
SEARCH_MISSES = [
    ("migrate from backup exec", "en", "server", 2, 3),
    ("Sicherung auf OneDrive", "de", "professional", 1, 2),
]


def _visitor(slug: str, number: int) -> str:
    """A fixed key per demo visitor, so seeding again finds the same votes."""
    return hashlib.sha256(f"demo-visitor:{slug}:{number}".encode()).hexdigest()[:32]


@transaction.atomic
def seed() -> int:
    """Create or update the demo help centre; return how many articles it has."""
    now = timezone.now()
    products = {p.code: p for p in Product.objects.all()}
    users = {
        u.email: u
        for u in get_user_model().objects.filter(email__in=[*AUTHORS.values(), PUBLISHER])
    }
    by_slug = _articles(now=now, products=products, users=users)
    _release_notes(products=products)
    _training(now=now, products=products)
    _feedback(now=now, by_slug=by_slug)
    _search_misses(now=now, products=products)
    return len(by_slug)


def _articles(
    *, now: datetime, products: dict[str, Product], users: dict[str, User]
) -> dict[str, Article]:
    publisher = users.get(PUBLISHER)
    by_slug: dict[str, Article] = {}
    for demo in ARTICLES:
        published = demo.state in (ArticleState.PUBLISHED, ArticleState.ARCHIVED)
        published_at = now - timedelta(days=demo.age_days)
        fields = {
            "title": demo.title,
            "summary": demo.summary,
            "body": demo.body,
            "category": demo.category,
            "language": demo.language,
            "translation_of": by_slug.get(demo.translation_of),
            "min_version": demo.min_version,
            "max_version": demo.max_version,
            "tags": demo.tags,
            "state": demo.state,
            "author": users.get(AUTHORS[demo.language]),
            "published_by": publisher if published else None,
            "review_by": (now + timedelta(days=demo.review_in_days)).date() if published else None,
        }
        article, _created = Article.objects.update_or_create(
            slug=demo.slug,
            defaults=fields,
            # On creation only: a second run keeps the dates of the first.
            create_defaults={
                **fields,
                "created_at": published_at - timedelta(days=3),
                "published_at": published_at if published else None,
            },
        )
        if published and article.published_at is None:
            Article.objects.filter(pk=article.pk).update(published_at=published_at)
        article.products.set([products[code] for code in demo.products if code in products])
        by_slug[demo.slug] = article
    return by_slug


def _release_notes(*, products: dict[str, Product]) -> None:
    for code, product in products.items():
        extra_en, extra_de = _PRODUCT_NOTE.get(code, ("", ""))
        releases = Release.objects.filter(product=product, version__in=_NOTES, is_beta=False)
        latest = sorted(releases, key=lambda r: (r.major, r.minor, r.patch), reverse=True)
        for release in latest[:RELEASE_NOTES_PER_PRODUCT]:
            english, german = _NOTES[release.version]
            url = DOCS_URL.format(product=code, version=release.version)
            for language, heading, lines, extra in (
                ("en", f"{product.name} {release.version}", english, extra_en),
                ("de", f"{product.name} {release.version}", german, extra_de),
            ):
                items = [*lines, extra] if extra and release.version == "21.2" else lines
                body = f"## {heading}\n\n" + "\n".join(f"- {line}" for line in items) + "\n"
                ReleaseNote.objects.update_or_create(
                    release=release,
                    language=language,
                    defaults={"body": body, "documentation_url": url},
                )


def _training(*, now: datetime, products: dict[str, Product]) -> None:
    for url, kind, language, code, title, description, minutes, in_days, hour in TRAINING:
        starts_at = None
        if in_days is not None:
            # A fixed hour of a day relative to today: seeding twice a day changes nothing.
            day = now.astimezone(UTC).date() + timedelta(days=in_days)
            starts_at = datetime.combine(day, time(hour), tzinfo=UTC)
        Training.objects.update_or_create(
            url=url,
            defaults={
                "kind": kind,
                "language": language,
                "product": products.get(code) if code else None,
                "title": title,
                "description": description,
                "duration_minutes": minutes,
                "starts_at": starts_at,
                "is_published": True,
            },
        )


def _feedback(*, now: datetime, by_slug: dict[str, Article]) -> None:
    rows = []
    for slug, helpful, unhelpful, comments in FEEDBACK:
        article = by_slug[slug]
        for number in range(helpful + unhelpful):
            is_helpful = number < helpful
            index = number - helpful
            comment = comments[index] if not is_helpful and index < len(comments) else ""
            rows.append(
                ArticleFeedback(
                    article=article,
                    visitor=_visitor(slug, number),
                    helpful=is_helpful,
                    comment=comment,
                    created_at=now - timedelta(days=number % 20, hours=number),
                )
            )
    # The unique (article, visitor) constraint skips the votes of an earlier run.
    ArticleFeedback.objects.bulk_create(rows, ignore_conflicts=True)


def _search_misses(*, now: datetime, products: dict[str, Product]) -> None:
    for query, language, code, days_ago, count in SEARCH_MISSES:
        if SearchMiss.objects.filter(query=query, language=language).exists():
            continue
        SearchMiss.objects.create(
            query=query,
            language=language,
            product=products.get(code),
            day=(now - timedelta(days=days_ago)).date(),
            count=count,
        )
