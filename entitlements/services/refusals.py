"""Why a request may not be opened: the code of each refusal and its text for the customer."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.lifecycle import VersionStatus
from entitlements.models import Category, Channel, Entitlement, Product, SupportKind

PARTNER_CATEGORIES = {Category.PRE_SALES, Category.POST_SALES}


def _date(value: datetime | date) -> str:
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return formats.date_format(day, "DATE_FORMAT")


def _kind_label(kind: str) -> str:
    return str(SupportKind(kind).label)


def _category_label(category: str) -> str:
    try:
        return str(Category(category).label)
    except ValueError:
        return category


def lifecycle_refusal(
    status: VersionStatus, *, product: Product, version: str, category: str
) -> tuple[ErrorCode, str] | None:
    """Refuse a version that does not exist or is no longer supported, and a partner question.

    None: these rules allow the request; the customer's entitlements decide.
    """
    if not status.known:
        return ErrorCode.UNKNOWN_VERSION, _(
            "%(product)s has no version %(version)s. The newest is %(latest)s."
        ) % {
            "product": product.name,
            "version": version,
            "latest": status.latest_version or "—",
        }
    if not status.supported:
        return ErrorCode.VERSION_UNSUPPORTED, _(
            "Version %(version)s of %(product)s was supported until %(date)s. "
            "Please upgrade to version %(latest)s; registered users of an older major version "
            "find their upgrade price on the My support page."
        ) % {
            "version": version,
            "product": product.name,
            "date": _date(status.supported_until),
            "latest": status.latest_version,
        }
    if category in PARTNER_CATEGORIES:
        return ErrorCode.PARTNER_ONLY, _(
            "Pre-sales and post-sales help is a service for Certified and Premium "
            "ValueCREATE! partners."
        )
    return None


def _not_covered(
    active: list[Entitlement], *, names: dict, category: str, channel: str
) -> tuple[ErrorCode, str] | None:
    """Refuse a request that an active entitlement serves, but for another question or channel."""
    wrong_category = [e for e in active if e.offering.serves(channel) and e.offering.categories]
    if wrong_category:
        kind = wrong_category[0].kind
        if kind == SupportKind.PER_INCIDENT and category == Category.RESTORE:
            return ErrorCode.RESTORE_NOT_COVERED, _(
                "Per Incident Support does not cover restore questions; Restore Support does."
            )
        return ErrorCode.CATEGORY_NOT_COVERED, _(
            "Your %(kind)s for %(product)s does not cover requests about %(category)s."
        ) % {**names, "kind": _kind_label(kind)}
    wrong_channel = [e for e in active if e.offering.covers(category)]
    if wrong_channel:
        kind = _kind_label(wrong_channel[0].kind)
        if channel == Channel.PHONE:
            return ErrorCode.CHANNEL_NOT_COVERED, _(
                "Your %(kind)s is answered online; call-back by phone is not part of it."
            ) % {"kind": kind}
        return ErrorCode.CHANNEL_NOT_COVERED, _(
            "Your %(kind)s is served by phone; online requests are not part of it."
        ) % {"kind": kind}
    return None


def _not_now(
    relevant: list[Entitlement], *, names: dict, at: datetime
) -> tuple[ErrorCode, str] | None:
    """Refuse a request a fitting entitlement would serve, but not now: used, expired, not yet."""
    used = [e for e in relevant if e.uses_left == 0 and (e.ends_at is None or e.ends_at > at)]
    if used:
        return ErrorCode.CREDIT_USED, _("Your %(kind)s for %(product)s has already been used.") % {
            **names,
            "kind": _kind_label(used[0].kind),
        }
    expired = [e for e in relevant if e.ends_at is not None and e.ends_at <= at]
    if expired:
        last = max(expired, key=lambda e: e.ends_at)
        return ErrorCode.EXPIRED, _("Your %(kind)s for %(product)s expired on %(date)s.") % {
            **names,
            "kind": _kind_label(last.kind),
            "date": _date(last.ends_at),
        }
    not_yet = [e for e in relevant if e.starts_at > at]
    if not_yet:
        first = min(not_yet, key=lambda e: e.starts_at)
        return ErrorCode.NOT_YET_VALID, _("Your %(kind)s for %(product)s starts on %(date)s.") % {
            **names,
            "kind": _kind_label(first.kind),
            "date": _date(first.starts_at),
        }
    return None


def no_usable_refusal(
    *,
    held: list[Entitlement],
    active: list[Entitlement],
    product: Product,
    category: str,
    channel: str,
    at: datetime,
) -> tuple[ErrorCode, str]:
    """Explain why none of the customer's entitlements allows the request."""
    names = {"product": product.name, "category": _category_label(category)}
    refusal = _not_covered(active, names=names, category=category, channel=channel)
    if refusal is not None:
        return refusal
    relevant = [e for e in held if e.offering.covers(category) and e.offering.serves(channel)]
    refusal = _not_now(relevant, names=names, at=at)
    if refusal is not None:
        return refusal
    return ErrorCode.NO_ENTITLEMENT, _(
        "You hold no support for %(product)s that covers requests about %(category)s. "
        "The knowledge base and documentation are open to everyone."
    ) % names
