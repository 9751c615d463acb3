"""Reads of the help centre's product content: release notes, training and product pages.

Beta releases follow the beta group's rule (``betas.selectors``): only people whose enrolment
for the product takes part see them; anonymous visitors never do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from entitlements import lifecycle
from entitlements import selectors as entitlement_selectors
from entitlements.models import Product, Release
from knowledge import selectors
from knowledge.models import Article, ArticleCategory, ArticleLanguage, ReleaseNote, Training
from knowledge.rendering import markdown_render

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrPromise

    from portal.accounts.models import User

# How many releases and training entries a product page shows before linking on.
PRODUCT_PAGE_RELEASES = 5
PRODUCT_PAGE_TRAINING = 6


@dataclass(frozen=True)
class ReleaseEntry:
    """One release as the help centre shows it, with its notes in the reader's language."""

    release: Release
    supported: bool
    supported_until: date | None  # None: no successor yet (or a beta)
    notes_html: str  # sanitised HTML of the Markdown notes; empty when there are none
    notes_text: str  # the release's plain-text notes, used when no ReleaseNote exists
    notes_language: str  # the language the notes are in ("" for the plain-text notes)
    fallback: bool  # the notes are in the other language
    documentation_url: str

    @property
    def is_beta(self) -> bool:
        return self.release.is_beta


@dataclass
class ProductReleases:
    product: Product
    releases: list[ReleaseEntry] = field(default_factory=list)


@dataclass(frozen=True)
class TrainingListing:
    upcoming: list[Training]  # webinars still to come, soonest first
    recorded: list[Training]  # past webinars and videos, newest first


@dataclass(frozen=True)
class ProductPage:
    product: Product
    categories: list[tuple[str, StrPromise, list[Article]]]  # (value, label, articles)
    releases: list[ReleaseEntry]
    more_releases: bool
    training: TrainingListing


def reader_day(*, user: User | AnonymousUser | None) -> date:
    """Today in the calendar that decides ``user``'s support dates (as the versions page)."""
    zone = entitlement_selectors.calendar_zone(customer=user)
    return entitlement_selectors.calendar_day(timezone.now(), zone)


def visitor_zone(*, user: User | AnonymousUser | None) -> tzinfo:
    """The time zone to show webinar times in.

    Accounts store no time zone of their own: a signed-in person gets the zone of the support
    team calendar the portal already uses for their dates; anyone else the site's default.
    """
    if user is not None and user.is_authenticated:
        return entitlement_selectors.calendar_zone(customer=user)
    return ZoneInfo(settings.TIME_ZONE)


def visible_beta_ids(*, user: User | AnonymousUser | None) -> set[int]:
    """Ids of the beta releases ``user`` may see (none for anonymous visitors)."""
    # Imported here: betas sit above knowledge (a beta group belongs to a partner programme).
    from betas import selectors as beta_selectors

    if user is None or not user.is_authenticated:
        return set()
    return {
        release.pk
        for access in beta_selectors.beta_overview(user=user)
        if access.participates
        for release in access.releases
    }


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("sort_order", "name")


def product_for_reader(*, code: str) -> Product | None:
    """The active product with ``code``, or None."""
    return active_products().filter(code=code).first()


def _releases_prefetch() -> Prefetch:
    return Prefetch(
        "releases",
        queryset=Release.objects.prefetch_related("release_notes").order_by(
            "-released_on", "-major", "-minor", "-patch"
        ),
    )


def _other_language(language: str) -> str:
    return ArticleLanguage.ENGLISH if language == ArticleLanguage.GERMAN else ArticleLanguage.GERMAN


def _entry(
    release: Release, *, language: str, ends: dict[int, date | None], on: date
) -> ReleaseEntry:
    chosen = note_for_release(release=release, language=language)
    documentation = next(
        (
            note.documentation_url
            for note in (chosen, *release.release_notes.all())
            if note is not None and note.documentation_url
        ),
        "",
    )
    if release.is_beta:
        supported, until = True, None
    else:
        until = ends.get(release.major)
        supported = lifecycle.is_supported(until, on)
    return ReleaseEntry(
        release=release,
        supported=supported,
        supported_until=until,
        notes_html=markdown_render(chosen.body) if chosen else "",
        notes_text="" if chosen else release.notes,
        notes_language=chosen.language if chosen else "",
        fallback=chosen is not None and chosen.language != language,
        documentation_url=documentation,
    )


