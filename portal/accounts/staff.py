"""The staff password rule, applied when staff sign in.

``StaffPasswordValidator`` checks a password when it is set, but a password can also reach a
staff account without that check: ``createsuperuser`` and the admin's "add user" set it before the
account is staff, and making an existing customer staff keeps the password they chose as a
customer. So the rule is checked again at every sign-in, where the password is at hand: a staff
member whose password falls short may sign in, but the support desk stays closed to them until
they have chosen a new one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from allauth.account.signals import password_changed, password_reset, password_set
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.validators import StaffPasswordValidator

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from portal.accounts.models import User

SESSION_FLAG = "staff_password_change_required"


def staff_password_falls_short(*, user: User, password: str) -> bool:
    """Whether ``password`` breaks the staff rule for this (staff) user."""
    if not getattr(user, "is_staff", False):
        return False
    options = next(
        (
            entry.get("OPTIONS", {})
            for entry in settings.AUTH_PASSWORD_VALIDATORS
            if entry["NAME"].endswith(".StaffPasswordValidator")
        ),
        {},
    )
    try:
        StaffPasswordValidator(**options).validate(password, user)
    except ValidationError:
        return True
    return False


@receiver(password_changed)
@receiver(password_set)
@receiver(password_reset)
def staff_password_cleared(
    sender: object, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A new password passed every validator, the staff rule included: the desk opens again."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_FLAG, None)


class StaffPasswordMiddleware:
    """Send staff whose password falls short of the rule to the password change page before
    any page of the support desk (``/admin/``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            request.path_info.startswith("/admin/")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and request.user.is_staff
            and request.session.get(SESSION_FLAG)
        ):
            messages.warning(
                request,
                _(
                    "Your password does not meet the rule for staff accounts (at least 14 "
                    "characters, letters and digits, not a common password). Please choose a new "
                    "one to open the support desk."
                ),
            )
            return redirect(f"{reverse('account_change_password')}?next={request.path}")
        return self.get_response(request)
