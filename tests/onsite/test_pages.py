"""The partner's OnSite Protect pages: who may see them, booking, the calendar download."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onsite.models import Booking, BookingStatus
from tests.onsite.factories import BookingFactory, MembershipFactory, OrganisationFactory

LIST = reverse("onsite:list")


@pytest.fixture(autouse=True)
def partner_reads_english(request):
    """The pages are read in English here; German pages are the translation tests' business."""
    if "partner" in request.fixturenames:
        partner = request.getfixturevalue("partner")
        partner.language = "en"
        partner.save(update_fields=["language"])


def form_data(organisation, product, **overrides) -> dict:
    return {
        "organisation": organisation.pk,
        "product": product.pk,
        "customer_name": "Müller Logistik AG",
        "site_name": "Hamburg head office",
        "day": "2027-01-12",
        "start": "09:00",
        "end": "11:00",
        "time_zone": "Europe/Berlin",
        "contact_phone": "+49 40 1234567",
        "notes": "",
        **overrides,
    }


class TestAccess:
    def test_signing_in_comes_first(self, client):
        response = client.get(LIST)

        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]

    def test_a_customer_is_told_the_service_is_for_partners(self, customer_client):
        response = customer_client.get(LIST)

        assert response.status_code == 403
        assert "OnSite Protect is not available to you" in response.content.decode()
        assert "ValueCREATE!" in response.content.decode()

    def test_a_partner_without_onsite_protect_is_told_their_level_lacks_it(
        self, client, basic_partner, onsite_level
    ):
        client.force_login(basic_partner)

        response = client.post(LIST, {"customer_name": "x"})

        assert response.status_code == 403
        content = response.content.decode()
        assert "Small IT (Registered) does not include OnSite Protect" in content
        assert "Premium" in content  # where it is included
        assert not Booking.objects.exists()

    def test_members_see_only_their_organisations_bookings(
        self, partner_client, organisation, onsite_level
    ):
        own = BookingFactory(organisation=organisation, customer_name="Own Customer KG")
        BookingFactory(
            organisation=OrganisationFactory(level=onsite_level), customer_name="Foreign AG"
        )

        response = partner_client.get(LIST)

        content = response.content.decode()
        assert response.status_code == 200
        assert own.reference in content and "Own Customer KG" in content
        assert "Foreign AG" not in content

    def test_another_organisations_booking_is_not_found(self, partner_client, onsite_level):
        foreign = BookingFactory(organisation=OrganisationFactory(level=onsite_level))

        for name in ("onsite:detail", "onsite:calendar"):
            assert partner_client.get(reverse(name, args=[foreign.pk])).status_code == 404
        assert partner_client.post(reverse("onsite:cancel", args=[foreign.pk])).status_code == 404


class TestBooking:
    def test_the_form_books_a_window_in_the_partners_time(
        self, partner_client, organisation, product
    ):
        response = partner_client.post(LIST, form_data(organisation, product))

        booking = Booking.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("onsite:detail", args=[booking.pk])
        assert booking.start_at == datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
        assert booking.status == BookingStatus.REQUESTED

    def test_an_unknown_time_zone_is_shown_on_its_field(
        self, partner_client, organisation, product
    ):
        response = partner_client.post(
            LIST, form_data(organisation, product, time_zone="Europe/Atlantis")
        )

        assert response.status_code == 400
        assert response.context["form"].errors["time_zone"] == [
            "“Europe/Atlantis” is not a time zone we know. Use a name such as Europe/Berlin."
        ]
        assert not Booking.objects.exists()

    def test_an_end_before_the_start_is_shown_on_the_end(
        self, partner_client, organisation, product
    ):
        response = partner_client.post(LIST, form_data(organisation, product, end="08:00"))

        assert response.status_code == 400
        assert "must end after it starts" in response.context["form"].errors["end"][0]

    def test_an_organisation_without_the_service_cannot_be_slipped_in(
        self, partner_client, partner, product, basic_level
    ):
        other = OrganisationFactory(level=basic_level)
        MembershipFactory(organisation=other, user=partner)

        response = partner_client.post(LIST, form_data(other, product))

        assert response.status_code == 400
        assert "organisation" in response.context["form"].errors
        assert not Booking.objects.exists()

    def test_the_booking_page_offers_the_calendar_entry(self, partner_client, organisation):
        booking = BookingFactory(organisation=organisation)

        page = partner_client.get(reverse("onsite:detail", args=[booking.pk]))
        download = partner_client.get(reverse("onsite:calendar", args=[booking.pk]))

        assert reverse("onsite:calendar", args=[booking.pk]) in page.content.decode()
        assert download.status_code == 200
        assert download["Content-Type"].startswith("text/calendar")
        assert "attachment" in download["Content-Disposition"]
        [event] = icalendar.Calendar.from_ical(download.content).walk("VEVENT")
        assert event.decoded("dtstart") == booking.start_at
        assert str(event["status"]) == "TENTATIVE"

    def test_the_partner_cancels_from_the_booking_page(self, partner_client, organisation):
        booking = BookingFactory(organisation=organisation)

        response = partner_client.post(reverse("onsite:cancel", args=[booking.pk]), follow=True)

        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert "is cancelled" in response.content.decode()

    def test_the_list_reads_in_the_same_queries_for_1_and_12_bookings(
        self, partner_client, organisation, engineer, django_assert_max_num_queries
    ):
        def add(hours):
            for hour in hours:
                BookingFactory(
                    organisation=organisation,
                    engineer=engineer,
                    status=BookingStatus.CONFIRMED,
                    start_at=datetime(2027, 2, 1, hour, tzinfo=UTC),
                    end_at=datetime(2027, 2, 1, hour + 1, tzinfo=UTC),
                )

        add(range(1))
        with CaptureQueriesContext(connection) as few:
            partner_client.get(LIST)
        add(range(1, 12))

        with django_assert_max_num_queries(len(few)):
            response = partner_client.get(LIST)

        assert response.content.decode().count("Sam Standby") == 12
