from __future__ import annotations

import pytest
import time_machine

from entitlements.services import catalogue_load
from tests.factories import UserFactory

# Monday 23 November 2026, 09:00 in Los Angeles (17:00 UTC): the US team has just opened.
MONDAY_MORNING_LA = "2026-11-23T17:00:00+00:00"


@pytest.fixture
def releases(db) -> None:
    """Majors 19 and 20 (retired) and 21 (current) of every product."""
    catalogue_load()


@pytest.fixture
def frozen_monday():
    with time_machine.travel(MONDAY_MORNING_LA, tick=False) as traveller:
        yield traveller


@pytest.fixture
def us_customer(db):
    return UserFactory(email="us@example.com", country="US", language="en")


@pytest.fixture
def de_customer(db):
    return UserFactory(email="de@example.com", country="DE", language="de")
