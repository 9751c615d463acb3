"""The two teams' names in the reader's language; a name staff changed stays as written."""

from __future__ import annotations

import pytest
from django.utils import translation

from teams.models import Team, team_display_name
from tests.teams.factories import TeamFactory

pytestmark = pytest.mark.django_db

GERMAN = {"us": "Team in den USA", "de": "Team in Deutschland"}
ENGLISH = {"us": "United States team", "de": "Germany team"}


class TestNames:
    @pytest.mark.parametrize("code", ["us", "de"])
    def test_a_standard_team_is_named_in_the_active_language(self, code):
        team = Team.objects.get(code=code)

        with translation.override("de"):
            assert str(team) == team.display_name == GERMAN[code]
        with translation.override("en"):
            assert str(team) == team.display_name == ENGLISH[code]
        assert team.name == ENGLISH[code]  # the stored name stays as it is

    def test_a_renamed_team_keeps_the_name_staff_gave_it(self):
        team = Team.objects.get(code="de")
        team.name = "DACH support"
        team.save(update_fields=["name"])

        with translation.override("de"):
            assert str(team) == "DACH support"

    def test_another_team_shows_its_own_name(self):
        team = TeamFactory(code="uk", name="United States team")

        with translation.override("de"):
            assert str(team) == "United States team"  # only the "us" team's name is translated

    def test_the_name_of_a_values_row(self):
        with translation.override("de"):
            assert team_display_name(code="de", name="Germany team") == GERMAN["de"]
            assert team_display_name(code="de", name="Team DE") == "Team DE"
