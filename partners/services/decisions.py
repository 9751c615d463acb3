"""Staff decisions on what a partner asked for: an application to join, an NFR licence, a
pre-sales request.

Each request is decided once: the row is locked and must still be waiting, the decision is
stamped with who made it and when, and the person who asked is mailed the outcome. A decline
always carries the reason they read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from partners.errors import ErrorCode
from partners.services.common import language_of, mail
from portal.core.errors import ApplicationError
from portal.core.text import clean_text

if TYPE_CHECKING:
    from portal.accounts.models import User

# Sets the columns a decision adds to the request (given the time of the decision) and returns
# their names.
Change = Callable[[Any, datetime], list[str]]


@dataclass(frozen=True)
class RequestKind:
    """What differs between the kinds of request staff decide on."""

    # The status of a request that awaits a decision, and that of a declined one.
    waiting: str
    declined: str
    # The field holding the person who asked, who hears of the decision.
    asker: str
    # What the mail templates call the request.
    mail_name: str
    # The refusal for a request someone has decided already.
    decided_message: Callable[[Any], str]
    # Loaded with the locked row, for the mails and the decision.
    related: tuple[str, ...] = ()


def lock_waiting(kind: RequestKind, record: Any) -> Any:
    """``record`` read again and locked, if it still awaits a decision; else a refusal."""
    queryset = type(record).objects.select_for_update(of=("self",))
    if kind.related:
        queryset = queryset.select_related(*kind.related)
    record = queryset.get(pk=record.pk)
    if record.status != kind.waiting:
        raise ApplicationError(kind.decided_message(record), code=ErrorCode.ALREADY_DECIDED)
    return record


def tell(kind: RequestKind, record: Any, template: str, **context: object) -> None:
    """Mail the person who asked for ``record`` with ``template``, in their language."""
    asker = getattr(record, kind.asker)
    mail(
        to=asker.email,
        template=template,
        language=language_of(asker),
        **{kind.mail_name: record},
        **context,
    )


def decide(
    kind: RequestKind,
    record: Any,
    *,
    status: str,
    actor: User,
    change: Change | None = None,
    reason: str = "",
    template: str = "",
    **context: object,
) -> Any:
    """Give ``record`` the ``status`` staff chose, if it still awaits a decision.

    ``change`` adds what the decision brings (a licence key, a ticket); ``template``, when
    given, is the mail that tells the person who asked, with ``context`` besides the request.
    Returns the request as saved.
    """
    record = lock_waiting(kind, record)
    now = timezone.now()
    fields = change(record, now) if change is not None else []
    record.status = status
    record.decided_at = now
    record.decided_by = actor
    changed = ["status", "decided_at", "decided_by", *fields]
    if reason:
        record.decline_reason = reason
        changed.append("decline_reason")
    record.save(update_fields=changed)
    if template:
        tell(kind, record, template, **context)
    return record


def decline(kind: RequestKind, record: Any, *, reason: str, actor: User, template: str) -> Any:
    """Decline ``record`` for ``reason`` and mail the person who asked with ``template``."""
    reason = clean_text(reason, field=_("the reason"), limit=300)
    return decide(kind, record, status=kind.declined, actor=actor, reason=reason, template=template)
