"""Private links die with the e-mail address they were sent to."""

from __future__ import annotations

from allauth.account.signals import email_changed
from django.dispatch import receiver

from tickets import links


@receiver(email_changed)
def revoke_links_of_old_address(
    sender, request, user, from_email_address, to_email_address, **kwargs
):
    links.links_revoke(customer=user, reason="customer changed e-mail address")
