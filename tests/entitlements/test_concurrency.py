"""Two requests racing for the last credit: exactly one wins (real threads, real database)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from entitlements import services
from entitlements.models import Entitlement, EntitlementEvent
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 8


def race(customer, references: list[str]) -> tuple[list[str], list[str]]:
    """Let every reference try to open a request at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(references))
    won: list[str] = []
    refused: list[str] = []

    def open_request(reference: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.entitlement_use(
                customer=customer, product="professional", version="21.2",
                category="technical", reference=reference,
            )  # fmt: skip
            won.append(reference)
        except services.EntitlementRefused:
            refused.append(reference)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_request, args=(ref,)) for ref in references]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return won, refused


@pytest.fixture
def racer(db):
    services.catalogue_load()
    return UserFactory(email="racer@example.com")


def test_the_last_credit_goes_to_exactly_one_request(racer):
    entitlement = grant(racer, "per-incident")

    won, refused = race(racer, [f"NS-{n}" for n in range(RACERS)])

    assert len(won) == 1
    assert len(refused) == RACERS - 1
    entitlement.refresh_from_db()
    assert entitlement.uses_left == 0
    consumed = EntitlementEvent.objects.filter(entitlement=entitlement, action="consumed")
    assert list(consumed.values_list("reference", flat=True)) == won


def test_two_credits_serve_exactly_two_requests(racer):
    grant(racer, "per-incident", quantity=2)

    won, _refused = race(racer, [f"NS-{n}" for n in range(RACERS)])

    assert len(won) == 2
    assert Entitlement.objects.get(customer=racer).uses_left == 0
