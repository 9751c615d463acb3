"""Shared set-up for survey tests: the ticket fixtures, and helpers to read survey mails."""

from __future__ import annotations

import re

import pytest

from portal.core.models import OutboundEmail
from tests.tickets.conftest import (  # noqa: F401 - fixtures shared with the ticket tests
    de_engineer,
    engineer,
    frozen_monday,
    open_ticket,
    premium_customer,
    releases,
    us_engineer,
)

RATING_LINK = re.compile(r"/surveys/r/([\w-]+)/\?rating=([1-5])")


def rating_links(mail: OutboundEmail) -> list[tuple[str, int]]:
    """The (token, rating) of every one-click rating link in a mail."""
    return [(token, int(rating)) for token, rating in RATING_LINK.findall(mail.body_text)]


def survey_token(mail: OutboundEmail) -> str:
    match = re.search(r"/surveys/r/([\w-]+)/", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def survey_mails():
    return OutboundEmail.objects.filter(tag="survey_satisfaction").order_by("pk")


@pytest.fixture
def staff_client(client):
    from tests.factories import StaffFactory

    client.force_login(StaffFactory(email="lead@novadesk.test", is_superuser=True))
    return client
