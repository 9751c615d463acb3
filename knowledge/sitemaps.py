"""The sitemap of the help centre: every published article, release and product page."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from entitlements.models import Product, Release
from knowledge import content
from knowledge.models import Article


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Article]:
        return Article.objects.readable().order_by("pk")

    def location(self, item: Article) -> str:
        return reverse("knowledge:article", args=[item.slug])

    def lastmod(self, item: Article) -> datetime:
        return item.updated_at


class ReleaseSitemap(Sitemap):
    """Final releases only: beta releases are for the beta group and never indexed."""

    changefreq = "monthly"
    priority = 0.5

    def items(self) -> QuerySet[Release]:
        return content.published_release_notes()

    def location(self, item: Release) -> str:
        return reverse("knowledge:release", args=[item.product.code, item.version])

    def lastmod(self, item: Release) -> date:
        return item.released_on


class ProductPageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.7

    def items(self) -> QuerySet[Product]:
        return content.active_products().order_by("pk")

    def location(self, item: Product) -> str:
        return reverse("knowledge:product", args=[item.code])


class HelpPageSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> list[str]:
        return ["knowledge:releases", "knowledge:training"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {
    "articles": ArticleSitemap,
    "releases": ReleaseSitemap,
    "products": ProductPageSitemap,
    "help-pages": HelpPageSitemap,
}
