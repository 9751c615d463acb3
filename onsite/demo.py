"""Demo data: one confirmed OnSite Protect window of the demo partner, a fortnight ahead."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from entitlements.models import Product
from onsite.models import Booking, BookingStatus
from partners.models import MemberRole, Organisation

DEMO_ORGANISATION = "Demo Reseller GmbH"
DEMO_ENGINEER = "engineer.us@novadesk.test"
DEMO_CUSTOMER = "Bäckerei Sonnenschein KG"
DEMO_ZONE = "Europe/Berlin"


def _next_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def seed() -> None:
    """Create the demo booking once; skip quietly when the partner or engineer is missing."""
    organisation = Organisation.objects.filter(name=DEMO_ORGANISATION).first()
    engineer = get_user_model().objects.filter(email=DEMO_ENGINEER).first()
    product = Product.objects.filter(code="professional").first()
    if organisation is None or engineer is None or product is None:
        return
    if Booking.objects.filter(organisation=organisation, customer_name=DEMO_CUSTOMER).exists():
        return
    # The technical representative books installations when there is one.
    members = organisation.memberships.select_related("user").order_by("pk")
    membership = members.filter(role=MemberRole.TECHNICAL).first() or members.first()
    zone = ZoneInfo(DEMO_ZONE)
    day = _next_weekday(timezone.localdate(timezone=zone) + timedelta(days=14))
    now = timezone.now()
    try:
        with transaction.atomic():
            Booking.objects.create(
                organisation=organisation,
                requested_by=membership.user if membership else None,
                product=product,
                customer_name=DEMO_CUSTOMER,
                site_name="Freiburg, Kaiser-Joseph-Straße 12",
                contact_phone="+49 761 555 0199",
                notes="New NovaBACKUP Server on the bakery's file server; backup to NAS and cloud.",
                start_at=datetime.combine(day, time(9, 0), tzinfo=zone),
                end_at=datetime.combine(day, time(12, 0), tzinfo=zone),
                time_zone=DEMO_ZONE,
                status=BookingStatus.CONFIRMED,
                engineer=engineer,
                decided_at=now,
                created_at=now - timedelta(days=1),
                sequence=1,
            )
    except IntegrityError:
        # The engineer already stands by in that window; the demo does without.
        return
