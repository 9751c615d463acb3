"""Passwords customers type are masked before anything stores them.

The rule: a password a customer gives ("Passwort für TeamViewer: abc123", "my password is
hunter2", "Zugangsdaten: admin / Geheim!23") is replaced by the mask, and only the password:
the label and the rest of the text stay as written. Text that only talks about a password,
above all pasted log lines ("wrong password for user backup", "password policy check passed"),
is stored unchanged. The phrasings, in English and German, are the corpus
``corpus/password_phrases.tsv``; every line of it is a case here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from tickets.models import Message, Ticket
from tickets.text import MASK, mask_passwords

CORPUS = Path(__file__).parent / "corpus" / "password_phrases.tsv"


@dataclass(frozen=True)
class Phrase:
    expected: str
    language: str
    text: str
    secrets: tuple[str, ...]

    @property
    def masked(self) -> str:
        """The text with every secret replaced by the mask and nothing else changed."""
        masked = self.text
        for secret in self.secrets:
            masked = masked.replace(secret, MASK, 1)
        return masked


def load_corpus() -> list[Phrase]:
    phrases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        expected, language, text, *secrets = line.split("\t")
        phrases.append(Phrase(expected, language, text, tuple(secrets)))
    return phrases


PHRASES = load_corpus()
POSITIVES = [phrase for phrase in PHRASES if phrase.expected == "masked"]
NEGATIVES = [phrase for phrase in PHRASES if phrase.expected == "kept"]


def ids(phrases: list[Phrase]) -> list[str]:
    return [f"{phrase.language}:{phrase.text[:60]}" for phrase in phrases]


class TestCorpus:
    def test_the_corpus_covers_both_ways_and_both_languages(self):
        assert len(POSITIVES) >= 50
        assert len(NEGATIVES) >= 50
        assert len(POSITIVES) + len(NEGATIVES) == len(PHRASES), "expected is masked or kept"
        for group in (POSITIVES, NEGATIVES):
            assert {phrase.language for phrase in group} == {"en", "de"}
        assert all(phrase.secrets for phrase in POSITIVES)
        assert not any(phrase.secrets for phrase in NEGATIVES)
        assert all(secret in phrase.text for phrase in POSITIVES for secret in phrase.secrets)

    @pytest.mark.parametrize("phrase", POSITIVES, ids=ids(POSITIVES))
    def test_a_password_is_replaced_and_the_rest_kept(self, phrase):
        masked = mask_passwords(phrase.text)

        for secret in phrase.secrets:
            assert secret not in masked
        assert masked == phrase.masked

    @pytest.mark.parametrize("phrase", NEGATIVES, ids=ids(NEGATIVES))
    def test_text_about_passwords_is_kept_as_written(self, phrase):
        assert mask_passwords(phrase.text) == phrase.text

    @pytest.mark.parametrize("phrase", PHRASES, ids=ids(PHRASES))
    def test_masking_twice_changes_nothing_more(self, phrase):
        once = mask_passwords(phrase.text)

        assert mask_passwords(once) == once


class TestReportedPhrasings:
    """The phrasings that used to be stored as typed."""

    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            ("Passwort ist geheim123", f"Passwort ist {MASK}"),
            ("Passwort für TeamViewer: abc123", f"Passwort für TeamViewer: {MASK}"),
            ("Password for the NAS: s3cr3t", f"Password for the NAS: {MASK}"),
            ("passwd: abc123", f"passwd: {MASK}"),
        ],
    )
    def test_is_masked(self, text, masked):
        assert mask_passwords(text) == masked


class TestLayout:
    def test_a_password_alone_on_the_line_below_its_label(self):
        mail = "Benutzer: admin\r\nPasswort:\r\n  Geheim!23\r\nViele Grüße"

        assert mask_passwords(mail) == f"Benutzer: admin\r\nPasswort:\r\n  {MASK}\r\nViele Grüße"

    def test_a_log_line_below_a_label_is_kept(self):
        log = "password:\n2026-11-02 10:14:03 ERROR job failed"

        assert mask_passwords(log) == log

    def test_every_password_of_a_long_text_is_masked(self):
        lines = [f"Line {n}: the job ran." for n in range(200)]
        lines[50] = "Passwort für TeamViewer: abc123"
        lines[150] = "pw=Sommer2024!"

        masked = mask_passwords("\n".join(lines))

        assert "abc123" not in masked
        assert "Sommer2024!" not in masked
        assert masked.count(MASK) == 2
        assert "Line 199: the job ran." in masked


# --- Storage ------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def premium_client(client, premium_customer, media_root):
    client.force_login(premium_customer)
    return client


def page_text(response) -> str:
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", content)).split())


def new_request(**overrides) -> dict:
    return {
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "channel": "online",
        "phone": "",
        "subject": "TeamViewer session for the restore",
        "description": "Passwort für TeamViewer: abc123",
        "remote_id": "",
        "language": "de",
        **overrides,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen_monday")
class TestStored:
    def test_a_new_request_from_the_page_is_stored_masked(self, premium_client):
        response = premium_client.post(reverse("tickets:new"), new_request(), follow=True)

        ticket = Ticket.objects.get()
        body = ticket.messages.get().body
        assert body == f"Passwort für TeamViewer: {MASK}"
        assert "abc123" not in page_text(response)

    def test_a_new_request_through_the_api_is_stored_masked(self, premium_client):
        response = premium_client.post(
            "/api/v1/tickets/",
            new_request(
                subject="Password for the NAS: s3cr3t",
                description="Zugangsdaten: admin / Geheim!23",
            ),
            content_type="application/json",
        )

        assert response.status_code == 201
        ticket = Ticket.objects.get()
        assert ticket.subject == f"Password for the NAS: {MASK}"
        assert ticket.messages.get().body == f"Zugangsdaten: admin / {MASK}"
        assert "s3cr3t" not in response.content.decode()

    def test_a_comment_is_stored_masked(self, premium_client, open_ticket):
        premium_client.post(
            reverse("tickets:detail", kwargs={"ticket_id": open_ticket.ticket_id}),
            {"action": "comment", "body": "passwd: abc123 - the NAS is back online"},
            follow=True,
        )

        comment = open_ticket.messages.filter(kind=Message.Kind.CUSTOMER).latest("pk")
        assert comment.body == f"passwd: {MASK} - the NAS is back online"

    def test_a_log_pasted_into_a_comment_is_stored_as_written(self, premium_client, open_ticket):
        log = "2026-11-02 10:14:03 ERROR Login failed: wrong password for user backup"

        premium_client.post(
            reverse("tickets:detail", kwargs={"ticket_id": open_ticket.ticket_id}),
            {"action": "comment", "body": log},
        )

        assert open_ticket.messages.filter(kind=Message.Kind.CUSTOMER).latest("pk").body == log
