"""Writes of the contact route: a sales question goes to the sales inbox through the outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation

from portal.core.models import OutboundEmail
from portal.core.services import email_enqueue


def contact_message_send(
    *, name: str, email: str, topic: str, topic_label: str, message: str
) -> OutboundEmail:
    """Queue the visitor's question for the sales inbox; replies go straight to the visitor."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    body = "\n".join(
        [
            f"Name: {name}",
            f"E-mail: {email}",
            f"Topic: {topic_label} ({topic})",
            f"Language: {language}",
            "",
            message,
        ]
    )
    with transaction.atomic():
        return email_enqueue(
            to=settings.SALES_EMAIL,
            subject=f"[NovaDesk contact] {topic_label}: {name}",
            body_text=body,
            tag="contact",
            language="en",
            reply_to=email,
        )
