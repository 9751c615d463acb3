"""Orders from the online shop: verifying and recording its notifications, and linking each
order to the customer it belongs to, which grants what it bought."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.models import Licence, Order, OrderItem, licence_key_normalise
from entitlements.services.grants import entitlement_grant
from portal.core.errors import ApplicationError
from portal.core.jsonlimits import JSONTooDeep, json_depth_check

if TYPE_CHECKING:
    from portal.accounts.models import User


class SignatureInvalid(ApplicationError):
    """A notification that is not signed with the shop's secret, or no secret to check it."""


def order_signature(body: bytes) -> str:
    """The value of X-Order-Signature for ``body``, as the shop computes it."""
    secret = settings.ORDER_WEBHOOK_SECRET.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def order_notification_receive(*, body: bytes, signature: str | None) -> tuple[Order, bool]:
    """Verify, parse and record a signed order notification; return (order, created)."""
    from entitlements.schemas import OrderNotificationSerializer

    if not settings.ORDER_WEBHOOK_SECRET:
        raise SignatureInvalid("ORDER_WEBHOOK_SECRET is not configured", code=ErrorCode.NO_SECRET)
    if not signature or not hmac.compare_digest(signature.strip(), order_signature(body)):
        raise SignatureInvalid("bad or missing signature", code=ErrorCode.BAD_SIGNATURE)
    try:
        json_depth_check(body)
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, JSONTooDeep) as exc:
        raise ApplicationError(f"body is not JSON: {exc}", code=ErrorCode.MALFORMED) from None
    serializer = OrderNotificationSerializer(data=payload)
    if not serializer.is_valid():
        raise ApplicationError(
            "invalid order notification",
            code=ErrorCode.MALFORMED,
            extra={"fields": serializer.errors},
        )
    return order_record(data=serializer.validated_data, payload=payload)


@transaction.atomic
def order_record(*, data: dict, payload: dict) -> tuple[Order, bool]:
    """Store an order once per reference and link it to the customer of its verified e-mail."""
    existing = Order.objects.filter(reference=data["reference"]).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            order = Order.objects.create(
                reference=data["reference"],
                email=data["email"].lower(),
                currency=data["currency"],
                purchased_at=data["purchased_at"],
                payload=payload,
            )
            OrderItem.objects.bulk_create(
                OrderItem(
                    order=order,
                    offering=item["offering"],
                    product=item["product"],
                    quantity=item["quantity"],
                )
                for item in data["items"]
            )
            licences = [
                {**licence, "key": licence_key_normalise(licence["key"])}
                for licence in data.get("licences", [])
            ]
            issued = set(
                Licence.objects.filter(key__in=[lic["key"] for lic in licences]).values_list(
                    "key", flat=True
                )
            )
            if issued:
                raise _licences_issued_before(issued)
            Licence.objects.bulk_create(
                Licence(
                    order=order,
                    key=licence["key"],
                    product=licence["product"],
                    version=licence.get("version", ""),
                    purchased_at=order.purchased_at,
                )
                for licence in licences
            )
    except IntegrityError:
        existing = Order.objects.filter(reference=data["reference"]).first()
        if existing is None:
            # Another order issued one of these keys at the same moment.
            raise _licences_issued_before(
                {lic["key"] for lic in data.get("licences", [])}
            ) from None
        return existing, False
    owner = _verified_owner(order.email)
    if owner is not None:
        order = order_link(order=order, customer=owner, by="email")
    return order, True


def _licences_issued_before(keys: set[str]) -> ApplicationError:
    """The answer to a notification whose licence keys another order issued already."""
    return ApplicationError(
        "invalid order notification",
        code=ErrorCode.MALFORMED,
        extra={
            "fields": {
                "licences": [
                    f"licence key {key} was issued by another order" for key in sorted(keys)
                ]
            }
        },
    )


def _verified_owner(email: str) -> User | None:
    from allauth.account.models import EmailAddress

    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


@transaction.atomic
def order_link(*, order: Order, customer: User, by: str) -> Order:
    """Attach an order to a customer and grant what it bought (once per item)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.customer_id is None:
        order.customer = customer
        order.linked_at = timezone.now()
        order.linked_by = by
        order.save(update_fields=["customer", "linked_at", "linked_by"])
    elif order.customer_id != customer.pk:
        raise ApplicationError(
            _("This order belongs to another account."), code=ErrorCode.ORDER_TAKEN
        )
    for item in order.items.select_related("offering", "product").filter(granted_at__isnull=True):
        entitlement_grant(
            customer=order.customer,
            product=item.product,
            offering=item.offering,
            starts_at=order.purchased_at,
            quantity=item.quantity,
            source=order.reference,
            order_item=item,
        )
        OrderItem.objects.filter(pk=item.pk).update(granted_at=timezone.now())
    return order


def order_claim(*, customer: User, reference: str, email: str) -> Order:
    """Link the order with this reference and purchase e-mail to ``customer``.

    A wrong pair, an unknown reference and another customer's order all get the same answer, so
    the form cannot be used to find out which references exist.
    """
    not_found = ApplicationError(
        _("No order matches this reference number and e-mail address."),
        code=ErrorCode.ORDER_NOT_FOUND,
    )
    order = Order.objects.filter(
        reference__iexact=reference.strip(), email__iexact=email.strip()
    ).first()
    if order is None or order.customer_id not in (None, customer.pk):
        raise not_found
    try:
        return order_link(order=order, customer=customer, by="claim")
    except ApplicationError:
        # Another account claimed it a moment ago: answer as for any other mismatch.
        raise not_found from None


def orders_link_for_email(*, customer: User, email: str) -> int:
    """Link every unclaimed order placed under ``email`` (called once the address is verified)."""
    orders = list(Order.objects.filter(email__iexact=email, customer__isnull=True))
    for order in orders:
        order_link(order=order, customer=customer, by="email")
    return len(orders)
