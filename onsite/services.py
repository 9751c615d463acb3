"""Writes of OnSite Protect: a partner requests a window, staff confirm it with an engineer or
decline it, the partner may cancel it.

requested ──confirm (engineer)──▶ confirmed ──confirm (another engineer)──▶ confirmed
    │                                 │
    └──decline (reason) / cancel──────┴──▶ declined / cancelled

The database refuses overlapping confirmed windows of one engineer; ``booking_confirm`` turns
that refusal into a message that names the clashing window. Every mail goes through the outbox
in the transaction of the change, with the calendar entry attached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from entitlements.models import Product
from onsite import calendar, selectors
from onsite.models import NO_OVERLAP, Booking, BookingStatus
from partners.models import Organisation
from portal.core import services as outbox
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User

# A standby covers one installation, not a week; longer windows are booked as several.
MAX_WINDOW = timedelta(hours=12)
OPEN_STATES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class Window:
    start_at: datetime
    end_at: datetime
    time_zone: str


# --- The window -------------------------------------------------------------------------------


def time_zone_check(name: str) -> ZoneInfo:
    """Return the IANA time zone ``name``; raise ApplicationError for anything else."""
    name = (name or "").strip()
    try:
        if not name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApplicationError(
            _("“%(zone)s” is not a time zone we know. Use a name such as Europe/Berlin.")
            % {"zone": name},
            code="invalid-time-zone",
        ) from exc


def _aware(day: date, at: time, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, at).replace(tzinfo=zone)
    # A time inside a spring-forward gap does not come back unchanged from UTC.
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ApplicationError(
            _(
                "%(time)s does not exist on %(day)s in %(zone)s: the clocks are put forward "
                "then. Choose another time."
            )
            % {"time": at.strftime("%H:%M"), "day": day.isoformat(), "zone": zone.key},
            code="nonexistent-time",
        )
    return local


def booking_window(*, day: date, start: time, end: time, time_zone: str) -> Window:
    """Turn a local date, start and end in ``time_zone`` into aware datetimes; check the span."""
    zone = time_zone_check(time_zone)
    start_at, end_at = _aware(day, start, zone), _aware(day, end, zone)
    if end_at <= start_at:
        raise ApplicationError(
            _("The window must end after it starts (%(start)s to %(end)s).")
            % {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")},
            code="end-before-start",
        )
    if end_at - start_at > MAX_WINDOW:
        raise ApplicationError(
            _("A window can last at most %(hours)d hours; book a longer installation as several.")
            % {"hours": MAX_WINDOW.total_seconds() // 3600},
            code="window-too-long",
        )
    if start_at <= timezone.now():
        raise ApplicationError(_("The window must start in the future."), code="window-in-past")
    return Window(start_at=start_at, end_at=end_at, time_zone=zone.key)


def format_local(value: datetime, zone_name: str) -> str:
    """A date and time as people of ``zone_name`` read it, in the active language."""
    local = timezone.localtime(value, ZoneInfo(zone_name))
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M}"


def _wall_clock(value: datetime, zone_name: str) -> datetime:
    """The local time in ``zone_name`` without a zone, so templates print it unchanged."""
    return timezone.localtime(value, ZoneInfo(zone_name)).replace(tzinfo=None)


# --- Requesting -------------------------------------------------------------------------------


def booking_request(
    *,
    organisation: Organisation,
    requested_by: User,
    product: Product,
    customer_name: str,
    site_name: str,
    day: date,
    start: time,
    end: time,
    time_zone: str,
    contact_phone: str,
    notes: str = "",
) -> Booking:
    """Record a partner's request for a standby window; staff confirm or decline it."""
    if not selectors.may_book(user=requested_by, organisation=organisation):
        raise ApplicationError(
            _("OnSite Protect is not part of %(organisation)s's partner level.")
            % {"organisation": organisation.name},
            code="onsite-not-included",
        )
    customer_name, site_name = customer_name.strip(), site_name.strip()
    contact_phone = contact_phone.strip()
    if not customer_name:
        raise ApplicationError(_("Name the customer."), code="customer-required")
    if not site_name:
        raise ApplicationError(_("Name the site of the installation."), code="site-required")
    if not contact_phone:
        raise ApplicationError(
            _("Give a phone number where the engineer can reach you during the window."),
            code="phone-required",
        )
    window = booking_window(day=day, start=start, end=end, time_zone=time_zone)
    with transaction.atomic():
        booking = Booking.objects.create(
            organisation=organisation,
            requested_by=requested_by,
            product=product,
            customer_name=customer_name,
            site_name=site_name,
            contact_phone=contact_phone,
            notes=notes.strip(),
            start_at=window.start_at,
            end_at=window.end_at,
            time_zone=window.time_zone,
        )
        _mail_partner(booking, "onsite_requested")
    return booking


