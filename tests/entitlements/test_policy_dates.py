"""Dates of the support policy, counted in the customer's team calendar.

Upgrade Protection bought with a licence covers it from the purchase day on, and a version is
supported through its last supported day and refused from the next day on, both by the calendar
day of the team that serves the customer (America/Los_Angeles or Europe/Berlin), not by UTC.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats

from entitlements import lifecycle, selectors, services
from entitlements.models import Product
from tests.factories import RegistrationFactory, UserFactory, grant, shop_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")

# Major 21 came out on 2025-03-18, so major 20 is supported through 2026-09-18.
LAST_DAY_OF_20 = date(2026, 9, 18)


def day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def row_text(html: str, version: str, section_marker: str = 'id="product-professional"') -> str:
    start = html.index(section_marker)
    html = html[start : html.index("</section>", start)]
    match = re.search(rf'<th scope="row">{re.escape(version)}</th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {version}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


# --- Upgrade Protection bought with the product ----------------------------------------------


@pytest.fixture(params=["us", "de"])
def team_customer(request, us_customer, de_customer):
    """A customer of each team, with the zone of that team's calendar."""
    if request.param == "us":
        return us_customer, LOS_ANGELES
    return de_customer, BERLIN


@pytest.mark.parametrize("clock", ["00:00", "10:00", "23:59"])
def test_upgrade_protection_bought_on_the_purchase_day_covers_the_licence_without_a_gap(
    team_customer, clock
):
    """Rule: Upgrade Protection held from the purchase day on makes every new major free.

    The purchase day and the protection's first day are compared as days of the team calendar;
    23:59 in Los Angeles is already the next day in UTC.
    """
    customer, zone = team_customer
    bought = local(zone, f"2024-06-01T{clock}:00")
    shop_order(
        email=customer.email,
        purchased_at=bought,
        items=[("upgrade-protection", "professional")],
    )
    registration = RegistrationFactory(
        customer=customer, version="20.2", purchased_on=date(2024, 6, 1)
    )

    answer = selectors.upgrade_answer(registration=registration)

    assert answer.price == "free"
    assert "without interruption" in answer.reason


def test_upgrade_protection_bought_the_day_after_the_licence_leaves_a_gap(us_customer):
    """Rule: protection that starts on a later day than the purchase is interrupted."""
    shop_order(
        email=us_customer.email,
        purchased_at=local(LOS_ANGELES, "2024-06-02T00:01:00"),
        items=[("upgrade-protection", "professional")],
    )
    registration = RegistrationFactory(
        customer=us_customer, version="20.2", purchased_on=date(2024, 6, 1)
    )

    assert selectors.upgrade_answer(registration=registration).price == "discounted"


def test_a_renewal_on_the_day_protection_ends_keeps_it_without_interruption(de_customer):
    """Rule: protection renewed on its last day continues without a gap (team calendar days)."""
    registration = RegistrationFactory(
        customer=de_customer, version="19.1", purchased_on=date(2022, 1, 10)
    )
    first = grant(de_customer, "upgrade-protection", starts_at=local(BERLIN, "2022-01-10T09:00:00"))
    # The first term ends at 09:00 on 2023-01-10; the renewal is bought that evening.
    assert first.ends_at.astimezone(BERLIN).date() == date(2023, 1, 10)
    grant(de_customer, "upgrade-protection", starts_at=local(BERLIN, "2023-01-10T20:00:00"))
    grant(de_customer, "upgrade-protection", starts_at=local(BERLIN, "2024-01-10T08:00:00"))
    grant(de_customer, "upgrade-protection", starts_at=local(BERLIN, "2025-01-05T08:00:00"))

    assert selectors.upgrade_answer(registration=registration).price == "free"


def test_my_support_shows_the_free_upgrade_for_protection_bought_with_the_licence(
    client, us_customer
):
    """Rule: My support answers the upgrade price by the team calendar too."""
    shop_order(
        email=us_customer.email,
        purchased_at=local(LOS_ANGELES, "2024-06-01T23:59:00"),
        items=[("upgrade-protection", "professional")],
    )
    RegistrationFactory(customer=us_customer, version="20.2", purchased_on=date(2024, 6, 1))
    client.force_login(us_customer)

    overview = selectors.support_overview(customer=us_customer)

    assert [r.upgrade.price for r in overview.registrations] == ["free"]


# --- The last supported day ------------------------------------------------------------------


def test_the_last_supported_day_is_the_last_day_support_is_given():
    """Rule: a major is supported through the day 18 months after its successor's release."""
    releases = list(Product.objects.get(code="professional").releases.all())

    last_day = lifecycle.last_supported_day(releases=releases, major=20)

    assert last_day == LAST_DAY_OF_20
    assert lifecycle.is_supported(last_day, LAST_DAY_OF_20)
    assert not lifecycle.is_supported(last_day, date(2026, 9, 19))
    assert lifecycle.last_supported_day(releases=releases, major=21) is None


