"""Changes to the knowledge base: state transitions, feedback, views and missed searches."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.models import Product
from knowledge.models import Article, ArticleFeedback, ArticleState, SearchMiss
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User

PUBLISH_PERMISSION = "knowledge.publish_article"

# Which state each transition may start from.
_TRANSITIONS = {
    ArticleState.IN_REVIEW: {ArticleState.DRAFT},
    ArticleState.PUBLISHED: {ArticleState.DRAFT, ArticleState.IN_REVIEW, ArticleState.ARCHIVED},
    ArticleState.ARCHIVED: {ArticleState.PUBLISHED, ArticleState.DRAFT, ArticleState.IN_REVIEW},
    ArticleState.DRAFT: {ArticleState.IN_REVIEW, ArticleState.ARCHIVED},
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.UNICODE)
# Customer numbers, phone numbers, order references: any run of three or more digits.
_DIGITS = re.compile(r"\d{3,}")


def _transition(*, article: Article, to: str) -> None:
    if article.state not in _TRANSITIONS[to]:
        raise ApplicationError(
            _("An article in the state “%(state)s” cannot change to “%(target)s”.")
            % {"state": article.get_state_display(), "target": ArticleState(to).label},
            code="invalid-transition",
        )


@transaction.atomic
def article_submit_for_review(*, article: Article, by: User) -> Article:
    """Hand a draft to the support leads for review."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    _transition(article=article, to=ArticleState.IN_REVIEW)
    article.state = ArticleState.IN_REVIEW
    if article.author_id is None:
        article.author = by
    article.save(update_fields=["state", "author", "updated_at"])
    return article


@transaction.atomic
def article_publish(*, article: Article, by: User) -> Article:
    """Publish an article; only someone with the publish permission (support leads) may."""
    if not by.has_perm(PUBLISH_PERMISSION):
        raise ApplicationError(_("Only a support lead can publish articles."), code="not-allowed")
    article = Article.objects.select_for_update().get(pk=article.pk)
    _transition(article=article, to=ArticleState.PUBLISHED)
    article.state = ArticleState.PUBLISHED
    article.published_by = by
    article.published_at = timezone.now()
    article.save(update_fields=["state", "published_by", "published_at", "updated_at"])
    return article


@transaction.atomic
def article_archive(*, article: Article, by: User) -> Article:
    """Take an article off the help centre; archiving a published one needs the publisher."""
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.state == ArticleState.PUBLISHED and not by.has_perm(PUBLISH_PERMISSION):
        raise ApplicationError(
            _("Only a support lead can archive a published article."), code="not-allowed"
        )
    _transition(article=article, to=ArticleState.ARCHIVED)
    article.state = ArticleState.ARCHIVED
    article.save(update_fields=["state", "updated_at"])
    return article


def article_view_count(*, article: Article) -> None:
    """Count one reading; an UPDATE so concurrent readers never lose a count."""
    Article.objects.filter(pk=article.pk).update(views=F("views") + 1)


def feedback_record(*, article: Article, visitor: str, helpful: bool, comment: str = "") -> bool:
    """Record a visitor's answer once; return False when this visitor had answered already."""
    try:
        with transaction.atomic():
            ArticleFeedback.objects.create(
                article=article, visitor=visitor, helpful=helpful, comment=comment.strip()[:2000]
            )
    except IntegrityError:
        return False
    return True


def query_mask(query: str) -> str:
    """Remove personal data from a search text: e-mail addresses and runs of digits."""
    masked = _EMAIL.sub("[e-mail]", query)
    masked = _DIGITS.sub("#", masked)
    return " ".join(masked.split())[:200]


def search_miss_record(*, query: str, language: str, product: Product | None = None) -> None:
    """Count a search that found nothing, under its masked text, for today."""
    text = query_mask(query)
    if not text:
        return
    day = timezone.localdate()
    with transaction.atomic():
        miss, _created = SearchMiss.objects.get_or_create(
            query=text, language=language, product=product, day=day
        )
        SearchMiss.objects.filter(pk=miss.pk).update(count=F("count") + 1)
