"""Who reaches which request: the owner only, a valid private link only its own ticket."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, grant
from tests.tickets.test_pages import create_ticket, log_file
from tickets import links, services
from tickets.models import AccessLink, Attachment, Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday", "media_root")]

# Every POST action of a ticket page, with valid data.
ACTIONS = [
    {"action": "comment", "body": "Let me in"},
    {"action": "close"},
    {"action": "reopen", "comment": "Let me in"},
    {"action": "agree"},
]
ACTION_IDS = [action["action"] for action in ACTIONS]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def mine(premium_customer):
    """Paula's ticket with a file."""
    return create_ticket(premium_customer, subject="My own request", files=[log_file()])


@pytest.fixture
def theirs(releases):
    """Another customer's ticket with a file."""
    other = UserFactory(email="olga@example.com", name="Olga Other")
    grant(other, "premium")
    return create_ticket(
        other, subject="Olga's private request", files=[log_file("olga.log", b"olga secret\n")]
    )


def attachment_of(ticket) -> Attachment:
    return Attachment.objects.filter(message__ticket=ticket).order_by("pk").first()


def ticket_urls(ticket) -> dict[str, str]:
    return {
        "detail": reverse("tickets:detail", kwargs={"ticket_id": ticket.ticket_id}),
        "attachment": reverse(
            "tickets:attachment",
            kwargs={"ticket_id": ticket.ticket_id, "attachment_id": attachment_of(ticket).pk},
        ),
    }


def link_urls(token: str, attachment_id: int) -> dict[str, str]:
    return {
        "detail": reverse("ticket_links:detail", kwargs={"token": token}),
        "attachment": reverse(
            "ticket_links:attachment", kwargs={"token": token, "attachment_id": attachment_id}
        ),
    }


def note_with_file(ticket, engineer) -> Attachment:
    """An internal note carrying a file (as the support desk may attach one)."""
    note = services.ticket_note(ticket=ticket, engineer=engineer, body="Internal: see dump")
    attachment = Attachment(
        message=note,
        ticket_id_ref=ticket.ticket_id,
        storage_key=secrets.token_hex(16),
        name="internal-dump.txt",
        content_type="text/plain",
        size=13,
        sha256="0" * 64,
    )
    attachment.file.save(attachment.storage_key, ContentFile(b"internal only"), save=False)
    attachment.save()
    return attachment


def assert_unchanged(ticket) -> None:
    before = (ticket.status, ticket.messages.count())
    ticket.refresh_from_db()
    assert (ticket.status, ticket.messages.count()) == before


class TestAnotherCustomersTicket:
    @pytest.fixture
    def signed_in(self, client, premium_customer, mine):
        client.force_login(premium_customer)
        return client

    @pytest.mark.parametrize("page", ["detail", "attachment"])
    def test_pages_are_not_found(self, signed_in, theirs, page):
        assert signed_in.get(ticket_urls(theirs)[page]).status_code == 404

    @pytest.mark.parametrize("data", ACTIONS, ids=ACTION_IDS)
    def test_actions_are_not_found_and_change_nothing(self, signed_in, theirs, data):
        response = signed_in.post(ticket_urls(theirs)["detail"], data)

        assert response.status_code == 404
        assert_unchanged(theirs)

    def test_my_attachment_under_their_ticket_id_is_not_found(self, signed_in, mine, theirs):
        url = reverse(
            "tickets:attachment",
            kwargs={"ticket_id": theirs.ticket_id, "attachment_id": attachment_of(mine).pk},
        )
        assert signed_in.get(url).status_code == 404

    def test_their_attachment_under_my_ticket_id_is_not_found(self, signed_in, mine, theirs):
        url = reverse(
            "tickets:attachment",
            kwargs={"ticket_id": mine.ticket_id, "attachment_id": attachment_of(theirs).pk},
        )
        assert signed_in.get(url).status_code == 404

    def test_an_unknown_ticket_id_is_not_found(self, signed_in):
        url = reverse("tickets:detail", kwargs={"ticket_id": "NS-2026-999999"})
        assert signed_in.get(url).status_code == 404

    def test_their_ticket_is_not_listed(self, signed_in, theirs):
        content = signed_in.get(reverse("tickets:list")).content.decode()

        assert theirs.ticket_id not in content
        assert "My own request" in content


class TestAnonymous:
    @pytest.mark.parametrize("page", ["list", "new", "detail", "attachment"])
    def test_pages_redirect_to_sign_in(self, client, mine, page):
        url = {
            "list": reverse("tickets:list"),
            "new": reverse("tickets:new"),
            **ticket_urls(mine),
        }[page]

        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

    @pytest.mark.parametrize("data", [*ACTIONS, {"check": "1"}], ids=[*ACTION_IDS, "new"])
    def test_posts_redirect_to_sign_in(self, client, mine, data):
        url = reverse("tickets:new") if "check" in data else ticket_urls(mine)["detail"]

        response = client.post(url, data)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert_unchanged(mine)


