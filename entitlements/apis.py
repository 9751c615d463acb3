"""REST API of the entitlements app, mounted under /api/v1/.

Thin views: an input serializer validates, a service or selector does the work, an output
serializer answers. Errors are JSON: ``{"field": ["message"]}`` for input a client can correct,
``{"detail": "message"}`` otherwise.
"""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from entitlements import selectors, services
from entitlements.errors import ErrorCode
from entitlements.serializers import (
    CheckRequestSerializer,
    CheckResultSerializer,
    DetailSerializer,
    EntitlementSerializer,
    OrderClaimRequestSerializer,
    OrderSerializer,
    ProductSerializer,
)
from entitlements.throttles import OrderClaimThrottle
from portal.core.errors import ApplicationError

# Which request field a service's ApplicationError code is about.
CHECK_ERROR_FIELDS: dict[str, str] = {
    ErrorCode.UNKNOWN_PRODUCT: "product",
    ErrorCode.INVALID_CATEGORY: "category",
    ErrorCode.INVALID_CHANNEL: "channel",
}

NOT_SIGNED_IN = OpenApiResponse(DetailSerializer, description="Not signed in.")
VALIDATION_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Invalid input: a list of messages for each field at fault.",
    examples=[
        OpenApiExample("Bad category", value={"category": ['"billing" is not a valid choice.']})
    ],
)


@extend_schema(
    summary="Products and their versions",
    description="Every product with its released versions, newest first, and whether each "
    "version is still supported. Public: no sign-in needed.",
    responses={200: ProductSerializer(many=True)},
    auth=[],
)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def product_list(request: Request) -> Response:
    products = selectors.product_versions()
    return Response(ProductSerializer(products, many=True).data)


@extend_schema(
    summary="The signed-in customer's entitlements",
    description="Every entitlement of the signed-in customer, with its state now.",
    responses={200: EntitlementSerializer(many=True), 403: NOT_SIGNED_IN},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def entitlement_list(request: Request) -> Response:
    now = timezone.now()
    states = [
        selectors.entitlement_state(entitlement, at=now)
        for entitlement in selectors.customer_entitlements(customer=request.user)
    ]
    return Response(EntitlementSerializer(states, many=True).data)


@extend_schema(
    summary="May the signed-in customer open this request?",
    description="Decides without using anything up. A refusal is an answer (200 with "
    "`allowed: false`), with the reason in the user's language and what could be bought.",
    request=CheckRequestSerializer,
    responses={200: CheckResultSerializer, 400: VALIDATION_ERRORS, 403: NOT_SIGNED_IN},
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def entitlement_check(request: Request) -> Response:
    serializer = CheckRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        decision = services.check(customer=request.user, **serializer.validated_data)
    except ApplicationError as exc:
        field = CHECK_ERROR_FIELDS.get(exc.code, "non_field_errors")
        return Response({field: [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
    return Response(CheckResultSerializer(decision).data)


@extend_schema(
    summary="Claim an order for the signed-in customer",
    description="Links the shop order with this reference and purchase e-mail to the account "
    "and grants what it bought. Any mismatch gets the same 404 answer.",
    request=OrderClaimRequestSerializer,
    responses={
        200: OrderSerializer,
        400: VALIDATION_ERRORS,
        403: NOT_SIGNED_IN,
        404: OpenApiResponse(DetailSerializer, description="No such order for this account."),
        429: OpenApiResponse(DetailSerializer, description="Too many claims; try later."),
    },
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@throttle_classes([OrderClaimThrottle])
def order_claim(request: Request) -> Response:
    serializer = OrderClaimRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    try:
        order = services.order_claim(customer=request.user, **serializer.validated_data)
    except ApplicationError as exc:
        # Every refusal reads the same, so the answer never tells which references exist.
        message = (
            exc.message
            if exc.code == ErrorCode.ORDER_NOT_FOUND
            else _("No order matches this reference number and e-mail address.")
        )
        return Response({"detail": message}, status=status.HTTP_404_NOT_FOUND)
    return Response(OrderSerializer(order).data)


urlpatterns = [
    path("products/", product_list, name="product-list"),
    path("entitlements/", entitlement_list, name="entitlement-list"),
    path("entitlements/check", entitlement_check, name="entitlement-check"),
    path("orders/claim", order_claim, name="order-claim"),
]
