"""Reads of the knowledge base: published articles, their translations, and search."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, TypedDict

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)

from entitlements.lifecycle import is_supported, last_supported_days
from entitlements.models import Product
from knowledge import pgsearch
from knowledge.models import Article, ArticleCategory, ArticleLanguage
from knowledge.rendering import HIGHLIGHT_START, HIGHLIGHT_STOP, snippet_render

if TYPE_CHECKING:
    from typing import Unpack

    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrPromise

    from portal.accounts.models import User

SEARCH_LIMIT = 20
# Candidates FTS5 hands over before the version filter narrows them.
_CANDIDATES = 200
_UNBOUNDED = pgsearch.UNBOUNDED


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: str  # HTML: escaped text with <mark> around the matches
    rank: float


class SearchOptions(TypedDict, total=False):
    """The filters of :func:`article_search` a search can pass on as they are."""

    product: str | None
    version: str | None
    limit: int
    prefer_products: Collection[int] | None
    beta_products: Collection[int]


@dataclass(frozen=True)
class AppliesTo:
    product: Product
    versions: str
    unsupported: bool


def _version_key(version: str, *, upper: bool) -> tuple[int, int, int]:
    """Turn "21.x" or "19.0" into a comparable triple; a missing or "x" part is open."""
    parts = [p for p in version.strip().lower().split(".") if p][:3]
    numbers: list[int] = []
    for part in parts:
        if not part.isdigit():
            break
        numbers.append(int(part))
    fill = _UNBOUNDED if upper else 0
    if upper and not version.strip():
        return (_UNBOUNDED, _UNBOUNDED, _UNBOUNDED)
    while len(numbers) < 3:
        numbers.append(fill)
    return (numbers[0], numbers[1], numbers[2])


def applies_to_version(article: Article, version: str) -> bool:
    """Say whether ``version`` lies in the article's version range (empty bounds are open)."""
    if not version.strip():
        return True
    wanted = _version_key(version, upper=False)
    return (
        _version_key(article.min_version, upper=False)
        <= wanted
        <= _version_key(article.max_version, upper=True)
    )


def beta_product_ids(*, user: User | AnonymousUser | None) -> list[int]:
    """The products whose beta group ``user`` takes part in: the beta-only articles they read.

    None for visitors who are not signed in, and one query for the many who were never enrolled.
    """
    # Imported here: betas sit above knowledge (a beta group belongs to a partner programme).
    from betas import selectors as beta_selectors

    if user is None or not user.is_authenticated:
        return []
    if not beta_selectors.enrolments_for_user(user=user).exists():
        return []
    return sorted(
        access.enrolment.product_id
        for access in beta_selectors.beta_overview(user=user)
        if access.participates
    )


def published_articles(
    *,
    language: str | None = None,
    product: str | None = None,
    beta_products: Collection[int] = (),
) -> QuerySet:
    """Published articles the reader sees (``beta_products``: see ``Article.objects.readable``)."""
    articles = Article.objects.readable(beta_products=beta_products)
    if language:
        articles = articles.filter(language=language)
    if product:
        # By the product's id, not a join on its code: with an id PostgreSQL counts on the
        # average product's share of the articles (a join on the code it took for a few) and
        # plans the search from the text index.
        product_id = Subquery(Product.objects.filter(code=product).values("pk")[:1])
        articles = articles.filter(
            Exists(
                Article.products.through.objects.filter(
                    article_id=OuterRef("pk"), product_id=product_id
                )
            )
        )
    return articles


def article_for_reader(*, slug: str, beta_products: Collection[int] = ()) -> Article | None:
    """Return the published article with ``slug`` the reader sees, with its products, or None."""
    return (
        Article.objects.readable(beta_products=beta_products)
        .filter(slug=slug)
        .prefetch_related("products__releases")
        .select_related("translation_of")
        .first()
    )


def article_translation(
    *, article: Article, language: str, beta_products: Collection[int] = ()
) -> Article | None:
    """Return the published version of ``article`` in ``language`` (itself if it is in it)."""
    if article.language == language:
        return article
    root_id = article.translation_of_id or article.pk
    return (
        Article.objects.readable(beta_products=beta_products)
        .filter(language=language)
        .filter(Q(pk=root_id) | Q(translation_of_id=root_id))
        .exclude(pk=article.pk)
        .first()
    )


def article_related(
    *, article: Article, limit: int = 5, beta_products: Collection[int] = ()
) -> list[Article]:
    """Published articles in the same language that share a product, same category first."""
    product_ids = [p.pk for p in article.products.all()]
    return list(
        Article.objects.readable(beta_products=beta_products)
        .filter(language=article.language, products__in=product_ids)
        .exclude(pk=article.pk)
        .annotate(
            shared=Count("products", distinct=True),
            same_category=Case(When(category=article.category, then=Value(1)), default=Value(0)),
        )
        .order_by("-same_category", "-shared", "title")[:limit]
    )


