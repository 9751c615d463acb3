"""The database refuses overlapping confirmed windows of one engineer, whoever writes the rows.

These tests write through the ORM past the services; they hold on SQLite (triggers) and on
PostgreSQL (an exclusion constraint) alike.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction

from onsite.models import NO_OVERLAP, Booking, BookingStatus
from tests.onsite.factories import BookingFactory

CONFIRMED = BookingStatus.CONFIRMED


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 1, 12, hour, minute, tzinfo=UTC)


@pytest.fixture
def booked(engineer):
    """The engineer stands by from 08:00 to 10:00 UTC."""
    return BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(8), end_at=at(10))


def test_an_overlapping_confirmed_window_is_refused_on_insert(booked, engineer):
    with pytest.raises(IntegrityError, match=NO_OVERLAP), transaction.atomic():
        BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(9), end_at=at(11))

    assert Booking.objects.count() == 1


def test_a_window_inside_another_is_refused(booked, engineer):
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(8, 30), end_at=at(9))


def test_confirming_an_overlapping_request_is_refused_on_update(booked, engineer):
    request = BookingFactory(start_at=at(9), end_at=at(11))

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=request.pk).update(status=CONFIRMED, engineer=engineer)

    request.refresh_from_db()
    assert request.status == BookingStatus.REQUESTED


def test_moving_a_confirmed_window_onto_another_is_refused(booked, engineer):
    later = BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(12), end_at=at(14))

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=later.pk).update(start_at=at(9))


def test_a_confirmed_window_may_change_without_meeting_another(booked):
    Booking.objects.filter(pk=booked.pk).update(end_at=at(11))

    booked.refresh_from_db()
    assert booked.end_at == at(11)


def test_touching_windows_are_allowed(booked, engineer):
    before = BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(6), end_at=at(8))
    after = BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(10), end_at=at(12))

    assert {before.pk, after.pk, booked.pk} == set(Booking.objects.values_list("pk", flat=True))


def test_different_engineers_may_stand_by_at_the_same_time(booked, other_engineer):
    BookingFactory(engineer=other_engineer, status=CONFIRMED, start_at=at(8), end_at=at(10))

    assert Booking.objects.confirmed().count() == 2


@pytest.mark.parametrize(
    "status", [BookingStatus.REQUESTED, BookingStatus.DECLINED, BookingStatus.CANCELLED]
)
def test_bookings_that_are_not_confirmed_never_block(booked, engineer, status):
    BookingFactory(engineer=engineer, status=status, start_at=at(8), end_at=at(10))

    assert Booking.objects.filter(engineer=engineer).count() == 2


def test_a_declined_window_does_not_block_a_later_confirmation(engineer):
    BookingFactory(engineer=engineer, status=BookingStatus.DECLINED, start_at=at(8), end_at=at(10))

    BookingFactory(engineer=engineer, status=CONFIRMED, start_at=at(8), end_at=at(10))

    assert Booking.objects.confirmed().count() == 1


def test_a_window_must_end_after_it_starts(engineer):
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(start_at=at(10), end_at=at(10))


def test_a_confirmed_booking_has_an_engineer():
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingFactory(status=CONFIRMED, engineer=None)
