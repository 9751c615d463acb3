"""Checks of what customers type into single-value fields of a request."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tickets.errors import ErrorCode

# The IDs the remote-assistance tools show. Anything more than the ID is refused rather than
# stored: customers add the tool's password to the ID ("123 456 789 pw x7k2pq"), and the ID is
# shown to every engineer, unmasked.
#
# TeamViewer and AnyDesk: 9 or 10 digits, shown in groups of three ("1 234 567 890").
# Windows Quick Assist: a 6-digit security code.
_DIGITS = re.compile(r"\d+|\d{1,3}(?:[ -]\d{3})+")
_DIGIT_COUNTS = {6, 9, 10}
# An AnyDesk alias: a name and the namespace, "frontdesk@ad" (companies have their own).
_ALIAS = re.compile(r"[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", re.I)

REMOTE_ID_FORMATS = _(
    "Enter only the ID your remote-assistance tool shows: a TeamViewer or AnyDesk ID of 9 or 10 "
    "digits (e.g. 123 456 789), an AnyDesk alias such as name@ad, or the 6-digit code of "
    "Windows Quick Assist. Never add a password."
)


def remote_id_clean(value: str) -> str:
    """Return the remote-assistance ID as stored (digits without spaces), or raise.

    An empty value stays empty: the ID is optional.
    """
    value = " ".join((value or "").split())
    if not value:
        return ""
    if _DIGITS.fullmatch(value):
        digits = re.sub(r"[ -]", "", value)
        if len(digits) in _DIGIT_COUNTS:
            return digits
    elif _ALIAS.fullmatch(value):
        return value.lower()
    raise ValidationError(REMOTE_ID_FORMATS, code=ErrorCode.INVALID_REMOTE_ID)
