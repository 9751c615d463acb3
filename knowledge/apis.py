"""REST API of the help centre, mounted under /api/v1/: public article search."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from entitlements.models import Product
from knowledge import selectors, services
from knowledge.serializers import ArticleSearchRequestSerializer, ArticleSearchResultSerializer


def _hit_data(hit: selectors.SearchHit) -> dict:
    article = hit.article
    return {
        "slug": article.slug,
        "title": article.title,
        "summary": article.summary,
        "url": reverse("knowledge:article", args=[article.slug]),
        "language": article.language,
        "category": article.category,
        "products": sorted(p.code for p in article.products.all()),
        "min_version": article.min_version,
        "max_version": article.max_version,
        "tags": article.tag_list,
        "snippet": hit.snippet,
        "rank": hit.rank,
    }


@extend_schema(
    summary="Search the help centre",
    description="Published articles matching `q`, best first, optionally only those for a "
    "product, a version and a language. Public: no sign-in needed. Without `q` the answer "
    "is empty.",
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="Words or an error code."),
        OpenApiParameter("product", OpenApiTypes.STR, description="A product code."),
        OpenApiParameter("version", OpenApiTypes.STR, description='A version, e.g. "21.1".'),
        OpenApiParameter("language", OpenApiTypes.STR, enum=["en", "de"]),
    ],
    responses={
        200: ArticleSearchResultSerializer,
        400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid parameters."),
    },
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def article_search(request: Request) -> Response:
    params = ArticleSearchRequestSerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    data = params.validated_data
    hits = selectors.article_search(
        query=data["q"],
        language=data["language"] or None,
        product=data["product"] or None,
        version=data["version"],
    )
    if data["q"].strip() and not hits:
        services.search_miss_record(
            query=data["q"],
            language=data["language"] or "en",
            product=Product.objects.filter(code=data["product"]).first()
            if data["product"]
            else None,
        )
    # One query for the products of all the hits, not one per hit.
    prefetch_related_objects([hit.article for hit in hits], "products")
    results = [_hit_data(hit) for hit in hits]
    return Response(ArticleSearchResultSerializer({"count": len(results), "results": results}).data)


urlpatterns = [
    path("help/articles/", article_search, name="help-articles"),
]
