"""Shared set-up for the beta group: partners with and without beta access, a customer,
installations in and out of NCEP, and a product with a beta release."""

from __future__ import annotations

import uuid

import pytest
import time_machine

from entitlements.models import Product
from telemetry import services as telemetry_services
from tests.factories import ReleaseFactory, UserFactory
from tests.onsite.factories import MembershipFactory, OrganisationFactory, PartnerLevelFactory

SECRET = "installation-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def clock(db):
    with time_machine.travel("2027-01-04T10:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def product(db):
    return Product.objects.get(code="professional")


@pytest.fixture
def beta_release(product):
    return ReleaseFactory(
        product=product, version="22.0", is_beta=True, notes="Immutable backups to S3."
    )


@pytest.fixture
def final_release(product):
    return ReleaseFactory(product=product, version="21.9", notes="Bug fixes.")


@pytest.fixture
def beta_level(db):
    return PartnerLevelFactory(code="test-certified", name="Certified", beta_access=True)


@pytest.fixture
def no_beta_level(db):
    return PartnerLevelFactory(code="test-restricted", name="Restricted", beta_access=False)


@pytest.fixture
def organisation(beta_level):
    return OrganisationFactory(name="Demo Reseller GmbH", level=beta_level)


@pytest.fixture
def partner(organisation):
    user = UserFactory(email="tech@reseller.test", name="Tina Technik")
    MembershipFactory(organisation=organisation, user=user)
    return user


@pytest.fixture
def colleague(organisation):
    user = UserFactory(email="sales@reseller.test", name="Sam Sales")
    MembershipFactory(organisation=organisation, user=user, role="sales")
    return user


@pytest.fixture
def restricted_partner(no_beta_level):
    user = UserFactory(email="owner@restricted.test", name="Rita Restricted")
    MembershipFactory(
        organisation=OrganisationFactory(name="Restricted IT", level=no_beta_level), user=user
    )
    return user


@pytest.fixture
def participating_installation(db) -> uuid.UUID:
    installation_id = uuid.uuid4()
    telemetry_services.installation_opt_in(installation_id=installation_id, secret=SECRET)
    return installation_id


@pytest.fixture
def opted_out_installation(db) -> uuid.UUID:
    installation_id = uuid.uuid4()
    telemetry_services.installation_opt_in(installation_id=installation_id, secret=SECRET)
    telemetry_services.installation_opt_out(installation_id=installation_id, secret=SECRET)
    return installation_id
