"""Reads about accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.accounts.models import SupportTeam

if TYPE_CHECKING:
    from portal.accounts.models import User

# The German team serves Europe, the Middle East and Africa; the US team everyone else.
EMEA_COUNTRIES = frozenset(
    """
    AD AE AL AM AO AT AZ BA BE BF BG BH BI BJ BW BY CD CF CG CH CI CM CV CY
    CZ DE DJ DK DZ EE EG EH ER ES ET FI FO FR GA GB GE GG GH GI GL GM GN GQ
    GR GW HR HU IE IL IM IQ IR IS IT JE JO KE KM KW KZ LB LI LR LS LT LU LV
    LY MA MC MD ME MG MK ML MR MT MU MW MZ NA NE NG NL NO OM PL PS PT QA RE
    RO RS RU RW SA SC SD SE SI SK SL SM SN SO SS ST SY SZ TD TG TN TR TZ UA
    UG VA YE YT ZA ZM ZW
    """.split()  # noqa: SIM905 - a block of codes reads better than a list of strings
)


def support_team_for(*, country: str, language: str) -> str:
    """Choose the team from the country when known, else from the language."""
    if country:
        return SupportTeam.DE if country.upper() in EMEA_COUNTRIES else SupportTeam.US
    return SupportTeam.DE if language == "de" else SupportTeam.US


def user_support_team(*, user: User) -> str:
    if user.support_team_override:
        return user.support_team_override
    return support_team_for(country=str(user.country or ""), language=user.language)


def staff_time_zone_name(*, user: User) -> str | None:
    """The IANA time zone of the team a staff member works in, or None if it has no row."""
    from teams.models import Team

    return Team.objects.filter(code=user.support_team).values_list("time_zone", flat=True).first()
