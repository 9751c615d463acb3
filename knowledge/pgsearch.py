"""The help centre's search statements on PostgreSQL, written out as SQL.

The search runs while a customer types (``/help/suggest/``), so each of its statements is one
parameterised string: building the same statement through the ORM cost more than the database
took to answer it. What an article must be to be found is the rule of
``Article.objects.readable``: published; beta-only ones only for ``beta_products``.

- ``words``: full text, ``websearch_to_tsquery`` in each language's configuration (a constant
  query per language, so the GIN index on ``search_vector`` is read), ranked by ``ts_rank`` of
  the weighted vector.
- ``typos``: nearest titles (``<->``) and error-code tags (``<->>``) from the trigram GiST
  indexes, read in order of distance and stopped after the rows wanted.
- ``headlines``: ``ts_headline`` for the few articles shown.
"""

# ruff: noqa: S608 - the statements are built from this module's constants; values are bound
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import connection

from entitlements.models import Product
from knowledge.models import Article, ArticleLanguage
from knowledge.rendering import HIGHLIGHT_START, HIGHLIGHT_STOP

CONFIGS = {ArticleLanguage.ENGLISH: "english", ArticleLanguage.GERMAN: "german"}
# Below this similarity a trigram match is more noise than typo.
TRIGRAM_THRESHOLD = 0.3
# What the results show (pages, suggestions, the API) and the version filter reads.
HIT_COLUMNS = (
    "id",
    "title",
    "slug",
    "summary",
    "category",
    "language",
    "tags",
    "min_version",
    "max_version",
)
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)

_ARTICLES = Article._meta.db_table
_ARTICLE_PRODUCTS = Article.products.through._meta.db_table
_PRODUCTS = Product._meta.db_table
_CONFIG_OF_ROW = "(CASE WHEN a.language = 'de' THEN 'german' ELSE 'english' END)::regconfig"


@dataclass
class Candidate:
    """A match before its snippet: ranking needs no headline, so it waits until the version
    filter and the limit have chosen the few that are shown."""

    article: Article
    rank: float
    query: str | None  # the words searched; None for a typo match, whose snippet is the summary
    language: str | None  # the one language searched, None for both


@dataclass(frozen=True)
class Scope:
    """Which articles a search may return and which come first."""

    language: str | None = None
    product: str | None = None  # a product code
    beta_products: Collection[int] = ()
    prefer_products: Collection[int] = ()

    def where(self) -> tuple[str, list]:
        """The conditions on ``a`` (the article) and their parameters."""
        conditions = ["a.state = 'published'"]
        params: list = []
        if self.beta_products:
            conditions.append(
                f"(NOT a.beta_only OR EXISTS (SELECT 1 FROM {_ARTICLE_PRODUCTS} bp"
                " WHERE bp.article_id = a.id AND bp.product_id = ANY(%s)))"
            )
            params.append(list(self.beta_products))
        else:
            conditions.append("NOT a.beta_only")
        if self.language:
            conditions.append("a.language = %s")
            params.append(self.language)
        if self.product:
            # By the product's id, not a join on its code: with an id the planner counts on the
            # average product's share of the articles and reads the text index first.
            conditions.append(
                f"EXISTS (SELECT 1 FROM {_ARTICLE_PRODUCTS} pp WHERE pp.article_id = a.id"
                f" AND pp.product_id = (SELECT id FROM {_PRODUCTS} WHERE code = %s))"
            )
            params.append(self.product)
        return " AND ".join(conditions), params

    def preferred(self) -> tuple[str, list]:
        """1 for an article about one of ``prefer_products``, else 0."""
        if not self.prefer_products:
            return "0", []
        return (
            f"(EXISTS (SELECT 1 FROM {_ARTICLE_PRODUCTS} rp WHERE rp.article_id = a.id"
            " AND rp.product_id = ANY(%s)))::int",
            [list(self.prefer_products)],
        )


def _columns() -> str:
    return ", ".join(f"a.{column}" for column in HIT_COLUMNS)


def _read(sql: str, params: Sequence) -> list[Article]:
    return list(Article.objects.raw(sql, params))


def words(query: str, scope: Scope, *, take: int) -> list[Candidate]:
    """Articles matching ``query``'s words, preferred products first, then by rank."""
    languages = [scope.language] if scope.language in CONFIGS else list(CONFIGS)
    where, params = scope.where()
    preferred, preferred_params = scope.preferred()
    matches, match_params, ranks, rank_params = [], [], [], []
    for code in languages:
        tsquery = f"websearch_to_tsquery('{CONFIGS[code]}'::regconfig, %s)"
        matches.append(f"(a.language = '{code}' AND a.search_vector @@ {tsquery})")
        match_params.append(query)
        ranks.append(f"WHEN '{code}' THEN ts_rank(a.search_vector, {tsquery})")
        rank_params.append(query)
    sql = (
        f"SELECT {_columns()}, CASE a.language {' '.join(ranks)} END AS rank,"
        f" {preferred} AS preferred FROM {_ARTICLES} a"
        f" WHERE {where} AND ({' OR '.join(matches)})"
        " ORDER BY preferred DESC, rank DESC, a.title LIMIT %s"
    )
    rows = _read(sql, [*rank_params, *preferred_params, *params, *match_params, take])
    language = languages[0] if len(languages) == 1 else None
    return [Candidate(article, float(article.rank), query, language) for article in rows]


def typos(query: str, scope: Scope, *, take: int) -> list[Candidate]:
    """Titles and error-code tags within a typo of ``query``, preferred first, most similar next.

    Two nearest-neighbour reads, of ``lower(title)`` (``<->``: similarity of the whole title)
    and of ``lower(tags)`` (``<->>``: similarity to the best matching part of the tags), each
    stopped after ``take`` rows however many articles share trigrams with the text.
    """
    text = query.lower()
    where, params = scope.where()
    preferred, preferred_params = scope.preferred()
    found: dict[int, tuple[float, Article]] = {}
    for distance in ("lower(a.title) <-> %s", "lower(a.tags) <->> %s"):
        sql = (
            f"SELECT {_columns()}, {distance} AS distance, {preferred} AS preferred"
            f" FROM {_ARTICLES} a WHERE {where} ORDER BY distance LIMIT %s"
        )
        for article in _read(sql, [text, *preferred_params, *params, take]):
            similarity = 1.0 - float(article.distance)
            if similarity >= TRIGRAM_THRESHOLD and similarity > found.get(article.pk, (0.0,))[0]:
                found[article.pk] = (similarity, article)
    ranked = sorted(found.values(), key=lambda pair: (-pair[1].preferred, -pair[0], pair[1].title))
    return [Candidate(article, similarity, None, None) for similarity, article in ranked[:take]]


def headlines(candidates: Sequence[Candidate]) -> dict[int, str]:
    """``ts_headline`` of the body of each full-text candidate, by article id."""
    shown = [c for c in candidates if c.query is not None]
    if not shown:
        return {}
    first = shown[0]
    config = f"'{CONFIGS[first.language]}'::regconfig" if first.language else _CONFIG_OF_ROW
    sql = (
        f"SELECT a.id, ts_headline({config}, a.body, websearch_to_tsquery({config}, %s), %s)"
        f" FROM {_ARTICLES} a WHERE a.id = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [first.query, HEADLINE_OPTIONS, [c.article.pk for c in shown]])
        return dict(cursor.fetchall())
