"""The codes of the partner programme's refusals, as ``ApplicationError.code`` carries them.

The members are strings, so a code compares equal to its value wherever it is matched. The codes
of what a person typed (``required``, ``too-long``) are ``portal.core.errors.CommonError``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Why the partner programme refused a request."""

    # Applications and membership
    NOT_A_PARTNER = "not-a-partner"
    ALREADY_PARTNER = "already-partner"
    INVALID_COUNTRY = "invalid-country"
    INVALID_EMAIL = "invalid-email"
    APPLICATION_PENDING = "application-pending"
    LEVEL_REQUIRED = "level-required"
    ALREADY_DECIDED = "already-decided"
    # Members and invitations
    NOT_ADMINISTRATOR = "not-administrator"
    INVALID_ROLE = "invalid-role"
    ALREADY_MEMBER = "already-member"
    INVITATION_INVALID = "invitation-invalid"
    INVITATION_OTHER_ADDRESS = "invitation-other-address"
    LAST_ADMINISTRATOR = "last-administrator"
    # NFR agreement and licences
    AGREEMENT_OUTDATED = "agreement-outdated"
    NO_AGREEMENT = "no-agreement"
    AGREEMENT_REQUIRED = "agreement-required"
    ALLOWANCE_EXHAUSTED = "allowance-exhausted"
    # Pre- and post-sales help
    PRESALES_NOT_INCLUDED = "presales-not-included"
    POSTSALES_NOT_INCLUDED = "postsales-not-included"
    INVALID_SEATS = "invalid-seats"
    NOT_TECHNICAL = "not-technical"
