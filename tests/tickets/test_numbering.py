"""Ticket IDs under concurrent submissions: all unique, none reused after a refusal."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from entitlements.services import EntitlementRefused, catalogue_load
from tests.factories import UserFactory, grant
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def submit(customer, subject: str):
    return services.ticket_create(
        customer=customer, product="professional", version="21.2", category="technical",
        subject=subject, description="Concurrent submission",
    ).ticket  # fmt: skip


def test_concurrent_submissions_get_distinct_ids():
    catalogue_load()
    customer = UserFactory(country="US")
    grant(customer, "premium")
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            submit(customer, f"Request {n}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    ids = list(Ticket.objects.values_list("ticket_id", flat=True))
    assert len(ids) == len(set(ids)) == 6


def test_ids_keep_increasing_after_a_refused_submission():
    catalogue_load()
    entitled = UserFactory(country="US")
    grant(entitled, "premium")
    first = submit(entitled, "First")

    with pytest.raises(EntitlementRefused):
        submit(UserFactory(country="US"), "Refused")
    second = submit(entitled, "Second")

    assert int(second.ticket_id.rsplit("-", 1)[1]) > int(first.ticket_id.rsplit("-", 1)[1])
