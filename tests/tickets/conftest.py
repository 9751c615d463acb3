"""Shared set-up for ticket tests: the catalogue, a Premium customer, engineers of both teams."""

from __future__ import annotations

import pytest
import time_machine
from django.contrib.auth.models import Group

from entitlements.models import Product
from entitlements.services import catalogue_load
from portal.accounts import roles
from portal.core.models import OutboundEmail
from teams.models import Team
from tests.factories import StaffFactory, UserFactory, grant
from tickets import services
from tickets.models import EngineerProfile

# Monday 23 November 2026, 09:00 in Los Angeles (17:00 UTC).
MONDAY_MORNING_LA = "2026-11-23T17:00:00+00:00"


def reply_address(ticket) -> str:
    """The reply address of the ticket's latest notification, as the customer's mail has it."""
    return latest_mail(ticket).reply_to


def reply_token_of(address: str) -> str:
    """The token of a reply address reply+<ticket ID>.<token>@<domain>."""
    return address.partition("@")[0].rpartition(".")[2]


def latest_mail(ticket) -> OutboundEmail:
    return ticket_mails(ticket).latest("pk")


def ticket_mails(ticket):
    """The outbox rows about one ticket: every reply address names it."""
    return OutboundEmail.objects.filter(reply_to__startswith=f"reply+{ticket.ticket_id}.")


@pytest.fixture
def releases(db) -> None:
    catalogue_load()


@pytest.fixture
def frozen_monday():
    with time_machine.travel(MONDAY_MORNING_LA, tick=False) as traveller:
        yield traveller


def engineer(email: str, team: str, products: list[str] | None = None):
    user = StaffFactory(email=email, support_team_override=team)
    user.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
    profile = EngineerProfile.objects.create(user=user, team=Team.objects.get(code=team))
    codes = products or [code for (code,) in Product.objects.values_list("code")]
    profile.products.set(Product.objects.filter(code__in=codes))
    return user


@pytest.fixture
def us_engineer(db):
    return engineer("sam@novadesk.test", "us")


@pytest.fixture
def de_engineer(db):
    return engineer("jonas@novadesk.test", "de")


@pytest.fixture
def premium_customer(releases):
    customer = UserFactory(email="paula@example.com", name="Paula Premium", country="US")
    grant(customer, "premium")
    return customer


@pytest.fixture
def open_ticket(premium_customer, us_engineer):
    return services.ticket_create(
        customer=premium_customer,
        product="professional",
        version="21.2",
        category="technical",
        subject="Backup job fails with error 0x80070005",
        description="Since the update the nightly job fails.",
    ).ticket
