"""The codes the tickets app answers with when its rules refuse something.

They are carried by ``ApplicationError.code`` (and a ``ValidationError``'s code), and the API and
the pages match on them to show a message next to the field at fault. The members are strings,
so a code compares equal to its value and serialises as it. The common codes (``invalid``,
``required``, ``too-long``) are in ``portal.core.errors.CommonError``; what the entitlement
rules refuse (``unknown-product``, ``invalid-category``, ...) is ``entitlements.errors.ErrorCode``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every code the tickets app raises or refuses a request with."""

    # Opening a request: what the customer filled in.
    INVALID_LANGUAGE = "invalid-language"
    REMOTE_ID_NOT_NEEDED = "remote-id-not-needed"
    INVALID_REMOTE_ID = "invalid-remote-id"
    PHONE_REQUIRED = "phone-required"

    # Attachments of a message.
    FILE_TOO_LARGE = "file-too-large"
    FILE_EMPTY = "file-empty"
    FILE_CONTENT_MISMATCH = "file-content-mismatch"
    FILE_TYPE = "file-type"
    TOO_MANY_FILES = "too-many-files"
    TICKET_FILES_TOO_LARGE = "ticket-files-too-large"

    # Where the request stands: answering, reopening, closing.
    INVALID_TRANSITION = "invalid-transition"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    PROPOSAL_WITHDRAWN = "proposal-withdrawn"
    NO_PROPOSAL = "no-proposal"

    # Staff work on a request.
    NOT_STAFF = "not-staff"
    INVALID_PRIORITY = "invalid-priority"
    ARTICLE_NOT_PUBLISHED = "article-not-published"

    # Macros: canned responses.
    MACRO_NOT_AVAILABLE = "macro-not-available"
    MACRO_OTHER_LANGUAGE = "macro-other-language"

    # E-mails waiting for staff (quarantine).
    FORBIDDEN = "forbidden"
    NOT_QUARANTINED = "not-quarantined"
    UNKNOWN_TICKET = "unknown-ticket"


# The codes of a refused attachment: the message belongs next to the files field.
FILE_ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode.FILE_TOO_LARGE,
    ErrorCode.FILE_EMPTY,
    ErrorCode.FILE_CONTENT_MISMATCH,
    ErrorCode.FILE_TYPE,
    ErrorCode.TOO_MANY_FILES,
    ErrorCode.TICKET_FILES_TOO_LARGE,
)
