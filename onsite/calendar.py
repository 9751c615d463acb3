"""Calendar files (.ics) for OnSite Protect bookings, for the e-mails and the booking page."""

from __future__ import annotations

from datetime import UTC

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onsite.models import Booking, BookingStatus

CONTENT_TYPE = "text/calendar"


def booking_uid(booking: Booking) -> str:
    """The same UID in every file of a booking, so calendars update the entry they already have."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"onsite-booking-{booking.pk}@{host or 'novadesk.invalid'}"


def booking_filename(booking: Booking) -> str:
    return f"onsite-protect-{booking.reference.lower()}.ics"


def booking_calendar(
    *, booking: Booking, language: str, for_engineer: bool = False, withdrawn: bool | None = None
) -> bytes:
    """Build the calendar entry for ``booking``; cancelled and declined windows cancel it.

    ``withdrawn`` overrides the status (an engineer replaced on a confirmed booking). Times
    are written in UTC, which every calendar shows in its owner's own time zone.
    """
    if withdrawn is None:
        withdrawn = booking.status in (BookingStatus.CANCELLED, BookingStatus.DECLINED)
    with translation.override(language):
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//NovaDesk//OnSite Protect//EN")
        calendar.add("version", "2.0")
        calendar.add("method", "CANCEL" if withdrawn else "PUBLISH")

        event = icalendar.Event()
        event.add("uid", booking_uid(booking))
        event.add("dtstamp", timezone.now().astimezone(UTC))
        event.add("dtstart", booking.start_at.astimezone(UTC))
        event.add("dtend", booking.end_at.astimezone(UTC))
        event.add("sequence", booking.sequence)
        event.add("status", _status(booking, withdrawn))
        if for_engineer:
            summary = _("OnSite Protect standby: %(partner)s at %(customer)s") % {
                "partner": booking.organisation.name,
                "customer": booking.customer_name,
            }
        else:
            summary = _("OnSite Protect: %(customer)s, %(site)s") % {
                "customer": booking.customer_name,
                "site": booking.site_name,
            }
        event.add("summary", summary)
        event.add("location", booking.site_name)
        event.add("description", _description(booking, for_engineer=for_engineer))
        event.add("url", settings.SITE_URL + reverse("onsite:detail", args=[booking.pk]))
        calendar.add_component(event)
    return calendar.to_ical()


def _status(booking: Booking, withdrawn: bool) -> str:
    if withdrawn:
        return "CANCELLED"
    return "CONFIRMED" if booking.status == BookingStatus.CONFIRMED else "TENTATIVE"


def _description(booking: Booking, *, for_engineer: bool) -> str:
    lines = [
        _("Booking %(reference)s") % {"reference": booking.reference},
        _("Product: %(product)s") % {"product": booking.product.name},
        _("Customer: %(customer)s") % {"customer": booking.customer_name},
        _("Site: %(site)s") % {"site": booking.site_name},
        _("Partner: %(partner)s") % {"partner": booking.organisation.name},
        _("Partner's time zone: %(zone)s") % {"zone": booking.time_zone},
    ]
    if booking.contact_phone:
        lines.append(_("Partner's phone: %(phone)s") % {"phone": booking.contact_phone})
    engineer = booking.engineer
    if engineer is not None and booking.status == BookingStatus.CONFIRMED and not for_engineer:
        lines.append(_("Engineer: %(name)s") % {"name": engineer.get_full_name()})
        if engineer.phone:
            lines.append(_("Engineer's phone: %(phone)s") % {"phone": engineer.phone})
    if booking.notes:
        lines += ["", booking.notes]
    return "\n".join(lines)
