"""Factories for partner organisations and OnSite Protect bookings."""

from __future__ import annotations

from datetime import UTC, datetime

import factory

from entitlements.models import Product
from onsite.models import Booking, BookingStatus
from partners.models import MemberRole, Membership, Organisation, PartnerLevel
from tests.factories import ProductFactory, UserFactory


class PartnerLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerLevel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-level-{n}")
    name = factory.LazyAttribute(lambda o: o.code.replace("-", " ").title())
    onsite_protect = True
    beta_access = True


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Reseller {n} GmbH")
    level = factory.SubFactory(PartnerLevelFactory)
    country = "DE"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.TECHNICAL


def _professional():
    return Product.objects.filter(code="professional").first() or ProductFactory(
        code="professional"
    )


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking written straight to the table, past every service check."""

    class Meta:
        model = Booking

    organisation = factory.SubFactory(OrganisationFactory)
    requested_by = factory.SubFactory(UserFactory)
    product = factory.LazyFunction(_professional)
    customer_name = "Müller Logistik AG"
    site_name = "Hamburg head office"
    contact_phone = "+49 40 1234567"
    start_at = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
    end_at = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
    time_zone = "Europe/Berlin"
    status = BookingStatus.REQUESTED
