"""The realistic-volume generator: a small run has every state, kind and team, and IDs go on."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q

from entitlements.models import Entitlement, EntitlementEvent, Release, SupportKind
from tickets import services
from tickets.models import Attachment, EngineerProfile, Message, Status, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

TICKETS = 200
NOW = "2026-11-21T22:00:00+00:00"


def seed(**options) -> None:
    call_command("seed_scale", tickets=TICKETS, seed=1, verbosity=0, now=NOW, **options)


def test_a_small_run_covers_every_state_kind_and_team():
    seed()

    assert Ticket.objects.count() == TICKETS
    pairs = set(Ticket.objects.values_list("status", "team__code"))
    assert pairs == {(status, team) for status in Status.values for team in ("us", "de")}
    assert Message.objects.count() >= 3 * TICKETS
    kinds = set(Message.objects.values_list("kind", flat=True))
    assert {"customer", "engineer", "system"} <= kinds
    assert Attachment.objects.exists()
    assert TicketEvent.objects.filter(action="created").count() == TICKETS
    held = set(Entitlement.objects.values_list("kind", flat=True))
    assert {"premium", "per-incident", "xsp", "setup", "restore", "free-trial"} <= held
    assert Entitlement.objects.filter(kind=SupportKind.PER_INCIDENT, uses_left__gt=0).exists()
    assert set(EngineerProfile.objects.values_list("team__code", flat=True)) == {"us", "de"}

    waiting = Ticket.objects.filter(status=Status.WAITING)
    assert not waiting.filter(Q(next_action_at=None) | Q(contact_attempts=0)).exists()
    assert not Ticket.objects.filter(status=Status.CLOSED, closed_at=None).exists()
    assert not Ticket.objects.exclude(status=Status.CLOSED).exclude(closed_at=None).exists()
    # Every ticket used an entitlement of its own customer, for its product.
    consumed = EntitlementEvent.objects.filter(action="consumed")
    assert consumed.count() == TICKETS
    assert not Ticket.objects.exclude(entitlement__customer=F("customer")).exists()


def test_ticket_ids_are_sequential_and_new_tickets_continue_after_them():
    seed()

    numbers = sorted(
        int(re.fullmatch(r"NS-\d{4}-(\d{6})", ticket_id).group(1))
        for ticket_id in Ticket.objects.values_list("ticket_id", flat=True)
    )
    assert numbers == list(range(numbers[0], numbers[0] + TICKETS))
    # Ticket numbers follow the creation order.
    by_time = list(Ticket.objects.order_by("created_at", "pk").values_list("ticket_id", flat=True))
    assert [int(t[-6:]) for t in by_time] == numbers

    premium = (
        Entitlement.objects.active()
        .filter(kind=SupportKind.PREMIUM)
        .select_related("customer", "product")
        .first()
    )
    release = Release.objects.filter(product=premium.product).order_by("-released_on").first()
    created = services.ticket_create(
        customer=premium.customer,
        product=premium.product,
        version=release.version,
        category="technical",
        subject="A new request after the seed",
        description="It must get a fresh ID.",
    ).ticket

    assert int(created.ticket_id[-6:]) == numbers[-1] + 1
    assert Ticket.objects.values("ticket_id").annotate(n=Count("pk")).filter(n__gt=1).count() == 0


def test_a_second_run_without_append_is_refused():
    seed()

    with pytest.raises(CommandError, match=r"already has 200 tickets.*--append"):
        seed()
    assert Ticket.objects.count() == TICKETS

    seed(append=True)
    assert Ticket.objects.count() == 2 * TICKETS


def test_the_same_seed_gives_the_same_tickets():
    def snapshot() -> list[tuple]:
        return list(
            Ticket.objects.order_by("created_at", "subject").values_list(
                "created_at", "status", "resolution", "subject", "category", "channel", "priority"
            )
        )

    with transaction.atomic():
        seed()
        first = snapshot()
        transaction.set_rollback(True)
    seed()

    assert snapshot() == first


def test_bulk_create_path_on_any_database():
    seed(no_copy=True)

    assert Ticket.objects.count() == TICKETS
    assert Message.objects.count() >= 3 * TICKETS
