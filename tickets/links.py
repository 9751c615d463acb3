"""Private links to one ticket: 256 random bits, stored only as a hash, expiring and revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from entitlements.models import Category
from tickets.models import AccessLink, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User

LAST_USED_PRECISION = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_issue(*, ticket: Ticket) -> str:
    """Create a fresh link for one e-mail; return the token (it is never stored)."""
    token = secrets.token_urlsafe(32)
    expires = None
    if ticket.closed_at:
        expires = ticket.closed_at + timedelta(days=settings.TICKET_LINK_DAYS_AFTER_CLOSE)
    AccessLink.objects.create(ticket=ticket, token_hash=_hash(token), expires_at=expires)
    return token


def link_url(token: str) -> str:
    return f"{settings.SITE_URL}/t/{token}/"


def link_ticket(*, token: str, record_use: bool = False) -> Ticket | None:
    """The ticket a valid token opens, or None (unknown, revoked or expired alike)."""
    # Imported here: partners sit above tickets (they open requests).
    from partners import selectors as partner_selectors

    if not token or len(token) > 100:
        return None
    now = timezone.now()
    # A post-sales request opens only while its customer is a technical representative of
    # the partner organisation: the right to that help cannot be passed on.
    technical = partner_selectors.technical_memberships().filter(
        user=OuterRef("ticket__customer"), organisation=OuterRef("ticket__partner_organisation")
    )
    link = (
        AccessLink.objects.filter(token_hash=_hash(token), revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .filter(~Q(ticket__category=Category.POST_SALES) | Exists(technical))
        .select_related("ticket", "ticket__customer", "ticket__product", "ticket__team")
        .first()
    )
    if link is None:
        return None
    # Only an action through the link is recorded (to the hour): reading changes nothing.
    if record_use and (link.last_used_at is None or now - link.last_used_at > LAST_USED_PRECISION):
        AccessLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return link.ticket


def links_expire_after_close(*, ticket_ids: list[int], closed_at: datetime) -> None:
    expires = closed_at + timedelta(days=settings.TICKET_LINK_DAYS_AFTER_CLOSE)
    AccessLink.objects.filter(ticket_id__in=ticket_ids, revoked_at__isnull=True).update(
        expires_at=expires
    )


def links_renew_on_reopen(*, ticket: Ticket) -> None:
    AccessLink.objects.filter(ticket=ticket, revoked_at__isnull=True).update(expires_at=None)


def links_revoke(*, reason: str, ticket: Ticket | None = None, customer: User | None = None) -> int:
    """Revoke every live link of one ticket, or of all tickets of a customer."""
    links = AccessLink.objects.filter(revoked_at__isnull=True)
    if ticket is not None:
        links = links.filter(ticket=ticket)
    elif customer is not None:
        links = links.filter(ticket__customer=customer)
    else:
        raise ValueError("Name a ticket or a customer")
    return links.update(revoked_at=timezone.now(), revoke_reason=reason[:200])