def article_applies_to(*, article: Article, on: date) -> list[AppliesTo]:
    """Each product with the article's version range, marked when that range's support ended.

    A range is unsupported when the support of its highest major ended before ``on``; an open
    upper bound reaches the current version and is always supported.
    """
    versions = _range_label(article)
    answer = []
    for product in article.products.all():
        unsupported = False
        upper = article.max_version.strip()
        if upper:
            major = _version_key(upper, upper=False)[0]
            releases = [r for r in product.releases.all() if not r.is_beta and r.released_on <= on]
            ends = last_supported_days(releases)
            if major in ends:
                unsupported = not is_supported(ends[major], on)
        answer.append(AppliesTo(product=product, versions=versions, unsupported=unsupported))
    return answer


def _range_label(article: Article) -> str:
    low, high = article.min_version.strip(), article.max_version.strip()
    if low and high:
        return f"{low}\u2013{high}"
    if low:
        return f"{low}+"
    if high:
        return f"\u2013{high}"
    return ""


def categories_per_product(
    *, language: str
) -> list[tuple[Product, list[tuple[str, StrPromise, int]]]]:
    """Each active product with the categories it has published articles in, and how many."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Article.products.through.objects.filter(
            article__state="published", article__language=language, article__beta_only=False
        )
        .values("product_id", "article__category")
        .annotate(n=Count("article_id"))
    )
    for row in rows:
        counts.setdefault(row["product_id"], {})[row["article__category"]] = row["n"]
    answer = []
    for product in Product.objects.filter(is_active=True).order_by("sort_order", "name"):
        entries = [
            (value, label, counts.get(product.pk, {}).get(value, 0))
            for value, label in ArticleCategory.choices
            if counts.get(product.pk, {}).get(value)
        ]
        answer.append((product, entries))
    return answer


# --- Search -----------------------------------------------------------------------------------

# A word found in more than this share of a language's articles tells them apart no better
# than it costs: in an "any word" search it would make PostgreSQL rank nearly every article.
COMMON_SHARE = 1 / 3
# Below this many published articles in a language no word counts as common.
COMMON_MIN_ARTICLES = 60
COMMON_CACHE_SECONDS = 15 * 60
_CONFIGS = pgsearch.CONFIGS
_PUBLISHED_VECTORS = {
    "en": "SELECT search_vector FROM knowledge_article"
    " WHERE state = 'published' AND language = 'en'",
    "de": "SELECT search_vector FROM knowledge_article"
    " WHERE state = 'published' AND language = 'de'",
}


def common_lexemes(*, language: str) -> frozenset[str]:
    """The stems that occur in more than ``COMMON_SHARE`` of the published articles in
    ``language`` (PostgreSQL only; empty elsewhere). Counted by ``ts_stat`` from the stored
    vectors and cached for a quarter of an hour, so publishing moves it soon enough."""
    if connection.vendor != "postgresql" or language not in _CONFIGS:
        return frozenset()
    key = f"knowledge:common-lexemes:{language}"
    cached = cache.get(key)
    if cached is not None:
        return frozenset(cached)
    total = Article.objects.published().filter(language=language).count()
    words: list[str] = []
    if total >= COMMON_MIN_ARTICLES:
        # ts_stat takes the statement as text; the language is one of two constants.
        inner = _PUBLISHED_VECTORS["de" if language == ArticleLanguage.GERMAN else "en"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word FROM ts_stat(%s) WHERE ndoc > %s", [inner, total * COMMON_SHARE]
            )
            words = [row[0] for row in cursor.fetchall()]
    cache.set(key, words, COMMON_CACHE_SECONDS)
    return frozenset(words)


# Stems of words already looked up, per configuration: they depend on PostgreSQL's dictionaries
# alone, so each process asks for a word once (and starts afresh when the table is full).
_STEMS: dict[tuple[str, str], frozenset[str]] = {}
_STEMS_KEPT = 20_000


def word_stems(words: list[str], *, language: str) -> dict[str, frozenset[str]]:
    """Each of ``words`` with its stems in ``language``'s configuration (none: a stop word)."""
    config = _CONFIGS[language]
    known = {word: _STEMS[(config, word)] for word in words if (config, word) in _STEMS}
    missing = [word for word in words if word not in known]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, tsvector_to_array(to_tsvector(%s::regconfig, w))"
                " FROM unnest(%s::text[]) w",
                [config, missing],
            )
            found = {word: frozenset(stems or ()) for word, stems in cursor.fetchall()}
        known.update(found)
        if len(_STEMS) + len(found) > _STEMS_KEPT:
            _STEMS.clear()
        _STEMS.update({(config, word): stems for word, stems in found.items()})
    return {word: known.get(word, frozenset()) for word in words}


def informative_words(words: list[str], *, language: str) -> list[str]:
    """``words`` without those whose every stem is common in ``language`` (or a stop word);
    all of them when nothing would be left. SQLite keeps every word."""
    common = common_lexemes(language=language)
    if not common or not words:
        return words
    stems = word_stems(words, language=language)
    kept = [word for word in words if not stems[word] <= common]
    return kept or words