class TestPrivateLinks:
    @pytest.fixture
    def token(self, mine):
        return links.link_issue(ticket=mine)

    @pytest.mark.parametrize("page", ["detail", "attachment"])
    @pytest.mark.parametrize("bad", ["unknown", "revoked", "expired", "too-long"])
    def test_bad_links_are_not_found(self, client, mine, token, bad, page):
        if bad == "unknown":
            token = secrets.token_urlsafe(32)
        elif bad == "too-long":
            token = "x" * 101
        elif bad == "revoked":
            links.links_revoke(ticket=mine, reason="Forwarded by mistake")
        else:
            AccessLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

        response = client.get(link_urls(token, attachment_of(mine).pk)[page])

        assert response.status_code == 404

    @pytest.mark.parametrize("data", ACTIONS, ids=ACTION_IDS)
    @pytest.mark.parametrize("bad", ["unknown", "revoked", "expired"])
    def test_actions_through_bad_links_are_not_found(self, client, mine, token, bad, data):
        if bad == "unknown":
            token = secrets.token_urlsafe(32)
        elif bad == "revoked":
            links.links_revoke(ticket=mine, reason="Forwarded by mistake")
        else:
            AccessLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

        response = client.post(link_urls(token, 0)["detail"], data)

        assert response.status_code == 404
        assert_unchanged(mine)

    def test_a_link_expires_thirty_days_after_closing(self, client, mine, token, frozen_monday):
        services.ticket_close_by_customer(ticket=mine)
        url = link_urls(token, attachment_of(mine).pk)["detail"]
        frozen_monday.shift(timedelta(days=29))
        assert client.get(url).status_code == 200

        frozen_monday.shift(timedelta(days=2))

        assert client.get(url).status_code == 404

    def test_a_link_opens_only_its_own_ticket(self, client, mine, theirs, token):
        urls = link_urls(token, attachment_of(theirs).pk)

        page = client.get(urls["detail"]).content.decode()

        assert "My own request" in page
        assert theirs.ticket_id not in page
        assert client.get(urls["attachment"]).status_code == 404

    def test_a_link_does_not_sign_anyone_in(self, client, mine, token):
        client.get(link_urls(token, 0)["detail"])

        assert "_auth_user_id" not in client.session
        assert client.get(reverse("tickets:list")).status_code == 302

    def test_the_link_page_shows_no_account_data(self, client, mine, token):
        mine.phone = "+1 805 555 0199"
        mine.save(update_fields=["phone"])

        content = client.get(link_urls(token, 0)["detail"]).content.decode()

        assert "+1 805 555 0199" not in content
        assert mine.customer.email not in content
        assert 'href="/tickets/' not in content
        assert 'href="/support/"' not in content  # My support


class TestDownloads:
    def test_the_owner_downloads_as_an_attachment(self, client, premium_customer, mine):
        client.force_login(premium_customer)

        response = client.get(ticket_urls(mine)["attachment"])

        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="backup.log"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "text/plain"
        assert b"".join(response.streaming_content) == b"09:00 job started\n09:01 failed\n"

    def test_a_link_downloads_as_an_attachment(self, client, mine):
        token = links.link_issue(ticket=mine)

        response = client.get(link_urls(token, attachment_of(mine).pk)["attachment"])

        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "text/plain"

    def test_an_internal_notes_file_is_never_downloadable(
        self, client, premium_customer, mine, us_engineer
    ):
        secret = note_with_file(mine, us_engineer)
        token = links.link_issue(ticket=mine)
        client.force_login(premium_customer)

        own = reverse(
            "tickets:attachment", kwargs={"ticket_id": mine.ticket_id, "attachment_id": secret.pk}
        )
        assert client.get(own).status_code == 404
        assert client.get(link_urls(token, secret.pk)["attachment"]).status_code == 404
        page = client.get(ticket_urls(mine)["detail"]).content.decode()
        assert "internal-dump.txt" not in page
        assert "Internal: see dump" not in page

    def test_a_missing_file_is_not_found(self, client, premium_customer, mine):
        attachment = attachment_of(mine)
        attachment.file.delete(save=False)
        client.force_login(premium_customer)

        assert client.get(ticket_urls(mine)["attachment"]).status_code == 404

    def test_messages_of_other_kinds_keep_their_files(self, client, premium_customer, mine):
        # The engineer's reply may carry a file; the customer gets it like their own.
        reply = Message.objects.create(ticket=mine, kind=Message.Kind.ENGINEER, body="See fix")
        attachment = Attachment.objects.create(
            message=reply,
            ticket_id_ref=mine.ticket_id,
            storage_key=secrets.token_hex(16),
            file=ContentFile(b"fix", name="fix.txt"),
            name="fix.txt",
            content_type="text/plain",
            size=3,
            sha256="0" * 64,
        )
        client.force_login(premium_customer)
        url = reverse(
            "tickets:attachment",
            kwargs={"ticket_id": mine.ticket_id, "attachment_id": attachment.pk},
        )

        assert client.get(url).status_code == 200


def test_reading_a_ticket_through_its_link_changes_nothing(client, open_ticket):
    """No state changes on GET: only an action through the link records its use."""
    from tickets.models import AccessLink

    token = links.link_issue(ticket=open_ticket)

    assert client.get(f"/t/{token}/").status_code == 200

    assert AccessLink.objects.filter(ticket=open_ticket, last_used_at__isnull=False).count() == 0
