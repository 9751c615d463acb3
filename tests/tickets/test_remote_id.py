"""The remote-assistance ID of a request is an ID of a named tool and nothing else.

The rule: TeamViewer and AnyDesk IDs (9 or 10 digits, spaces or hyphens between groups of
three), AnyDesk aliases (name@ad) and 6-digit Windows Quick Assist codes are accepted and stored
as digits without spaces (an alias in lower case). Anything more, such as a password after the
ID ("123 456 789 pw x7k2pq"), is refused with the expected formats, on the page and in the API.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory, grant
from tickets.models import Ticket
from tickets.validators import REMOTE_ID_FORMATS, remote_id_clean

FORMATS = str(REMOTE_ID_FORMATS)
WITH_PASSWORD = "123 456 789 pw x7k2pq"


class TestFormats:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("123 456 789", "123456789"),
            ("123456789", "123456789"),
            ("1 234 567 890", "1234567890"),
            ("1234567890", "1234567890"),
            ("123-456-789", "123456789"),
            ("  123 456 789  ", "123456789"),
            ("123\u00a0456\u00a0789", "123456789"),
            ("482 913", "482913"),
            ("482913", "482913"),
            ("FrontDesk@ad", "frontdesk@ad"),
            ("novabackup-support@acme", "novabackup-support@acme"),
            ("", ""),
            ("   ", ""),
        ],
    )
    def test_the_ids_of_the_tools_are_stored_normalised(self, typed, stored):
        assert remote_id_clean(typed) == stored

    @pytest.mark.parametrize(
        "typed",
        [
            WITH_PASSWORD,
            "123456789 pw",
            "123456789pw",
            "123 456 789 / Passwort geheim",
            "123 456 789, x7k2pq",
            "pw: x7k2pq",
            "x7k2pq",
            "12345678",
            "12345678901",
            "12 34 56 789",
            "123  456--789",
            "name@",
            "@ad",
            "name @ad",
        ],
    )
    def test_anything_else_is_refused_naming_the_formats(self, typed):
        with pytest.raises(ValidationError) as refused:
            remote_id_clean(typed)

        assert refused.value.messages == [FORMATS]
        assert refused.value.code == "invalid-remote-id"

    def test_the_message_names_the_tools_in_both_languages(self):
        assert all(tool in FORMATS for tool in ("TeamViewer", "AnyDesk", "Quick Assist"))
        with translation.override("de"):
            german = str(REMOTE_ID_FORMATS)

        assert "Fernwartungsprogramm" in german
        assert "TeamViewer" in german


# --- The request page and the API ---------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def setup_client(client, releases, media_root):
    customer = UserFactory(country="US")
    grant(customer, "setup")
    client.force_login(customer)
    return client


def page_text(response) -> str:
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split())


def setup_request(**overrides) -> dict:
    return {
        "product": "professional",
        "version": "21.2",
        "category": "setup",
        "channel": "online",
        "phone": "+1 805 555 0100",
        "subject": "Please set up the nightly job",
        "description": "I am at the server from 10 am.",
        "remote_id": "",
        "language": "en",
        **overrides,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_monday")
class TestRequestPage:
    def test_an_id_with_a_password_is_refused_at_the_field(self, setup_client):
        response = setup_client.post(reverse("tickets:new"), setup_request(remote_id=WITH_PASSWORD))

        assert response.status_code == 200
        assert FORMATS in page_text(response)
        assert not Ticket.objects.exists()

    def test_the_id_is_stored_as_digits(self, setup_client):
        setup_client.post(reverse("tickets:new"), setup_request(remote_id="1 234 567 890"))

        assert Ticket.objects.get().remote_id == "1234567890"

    def test_the_help_text_names_the_formats(self, setup_client):
        page = page_text(setup_client.get(reverse("tickets:new")))

        assert "TeamViewer or AnyDesk: 9 or 10 digits" in page
        assert "Windows Quick Assist: the 6-digit code" in page


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_monday")
class TestApi:
    def post(self, client, **overrides):
        return client.post(
            "/api/v1/tickets/", setup_request(**overrides), content_type="application/json"
        )

    def test_an_id_with_a_password_is_a_400_naming_the_field(self, setup_client):
        response = self.post(setup_client, remote_id=WITH_PASSWORD)

        assert response.status_code == 400
        assert response.json() == {"remote_id": [FORMATS]}
        assert not Ticket.objects.exists()

    def test_the_id_is_stored_and_answered_as_digits(self, setup_client):
        response = self.post(setup_client, remote_id="123 456 789")

        assert response.status_code == 201
        assert response.json()["remote_id"] == "123456789"
        assert Ticket.objects.get().remote_id == "123456789"

    def test_an_anydesk_alias_goes_through_to_the_stored_request(self, setup_client):
        response = self.post(setup_client, remote_id="FrontDesk@ad")

        assert response.status_code == 201, response.content
        assert Ticket.objects.get().remote_id == "frontdesk@ad"
