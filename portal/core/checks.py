"""Deployment checks of the project: `manage.py check --deploy` names what would be unsafe.

Production settings already refuse to start without these values; the checks catch a settings
module that inherits production and loosens it, and tell a developer running ``--deploy``
locally what production will demand. Under ``DEPLOYMENT = "production"`` each finding is an
error, elsewhere a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks

from portal.settings.env import NON_DELIVERING_EMAIL_BACKENDS

if TYPE_CHECKING:
    from django.apps import AppConfig


def _finding(message: str, *, hint: str, id: str) -> checks.CheckMessage:
    level = checks.Error if settings.DEPLOYMENT == "production" else checks.Warning
    return level(message, hint=hint, id=id)


@checks.register(checks.Tags.security, deploy=True)
def check_local_checkout(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """The portal's own checkout grants support without a payment."""
    if settings.SHOP_CHECKOUT_URL and not settings.SHOP_LOCAL_CHECKOUT:
        return []
    return [
        _finding(
            "Checkout completes in the portal without payment (SHOP_CHECKOUT_URL is empty or "
            "SHOP_LOCAL_CHECKOUT is on).",
            hint="Set SHOP_CHECKOUT_URL to the shop's checkout and SHOP_LOCAL_CHECKOUT=false.",
            id="novadesk.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_inbound_webhook_secret(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """An inbound mail webhook without basic authentication lets anyone post into tickets."""
    if not settings.INBOUND_EMAIL_PROVIDER:
        return []
    secret = settings.ANYMAIL.get("WEBHOOK_SECRET", "")
    if secret and ":" in secret:
        return []
    return [
        _finding(
            f"The inbound mail webhook of {settings.INBOUND_EMAIL_PROVIDER} is mounted without "
            "ANYMAIL_WEBHOOK_SECRET (user:password).",
            hint="Set ANYMAIL_WEBHOOK_SECRET to the credentials the provider posts with, or "
            "INBOUND_EMAIL_PROVIDER to an empty value to mount no inbound webhook.",
            id="novadesk.E002",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_mail_provider(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Notifications, private links and password resets must reach people."""
    if settings.EMAIL_BACKEND not in NON_DELIVERING_EMAIL_BACKENDS:
        return []
    return [
        _finding(
            f"EMAIL_BACKEND={settings.EMAIL_BACKEND} delivers no mail.",
            hint="Set EMAIL_BACKEND to a mail provider's anymail backend, e.g. "
            "anymail.backends.postmark.EmailBackend, with its ANYMAIL_* credentials.",
            id="novadesk.E003",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_order_webhook_secret(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Unsigned order notifications would let anyone create paid orders."""
    if settings.ORDER_WEBHOOK_SECRET:
        return []
    return [
        _finding(
            "ORDER_WEBHOOK_SECRET is empty: order notifications cannot be verified.",
            hint="Set ORDER_WEBHOOK_SECRET to the secret the shop signs its notifications with.",
            id="novadesk.E004",
        )
    ]
