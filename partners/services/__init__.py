"""Writes of the partners app: applications, members and invitations, NFR licences, and the
pre- and post-sales help of the ValueCREATE! programme.

Every function takes keyword arguments, runs in one transaction and raises ApplicationError
with a message for the person who asked when a rule refuses. Mails go through the outbox.
"""

from __future__ import annotations

from partners.services.applications import (
    application_approve,
    application_decline,
    application_submit,
)
from partners.services.help import (
    postsales_ticket_open,
    presales_request_decline,
    presales_request_forward,
    presales_request_submit,
)
from partners.services.members import (
    invitation_accept,
    invitation_send,
    invitation_withdraw,
    membership_remove,
)
from partners.services.nfr import (
    KEY_ALPHABET,
    KEY_GROUP_LENGTH,
    KEY_GROUPS,
    nfr_agreement_accept,
    nfr_expiry_reminders_send,
    nfr_licence_approve,
    nfr_licence_decline,
    nfr_licence_key,
    nfr_licence_request,
)

__all__ = [
    "KEY_ALPHABET",
    "KEY_GROUPS",
    "KEY_GROUP_LENGTH",
    "application_approve",
    "application_decline",
    "application_submit",
    "invitation_accept",
    "invitation_send",
    "invitation_withdraw",
    "membership_remove",
    "nfr_agreement_accept",
    "nfr_expiry_reminders_send",
    "nfr_licence_approve",
    "nfr_licence_decline",
    "nfr_licence_key",
    "nfr_licence_request",
    "postsales_ticket_open",
    "presales_request_decline",
    "presales_request_forward",
    "presales_request_submit",
]