def article_search(
    *,
    query: str,
    language: str | None = None,
    product: str | None = None,
    version: str | None = None,
    limit: int = SEARCH_LIMIT,
    prefer_products: Collection[int] | None = None,
    beta_products: Collection[int] = (),
    passes: tuple[str, ...] = ("words", "typos"),
) -> list[SearchHit]:
    """Search published articles, best first, filtered by language, product and version.

    PostgreSQL: full text (``websearch_to_tsquery`` in each article's configuration) ranked by
    the weighted vector, with trigram similarity on title and tags when nothing matches.
    SQLite: FTS5 with bm25, each word matched as a prefix after a light suffix strip.
    ``prefer_products`` (product ids, e.g. the reader's registered ones) puts the articles about
    one of them first, each group still in rank order. Beta-only articles are found only by
    readers in the beta group of one of their products (``beta_products``). ``passes`` says
    which matches are tried, in order, until one finds something: "words" (the full text) and
    "typos" (trigrams on PostgreSQL, shortened prefixes on SQLite).
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    if connection.vendor == "postgresql":
        # The database filters (the version range too), orders (preferred products first, then
        # rank), cuts, and writes the headlines of the rows it returns.
        scope = pgsearch.Scope(
            language=language,
            product=product,
            beta_products=tuple(beta_products),
            prefer_products=tuple(prefer_products or ()),
            version=_version_key(version, upper=False) if version and version.strip() else None,
        )
        for name in passes:
            search = pgsearch.words if name == "words" else pgsearch.typos
            candidates = search(query, scope, take=limit)
            if candidates:
                return [_hit(c.article, c.headline, c.rank) for c in candidates]
        return []
    articles = published_articles(language=language, product=product, beta_products=beta_products)
    hits = _sqlite_search(articles, query, loose=[name == "typos" for name in passes])
    if version:
        hits = [hit for hit in hits if applies_to_version(hit.article, version)]
    if prefer_products and hits:
        hits = _preferred_first(hits, prefer_products)
    return hits[:limit]


def article_search_for_reader(
    *, query: str, language: str, **options: Unpack[SearchOptions]
) -> list[SearchHit]:
    """Search as a reader expects: their language, then any, by words; only then for typos.

    A word found in the other language's articles beats a near miss in the reader's own, and
    the typo searches, the dearest, run only when no word matched anywhere. ``options`` are
    those of :func:`article_search`.
    """
    for passes in (("words",), ("typos",)):
        for searched in (language, None):
            hits = article_search(query=query, language=searched, passes=passes, **options)
            if hits:
                return hits
    return []


def _preferred_first(hits: list[SearchHit], product_ids: Collection[int]) -> list[SearchHit]:
    preferred = set(
        Article.products.through.objects.filter(
            article_id__in=[hit.article.pk for hit in hits], product_id__in=list(product_ids)
        ).values_list("article_id", flat=True)
    )
    # sorted() is stable: within each group the rank order stays as it was.
    return sorted(hits, key=lambda hit: hit.article.pk not in preferred)


def _hit(article: Article, headline: str, rank: float) -> SearchHit:
    # A title-only match has no highlight in the body: the summary says more than its start.
    if not headline or HIGHLIGHT_START not in headline:
        headline = article.summary or headline
    return SearchHit(article=article, snippet=snippet_render(headline), rank=float(rank))


# Letters and digits: the words FTS5's unicode61 tokenizer makes ("VSS_E_WRITERERROR" is three).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SUFFIXES = ("ern", "en", "er", "es", "e", "s", "n")


def _stem(word: str) -> str:
    """Strip one common English or German ending, so the prefix also finds the other forms."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def fts5_query(query: str, *, loose: bool = False) -> str:
    """Build an FTS5 MATCH expression: every word as a quoted prefix; "-word" excludes it.

    ``loose`` ORs the words and shortens each by two characters, for a second try at typos.
    """
    include: list[str] = []
    exclude: list[str] = []
    for raw in query.split():
        negative = raw.startswith("-") and len(raw) > 1
        for word in _WORD.findall(raw.lower()):
            if word == "or":
                continue
            stem = _stem(word)
            if loose and len(stem) > 5:
                stem = stem[:-2]
            (exclude if negative and not loose else include).append(f'"{stem}"*')
    if not include:
        return ""
    expression = (" OR " if loose else " AND ").join(include)
    if exclude:
        expression = f"({expression}) NOT ({' OR '.join(exclude)})"
    return expression


def _sqlite_search(articles: QuerySet, query: str, *, loose: list[bool]) -> list[SearchHit]:
    for loose_pass in loose:
        expression = fts5_query(query, loose=loose_pass)
        if not expression:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, bm25(knowledge_article_fts, 10.0, 5.0, 2.0, 1.0) AS score,"
                " snippet(knowledge_article_fts, -1, %s, %s, ' … ', 24)"
                " FROM knowledge_article_fts WHERE knowledge_article_fts MATCH %s"
                " ORDER BY score LIMIT %s",
                [HIGHLIGHT_START, HIGHLIGHT_STOP, expression, _CANDIDATES],
            )
            rows = cursor.fetchall()
        by_id = {article.pk: article for article in articles.filter(pk__in=[r[0] for r in rows])}
        hits = [_hit(by_id[pk], snippet, -score) for pk, score, snippet in rows if pk in by_id]
        if hits:
            return hits
    return []
