"""Articles suggested while a customer writes a new request, and how often they answer it.

The new-request form carries a random ``compose`` key. Every article the form suggests is a
``Suggestion`` row of that key; opening it (``/help/<slug>/?from=<key>``) and sending the request
are stamped on the same rows, which is what the help-centre report (``knowledge.reports``) counts.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.core import is_ratelimited

from entitlements.models import Product
from knowledge import selectors
from knowledge.models import Article, Suggestion

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

SUGGESTION_LIMIT = 5
# What of the description counts: its start says what the request is about.
DESCRIPTION_CHARS = 300
# Texts of at most this many words are also looked up as typos of titles and error codes.
TYPO_WORDS = 4
# article_search reads at most this much of a query.
QUERY_CHARS = 200
# A suggestion opened this long ago without a request since counts as a deflection; a draft
# still being written does not.
DEFLECTION_AFTER = timedelta(hours=1)

_COMPOSE_KEY = re.compile(r"[A-Za-z0-9_-]{16,32}")
_WORD = re.compile(r"\w+", re.UNICODE)


# --- Keys -------------------------------------------------------------------------------------


def compose_key_new() -> str:
    """Return a fresh key for one request draft."""
    return secrets.token_urlsafe(16)


def compose_key_valid(key: object) -> bool:
    return isinstance(key, str) and _COMPOSE_KEY.fullmatch(key) is not None


# --- Selectors --------------------------------------------------------------------------------


READER_CACHE_SECONDS = 30 * 60


def reader_products(*, user: User | AnonymousUser, compose: str) -> tuple[list[int], list[int]]:
    """``user``'s registered products and the products of their beta groups, as ids.

    They do not change while one request is written, so they are read once per draft
    (``compose``) and kept in the cache for the suggestions that follow each pause in typing.
    """
    if not getattr(user, "is_authenticated", False):
        return [], []
    key = f"knowledge:reader:{user.pk}:{compose}" if compose_key_valid(compose) else None
    cached = cache.get(key) if key else None
    if cached is not None:
        return cached
    products = (registered_product_ids(user=user), selectors.beta_product_ids(user=user))
    if key:
        cache.set(key, products, READER_CACHE_SECONDS)
    return products


def registered_product_ids(*, user: User | AnonymousUser | None) -> list[int]:
    """The ids of the products ``user`` registered (none for a visitor who is not signed in)."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(set(user.registrations.values_list("product_id", flat=True)))


def suggestion_query(text: str, *, language: str = "") -> str:
    """Turn typed text into a search where any of its words may match (best matches first).

    Each distinct word once, joined with "or": PostgreSQL's ``websearch_to_tsquery`` would
    otherwise require every word, and SQLite's search tries all words first, then any of them.
    Punctuation is dropped, so nothing in the text acts as a search operator. With a
    ``language``, words nearly every article of it has ("backup") are left out: they would not
    change which articles come first, only make the database rank all of them.
    """
    words: list[str] = []
    seen: set[str] = set()
    length = 0
    for word in _WORD.findall(text.lower()):
        if len(word) < 2 or word == "or" or word in seen:
            continue
        added = len(word) + (4 if words else 0)
        if length + added > QUERY_CHARS:
            break
        seen.add(word)
        words.append(word)
        length += added
    if language:
        words = selectors.informative_words(words, language=language)
    return " or ".join(words)


def article_suggestions(
    *,
    text: str,
    language: str,
    product: str | None = None,
    version: str = "",
    prefer_products: Iterable[int] = (),
    beta_products: Iterable[int] = (),
    limit: int = SUGGESTION_LIMIT,
) -> list[selectors.SearchHit]:
    """The best published articles for ``text``, in ``language`` or else in any language.

    Words first (the reader's language, then any); when no word matches anywhere and the text
    is short, as a mistyped error code or title is, the nearest titles and tags in either
    language. A longer text that matches no word is no typo of a title.
    """
    query = suggestion_query(text, language=language)
    if not query:
        return []
    options: selectors.SearchOptions = {
        "product": product or None,
        "version": version,
        "limit": limit,
        "prefer_products": list(prefer_products),
        "beta_products": list(beta_products),
    }
    hits = selectors.article_search(
        query=query, language=language, passes=("words",), **options
    ) or selectors.article_search(query=suggestion_query(text), passes=("words",), **options)
    if hits:
        return hits
    words = suggestion_query(text).split(" or ")
    if len(words) > TYPO_WORDS:
        return []
    return selectors.article_search(query=" ".join(words), passes=("typos",), **options)


