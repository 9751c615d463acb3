"""Cleaning of the free text people type into the portal's forms, one rule for every app."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError, CommonError


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int,
    required: bool = True,
    transform: Callable[[str], str] | None = None,
) -> str:
    """``value`` without surrounding white space, or an ``ApplicationError`` naming ``field``.

    ``transform`` (for instance the password masking of ticket text) runs on the stripped text
    before it is checked, so the limit applies to what is stored. An empty value is refused when
    ``required`` (code ``required``), a longer one than ``limit`` always (code ``too-long``).
    """
    value = (value or "").strip()
    if transform is not None:
        value = transform(value)
    if required and not value:
        raise ApplicationError(
            _("Please fill in %(field)s.") % {"field": field}, code=CommonError.REQUIRED
        )
    if len(value) > limit:
        raise ApplicationError(
            _("%(field)s is too long (at most %(limit)s characters).")
            % {"field": field, "limit": limit},
            code=CommonError.TOO_LONG,
        )
    return value
