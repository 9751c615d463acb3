"""Booking a standby window, and staff confirming, declining; the partner cancelling."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
from django.core import mail

from onsite import services
from onsite.models import Booking, BookingStatus
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from portal.core.services import email_deliver
from tests.onsite.factories import BookingFactory, MembershipFactory, OrganisationFactory

TUESDAY = date(2027, 1, 12)


def request(partner, organisation, product, **overrides) -> Booking:
    values = {
        "organisation": organisation,
        "requested_by": partner,
        "product": product,
        "customer_name": "Müller Logistik AG",
        "site_name": "Hamburg head office",
        "day": TUESDAY,
        "start": time(9, 0),
        "end": time(11, 0),
        "time_zone": "Europe/Berlin",
        "contact_phone": "+49 40 1234567",
        "notes": "Server 2022, tape library",
        **overrides,
    }
    return services.booking_request(**values)


def calendar_of(row: OutboundEmail) -> icalendar.Calendar:
    [attachment] = row.attachments
    assert attachment["content_type"] == "text/calendar"
    assert attachment["filename"].endswith(".ics")
    import base64

    return icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))


class TestTimeZones:
    def test_a_berlin_morning_in_winter_is_stored_one_hour_earlier_in_utc(
        self, partner, organisation, product
    ):
        booking = request(partner, organisation, product)

        assert booking.start_at == datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
        assert booking.end_at == datetime(2027, 1, 12, 10, 0, tzinfo=UTC)
        assert booking.time_zone == "Europe/Berlin"

    def test_in_summer_the_same_local_time_is_two_hours_earlier_in_utc(
        self, partner, organisation, product
    ):
        booking = request(partner, organisation, product, day=date(2027, 7, 13))

        booking.refresh_from_db()
        assert booking.start_at == datetime(2027, 7, 13, 7, 0, tzinfo=UTC)

    def test_a_time_zone_of_another_continent(self, partner, organisation, product):
        booking = request(partner, organisation, product, time_zone="America/Los_Angeles")

        assert booking.start_at == datetime(2027, 1, 12, 17, 0, tzinfo=UTC)

    @pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../../etc/passwd", "CET "])
    def test_an_unknown_time_zone_is_refused_by_name(self, partner, organisation, product, zone):
        if zone == "CET ":  # surrounding blanks are forgiven, the name is real
            assert request(partner, organisation, product, time_zone=zone).time_zone == "CET"
            return
        with pytest.raises(ApplicationError, match="not a time zone") as raised:
            request(partner, organisation, product, time_zone=zone)

        assert raised.value.code == "invalid-time-zone"
        assert zone.strip() in raised.value.message

    @pytest.mark.parametrize("end", [time(9, 0), time(8, 0)])
    def test_the_window_must_end_after_it_starts(self, partner, organisation, product, end):
        with pytest.raises(ApplicationError, match="must end after it starts") as raised:
            request(partner, organisation, product, end=end)

        assert raised.value.code == "end-before-start"
        assert not Booking.objects.exists()

    def test_a_time_the_clocks_skip_is_refused(self, partner, organisation, product):
        with pytest.raises(ApplicationError, match="does not exist") as raised:
            request(partner, organisation, product, day=date(2027, 3, 28), start=time(2, 30))

        assert raised.value.code == "nonexistent-time"

    def test_a_window_in_the_past_is_refused(self, partner, organisation, product):
        with pytest.raises(ApplicationError) as raised:
            request(partner, organisation, product, day=date(2027, 1, 1))

        assert raised.value.code == "window-in-past"

    def test_a_window_longer_than_twelve_hours_is_refused(self, partner, organisation, product):
        with pytest.raises(ApplicationError) as raised:
            request(partner, organisation, product, start=time(6, 0), end=time(19, 0))

        assert raised.value.code == "window-too-long"


class TestWhoMayBook:
    def test_a_partner_whose_level_lacks_onsite_protect_is_refused(self, basic_partner, product):
        organisation = basic_partner.partner_memberships.get().organisation

        with pytest.raises(ApplicationError, match="not part of Small IT") as raised:
            request(basic_partner, organisation, product)

        assert raised.value.code == "onsite-not-included"
        assert not Booking.objects.exists()

    def test_nobody_books_for_an_organisation_they_do_not_belong_to(
        self, customer, organisation, product
    ):
        with pytest.raises(ApplicationError):
            request(customer, organisation, product)

    def test_an_inactive_organisation_cannot_book(self, partner, organisation, product):
        organisation.is_active = False
        organisation.save()

        with pytest.raises(ApplicationError):
            request(partner, organisation, product)

    def test_the_request_is_acknowledged_to_the_partner(self, partner, organisation, product):
        booking = request(partner, organisation, product)

        row = OutboundEmail.objects.get(tag="onsite_requested")
        assert row.to == partner.email
        assert booking.reference in row.subject
        assert row.language == "de"
        assert row.attachments == []

    @pytest.mark.parametrize(
        ("field", "code"),
        [
            ("customer_name", "customer-required"),
            ("site_name", "site-required"),
            ("contact_phone", "phone-required"),
        ],
    )
    def test_required_details(self, partner, organisation, product, field, code):
        with pytest.raises(ApplicationError) as raised:
            request(partner, organisation, product, **{field: "  "})

        assert raised.value.code == code


class TestConfirm:
    def test_confirming_assigns_the_engineer_and_mails_both_sides_a_calendar_entry(
        self, partner, organisation, product, engineer, lead
    ):
        booking = request(partner, organisation, product)

        services.booking_confirm(booking=booking, engineer=engineer, confirmed_by=lead)

        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.engineer == engineer and booking.decided_by == lead
        to_partner = OutboundEmail.objects.get(tag="onsite_confirmed")
        to_engineer = OutboundEmail.objects.get(tag="onsite_assigned")
        assert to_partner.to == partner.email and to_engineer.to == engineer.email
        assert "Sam Standby" in to_partner.body_text
        assert "Demo Reseller GmbH" in to_engineer.body_text
        for row in (to_partner, to_engineer):
            [event] = calendar_of(row).walk("VEVENT")
            assert event.decoded("dtstart") == booking.start_at
            assert event.decoded("dtend") == booking.end_at
            assert str(event["status"]) == "CONFIRMED"
            assert str(event["uid"]).startswith(f"onsite-booking-{booking.pk}@")

    def test_the_partner_reads_the_window_in_their_time_the_engineer_in_theirs(
        self, partner, organisation, product, engineer, lead
    ):
        booking = request(partner, organisation, product)

        services.booking_confirm(booking=booking, engineer=engineer, confirmed_by=lead)

        to_partner = OutboundEmail.objects.get(tag="onsite_confirmed")
        to_engineer = OutboundEmail.objects.get(tag="onsite_assigned")
        assert "09:00" in to_partner.body_text and "Europe/Berlin" in to_partner.body_text
        # The engineer's US team is on Pacific time: 00:00 to 02:00.
        assert "America/Los_Angeles" in to_engineer.body_text

    def test_the_calendar_file_reaches_the_mail_provider(
        self, partner, organisation, product, engineer, lead
    ):
        services.booking_confirm(
            booking=request(partner, organisation, product), engineer=engineer, confirmed_by=lead
        )
        row = OutboundEmail.objects.get(tag="onsite_assigned")

        email_deliver(email_id=row.pk)

        [message] = mail.outbox
        [(filename, content, content_type)] = message.attachments
        assert content_type == "text/calendar" and filename.endswith(".ics")
        assert icalendar.Calendar.from_ical(content).walk("VEVENT")

    def test_an_engineer_already_booked_is_refused_with_the_clashing_window(
        self, partner, organisation, product, engineer, lead
    ):
        first = request(partner, organisation, product)
        services.booking_confirm(booking=first, engineer=engineer, confirmed_by=lead)
        second = request(partner, organisation, product, start=time(10, 0), end=time(12, 0))

        with pytest.raises(ApplicationError) as raised:
            services.booking_confirm(booking=second, engineer=engineer, confirmed_by=lead)

        assert raised.value.code == "engineer-busy"
        assert raised.value.message.startswith("Sam Standby is already booked from ")
        assert "(Europe/Berlin)" in raised.value.message
        assert first.reference in raised.value.message
        second.refresh_from_db()
        assert second.status == BookingStatus.REQUESTED and second.engineer is None
        assert not OutboundEmail.objects.filter(tag="onsite_confirmed").exclude(
            body_text__contains=first.reference
        )

    def test_a_window_that_ends_when_the_other_starts_can_be_confirmed(
        self, partner, organisation, product, engineer, lead
    ):
        first = request(partner, organisation, product)
        services.booking_confirm(booking=first, engineer=engineer, confirmed_by=lead)
        second = request(partner, organisation, product, start=time(11, 0), end=time(13, 0))

        services.booking_confirm(booking=second, engineer=engineer, confirmed_by=lead)

        assert Booking.objects.confirmed().count() == 2

    def test_handing_over_to_another_engineer_withdraws_the_first_ones_entry(
        self, partner, organisation, product, engineer, other_engineer, lead
    ):
        booking = request(partner, organisation, product)
        services.booking_confirm(booking=booking, engineer=engineer, confirmed_by=lead)

        services.booking_confirm(booking=booking, engineer=other_engineer, confirmed_by=lead)

        booking.refresh_from_db()
        assert booking.engineer == other_engineer
        withdrawn = OutboundEmail.objects.get(tag="onsite_withdrawn")
        assert withdrawn.to == engineer.email
        calendar = calendar_of(withdrawn)
        assert str(calendar["method"]) == "CANCEL"
        assert str(calendar.walk("VEVENT")[0]["status"]) == "CANCELLED"
        # Each change raises the revision, so calendars replace what they hold.
        assert calendar.walk("VEVENT")[0]["sequence"] == booking.sequence == 2

    def test_only_staff_stand_by(self, partner, organisation, product, customer, lead):
        with pytest.raises(ApplicationError) as raised:
            services.booking_confirm(
                booking=request(partner, organisation, product),
                engineer=customer,
                confirmed_by=lead,
            )

        assert raised.value.code == "not-an-engineer"

    def test_a_declined_booking_cannot_be_confirmed(self, engineer, lead):
        booking = BookingFactory(status=BookingStatus.DECLINED, decline_reason="No engineer")

        with pytest.raises(ApplicationError, match="can no longer be changed"):
            services.booking_confirm(booking=booking, engineer=engineer, confirmed_by=lead)


class TestDeclineAndCancel:
    def test_declining_needs_a_reason_and_tells_the_partner(
        self, partner, organisation, product, lead
    ):
        booking = request(partner, organisation, product)
        with pytest.raises(ApplicationError, match="reason"):
            services.booking_decline(booking=booking, reason=" ", declined_by=lead)

        services.booking_decline(
            booking=booking, reason="All engineers at a fair", declined_by=lead
        )

        booking.refresh_from_db()
        assert booking.status == BookingStatus.DECLINED
        row = OutboundEmail.objects.get(tag="onsite_declined")
        assert row.to == partner.email and "All engineers at a fair" in row.body_text

    def test_the_partner_cancels_and_the_engineer_gets_the_withdrawal(
        self, partner, organisation, product, engineer, lead
    ):
        booking = request(partner, organisation, product)
        services.booking_confirm(booking=booking, engineer=engineer, confirmed_by=lead)

        services.booking_cancel(booking=booking, cancelled_by=partner)

        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED and booking.cancelled_at is not None
        assert OutboundEmail.objects.get(tag="onsite_withdrawn").to == engineer.email
        assert OutboundEmail.objects.get(tag="onsite_cancelled").to == partner.email

    def test_another_organisation_cannot_cancel(self, partner, organisation, product):
        booking = request(partner, organisation, product)
        stranger = MembershipFactory(organisation=OrganisationFactory(level=organisation.level))

        with pytest.raises(ApplicationError):
            services.booking_cancel(booking=booking, cancelled_by=stranger.user)

    def test_a_started_window_cannot_be_cancelled(self, partner, organisation, product, clock):
        booking = request(partner, organisation, product)
        clock.move_to("2027-01-12T08:30:00+00:00")

        with pytest.raises(ApplicationError, match="already started"):
            services.booking_cancel(booking=booking, cancelled_by=partner)
