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
Both return the rows to show: the version range is checked in the statement (the same rule as
``selectors.applies_to_version``), so the limit is the number shown and ``ts_headline``, which
PostgreSQL evaluates after the sort and the limit, runs for those rows only.
"""

# ruff: noqa: S608 - the statements are built from this module's constants; values are bound
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from entitlements.models import Product
from knowledge.models import Article, ArticleLanguage
from knowledge.rendering import HIGHLIGHT_START, HIGHLIGHT_STOP

CONFIGS = {ArticleLanguage.ENGLISH: "english", ArticleLanguage.GERMAN: "german"}
# With a version, this many candidates per row wanted are ranked before the range is checked.
CANDIDATES_PER_HIT = 5
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
# A version's first three numbers, each ending at a dot or at the end ("21.x": 21, then open):
# the rule of selectors._version_key.
UNBOUNDED = 10**6
_NUMBER = r"(\d+)(?=\.|$)"
VERSION_PATTERN = rf"^\.*{_NUMBER}(?:\.+{_NUMBER}(?:\.+{_NUMBER})?)?"


def _version_row(column: str, fill: int) -> str:
    """SQL for the (major, minor, patch) row of a version column, missing parts ``fill``."""
    match = f"regexp_match(btrim({column}), '{VERSION_PATTERN}')"
    parts = ", ".join(f"coalesce(({match})[{n}]::numeric, {fill})" for n in (1, 2, 3))
    return f"ROW({parts})"


@dataclass
class Candidate:
    """A match before its snippet: ranking needs no headline, so it waits until the version
    filter and the limit have chosen the few that are shown."""

    article: Article
    rank: float
    headline: str  # the body's matching passage; empty for a typo match (the summary shows)


@dataclass(frozen=True)
class Scope:
    """Which articles a search may return and which come first."""

    language: str | None = None
    product: str | None = None  # a product code
    beta_products: Collection[int] = ()
    prefer_products: Collection[int] = ()
    version: tuple[int, int, int] | None = None  # the article's range must hold it

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

    def in_range(self, alias: str) -> tuple[str, list]:
        """The condition that the range of ``alias``'s article holds ``version`` ("TRUE" without
        a version). Parsing the ranges costs: it is applied to the best candidates only."""
        if self.version is None:
            return "TRUE", []
        lowest = _version_row(f"{alias}.min_version", 0)
        highest = _version_row(f"{alias}.max_version", UNBOUNDED)
        return (
            f"{lowest} <= ROW(%s, %s, %s) AND ROW(%s, %s, %s) <= {highest}",
            [*self.version, *self.version],
        )

    def candidates(self, take: int) -> int:
        """How many rows to rank before the version range narrows them to ``take``."""
        return take * CANDIDATES_PER_HIT if self.version is not None else take

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
    matches, ranks, headlines = [], [], []
    for code in languages:
        config = f"'{CONFIGS[code]}'::regconfig"
        tsquery = f"websearch_to_tsquery({config}, %s)"
        matches.append(f"(a.language = '{code}' AND a.search_vector @@ {tsquery})")
        ranks.append(f"WHEN '{code}' THEN ts_rank(a.search_vector, {tsquery})")
        headlines.append(f"WHEN '{code}' THEN ts_headline({config}, a.body, {tsquery}, %s)")
    in_range, range_params = scope.in_range("a")
    # The best candidates by rank, then those whose range holds the version, with headlines:
    # PostgreSQL writes them after the outer sort and limit, for the rows returned only.
    sql = (
        f"SELECT a.*, CASE a.language {' '.join(headlines)} END AS headline FROM ("
        f"SELECT {_columns()}, a.body, CASE a.language {' '.join(ranks)} END AS rank,"
        f" {preferred} AS preferred FROM {_ARTICLES} a"
        f" WHERE {where} AND ({' OR '.join(matches)})"
        " ORDER BY preferred DESC, rank DESC, a.title LIMIT %s"
        f") a WHERE {in_range} ORDER BY a.preferred DESC, a.rank DESC, a.title LIMIT %s"
    )
    rows = _read(
        sql,
        [
            *[value for _ in languages for value in (query, HEADLINE_OPTIONS)],
            *[query for _ in languages],
            *preferred_params,
            *params,
            *[query for _ in languages],
            scope.candidates(take),
            *range_params,
            take,
        ],
    )
    return [Candidate(article, float(article.rank), article.headline or "") for article in rows]


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
    in_range, range_params = scope.in_range("a")
    for distance in ("lower(a.title) <-> %s", "lower(a.tags) <->> %s"):
        sql = (
            f"SELECT a.* FROM (SELECT {_columns()}, {distance} AS distance,"
            f" {preferred} AS preferred FROM {_ARTICLES} a WHERE {where}"
            f" ORDER BY distance LIMIT %s) a WHERE {in_range} ORDER BY a.distance LIMIT %s"
        )
        read = [text, *preferred_params, *params, scope.candidates(take), *range_params, take]
        for article in _read(sql, read):
            similarity = 1.0 - float(article.distance)
            if similarity >= TRIGRAM_THRESHOLD and similarity > found.get(article.pk, (0.0,))[0]:
                found[article.pk] = (similarity, article)
    ranked = sorted(found.values(), key=lambda pair: (-pair[1].preferred, -pair[0], pair[1].title))
    return [Candidate(article, similarity, "") for similarity, article in ranked[:take]]
