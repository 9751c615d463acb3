"""The OnSite Protect and beta group sections of the partner area."""

from __future__ import annotations

from django.urls import reverse

from betas import services as beta_services
from onsite import selectors
from tests.onsite.factories import BookingFactory, OrganisationFactory


def test_the_partner_area_lists_the_organisations_bookings_and_betas(
    partner_client, partner, organisation, product
):
    booking = BookingFactory(organisation=organisation, customer_name="Own Customer KG")
    beta_services.enrolment_create(user=partner, product=product, commitment=True)

    response = partner_client.get(reverse("partners:area"))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="onsite"' in content and booking.reference in content
    assert 'id="betas"' in content and reverse("betas:product", args=[product.code]) in content


def test_bookings_for_organisation_reads_one_organisation(
    organisation, onsite_level, django_assert_num_queries
):
    own = BookingFactory(organisation=organisation)
    BookingFactory(organisation=OrganisationFactory(level=onsite_level))

    with django_assert_num_queries(1):
        rows = list(selectors.bookings_for_organisation(organisation=organisation))
        assert [row.pk for row in rows] == [own.pk]
        assert rows[0].product.name and rows[0].organisation.name