def _product_entries(
    product: Product, *, language: str, on: date, betas: set[int]
) -> list[ReleaseEntry]:
    """The product's releases the reader may see, newest first (releases are prefetched)."""
    finals = [r for r in product.releases.all() if not r.is_beta and r.released_on <= on]
    ends = lifecycle.last_supported_days(finals)
    shown = [r for r in product.releases.all() if (r.pk in betas if r.is_beta else r in finals)]
    return [_entry(release, language=language, ends=ends, on=on) for release in shown]


def release_listing(
    *,
    user: User | AnonymousUser | None,
    language: str,
    product_code: str | None = None,
    on: date | None = None,
) -> list[ProductReleases]:
    """Every active product (or the one with ``product_code``) with the releases ``user`` may
    see, newest first, each with its support status on ``on`` and its notes in ``language``."""
    on = on or reader_day(user=user)
    betas = visible_beta_ids(user=user)
    products = active_products().prefetch_related(_releases_prefetch())
    if product_code:
        products = products.filter(code=product_code)
    return [
        ProductReleases(
            product=product,
            releases=_product_entries(product, language=language, on=on, betas=betas),
        )
        for product in products
    ]


def release_for_reader(
    *,
    user: User | AnonymousUser | None,
    product_code: str,
    version: str,
    language: str,
    on: date | None = None,
) -> ReleaseEntry | None:
    """One release of an active product that ``user`` may see, or None."""
    on = on or reader_day(user=user)
    product = (
        active_products().filter(code=product_code).prefetch_related(_releases_prefetch()).first()
    )
    if product is None:
        return None
    betas = visible_beta_ids(user=user)
    return next(
        (
            entry
            for entry in _product_entries(product, language=language, on=on, betas=betas)
            if entry.release.version == version
        ),
        None,
    )


def published_release_notes(*, on: date | None = None) -> QuerySet[Release]:
    """Final releases of active products released by ``on``, for the sitemap.

    ``on`` is by default today as an anonymous visitor's calendar counts it (as the release
    pages do), so the sitemap never lists a release whose page is not shown yet.
    """
    on = on or reader_day(user=None)
    return (
        Release.objects.filter(is_beta=False, product__is_active=True, released_on__lte=on)
        .select_related("product")
        .order_by("product__sort_order", "product__code", "-major", "-minor", "-patch")
    )


def training_listing(
    *, now: datetime, product_code: str | None = None, language: str | None = None
) -> TrainingListing:
    """Published training split into webinars to come and everything that can be watched.

    Training has no creation date: videos without a start time follow the dated entries,
    the most recently added first.
    """
    entries = Training.objects.published().select_related("product")
    if product_code:
        entries = entries.filter(product__code=product_code)
    if language:
        entries = entries.filter(language=language)
    upcoming = entries.filter(kind="webinar", starts_at__gt=now).order_by("starts_at", "title")
    recorded = entries.exclude(kind="webinar", starts_at__gt=now).order_by(
        F("starts_at").desc(nulls_last=True), "-pk"
    )
    return TrainingListing(upcoming=list(upcoming), recorded=list(recorded))


def product_page(
    *, code: str, user: User | AnonymousUser | None, language: str, now: datetime
) -> ProductPage | None:
    """What the help centre shows about one active product, or None for any other code."""
    product = product_for_reader(code=code)
    if product is None:
        return None
    articles = (
        Article.objects.readable(beta_products=selectors.beta_product_ids(user=user))
        .filter(language=language, products=product)
        .order_by("title")
        .distinct()
    )
    by_category: dict[str, list[Article]] = {}
    for article in articles:
        by_category.setdefault(article.category, []).append(article)
    categories = [
        (value, label, by_category[value])
        for value, label in ArticleCategory.choices
        if value in by_category
    ]
    listing = release_listing(user=user, language=language, product_code=product.code)
    releases = listing[0].releases if listing else []
    training = training_listing(now=now, product_code=product.code)
    return ProductPage(
        product=product,
        categories=categories,
        releases=releases[:PRODUCT_PAGE_RELEASES],
        more_releases=len(releases) > PRODUCT_PAGE_RELEASES,
        training=TrainingListing(
            upcoming=training.upcoming[:PRODUCT_PAGE_TRAINING],
            recorded=training.recorded[:PRODUCT_PAGE_TRAINING],
        ),
    )


def note_for_release(*, release: Release, language: str) -> ReleaseNote | None:
    """The note of ``release`` in ``language``, else in the other language, else None."""
    notes = {note.language: note for note in release.release_notes.all()}
    return notes.get(language) or notes.get(_other_language(language))
