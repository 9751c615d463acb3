"""Private links die with the e-mail address they were sent to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.signals import email_changed
from django.dispatch import receiver

from tickets import links

if TYPE_CHECKING:
    from allauth.account.models import EmailAddress
    from django.http import HttpRequest

    from portal.accounts.models import User


@receiver(email_changed)
def revoke_links_of_old_address(
    sender: object,
    request: HttpRequest | None,
    user: User,
    from_email_address: EmailAddress | None,
    to_email_address: EmailAddress,
    **kwargs: Any,
) -> None:
    links.links_revoke(customer=user, reason="customer changed e-mail address")
