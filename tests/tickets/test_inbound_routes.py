"""Only the configured mail provider's inbound webhook is mounted under /anymail/."""

from __future__ import annotations

import base64
import importlib
import json

import pytest
from anymail import urls as anymail_urls
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from django.core.exceptions import ImproperlyConfigured
from django.urls import Resolver404, clear_url_caches, resolve
from django.urls.resolvers import RoutePattern

import portal.urls
from tests.tickets.conftest import reply_address
from tickets import webhooks
from tickets.models import InboundEmail, Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

CREDENTIALS = "inbound:secret"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(CREDENTIALS.encode()).decode()}

# Every URL anymail offers but Postmark's inbound one (Mailgun's inbound route is a regex).
OTHER_ANYMAIL_URLS = sorted(
    {
        f"/anymail/{pattern.pattern}"
        for pattern in anymail_urls.urlpatterns
        if isinstance(pattern.pattern, RoutePattern) and pattern.name != "postmark_inbound_webhook"
    }
    | {"/anymail/mailgun/inbound/", "/anymail/mailgun/inbound_mime/"}
)


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": CREDENTIALS}


@pytest.fixture
def mount(settings):
    """Build the portal's URLs afresh under another INBOUND_EMAIL_PROVIDER."""
    configured = settings.INBOUND_EMAIL_PROVIDER

    def remount(provider: str) -> None:
        settings.INBOUND_EMAIL_PROVIDER = provider
        clear_url_caches()
        importlib.reload(portal.urls)

    yield remount
    remount(configured)


def postmark_mail(to: str, text: str = "Here is the log.") -> str:
    return json.dumps(
        {
            "From": "paula@example.com",
            "FromFull": {"Email": "paula@example.com", "Name": "Paula Premium"},
            "To": to,
            "ToFull": [{"Email": to, "Name": ""}],
            "OriginalRecipient": to,
            "Subject": "Re: Backup job fails",
            "MessageID": "route-test",
            "TextBody": text,
            "Headers": [],
            "Attachments": [],
        }
    )


def view_class(url: str):
    return resolve(url).func.view_class


def test_postmarks_inbound_webhook_is_the_tolerant_one_and_threads_a_reply(client, open_ticket):
    assert view_class("/anymail/postmark/inbound/") is webhooks.PostmarkInbound

    response = client.post(
        "/anymail/postmark/inbound/",
        postmark_mail(reply_address(open_ticket)),
        content_type="application/json",
        **AUTH,
    )

    assert response.status_code == 200
    assert InboundEmail.objects.get().state == InboundEmail.State.THREADED


def test_the_default_provider_is_postmark(settings):
    assert settings.INBOUND_EMAIL_PROVIDER == "postmark"


@pytest.mark.parametrize("url", OTHER_ANYMAIL_URLS)
def test_every_other_anymail_url_answers_404(client, url):
    response = client.post(url, "{}", content_type="application/json", **AUTH)

    assert response.status_code == 404


def test_the_list_of_other_urls_has_tracking_and_other_providers_inbound():
    assert {
        "/anymail/postmark/tracking/",
        "/anymail/mailgun/inbound/",
        "/anymail/sendgrid/tracking/",
        "/anymail/sendgrid/inbound/",
        "/anymail/mandrill/",
        "/anymail/amazon_ses/tracking/",
    } <= set(OTHER_ANYMAIL_URLS)
    assert len(OTHER_ANYMAIL_URLS) >= 25


def test_another_provider_gets_anymails_inbound_view_and_only_that(client, mount, open_ticket):
    mount("mailjet")

    assert view_class("/anymail/mailjet/inbound/") is MailjetInboundWebhookView
    for url in ("/anymail/postmark/inbound/", "/anymail/mailjet/tracking/"):
        with pytest.raises(Resolver404):
            resolve(url)
        assert client.post(url, "{}", content_type="application/json", **AUTH).status_code == 404

    mail = {
        "Sender": "paula@example.com",
        "Recipient": reply_address(open_ticket),
        "Headers": {
            "From": "Paula Premium <paula@example.com>",
            "To": reply_address(open_ticket),
            "Subject": "Re: Backup job fails",
        },
        "Text-part": "Sent through Mailjet.",
    }
    response = client.post(
        "/anymail/mailjet/inbound/", json.dumps(mail), content_type="application/json", **AUTH
    )

    assert response.status_code == 200
    assert InboundEmail.objects.get().state == InboundEmail.State.THREADED
    assert open_ticket.messages.filter(via=Message.Via.EMAIL).get().body == "Sent through Mailjet."


def test_mailguns_inbound_route_keeps_both_of_its_forms(mount):
    mount("Mailgun")

    assert view_class("/anymail/mailgun/inbound/") is MailgunInboundWebhookView
    assert view_class("/anymail/mailgun/inbound_mime/") is MailgunInboundWebhookView
    with pytest.raises(Resolver404):
        resolve("/anymail/mailgun/tracking/")


def test_an_empty_provider_mounts_no_inbound_route(mount):
    mount("")

    for url in ("/anymail/postmark/inbound/", "/anymail/mailgun/inbound/"):
        with pytest.raises(Resolver404):
            resolve(url)
    assert webhooks.inbound_urlpatterns("") == []


@pytest.mark.parametrize("provider", ["nosuchmail", "unisender_go", "mandrill"])
def test_a_provider_without_an_inbound_webhook_stops_the_start(mount, provider):
    with pytest.raises(ImproperlyConfigured, match=f"INBOUND_EMAIL_PROVIDER='{provider}'"):
        webhooks.inbound_urlpatterns(provider)
    with pytest.raises(ImproperlyConfigured, match=provider):
        mount(provider)
