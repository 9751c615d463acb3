"""How the customer pages show money, dates, question categories and support offerings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from babel.numbers import format_currency
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, ngettext, to_locale
from django.utils.translation import gettext as _

from entitlements.models import Category, Offering
from portal.accounts.models import SupportTeam

if TYPE_CHECKING:
    from portal.accounts.models import User


def currency_for(user: User) -> str:
    """Customers of the Germany team pay in euros, everyone else in US dollars."""
    return "EUR" if user.support_team == SupportTeam.DE else "USD"


def money(amount: Decimal | None, currency: str) -> str:
    """``amount`` as a price in the user's language; empty when there is none."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=to_locale(get_language() or "en"))


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` when it points into this site, else an empty string."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def date_shown(value: datetime) -> str:
    """The day of ``value`` in the current time zone, as the user's language writes dates."""
    return formats.date_format(timezone.localtime(value).date(), "DATE_FORMAT")


def category_label(code: str) -> str:
    """The name of a question category; the code itself when there is no such category."""
    try:
        return str(Category(code).label)
    except ValueError:
        return code


def _term(offering: Offering) -> str:
    days = offering.term_days
    if not days:
        return _("Valid until used")
    if days % 365 == 0:
        years = days // 365
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}


def _uses(offering: Offering) -> str:
    if offering.uses is None:
        return _("Unlimited requests during the term")
    return ngettext("%(count)s request", "%(count)s requests", offering.uses) % {
        "count": offering.uses
    }


def _response_targets(offering: Offering) -> list[str]:
    targets = []
    if offering.online_response_hours is not None:
        n = offering.online_response_hours
        targets.append(
            ngettext(
                "Online: first answer within %(count)s business hour",
                "Online: first answer within %(count)s business hours",
                n,
            )
            % {"count": n}
        )
    elif offering.online_response_days is not None:
        n = offering.online_response_days
        targets.append(
            ngettext(
                "Online: first answer within %(count)s business day",
                "Online: first answer within %(count)s business days",
                n,
            )
            % {"count": n}
        )
    if offering.phone_response_hours is not None:
        n = offering.phone_response_hours
        targets.append(
            ngettext(
                "Phone: call-back within %(count)s business hour",
                "Phone: call-back within %(count)s business hours",
                n,
            )
            % {"count": n}
        )
    elif offering.phone_response_days is not None:
        n = offering.phone_response_days
        targets.append(
            ngettext(
                "Phone: call arranged within %(count)s business day",
                "Phone: call arranged within %(count)s business days",
                n,
            )
            % {"count": n}
        )
    return targets


@dataclass(frozen=True)
class OfferingCard:
    """What the buy page shows of one offering."""

    offering: Offering
    covers: list[str]
    term: str
    uses: str
    response_targets: list[str]
    price: str
    suitable: bool


def offering_card(offering: Offering, *, currency: str, category: str) -> OfferingCard:
    return OfferingCard(
        offering=offering,
        covers=[category_label(code) for code in offering.categories],
        term=_term(offering),
        uses=_uses(offering),
        response_targets=_response_targets(offering),
        price=money(offering.price(currency), currency),
        suitable=not category or offering.covers(category),
    )
