"""Incoming e-mail from the mail provider's webhook (anymail's ``inbound`` signal)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from anymail.signals import inbound
from django.dispatch import receiver

from tickets.inbound import inbound_email_receive

if TYPE_CHECKING:
    from anymail.signals import AnymailInboundEvent


@receiver(inbound, dispatch_uid="tickets.inbound_email_receive")
def receive_inbound_email(
    sender: object, event: AnymailInboundEvent, esp_name: str, **kwargs: Any
) -> None:
    # Refusals are recorded in the quarantine by the service; anything unexpected propagates,
    # so the webhook answers 500 and the provider delivers the mail again later.
    inbound_email_receive(message=event.message, provider_id=event.event_id or "")
