"""Link shop orders to a customer as soon as the purchase e-mail address is verified."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from entitlements import services

if TYPE_CHECKING:
    from allauth.account.models import EmailAddress
    from django.http import HttpRequest


@receiver(email_confirmed)
def link_orders_of_verified_email(
    sender: object, request: HttpRequest | None, email_address: EmailAddress, **kwargs: Any
) -> None:
    services.orders_link_for_email(customer=email_address.user, email=email_address.email)
