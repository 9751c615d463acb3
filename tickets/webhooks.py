"""The mail provider's inbound webhook, made tolerant: no incoming mail is ever lost."""

from __future__ import annotations

from anymail.exceptions import AnymailConfigurationError
from anymail.webhooks.postmark import PostmarkInboundWebhookView

from tickets.inbound import inbound_email_quarantine_unreadable


class PostmarkInbound(PostmarkInboundWebhookView):
    """Postmark's inbound webhook; mail anymail cannot build a message from is quarantined.

    Without this, a malformed header (a line break in the subject, an unreadable sender) makes
    the webhook fail on every retry until the provider gives the mail up.
    """

    def parse_events(self, request):
        events = super().parse_events(request)
        return [event for event in events if event is not None]

    def esp_to_anymail_event(self, esp_event):
        try:
            return super().esp_to_anymail_event(esp_event)
        except AnymailConfigurationError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            recipients = esp_event.get("ToFull") or []
            inbound_email_quarantine_unreadable(
                sender=str(
                    (esp_event.get("FromFull") or {}).get("Email") or esp_event.get("From") or ""
                ),
                recipient=str(
                    esp_event.get("OriginalRecipient")
                    or (recipients[0].get("Email") if recipients else "")
                ),
                subject=str(esp_event.get("Subject") or ""),
                body=str(esp_event.get("TextBody") or ""),
                reason=f"Unreadable mail ({type(exc).__name__}): {exc}",
                provider_id=str(esp_event.get("MessageID") or ""),
            )
            return None
