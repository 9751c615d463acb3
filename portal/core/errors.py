"""The one error type that services raise for a rule a caller broke."""

from __future__ import annotations


class ApplicationError(Exception):
    """A request that the rules refuse; ``message`` is safe to show to the person who asked."""

    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
