"""Input and output serializers of the entitlements REST API (``entitlements.apis``).

Input serializers validate what a client sends; output serializers describe, field by field,
what the API answers. Both feed the OpenAPI schema, so the contract is written down once.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from entitlements.models import Category, Channel, Product, version_validator

ENTITLEMENT_STATUSES = ["active", "expired", "used", "revoked", "upcoming"]


class OffsetDateTimeField(serializers.DateTimeField):
    """A datetime in ISO 8601 that always carries its UTC offset (``+01:00``, never ``Z``).

    The value keeps the time zone the service gave it (a due time is in its team's zone).
    """

    def to_representation(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.isoformat()


# --- Products -----------------------------------------------------------------------------------


class ReleaseSerializer(serializers.Serializer):
    version = serializers.CharField()
    released_on = serializers.DateField()
    supported_until = serializers.DateField(
        allow_null=True,
        help_text="The last day support is given (refused from the next day on, by the team "
        "calendar); null while no newer major exists.",
    )
    supported = serializers.BooleanField()


class ProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    releases = ReleaseSerializer(many=True, help_text="Released versions, newest first.")


# --- A customer's entitlements ------------------------------------------------------------------


class EntitlementSerializer(serializers.Serializer):
    """One entitlement with its state at the time of the request (an ``EntitlementState``)."""

    id = serializers.IntegerField(source="entitlement.pk")
    kind = serializers.CharField(source="entitlement.kind", help_text="Kind code, e.g. premium.")
    kind_name = serializers.CharField(source="entitlement.get_kind_display")
    product = serializers.CharField(source="entitlement.product.code")
    product_name = serializers.CharField(source="entitlement.product.name")
    starts_at = serializers.DateTimeField(source="entitlement.starts_at")
    ends_at = serializers.DateTimeField(
        source="entitlement.ends_at", allow_null=True, help_text="Null: no end date."
    )
    uses_total = serializers.IntegerField(
        source="entitlement.uses_total", allow_null=True, help_text="Null: unlimited use."
    )
    uses_left = serializers.IntegerField(source="entitlement.uses_left", allow_null=True)
    status = serializers.ChoiceField(choices=ENTITLEMENT_STATUSES)
    active = serializers.BooleanField()
    days_left = serializers.IntegerField(
        allow_null=True, help_text="Whole days left in the term; null unless active with an end."
    )


# --- The entitlement check ----------------------------------------------------------------------


class CheckRequestSerializer(serializers.Serializer):
    product = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Product.objects.all(),
        help_text="Product code, e.g. professional.",
        error_messages={"does_not_exist": _("There is no product with the code {value}.")},
    )
    version = serializers.CharField(
        max_length=20, validators=[version_validator], help_text="e.g. 21.2 or 21.2.1"
    )
    category = serializers.ChoiceField(choices=Category.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ONLINE)


class CheckResultSerializer(serializers.Serializer):
    """A ``services.Decision``: whether the request may be opened, and why (not)."""

    allowed = serializers.BooleanField()
    entitlement = serializers.CharField(
        source="kind",
        allow_null=True,
        help_text="Kind code of the entitlement the request would use; null when refused.",
    )
    first_response_due = OffsetDateTimeField(
        allow_null=True,
        help_text="First-response target in the support team's time zone, with its UTC offset.",
    )
    reason = serializers.CharField(
        allow_blank=True, help_text="Why it is refused, in the user's language; empty if allowed."
    )
    reason_code = serializers.CharField(
        allow_blank=True, help_text="e.g. no-entitlement, version-unsupported; empty if allowed."
    )
    purchase_options = serializers.ListField(
        child=serializers.CharField(), help_text="Codes of offerings that would allow it."
    )
    supported_until = serializers.DateField(
        allow_null=True,
        help_text="The last day the version is supported (refused from the next day on, by "
        "the customer's team calendar); null: no end known.",
    )


# --- Claiming an order --------------------------------------------------------------------------


class OrderClaimRequestSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)
    email = serializers.EmailField(help_text="The e-mail address the order was placed with.")


class OrderLineSerializer(serializers.Serializer):
    offering = serializers.CharField(source="offering.code")
    product = serializers.CharField(source="product.code")
    quantity = serializers.IntegerField()


class OrderLicenceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The licence key to register under My support.")
    product = serializers.CharField(source="product.code")
    version = serializers.CharField(allow_blank=True, help_text="Version sold; empty if none.")


class OrderSerializer(serializers.Serializer):
    reference = serializers.CharField()
    purchased_at = serializers.DateTimeField()
    items = OrderLineSerializer(many=True)
    licences = OrderLicenceSerializer(
        many=True, help_text="Licence keys the order issued; empty for support only."
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
