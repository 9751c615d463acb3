"""Reads of the knowledge base: published articles, their translations, and search."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Lower

from entitlements.lifecycle import is_supported, last_supported_days
from entitlements.models import Product
from knowledge.models import Article, ArticleCategory, ArticleLanguage
from knowledge.rendering import HIGHLIGHT_START, HIGHLIGHT_STOP, snippet_render

SEARCH_LIMIT = 20
# Below this similarity a trigram match is more noise than typo.
TRIGRAM_THRESHOLD = 0.3
# Candidates the full-text index hands over before the version filter narrows them.
_CANDIDATES = 200
_UNBOUNDED = 10**6


@dataclass(frozen=True)
class SearchHit:
    article: Article
    snippet: str  # HTML: escaped text with <mark> around the matches
    rank: float


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


def published_articles(*, language: str | None = None, product: str | None = None) -> QuerySet:
    articles = Article.objects.published()
    if language:
        articles = articles.filter(language=language)
    if product:
        articles = articles.filter(
            pk__in=Article.products.through.objects.filter(product__code=product).values(
                "article_id"
            )
        )
    return articles


def article_for_reader(*, slug: str) -> Article | None:
    """Return the published article with ``slug``, with its products, or None."""
    return (
        Article.objects.published()
        .filter(slug=slug)
        .prefetch_related("products__releases")
        .select_related("translation_of")
        .first()
    )


def article_translation(*, article: Article, language: str) -> Article | None:
    """Return the published version of ``article`` in ``language`` (itself if it is in it)."""
    if article.language == language:
        return article
    root_id = article.translation_of_id or article.pk
    return (
        Article.objects.published()
        .filter(language=language)
        .filter(Q(pk=root_id) | Q(translation_of_id=root_id))
        .exclude(pk=article.pk)
        .first()
    )


def article_related(*, article: Article, limit: int = 5) -> list[Article]:
    """Published articles in the same language that share a product, same category first."""
    product_ids = [p.pk for p in article.products.all()]
    return list(
        Article.objects.published()
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


def categories_per_product(*, language: str) -> list[tuple[Product, list[tuple[str, str, int]]]]:
    """Each active product with the categories it has published articles in, and how many."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Article.products.through.objects.filter(
            article__state="published", article__language=language
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


def article_search(
    *,
    query: str,
    language: str | None = None,
    product: str | None = None,
    version: str | None = None,
    limit: int = SEARCH_LIMIT,
    prefer_products: Collection[int] | None = None,
) -> list[SearchHit]:
    """Search published articles, best first, filtered by language, product and version.

    PostgreSQL: full text (``websearch_to_tsquery`` in each article's configuration) ranked by
    the weighted vector, with trigram similarity on title and tags when nothing matches.
    SQLite: FTS5 with bm25, each word matched as a prefix after a light suffix strip.
    ``prefer_products`` (product ids, e.g. the reader's registered ones) puts the articles about
    one of them first, each group still in rank order.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    articles = published_articles(language=language, product=product)
    if connection.vendor == "postgresql":
        hits = _postgres_search(articles, query, language) or _postgres_trigram(articles, query)
    else:
        hits = _sqlite_search(articles, query)
    if version:
        hits = [hit for hit in hits if applies_to_version(hit.article, version)]
    if prefer_products and hits:
        hits = _preferred_first(hits, prefer_products)
    return hits[:limit]


def _preferred_first(hits: list[SearchHit], product_ids: Collection[int]) -> list[SearchHit]:
    preferred = set(
        Article.products.through.objects.filter(
            article_id__in=[hit.article.pk for hit in hits], product_id__in=list(product_ids)
        ).values_list("article_id", flat=True)
    )
    # sorted() is stable: within each group the rank order stays as it was.
    return sorted(hits, key=lambda hit: hit.article.pk not in preferred)


def _config() -> Case:
    return Case(
        When(language=ArticleLanguage.GERMAN, then=Value("german")), default=Value("english")
    )


def _postgres_search(articles: QuerySet, query: str, language: str | None) -> list[SearchHit]:
    # With one language the configuration is a constant, so the query is one constant tsquery
    # and the GIN index on search_vector is used; a per-row CASE would parse it for every row.
    config = {"de": "german", "en": "english"}.get(language or "")
    search = SearchQuery(query, search_type="websearch", config=config or _config())
    rows = (
        articles.alias(
            vector=RawSQL(
                '"knowledge_article"."search_vector"', [], output_field=SearchVectorField()
            )
        )
        .filter(vector=search)
        .annotate(
            rank=SearchRank(F("vector"), search),
            headline=SearchHeadline(
                "body",
                search,
                config=_config(),
                start_sel=HIGHLIGHT_START,
                stop_sel=HIGHLIGHT_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-rank", "title")[:_CANDIDATES]
    )
    return [_hit(article, article.headline, article.rank) for article in rows]


def _postgres_trigram(articles: QuerySet, query: str) -> list[SearchHit]:
    text = query.lower()
    rows = (
        articles.annotate(
            similarity=Greatest(
                TrigramSimilarity(Lower("title"), text),
                TrigramWordSimilarity(text, Lower("tags")),
            )
        )
        .filter(similarity__gte=TRIGRAM_THRESHOLD)
        .order_by("-similarity", "title")[:_CANDIDATES]
    )
    return [_hit(article, "", article.similarity) for article in rows]


def _hit(article: Article, headline: str, rank: float) -> SearchHit:
    # A title-only match has no highlight in the body: the summary says more than its start.
    if not headline or HIGHLIGHT_START not in headline:
        headline = article.summary or headline
    return SearchHit(article=article, snippet=snippet_render(headline), rank=float(rank))


_WORD = re.compile(r"\w+", re.UNICODE)
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


def _sqlite_search(articles: QuerySet, query: str) -> list[SearchHit]:
    for loose in (False, True):
        expression = fts5_query(query, loose=loose)
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
