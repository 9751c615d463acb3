"""One budget of order claims for the claim page and the API together.

References are short and the purchase e-mail is often known, so claims are counted per account
and per client address, whichever way they arrive; an attacker cannot double the budget by
switching between the page and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

GROUP = "entitlements.order-claim"


def _per_account(group: str, request: HttpRequest) -> str:
    return settings.ORDER_CLAIM_RATE


def _per_address(group: str, request: HttpRequest) -> str:
    return settings.ORDER_CLAIM_RATE_PER_ADDRESS


def order_claim_limited(request: HttpRequest) -> bool:
    """Count this claim; True when the account or the address has used up its budget."""
    limited = False
    for key, rate in (("user", _per_account), ("ip", _per_address)):
        limited |= is_ratelimited(
            request,
            group=f"{GROUP}.{key}",
            key=key,
            rate=rate,
            method=is_ratelimited.ALL,
            increment=True,
        )
    return limited


class OrderClaimThrottle(BaseThrottle):
    """The shared claim budget as a DRF throttle (429 with Retry-After)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return not order_claim_limited(request._request)

    def wait(self) -> float:
        return 3600.0
