"""The mail provider's inbound webhook, made tolerant: no incoming mail is ever lost.

Only the configured provider's inbound route is mounted: anymail's tracking webhooks and the
other providers' inbound ones are not the portal's business and answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailConfigurationError
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import URLPattern, path

from portal.core.jsonlimits import JSONTooDeep, json_depth_check
from tickets.inbound import inbound_email_quarantine_unreadable

if TYPE_CHECKING:
    from anymail.signals import AnymailInboundEvent


class PostmarkInbound(PostmarkInboundWebhookView):
    """Postmark's inbound webhook; mail anymail cannot build a message from is quarantined.

    Without this, a malformed header (a line break in the subject, an unreadable sender) makes
    the webhook fail on every retry until the provider gives the mail up.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Bounded before anymail's json.loads recurses into it (portal.core.jsonlimits).
        self.run_validators(request)
        try:
            json_depth_check(request.body)
        except JSONTooDeep as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
        return super().post(request, *args, **kwargs)

    def parse_events(self, request: HttpRequest) -> list[AnymailInboundEvent]:
        events = super().parse_events(request)
        return [event for event in events if event is not None]

    def esp_to_anymail_event(self, esp_event: dict[str, Any]) -> AnymailInboundEvent | None:
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


# Providers whose inbound view here quarantines what anymail cannot parse.
TOLERANT_INBOUND = {"postmark": PostmarkInbound}


def inbound_urlpatterns(provider: str) -> list[URLPattern]:
    """The inbound route of one provider, as anymail names it, for ``/anymail/``; none for "".

    A provider without a view of its own here gets anymail's inbound view; one anymail has no
    inbound webhook for stops the start-up with ImproperlyConfigured.
    """
    provider = provider.strip().lower()
    if not provider:
        return []
    name = f"{provider}_inbound_webhook"
    tolerant = TOLERANT_INBOUND.get(provider)
    if tolerant is not None:
        return [path(f"{provider}/inbound/", tolerant.as_view(), name=name)]
    inbound = {
        pattern.name: pattern
        for pattern in anymail_urls.urlpatterns
        if (getattr(pattern, "name", None) or "").endswith("_inbound_webhook")
    }
    if name in inbound:
        return [inbound[name]]
    known = sorted({*TOLERANT_INBOUND, *(n.removesuffix("_inbound_webhook") for n in inbound)})
    raise ImproperlyConfigured(
        f"INBOUND_EMAIL_PROVIDER={provider!r} has no inbound webhook of its own; "
        f"use one of {', '.join(known)}, or leave it empty for none"
    )