class TestDecisionOnTheBoundary:
    """Rule: requests are accepted through the last supported day, refused from the next day."""

    def test_the_last_day_in_los_angeles_is_accepted_although_utc_is_a_day_ahead(self, us_customer):
        grant(us_customer, "premium", starts_at=local(LOS_ANGELES, "2026-06-01T09:00:00"))

        # 23:30 on 18 September in Los Angeles is 06:30 on 19 September in UTC.
        with time_machine.travel(local(LOS_ANGELES, "2026-09-18T23:30:00"), tick=False):
            decision = services.check(
                customer=us_customer, product="professional", version="20.2", category="technical"
            )

        assert decision.allowed, decision.reason
        assert decision.supported_until == LAST_DAY_OF_20

    def test_the_next_day_is_refused_naming_the_last_supported_day(self, us_customer):
        grant(us_customer, "premium", starts_at=local(LOS_ANGELES, "2026-06-01T09:00:00"))

        with time_machine.travel(local(LOS_ANGELES, "2026-09-19T00:30:00"), tick=False):
            refused = services.check(
                customer=us_customer, product="professional", version="20.2", category="technical"
            )

        assert refused.reason_code == "version-unsupported"
        assert f"was supported until {day(LAST_DAY_OF_20)}" in refused.reason
        assert day(date(2026, 9, 19)) not in refused.reason
        assert refused.supported_until == LAST_DAY_OF_20

    def test_the_next_day_in_berlin_is_refused_although_utc_is_still_on_the_last_day(
        self, de_customer
    ):
        grant(de_customer, "premium", starts_at=local(BERLIN, "2026-06-01T09:00:00"))

        # 00:30 on 19 September in Berlin is 22:30 on 18 September in UTC.
        with time_machine.travel(local(BERLIN, "2026-09-19T00:30:00"), tick=False):
            refused = services.check(
                customer=de_customer, product="professional", version="20.2", category="technical"
            )

        assert not refused.allowed
        assert refused.reason_code == "version-unsupported"


class TestPagesOnTheBoundary:
    """Rule: the versions page and My support show the same last supported day as the decision."""

    def test_versions_page_shows_the_last_day_as_supported_for_a_us_customer(
        self, client, us_customer
    ):
        client.force_login(us_customer)

        with time_machine.travel(local(LOS_ANGELES, "2026-09-18T23:30:00"), tick=False):
            response = client.get(reverse("entitlements:versions"))

        row = row_text(response.content.decode(), "20.2")
        assert f"Supported until {day(LAST_DAY_OF_20)}" in row

    def test_versions_page_shows_the_day_after_as_ended_with_the_last_day(self, client):
        # A customer in Germany (served by the Berlin team) who reads the portal in English.
        client.force_login(UserFactory(email="berlin@example.com", country="DE", language="en"))

        with time_machine.travel(local(BERLIN, "2026-09-19T00:30:00"), tick=False):
            response = client.get(reverse("entitlements:versions"))

        html = response.content.decode()
        assert f"Was supported until {day(LAST_DAY_OF_20)}" in row_text(html, "20.2")
        assert '<time datetime="2026-09-18">' in row_html(html, "20.2")

    def test_my_support_shows_the_last_day_and_the_day_after(self, client, us_customer):
        RegistrationFactory(customer=us_customer, version="20.2", key="NBP-20-BOUNDARY")
        client.force_login(us_customer)

        with time_machine.travel(local(LOS_ANGELES, "2026-09-18T23:30:00"), tick=False):
            on_last_day = client.get(reverse("entitlements:overview")).content.decode()
        with time_machine.travel(local(LOS_ANGELES, "2026-09-19T00:30:00"), tick=False):
            day_after = client.get(reverse("entitlements:overview")).content.decode()

        assert f"Supported until {day(LAST_DAY_OF_20)}" in unescape(flat(on_last_day))
        assert f"Was supported until {day(LAST_DAY_OF_20)}" in unescape(flat(day_after))


class TestApiOnTheBoundary:
    """Rule: the API's ``supported`` and ``supported_until`` follow the same last day."""

    def test_check_accepts_the_last_day_and_names_it(self, client, us_customer):
        grant(us_customer, "premium", starts_at=local(LOS_ANGELES, "2026-06-01T09:00:00"))
        client.force_login(us_customer)
        body = {"product": "professional", "version": "20.2", "category": "technical"}

        with time_machine.travel(local(LOS_ANGELES, "2026-09-18T23:30:00"), tick=False):
            last_day = client.post("/api/v1/entitlements/check", body, "application/json")
        with time_machine.travel(local(LOS_ANGELES, "2026-09-19T00:30:00"), tick=False):
            day_after = client.post("/api/v1/entitlements/check", body, "application/json")

        assert last_day.json()["allowed"] is True
        assert last_day.json()["supported_until"] == "2026-09-18"
        assert day_after.json()["allowed"] is False
        assert day_after.json()["reason_code"] == "version-unsupported"
        assert day_after.json()["supported_until"] == "2026-09-18"

    @pytest.mark.parametrize(
        ("language", "supported"),
        [("en", True), ("de", False)],  # the US team's day is 18 September, Berlin's the 19th
    )
    def test_products_follow_the_calendar_of_the_team_the_visitor_would_get(
        self, client, language, supported
    ):
        with time_machine.travel(local(BERLIN, "2026-09-19T00:30:00"), tick=False):
            response = client.get("/api/v1/products/", HTTP_ACCEPT_LANGUAGE=language)

        product = next(p for p in response.json() if p["code"] == "professional")
        release = next(r for r in product["releases"] if r["version"] == "20.2")
        assert release == {
            "version": "20.2",
            "released_on": "2024-04-16",
            "supported_until": "2026-09-18",
            "supported": supported,
        }


def flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_html(html: str, version: str) -> str:
    start = html.index('id="product-professional"')
    html = html[start : html.index("</section>", start)]
    match = re.search(rf'<th scope="row">{re.escape(version)}</th>(.*?)</tr>', html, re.S)
    assert match
    return match.group(1)
