"""OnSite Protect in the support desk: confirming and declining through the list's actions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onsite.models import Booking, BookingStatus
from portal.core.models import OutboundEmail
from tests.onsite.factories import BookingFactory

CHANGELIST = reverse("admin:onsite_booking_changelist")


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


def act(client, action: str, bookings, **fields):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [b.pk for b in bookings], **fields},
        follow=True,
    )


def at(hour: int) -> datetime:
    return datetime(2027, 1, 12, hour, tzinfo=UTC)


class TestActions:
    def test_confirming_with_an_engineer(self, lead_client, organisation, engineer):
        booking = BookingFactory(organisation=organisation)

        response = act(lead_client, "confirm", [booking], engineer=engineer.pk)

        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED and booking.engineer == engineer
        assert "1 booking confirmed with Sam Standby." in response.content.decode()
        assert OutboundEmail.objects.filter(tag="onsite_assigned", to=engineer.email).exists()

    def test_confirming_needs_an_engineer(self, lead_client, organisation):
        booking = BookingFactory(organisation=organisation)

        response = act(lead_client, "confirm", [booking])

        booking.refresh_from_db()
        assert booking.status == BookingStatus.REQUESTED
        assert "Choose the engineer who stands by." in response.content.decode()

    def test_a_clash_is_reported_with_the_other_window(self, lead_client, organisation, engineer):
        taken = BookingFactory(
            organisation=organisation, engineer=engineer, status=BookingStatus.CONFIRMED
        )
        booking = BookingFactory(organisation=organisation, start_at=at(9), end_at=at(11))

        response = act(lead_client, "confirm", [booking], engineer=engineer.pk)

        booking.refresh_from_db()
        assert booking.status == BookingStatus.REQUESTED
        content = response.content.decode()
        assert "Sam Standby is already booked from" in content
        assert taken.reference in content

    def test_declining_needs_a_reason(self, lead_client, organisation):
        booking = BookingFactory(organisation=organisation)

        refused = act(lead_client, "decline", [booking])
        booking.refresh_from_db()
        assert booking.status == BookingStatus.REQUESTED
        assert "Give the partner a reason" in refused.content.decode()

        act(lead_client, "decline", [booking], reason="No engineer free that day")

        booking.refresh_from_db()
        assert booking.status == BookingStatus.DECLINED
        assert booking.decline_reason == "No engineer free that day"

    def test_the_booking_page_is_read_only(self, lead_client, organisation):
        booking = BookingFactory(organisation=organisation)

        response = lead_client.get(reverse("admin:onsite_booking_change", args=[booking.pk]))

        assert response.status_code == 200
        assert 'name="customer_name"' not in response.content.decode()
        assert lead_client.get(reverse("admin:onsite_booking_add")).status_code == 403

    def test_staff_without_the_permission_cannot_act(self, client, organisation, engineer):
        from tests.factories import StaffFactory

        viewer = StaffFactory(email="viewer@novadesk.test")
        client.force_login(viewer)
        booking = BookingFactory(organisation=organisation)

        response = act(client, "confirm", [booking], engineer=engineer.pk)

        booking.refresh_from_db()
        assert response.status_code == 403
        assert booking.status == BookingStatus.REQUESTED


class TestList:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status__exact=confirmed", {"OSP-confirmed"}),
            ("status__exact=requested", {"OSP-requested"}),
            ("when=past", {"OSP-past"}),
            ("when=upcoming", {"OSP-confirmed", "OSP-requested"}),
        ],
    )
    def test_filters(self, lead_client, organisation, engineer, query, expected):
        rows = {
            "OSP-confirmed": BookingFactory(
                organisation=organisation, engineer=engineer, status=BookingStatus.CONFIRMED
            ),
            "OSP-requested": BookingFactory(organisation=organisation),
            "OSP-past": BookingFactory(
                organisation=organisation,
                status=BookingStatus.DECLINED,
                start_at=datetime(2026, 12, 1, 8, tzinfo=UTC),
                end_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
            ),
        }

        response = lead_client.get(f"{CHANGELIST}?{query}")

        shown = {
            name
            for name, booking in rows.items()
            if f">{booking.reference}</a>" in response.content.decode()
        }
        assert shown == expected

    def test_the_engineer_filter(self, lead_client, organisation, engineer, other_engineer):
        mine = BookingFactory(engineer=engineer, status=BookingStatus.CONFIRMED)
        theirs = BookingFactory(engineer=other_engineer, status=BookingStatus.CONFIRMED)

        content = lead_client.get(f"{CHANGELIST}?engineer__id__exact={engineer.pk}").content

        assert f">{mine.reference}</a>".encode() in content
        assert f">{theirs.reference}</a>".encode() not in content

    def test_the_list_needs_the_same_queries_for_3_and_15_bookings(
        self, lead_client, organisation, engineer, django_assert_max_num_queries
    ):
        def add(start: int, count: int) -> None:
            for hour in range(start, start + count):
                BookingFactory(
                    organisation=organisation,
                    engineer=engineer,
                    status=BookingStatus.CONFIRMED,
                    start_at=datetime(2027, 2, 1, hour, tzinfo=UTC),
                    end_at=datetime(2027, 2, 1, hour + 1, tzinfo=UTC),
                )

        add(0, 3)
        with CaptureQueriesContext(connection) as few:
            lead_client.get(CHANGELIST)
        add(3, 12)

        with django_assert_max_num_queries(len(few)):
            response = lead_client.get(CHANGELIST)

        assert response.status_code == 200
        assert Booking.objects.count() == 15
        assert response.content.decode().count('class="field-window_utc"') == 15
