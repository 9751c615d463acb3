"""The versioned REST API: every app adds its routes under /api/v1/."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    language = serializers.CharField()
    country = serializers.CharField()
    support_team = serializers.CharField()


@extend_schema(responses=MeSerializer, summary="The signed-in account")
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    user = request.user
    data = {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "country": str(user.country or ""),
        "support_team": user.support_team,
    }
    return Response(MeSerializer(data).data)


urlpatterns = [
    path("me/", me, name="me"),
    path("", include("entitlements.apis")),
    path("", include("tickets.apis")),
    path("", include("telemetry.apis")),
    path("", include("knowledge.apis")),
]
