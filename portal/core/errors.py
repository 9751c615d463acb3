"""The one error type that services raise for a rule a caller broke, and its common codes.

Each app names its own codes in an ``ErrorCode`` string enum (``tickets.errors``,
``entitlements.errors``, ``partners.errors``); the codes below belong to every app. Because the
members are strings, a code compares equal to its value and serialises as it in the API.
"""

from __future__ import annotations

from enum import StrEnum


class CommonError(StrEnum):
    """Codes any service may raise for what a person typed."""

    INVALID = "invalid"
    REQUIRED = "required"
    TOO_LONG = "too-long"


class ApplicationError(Exception):
    """A request that the rules refuse; ``message`` is safe to show to the person who asked."""

    def __init__(
        self, message: str, *, code: str = CommonError.INVALID, extra: dict | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
