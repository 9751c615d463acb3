"""OnSite Protect pages of partners: their bookings and the booking form, one booking, its
calendar file. Only members of an organisation whose level includes OnSite Protect book; a
booking is seen only by members of its organisation."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onsite import calendar, selectors, services
from onsite.forms import BookingForm
from onsite.models import Booking, BookingStatus
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest

PAGE_SIZE = 25


@lru_cache(maxsize=1)
def _time_zones() -> list[str]:
    return sorted(name for name in available_timezones() if "/" in name and "Etc/" not in name)


def _not_included(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Explain why OnSite Protect cannot be booked: not a partner, or not at this level."""
    return render(
        request,
        "onsite/not_included.html",
        {
            "memberships": selectors.partner_memberships(user=request.user),
            "levels": selectors.levels_with_onsite(),
        },
        status=403,
    )


def _booking_for_member(request: AuthenticatedHttpRequest, booking_id: int) -> Booking:
    """A booking of the signed-in member's organisation; any other is "not found"."""
    booking = selectors.booking_for_user(user=request.user, booking_id=booking_id)
    if booking is None:
        raise Http404
    return booking


def _initial(request: AuthenticatedHttpRequest) -> dict:
    from teams import selectors as team_selectors

    try:
        return {"time_zone": team_selectors.team_for_user(user=request.user).time_zone}
    except ObjectDoesNotExist:
        return {}


@login_required
@require_http_methods(["GET", "POST"])
def booking_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = selectors.onsite_organisations(user=request.user)
    if not organisations:
        return _not_included(request)
    form = BookingForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial=_initial(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_request(
                organisation=data["organisation"],
                requested_by=request.user,
                product=data["product"],
                customer_name=data["customer_name"],
                site_name=data["site_name"],
                day=data["day"],
                start=data["start"],
                end=data["end"],
                time_zone=data["time_zone"],
                contact_phone=data["contact_phone"],
                notes=data["notes"],
            )
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                _("Booking %(reference)s has been requested. We will confirm it by e-mail.")
                % {"reference": booking.reference},
            )
            return redirect("onsite:detail", booking_id=booking.pk)
    page = Paginator(selectors.bookings_for_user(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "onsite/list.html",
        {"form": form, "page": page, "time_zones": _time_zones()},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def booking_detail(request: AuthenticatedHttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for_member(request, booking_id)
    return render(
        request,
        "onsite/detail.html",
        {
            "booking": booking,
            "can_cancel": booking.status in services.OPEN_STATES
            and booking.start_at > timezone.now(),
            "is_confirmed": booking.status == BookingStatus.CONFIRMED,
        },
    )


@login_required
@require_GET
def booking_calendar(request: AuthenticatedHttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for_member(request, booking_id)
    response = HttpResponse(
        calendar.booking_calendar(booking=booking, language=get_language()),
        content_type=f"{calendar.CONTENT_TYPE}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{calendar.booking_filename(booking)}"'
    return response


@login_required
@require_POST
def booking_cancel(request: AuthenticatedHttpRequest, booking_id: int) -> HttpResponse:
    booking = _booking_for_member(request, booking_id)
    try:
        services.booking_cancel(booking=booking, cancelled_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Booking %(reference)s is cancelled.") % {"reference": booking.reference},
        )
    return redirect("onsite:detail", booking_id=booking.pk)
