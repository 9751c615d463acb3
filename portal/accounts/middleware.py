from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone, translation
from django.utils.deprecation import MiddlewareMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from portal.accounts.models import User

# Set at sign-in for staff: the time zone of their support team, for the desk's times.
STAFF_TIME_ZONE = "staff_time_zone"


def activate_saved_language(request: HttpRequest, user: User | AnonymousUser | None) -> None:
    """Speak ``user``'s saved language unless this browser chose one explicitly."""
    if user is None or not user.is_authenticated or not user.language:
        return
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if user.language != translation.get_language():
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class UserLanguageMiddleware(MiddlewareMixin):
    """Apply a signed-in user's saved language (session users; API tokens: see authentication),
    and on the support desk (``/admin/``) show staff the times of their team's time zone, which
    sign-in noted in the session (so no request pays a query for it)."""

    def process_request(self, request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        activate_saved_language(request, user)
        if request.path_info.startswith("/admin/") and user is not None and user.is_staff:
            name = request.session.get(STAFF_TIME_ZONE)
            if name:
                with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
                    timezone.activate(ZoneInfo(name))

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        timezone.deactivate()
        return response
