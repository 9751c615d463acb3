"""The OnSite Protect demo data: one confirmed window for the demo partner, created once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import timezone

from onsite import demo
from onsite.models import Booking, BookingStatus
from tests.factories import StaffFactory


def test_the_demo_booking_is_confirmed_with_the_us_engineer_once(organisation, partner):
    engineer = StaffFactory(email=demo.DEMO_ENGINEER)

    demo.seed()
    demo.seed()

    booking = Booking.objects.get()
    assert booking.organisation == organisation and booking.requested_by == partner
    assert booking.status == BookingStatus.CONFIRMED and booking.engineer == engineer
    assert timezone.localtime(booking.start_at, ZoneInfo(booking.time_zone)).hour == 9


def test_without_the_demo_partner_nothing_is_created(db):
    StaffFactory(email=demo.DEMO_ENGINEER)

    demo.seed()

    assert not Booking.objects.exists()
