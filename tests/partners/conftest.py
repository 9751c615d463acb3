"""Shared set-up for partner tests: the catalogue, organisations at each level, their members."""

from __future__ import annotations

import factory
import pytest
import time_machine

from entitlements.models import Product
from entitlements.services import catalogue_load
from partners import selectors, services
from partners.models import MemberRole, Membership, NfrLicence, Organisation, PartnerLevel
from tests.factories import StaffFactory, UserFactory
from tests.tickets.conftest import engineer

# Monday 23 November 2026, 09:00 in Los Angeles (17:00 UTC).
MONDAY_MORNING_LA = "2026-11-23T17:00:00+00:00"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Reseller {n} GmbH")
    level = factory.LazyFunction(lambda: PartnerLevel.objects.get(code=PartnerLevel.CERTIFIED))
    country = "DE"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.TECHNICAL


def level(code: str) -> PartnerLevel:
    return PartnerLevel.objects.get(code=code)


@pytest.fixture
def releases(db) -> None:
    catalogue_load()


@pytest.fixture
def frozen_monday():
    with time_machine.travel(MONDAY_MORNING_LA, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sales_rep(db):
    return StaffFactory(email="rep@novadesk.test", name="Rita Rep")


@pytest.fixture
def us_engineer(releases):
    return engineer("sam@novadesk.test", "us")


@pytest.fixture
def certified(releases, sales_rep):
    return OrganisationFactory(
        name="Certified Reseller GmbH", level=level("certified"), sales_representative=sales_rep
    )


@pytest.fixture
def registered(releases, sales_rep):
    return OrganisationFactory(
        name="Registered Reseller Ltd", level=level("registered"), sales_representative=sales_rep
    )


def member(organisation, role: str, email: str, **kwargs):
    user = UserFactory(email=email, country="US", language="en", **kwargs)
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return user


@pytest.fixture
def tech(certified):
    return member(certified, MemberRole.TECHNICAL, "tech@reseller.example", name="Tom Tech")


@pytest.fixture
def sales_contact(certified):
    return member(certified, MemberRole.SALES, "sales@reseller.example", name="Sue Sales")


@pytest.fixture
def partner_admin(certified):
    return member(certified, MemberRole.ADMINISTRATOR, "admin@reseller.example", name="Al Admin")


@pytest.fixture
def registered_tech(registered):
    return member(registered, MemberRole.TECHNICAL, "tech@registered.example", name="Rob Reg")


def accept_agreement(user):
    services.nfr_agreement_accept(user=user, agreement=selectors.current_agreement())


def issue_nfr(user, product: str = "professional") -> NfrLicence:
    """An approved NFR licence for ``user``'s organisation, through the services."""
    if not selectors.has_accepted(user=user, agreement=selectors.current_agreement()):
        accept_agreement(user)
    licence = services.nfr_licence_request(user=user, product=Product.objects.get(code=product))
    return services.nfr_licence_approve(licence=licence, actor=StaffFactory())
