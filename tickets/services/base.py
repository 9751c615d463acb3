"""Shared pieces of the ticket services: history events, row locks, reply tokens, the
customer's notification mails, attachments and the text rules."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode as EntitlementCode
from entitlements.models import Category
from knowledge import selectors as knowledge_selectors
from knowledge.models import Article
from portal.core import services as outbox
from portal.core.errors import ApplicationError
from portal.core.text import clean_text
from tickets import attachments as attachment_checks
from tickets import links
from tickets.errors import ErrorCode
from tickets.models import (
    Attachment,
    Message,
    ReplyToken,
    Ticket,
    TicketEvent,
)
from tickets.text import mask_passwords

if TYPE_CHECKING:
    from portal.accounts.models import User

logger = logging.getLogger(__name__)


CALLBACK_HOURS = 3
LAST_ATTEMPT_GRACE = timedelta(days=1)
# Partners' pre- and post-sales requests are answered online within a business day.
PARTNER_FIRST_RESPONSE_DAYS = 1
# The entitlement decision's answer to a pre- or post-sales request: a partner-level service.
PARTNER_ONLY_REFUSAL = EntitlementCode.PARTNER_ONLY
CLOSURE_PROPOSED = TicketEvent.Action.CLOSURE_PROPOSED
CLOSURE_WITHDRAWN = TicketEvent.Action.CLOSURE_WITHDRAWN


def _event(
    ticket: Ticket,
    action: TicketEvent.Action,
    *,
    actor: User | None = None,
    before: str = "",
    detail: str = "",
) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        action=action,
        from_status=before,
        to_status=ticket.status,
        detail=detail[:300],
    )


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: transitions never work on a stale status."""
    return (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "product")
        .get(pk=ticket.pk)
    )


def _require(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    if ticket.status not in allowed:
        raise ApplicationError(
            _("Request %(id)s is %(status)s: it cannot be %(action)s.")
            % {"id": ticket.ticket_id, "status": ticket.get_status_display(), "action": action},
            code=ErrorCode.INVALID_TRANSITION,
        )


# 160 random bits as 32 characters of lower-case base32: mail systems may change the case of an
# address, and the local part "reply+<ticket ID>.<token>" must stay within its 64 characters.
REPLY_TOKEN_BYTES = 20


def reply_address(ticket: Ticket, token: str) -> str:
    return f"reply+{ticket.ticket_id}.{token}@{settings.INBOUND_EMAIL_DOMAIN}"


def reply_token_hash(token: str) -> str:
    return hashlib.sha256(token.lower().encode()).hexdigest()


def _reply_tokens_issue(*, tickets: Sequence[Ticket], supersede: bool = True) -> list[str]:
    """Give one mail to each ticket a fresh reply token; return them (they are never stored).

    The tickets' current tokens are superseded now (one UPDATE), and they keep working for the
    grace period; the new ones go in with one INSERT. A ticket just created has none to
    supersede.
    """
    if not tickets:
        return []
    now = timezone.now()
    if supersede:
        ReplyToken.objects.filter(
            ticket_id__in=[ticket.pk for ticket in tickets], superseded_at__isnull=True
        ).update(superseded_at=now)
    tokens = [
        base64.b32encode(secrets.token_bytes(REPLY_TOKEN_BYTES)).decode().lower()
        for _ticket in tickets
    ]
    ReplyToken.objects.bulk_create(
        ReplyToken(ticket=ticket, token_hash=reply_token_hash(token), created_at=now)
        for ticket, token in zip(tickets, tokens, strict=True)
    )
    return tokens


def _mail_context(ticket: Ticket, token: str, **extra: Any) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "customer": ticket.customer,
        "link": links.link_url(token),
        **extra,
    }


def _may_receive_mail(ticket: Ticket) -> bool:
    """A post-sales request is mailed only to a current technical representative."""
    # Imported here: partners sit above tickets (they open requests).
    from partners import selectors as partner_selectors

    if ticket.category != Category.POST_SALES:
        return True
    return partner_selectors.is_technical_representative(
        user=ticket.customer, organisation_id=ticket.partner_organisation_id
    )


def _notify(ticket: Ticket, template: str, **extra: Any) -> None:
    """Mail the customer about their ticket, with a fresh private link and the reply address."""
    if not _may_receive_mail(ticket):
        logger.info("No %s mail for %s: not a technical representative", template, ticket)
        return
    token = links.link_issue(ticket=ticket)
    (reply_token,) = _reply_tokens_issue(tickets=[ticket])
    outbox.email_enqueue_template(
        to=ticket.customer.email,
        template=template,
        context=_mail_context(ticket, token, **extra),
        language=ticket.language,
        tag=template,
        reply_to=reply_address(ticket, reply_token),
    )


def _store_attachments(
    message: Message, files: Sequence[attachment_checks.CheckedFile]
) -> list[Attachment]:
    stored = []
    for checked in files:
        attachment = Attachment(
            message=message,
            ticket_id_ref=message.ticket.ticket_id,
            storage_key=secrets.token_hex(16),
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        attachment.file.save(attachment.storage_key, checked.upload, save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def _stored_bytes(ticket: Ticket) -> int:
    return sum(Attachment.objects.filter(message__ticket=ticket).values_list("size", flat=True))


def _clean_text(value: str, *, field: str, limit: int) -> str:
    return clean_text(value, field=field, limit=limit, transform=mask_passwords)


def article_public_url(article: Article) -> str:
    """Return the absolute address of a help-centre article, as a customer opens it."""
    return settings.SITE_URL + reverse("knowledge:article", args=[article.slug])


def _published(article: Article) -> Article:
    """Re-read ``article`` and refuse it unless it is published (now, not when the form was)."""
    published = knowledge_selectors.published_articles().filter(pk=article.pk).first()
    if published is None:
        raise ApplicationError(
            _("The article “%(title)s” is not published in the help centre.")
            % {"title": article.title},
            code=ErrorCode.ARTICLE_NOT_PUBLISHED,
        )
    return published


def _with_article_link(body: str, article: Article | None) -> str:
    """The reply's text, cleaned, with the article's title and address at the end."""
    if article is None:
        return _clean_text(body, field=_("the reply"), limit=20000)
    link = f"{article.title}: {article_public_url(article)}"
    if not (body or "").strip():
        return link
    return f"{_clean_text(body, field=_('the reply'), limit=20000)}\n\n{link}"
