"""Changes the support desk makes that belong to no ticket's lifecycle."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from tickets import inbound
from tickets.models import InboundEmail


def inbound_emails_dismiss(*, mails: QuerySet[InboundEmail]) -> list[InboundEmail]:
    """Set the quarantined ones of ``mails`` aside for good and drop their kept files.

    Returns the mails dismissed; any other mail (already added to a ticket, say) is left as it is.
    """
    with transaction.atomic():
        quarantined = list(mails.filter(state=InboundEmail.State.QUARANTINED))
        InboundEmail.objects.filter(pk__in=[mail.pk for mail in quarantined]).update(
            state=InboundEmail.State.DISMISSED
        )
        inbound.inbound_email_files_drop(inbound_ids=[mail.pk for mail in quarantined])
    return quarantined
