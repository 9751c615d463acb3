from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins():
    from entitlements.models import Entitlement, Product, Release
    from portal.accounts.models import User

    first, second = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    counts = (User.objects.count(), Product.objects.count(), Release.objects.count())
    call_command("seed_demo", stdout=second)

    assert (User.objects.count(), Product.objects.count(), Release.objects.count()) == counts
    assert Product.objects.count() == 6
    assert (
        Entitlement.objects.filter(kind="premium", customer__email="premium@example.com").count()
        == 1
    )
    assert "premium@example.com" in second.getvalue()
    assert "novadesk-demo-2026" in second.getvalue()
    assert User.objects.filter(is_staff=True, support_team_override="de").exists()
    assert User.objects.filter(is_staff=True, support_team_override="us").exists()
    assert User.objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_seed_demo_gives_both_teams_a_realistic_queue_and_survey_answers():
    """A new engineer's queue, dashboard and survey report show work at once."""
    from django.utils import timezone

    from surveys.models import Response
    from tickets.models import Status, Ticket

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())

    now = timezone.now()
    for team in ("us", "de"):
        tickets = Ticket.objects.filter(team__code=team)
        statuses = set(tickets.values_list("status", flat=True))
        assert {Status.OPEN, Status.WAITING, Status.CLOSED} <= statuses, team
        assert tickets.filter(
            first_responded_at__isnull=True, first_response_due__lt=now, status=Status.OPEN
        ).exists(), f"{team}: no overdue request"
        assert tickets.filter(assignee__isnull=False).count() == tickets.count()
        assert Response.objects.filter(invitation__ticket__team__code=team).exists(), team
    assert Ticket.objects.filter(status=Status.WAITING, contact_attempts=2).exists()
    assert Ticket.objects.count() == 10  # the second run added nothing
