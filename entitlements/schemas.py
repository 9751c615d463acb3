"""The contract of the shop's order notification, validated with DRF serializers."""

from __future__ import annotations

from rest_framework import serializers

from entitlements.models import (
    Offering,
    Order,
    Product,
    licence_key_normalise,
    version_validator,
)


class OrderItemSerializer(serializers.Serializer):
    offering = serializers.SlugRelatedField(
        slug_field="code", queryset=Offering.objects.filter(is_sold=True)
    )
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=100, default=1)

    def validate(self, attrs: dict) -> dict:
        offering, product = attrs["offering"], attrs["product"]
        if not offering.products.filter(pk=product.pk).exists():
            raise serializers.ValidationError(
                f"offering {offering.code!r} is not valid for product {product.code!r}"
            )
        return attrs


class OrderLicenceSerializer(serializers.Serializer):
    """A licence the order sells: its key is what the buyer registers."""

    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    key = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9-]{3,63}$")
    version = serializers.CharField(
        max_length=20, required=False, default="", validators=[version_validator]
    )

    def validate_key(self, value: str) -> str:
        return licence_key_normalise(value)


class OrderNotificationSerializer(serializers.Serializer):
    reference = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
    email = serializers.EmailField()
    currency = serializers.ChoiceField(choices=Order.Currency.values)
    purchased_at = serializers.DateTimeField()
    items = OrderItemSerializer(many=True)
    # Optional: notifications of orders that sell no licence leave it out.
    licences = OrderLicenceSerializer(many=True, required=False, default=list)

    def validate_licences(self, value: list[dict]) -> list[dict]:
        keys = [licence["key"] for licence in value]
        if len(set(keys)) != len(keys):
            raise serializers.ValidationError("a licence key appears more than once")
        return value

    def validate(self, attrs: dict) -> dict:
        if not attrs["items"] and not attrs["licences"]:
            raise serializers.ValidationError(
                {"items": ["an order needs at least one item or licence"]}
            )
        return attrs
