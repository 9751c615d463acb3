"""Shared set-up for OnSite Protect: a partner at a level with and one without the service,
engineers, and a clock before the windows that tests book."""

from __future__ import annotations

import pytest
import time_machine
from django.utils import translation

from entitlements.models import Product
from tests.factories import StaffFactory, UserFactory
from tests.onsite.factories import MembershipFactory, OrganisationFactory, PartnerLevelFactory

# Monday 4 January 2027; the windows in the tests lie a week later, in German winter time.
BEFORE_WINDOWS = "2027-01-04T10:00:00+00:00"


@pytest.fixture(autouse=True)
def clock(db):
    with time_machine.travel(BEFORE_WINDOWS, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the partner's own mail goes out in German."""
    with translation.override("en"):
        yield


@pytest.fixture
def onsite_level(db):
    return PartnerLevelFactory(code="test-premium", name="Premium", onsite_protect=True)


@pytest.fixture
def basic_level(db):
    return PartnerLevelFactory(
        code="test-registered", name="Registered", onsite_protect=False, beta_access=False
    )


@pytest.fixture
def organisation(onsite_level):
    return OrganisationFactory(name="Demo Reseller GmbH", level=onsite_level)


@pytest.fixture
def partner(organisation):
    user = UserFactory(email="tech@reseller.test", name="Tina Technik", language="de")
    MembershipFactory(organisation=organisation, user=user)
    return user


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner)
    return client


@pytest.fixture
def basic_partner(basic_level):
    user = UserFactory(email="sales@small.test", name="Sven Small")
    MembershipFactory(
        organisation=OrganisationFactory(name="Small IT", level=basic_level), user=user
    )
    return user


@pytest.fixture
def engineer(db):
    return StaffFactory(email="sam@novadesk.test", name="Sam Standby", phone="+1 805 555 0100")


@pytest.fixture
def other_engineer(db):
    return StaffFactory(email="jonas@novadesk.test", name="Jonas Bereit", country="DE")


@pytest.fixture
def lead(db):
    return StaffFactory(email="lead@novadesk.test", name="Lena Lead", is_superuser=True)


@pytest.fixture
def product(db):
    return Product.objects.get(code="professional")
