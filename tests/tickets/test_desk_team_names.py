"""The desk names the two teams in the engineer's language: queue, ticket page, call-backs,
dashboard."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.tickets.conftest import engineer

pytestmark = pytest.mark.django_db

GERMAN = {"us": "Team in den USA", "de": "Team in Deutschland"}
ENGLISH = {"us": "United States team", "de": "Germany team"}


@pytest.fixture
def german_engineer(db):
    user = engineer("jonas@novadesk.test", "de")
    user.language = "de"
    user.save(update_fields=["language"])
    return user


class TestTheDesk:
    def test_the_queue_names_the_team_in_german(self, client, german_engineer, open_ticket):
        client.force_login(german_engineer)

        page = client.get(reverse("admin:tickets_ticket_changelist"), {"assigned": "all"})

        content = page.content.decode()
        assert f'<abbr title="{GERMAN["us"]}">US</abbr>' in content
        assert f">{GERMAN['de']}</a>" in content  # the team filter's choices
        assert f">{ENGLISH['de']}</a>" not in content

    def test_the_ticket_page_names_the_team_in_german(self, client, german_engineer, open_ticket):
        client.force_login(german_engineer)

        page = client.get(reverse("admin:tickets_ticket_change", args=[open_ticket.pk]))

        assert f"<dd>{GERMAN['us']}</dd>" in page.content.decode()

    def test_the_call_back_queue_names_the_teams_in_german(self, client, german_engineer):
        client.force_login(german_engineer)

        content = client.get(reverse("desk-callbacks")).content.decode()

        assert GERMAN["us"] in content and GERMAN["de"] in content
        assert ENGLISH["us"] not in content and ENGLISH["de"] not in content

    def test_the_dashboard_names_the_teams_in_german(self, client, german_engineer, open_ticket):
        client.force_login(german_engineer)

        content = client.get(reverse("desk-dashboard")).content.decode()

        assert GERMAN["us"] in content and GERMAN["de"] in content

    def test_an_english_engineer_reads_the_english_names(self, client, us_engineer, open_ticket):
        client.force_login(us_engineer)

        content = client.get(reverse("desk-callbacks")).content.decode()

        assert ENGLISH["us"] in content and ENGLISH["de"] in content
