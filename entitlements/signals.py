"""Link shop orders to a customer as soon as the purchase e-mail address is verified."""

from __future__ import annotations

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from entitlements import services


@receiver(email_confirmed)
def link_orders_of_verified_email(sender, request, email_address, **kwargs) -> None:
    services.orders_link_for_email(customer=email_address.user, email=email_address.email)
