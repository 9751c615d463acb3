"""What upgrading costs: free within 30 days or under unbroken Upgrade Protection, else N to N+1."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from entitlements import selectors, services
from entitlements.models import Registration
from tests.factories import grant, issued_licence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

# The current major, 21, came out on 2025-03-18; 20 on 2023-05-09.


def licence(customer, version: str, purchased_on: date, key: str = "LIC-1") -> Registration:
    """A licence an order sold on ``purchased_on`` (noon UTC: the same day in Los Angeles)."""
    bought = datetime.combine(purchased_on, time(12), UTC)
    issued_licence(key=key, purchased_at=bought)
    with time_machine.travel(bought):
        registration, _created = services.registration_create(
            customer=customer, product="professional", kind="licence", key=key, version=version
        )
    return registration


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def test_the_newest_major_has_free_updates(us_customer):
    answer = selectors.upgrade_answer(registration=licence(us_customer, "21.0", date(2025, 4, 1)))

    assert answer.price == "current"
    assert answer.latest_version == "21.2.1"


def test_a_major_released_within_thirty_days_of_purchase_is_free(us_customer):
    answer = selectors.upgrade_answer(registration=licence(us_customer, "20.2", date(2025, 2, 20)))

    assert answer.price == "free"
    assert "30 days" in answer.reason


def test_thirty_one_days_is_too_late(us_customer):
    answer = selectors.upgrade_answer(registration=licence(us_customer, "20.2", date(2025, 2, 15)))

    assert answer.price == "discounted"


def test_unbroken_upgrade_protection_makes_every_major_free(us_customer):
    registration = licence(us_customer, "19.1", date(2022, 1, 10))
    grant(us_customer, "upgrade-protection", starts_at=at("2022-01-10"))
    grant(us_customer, "upgrade-protection", starts_at=at("2023-01-05"))  # renewed in time
    grant(us_customer, "upgrade-protection", starts_at=at("2024-01-01"))
    grant(us_customer, "upgrade-protection", starts_at=at("2024-12-20"))

    answer = selectors.upgrade_answer(registration=registration)

    assert answer.price == "free"
    assert "without interruption" in answer.reason


def test_a_gap_in_upgrade_protection_loses_the_free_upgrade(us_customer):
    registration = licence(us_customer, "19.1", date(2022, 1, 10))
    grant(us_customer, "upgrade-protection", starts_at=at("2022-01-10"))
    grant(us_customer, "upgrade-protection", starts_at=at("2023-03-01"))  # lapsed in between
    grant(us_customer, "upgrade-protection", starts_at=at("2024-02-20"))

    answer = selectors.upgrade_answer(registration=registration)

    assert answer.price == "full"


def test_the_discount_applies_from_the_previous_major_only(us_customer):
    previous = licence(us_customer, "20.0", date(2023, 6, 1), key="LIC-20")
    older = licence(us_customer, "19.1", date(2022, 1, 10), key="LIC-19")

    assert selectors.upgrade_answer(registration=previous).price == "discounted"
    older_answer = selectors.upgrade_answer(registration=older)
    assert older_answer.price == "full"
    assert "previous major version (20)" in older_answer.reason


def test_my_support_overview_answers_per_registration(us_customer, django_assert_max_num_queries):
    licence(us_customer, "20.0", date(2023, 6, 1), key="LIC-20")
    licence(us_customer, "21.1", date(2025, 10, 1), key="LIC-21")
    grant(us_customer, "premium")

    with django_assert_max_num_queries(6):
        overview = selectors.support_overview(customer=us_customer)

    prices = sorted(r.upgrade.price for r in overview.registrations)
    assert prices == ["current", "discounted"]
    statuses = {r.registration.version: r.status.supported for r in overview.registrations}
    assert statuses == {"20.0": False, "21.1": True}
    assert {s.entitlement.kind: s.status for s in overview.entitlements}["premium"] == "active"


def test_free_trial_days_left_are_counted(us_customer, frozen_monday):
    _registration, _ = services.registration_create(
        customer=us_customer, product="server", kind="evaluation", key="EVAL-9", version="21.2"
    )
    frozen_monday.shift(timedelta(days=5))

    overview = selectors.support_overview(customer=us_customer)

    trial = overview.registrations[0].trial
    assert (trial.status, trial.days_left) == ("active", 10)
