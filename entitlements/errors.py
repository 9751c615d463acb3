"""The codes the entitlements app answers with when its rules refuse something.

They are carried by ``ApplicationError.code`` and by a refused decision's ``reason_code``, and
the API and the pages match on them. The members are strings, so a code compares equal to its
value and serialises as it; the common codes (``invalid``, ``required``, ``too-long``) are in
``portal.core.errors.CommonError``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every code the entitlements app raises or refuses a request with."""

    # What was asked for: product, question, channel, version.
    UNKNOWN_PRODUCT = "unknown-product"
    INVALID_CATEGORY = "invalid-category"
    INVALID_CHANNEL = "invalid-channel"
    UNKNOWN_VERSION = "unknown-version"

    # Why a request may not be opened (a refused decision's reason code).
    VERSION_UNSUPPORTED = "version-unsupported"
    PARTNER_ONLY = "partner-only"
    RESTORE_NOT_COVERED = "restore-not-covered"
    CATEGORY_NOT_COVERED = "category-not-covered"
    CHANNEL_NOT_COVERED = "channel-not-covered"
    CREDIT_USED = "credit-used"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    NO_ENTITLEMENT = "no-entitlement"

    # Giving back, granting, extending and revoking entitlements.
    REASON_REQUIRED = "reason-required"
    NOT_USED = "not-used"
    ALREADY_GIVEN_BACK = "already-given-back"
    INVALID_QUANTITY = "invalid-quantity"
    OFFERING_NOT_FOR_PRODUCT = "offering-not-for-product"
    NO_TERM = "no-term"
    ALREADY_REVOKED = "already-revoked"

    # Registering a licence or an evaluation.
    KEY_REQUIRED = "key-required"
    INVALID_KIND = "invalid-kind"
    KEY_TAKEN = "key-taken"
    LICENCE_UNKNOWN = "licence-unknown"
    KEY_IS_LICENCE = "key-is-licence"

    # Orders from the shop, claiming them, and buying in the portal.
    NO_SECRET = "no-secret"  # noqa: S105 - the code for a missing secret, not a secret
    BAD_SIGNATURE = "bad-signature"
    MALFORMED = "malformed"
    ORDER_TAKEN = "order-taken"
    ORDER_NOT_FOUND = "order-not-found"
    LOCAL_CHECKOUT_OFF = "local-checkout-off"
    EMPTY_CART = "empty-cart"
    NOT_SOLD = "not-sold"

    # Calls that arrange a Setup or Restore session.
    NOT_ARRANGED = "not-arranged"
    CALL_NOT_DUE = "call-not-due"

    # Announcing releases.
    RELEASE_IS_BETA = "release-is-beta"
