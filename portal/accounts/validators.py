"""Password rules for staff: longer, mixed, and never a common password.

Customers keep Django's validators; staff accounts reach customers' data and entitlements,
so their passwords must be at least ``min_length`` characters with letters and digits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
    password_validators_help_text_html,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from portal.accounts.models import User


class StaffPasswordValidator:
    """For users with ``is_staff``: ``min_length`` characters, letters and digits, not common."""

    def __init__(self, min_length: int = 14) -> None:
        self.min_length = min_length
        self._common = CommonPasswordValidator()

    def validate(self, password: str, user: User | None = None) -> None:
        if user is None or not getattr(user, "is_staff", False):
            return
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _(
                        "Staff passwords must be at least %(min_length)d characters long; "
                        "this one has %(length)d."
                    ),
                    code="staff_password_too_short",
                    params={"min_length": self.min_length, "length": len(password)},
                )
            )
        if not (
            any(char.isalpha() for char in password) and any(char.isdigit() for char in password)
        ):
            errors.append(
                ValidationError(
                    _("Staff passwords must contain both letters and digits."),
                    code="staff_password_not_mixed",
                )
            )
        try:
            self._common.validate(password, user)
        except ValidationError:
            errors.append(
                ValidationError(
                    _("This password is too common; staff must choose one nobody else would."),
                    code="staff_password_too_common",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "Staff accounts need at least %(min_length)d characters with letters and digits, "
            "and not a common password."
        ) % {"min_length": self.min_length}


def customer_password_help_html() -> str:
    """The password rules a customer must meet, as a list; the staff rule is not theirs."""
    return password_validators_help_text_html(
        [v for v in get_default_password_validators() if not isinstance(v, StaffPasswordValidator)]
    )