# --- Staff decisions --------------------------------------------------------------------------


def booking_confirm(*, booking: Booking, engineer: User, confirmed_by: User) -> Booking:
    """Confirm ``booking`` with ``engineer`` standing by (or hand it to another engineer).

    Raises ApplicationError naming the clashing window when the engineer is already booked.
    """
    if not (engineer.is_staff and engineer.is_active):
        raise ApplicationError(
            _("%(name)s is not an active support engineer.") % {"name": engineer},
            code="not-an-engineer",
        )
    with transaction.atomic():
        booking = _lock_open(booking)
        if booking.end_at <= timezone.now():
            raise ApplicationError(
                _("The window of %(reference)s has already passed.")
                % {"reference": booking.reference},
                code="window-passed",
            )
        previous = booking.engineer if booking.status == BookingStatus.CONFIRMED else None
        if previous is not None and previous.pk == engineer.pk:
            return booking
        booking.status = BookingStatus.CONFIRMED
        booking.engineer = engineer
        booking.decided_by = confirmed_by
        booking.decided_at = timezone.now()
        booking.sequence += 1
        try:
            with transaction.atomic():
                booking.save(
                    update_fields=["status", "engineer", "decided_by", "decided_at", "sequence"]
                )
        except IntegrityError as exc:
            if NO_OVERLAP not in str(exc):
                raise
            raise _engineer_busy(booking, engineer) from exc
        if previous is not None:
            _mail_engineer(booking, "onsite_withdrawn", engineer=previous, cancelled=True)
        _mail_engineer(booking, "onsite_assigned", engineer=engineer)
        _mail_partner(booking, "onsite_confirmed", attach=True)
    return booking


