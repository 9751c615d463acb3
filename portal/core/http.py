"""The requests the portal's views receive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from portal.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request of a signed-in person: what views behind a sign-in (and the desk) receive."""

    user: User
