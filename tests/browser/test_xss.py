"""Customer text is shown as text and never runs: subject, description, comments, file names
and messages that came in by e-mail, on the list, the request page and the private link page."""

from __future__ import annotations

import secrets

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from tests.factories import PASSWORD, UserFactory, grant
from tickets import services
from tickets.models import Attachment, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    '<iframe srcdoc="<script>parent.__xss=1</script>">',
    "<details open ontoggle=alert(document.domain)>x</details>",
]
IDS = ["script", "img-onerror", "svg-onload", "javascript-url", "iframe-srcdoc", "alert"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()


def ticket_with_payload(payload: str):
    """A ticket whose every piece of customer text is ``payload``."""
    catalogue_load()
    customer = UserFactory(email="mallory@example.com", name="Mallory", country="US")
    grant(customer, "premium")
    created = services.ticket_create(
        customer=customer,
        product="professional",
        version="21.2",
        category="technical",
        subject=payload,
        description=payload,
        files=[SimpleUploadedFile(f"{payload}.log", b"log line\n", content_type="text/plain")],
    )
    ticket = created.ticket
    comment = services.ticket_customer_message(ticket=ticket, body=payload)
    services.ticket_customer_message(ticket=ticket, body=payload, via=Message.Via.EMAIL)
    # A file name exactly as typed, as if stored before names were cleaned: the page escapes it.
    raw = Attachment(
        message=comment,
        ticket_id_ref=ticket.ticket_id,
        storage_key=secrets.token_hex(16),
        name=f"{payload}.log",
        content_type="text/plain",
        size=9,
        sha256="0" * 64,
    )
    raw.file.save(raw.storage_key, ContentFile(b"log line\n"), save=False)
    raw.save()
    return customer, ticket, created.link_token


def open_and_check(page, url: str, dialogs: list[str]):
    response = page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # give an injected onerror/onload handler the chance to run
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
    assert len(page.frames) == 1  # no injected iframe
    return response


def watch_dialogs(page) -> list[str]:
    dialogs: list[str] = []

    def record(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return dialogs


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_payloads_are_shown_as_text_and_never_run(page, live_server, new_browser, payload):
    customer, ticket, token = ticket_with_payload(payload)
    dialogs = watch_dialogs(page)
    sign_in(page, live_server.url, customer.email)

    open_and_check(page, f"{live_server.url}/tickets/", dialogs)
    expect(page.locator(".tickets-table tbody")).to_contain_text(payload)

    open_and_check(page, f"{live_server.url}/tickets/{ticket.ticket_id}/", dialogs)
    expect(page.get_by_role("heading", level=1)).to_have_text(payload)
    expect(page.locator(".thread-body").filter(has_text=payload)).to_have_count(3)
    expect(page.locator(".attachments a").filter(has_text=f"{payload}.log")).to_have_count(1)
    assert page.title().startswith(f"{ticket.ticket_id} · {payload}")

    context = new_browser()
    visitor = context.pages[0] if context.pages else context.new_page()
    visitor_dialogs = watch_dialogs(visitor)
    open_and_check(visitor, f"{live_server.url}/t/{token}/", visitor_dialogs)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(payload)
    expect(visitor.locator(".thread-body").filter(has_text=payload)).to_have_count(3)
    expect(visitor.locator(".attachments a").filter(has_text=f"{payload}.log")).to_have_count(1)
