"""The contract of the shop's order notification, validated with DRF serializers."""

from __future__ import annotations

from rest_framework import serializers

from entitlements.models import Offering, Order, Product


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


class OrderNotificationSerializer(serializers.Serializer):
    reference = serializers.RegexField(r"^[A-Za-z0-9][A-Za-z0-9-]{2,39}$")
    email = serializers.EmailField()
    currency = serializers.ChoiceField(choices=Order.Currency.values)
    purchased_at = serializers.DateTimeField()
    items = OrderItemSerializer(many=True, allow_empty=False)