# --- Services ---------------------------------------------------------------------------------


def suggestions_record(*, compose: str, articles: Iterable[Article], product: str = "") -> None:
    """Record that ``articles`` were suggested to the draft ``compose`` (each once per draft).

    One INSERT that skips the articles this draft was shown already: the same as
    ``get_or_create`` on (compose, article) for each, without a round trip apiece.
    """
    articles = list(articles)
    if not compose_key_valid(compose) or not articles:
        return
    if connection.vendor == "postgresql":
        # One statement, the product found by its code inside it: this runs on every pause
        # in the customer's typing.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Suggestion._meta.db_table} (compose, article_id, product_id,"  # noqa: S608 - table names, values bound
                f" shown_at) SELECT %s, shown.id, (SELECT id FROM {Product._meta.db_table}"
                " WHERE code = %s), %s FROM unnest(%s::bigint[]) AS shown(id)"
                " ON CONFLICT DO NOTHING",
                [compose, product, timezone.now(), [article.pk for article in articles]],
            )
        return
    product_id = (
        Product.objects.filter(code=product).values_list("pk", flat=True).first()
        if product
        else None
    )
    Suggestion.objects.bulk_create(
        [
            Suggestion(compose=compose, article=article, product_id=product_id)
            for article in articles
        ],
        ignore_conflicts=True,
    )


def suggestion_open(*, compose: str, article: Article) -> bool:
    """Stamp the first opening of ``article`` suggested to ``compose``; False if none to stamp."""
    if not compose_key_valid(compose):
        return False
    return bool(
        Suggestion.objects.filter(compose=compose, article=article, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    )


def suggestions_submit(*, compose: str) -> int:
    """Stamp every suggestion of ``compose``: the customer sent the request. Return how many."""
    if not compose_key_valid(compose):
        return 0
    return Suggestion.objects.filter(compose=compose, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )


# --- The endpoint the new-request page asks ---------------------------------------------------


class SuggestForm(forms.Form):
    q = forms.CharField(required=False)
    product = forms.CharField(required=False, max_length=40)
    version = forms.CharField(required=False, max_length=20)
    compose = forms.CharField(required=False)

    def clean_q(self) -> str:
        # More than the subject and the start of the description is never read.
        return self.cleaned_data["q"][: QUERY_CHARS + DESCRIPTION_CHARS + 100]

    def clean_compose(self) -> str:
        compose = self.cleaned_data["compose"]
        return compose if compose_key_valid(compose) else ""


def _suggest_rate(group: str, request: HttpRequest) -> str:
    return settings.KNOWLEDGE_RATE_SUGGEST


def _article_url(slug: str, compose: str) -> str:
    url = reverse("knowledge:article", args=[slug])
    return f"{url}?{urlencode({'from': compose})}" if compose else url


@never_cache
@require_GET
@transaction.non_atomic_requests  # one INSERT at most: a transaction around it buys nothing
def article_suggest(request: HttpRequest) -> JsonResponse:
    """``GET /help/suggest/?q=&product=&version=&compose=``: up to five articles, as JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Sign in to see suggested articles.")}, status=403)
    if is_ratelimited(
        request, group="knowledge.suggest", key="user", rate=_suggest_rate, increment=True
    ):
        return JsonResponse(
            {"error": _("Too many requests in a short time. Please wait a while and try again.")},
            status=429,
        )
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": _("The search could not be read.")}, status=400)
    data = form.cleaned_data
    # Imported here: the help-centre views import this module.
    from knowledge.views import reader_language

    compose = data["compose"]
    registered, betas = reader_products(user=request.user, compose=compose)
    hits = article_suggestions(
        text=data["q"],
        language=reader_language(),
        product=data["product"],
        version=data["version"],
        prefer_products=registered,
        beta_products=betas,
    )
    suggestions_record(
        compose=compose, articles=[hit.article for hit in hits], product=data["product"]
    )
    return JsonResponse(
        {
            "results": [
                {
                    "slug": hit.article.slug,
                    "title": hit.article.title,
                    "summary": hit.article.summary,
                    "snippet": hit.snippet,
                    "url": _article_url(hit.article.slug, compose),
                    "language": hit.article.language,
                }
                for hit in hits
            ]
        }
    )
