from __future__ import annotations

import pytest

from entitlements.services import catalogue_load
from knowledge.models import Article, ArticleState


@pytest.fixture
def releases(db) -> None:
    """Majors 19 and 20 (retired) and 21 (current) of every product."""
    catalogue_load()


@pytest.fixture
def make_article(db):
    def make(**fields) -> Article:
        products = fields.pop("products", ["professional"])
        fields.setdefault("slug", fields["title"].lower().replace(" ", "-")[:60])
        fields.setdefault("category", "troubleshooting")
        fields.setdefault("state", ArticleState.PUBLISHED)
        article = Article.objects.create(**fields)
        from entitlements.models import Product

        article.products.set(Product.objects.filter(code__in=products))
        return article

    return make


@pytest.fixture(autouse=True)
def _feedback_rate(settings) -> None:
    settings.KNOWLEDGE_RATE_FEEDBACK = "5/m"