def booking_decline(*, booking: Booking, reason: str, declined_by: User) -> Booking:
    """Decline ``booking``, telling the partner why."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            _("Give the partner a reason for declining."), code="reason-required"
        )
    with transaction.atomic():
        booking = _lock_open(booking)
        _close(
            booking,
            status=BookingStatus.DECLINED,
            template="onsite_declined",
            decline_reason=reason,
            decided_by=declined_by,
            decided_at=timezone.now(),
        )
    return booking


def booking_cancel(*, booking: Booking, cancelled_by: User) -> Booking:
    """Cancel ``booking`` for its partner before the window starts."""
    if not selectors.booking_for_user(user=cancelled_by, booking_id=booking.pk):
        raise ApplicationError(
            _("Only a member of %(organisation)s can cancel this booking.")
            % {"organisation": booking.organisation.name},
            code="not-a-member",
        )
    with transaction.atomic():
        booking = _lock_open(booking)
        if booking.start_at <= timezone.now():
            raise ApplicationError(
                _("The window has already started; please call the engineer instead."),
                code="window-started",
            )
        _close(
            booking,
            status=BookingStatus.CANCELLED,
            template="onsite_cancelled",
            cancelled_at=timezone.now(),
        )
    return booking


# --- Helpers ----------------------------------------------------------------------------------


def _lock_open(booking: Booking) -> Booking:
    """``booking`` read again and locked, while it is still requested or confirmed."""
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("organisation", "product", "engineer", "requested_by")
        .get(pk=booking.pk)
    )
    if booking.status not in OPEN_STATES:
        raise ApplicationError(
            _("%(reference)s is %(status)s and can no longer be changed.")
            % {"reference": booking.reference, "status": booking.get_status_display()},
            code="booking-closed",
        )
    return booking


def _close(booking: Booking, *, status: str, template: str, **columns: object) -> None:
    """End an open booking with ``status`` and ``columns``: the engineer standing by is
    released and the partner is told with ``template``."""
    engineer = booking.engineer if booking.status == BookingStatus.CONFIRMED else None
    booking.status = status
    for name, value in columns.items():
        setattr(booking, name, value)
    booking.sequence += 1
    booking.save(update_fields=["status", *columns, "sequence"])
    if engineer is not None:
        _mail_engineer(booking, "onsite_withdrawn", engineer=engineer, cancelled=True)
    _mail_partner(booking, template, attach=engineer is not None)


def _engineer_busy(booking: Booking, engineer: User) -> ApplicationError:
    clash = selectors.engineer_clash(
        engineer=engineer, start_at=booking.start_at, end_at=booking.end_at, exclude_id=booking.pk
    )
    if clash is None:  # the other window was withdrawn meanwhile; the caller may try again
        return ApplicationError(
            _("%(engineer)s is already booked in this window.") % {"engineer": engineer},
            code="engineer-busy",
        )
    return ApplicationError(
        _("%(engineer)s is already booked from %(start)s to %(end)s (%(zone)s) for %(reference)s.")
        % {
            "engineer": engineer,
            "start": format_local(clash.start_at, booking.time_zone),
            "end": format_local(clash.end_at, booking.time_zone),
            "zone": booking.time_zone,
            "reference": clash.reference,
        },
        code="engineer-busy",
        extra={"clash_id": clash.pk},
    )


def _attachment(
    booking: Booking, *, language: str, for_engineer: bool, withdrawn: bool | None = None
) -> outbox.EmailAttachment:
    return outbox.EmailAttachment(
        filename=calendar.booking_filename(booking),
        content=calendar.booking_calendar(
            booking=booking, language=language, for_engineer=for_engineer, withdrawn=withdrawn
        ),
        content_type=calendar.CONTENT_TYPE,
    )


def _mail(
    booking: Booking,
    template: str,
    *,
    recipient: User,
    attachment: outbox.EmailAttachment | None = None,
    **context: object,
) -> None:
    """Queue ``template`` about ``booking`` to ``recipient`` in their language, with the window
    in the partner's time and ``context`` besides."""
    outbox.email_enqueue_template(
        to=recipient.email,
        template=template,
        context={
            "booking": booking,
            "recipient": recipient,
            "start": _wall_clock(booking.start_at, booking.time_zone),
            "end": _wall_clock(booking.end_at, booking.time_zone),
            **context,
        },
        language=recipient.language,
        tag=template,
        attachments=[attachment] if attachment is not None else None,
    )


def _mail_partner(booking: Booking, template: str, *, attach: bool = False) -> None:
    partner = booking.requested_by
    if partner is None:
        return
    attachment = (
        _attachment(booking, language=partner.language, for_engineer=False) if attach else None
    )
    _mail(booking, template, recipient=partner, attachment=attachment)


def _mail_engineer(
    booking: Booking, template: str, *, engineer: User, cancelled: bool = False
) -> None:
    from teams import selectors as team_selectors

    try:
        zone = team_selectors.team_for_user(user=engineer).time_zone
    except ObjectDoesNotExist:  # an engineer without a team reads the partner's time
        zone = booking.time_zone
    # A replaced engineer's entry is withdrawn although the booking itself stays confirmed.
    attachment = _attachment(
        booking,
        language=engineer.language,
        for_engineer=True,
        withdrawn=True if cancelled else None,
    )
    _mail(
        booking,
        template,
        recipient=engineer,
        attachment=attachment,
        engineer_zone=zone,
        engineer_start=_wall_clock(booking.start_at, zone),
        engineer_end=_wall_clock(booking.end_at, zone),
    )
