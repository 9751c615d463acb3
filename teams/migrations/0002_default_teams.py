"""Create the two support teams, open Monday to Friday 09:00-17:00 local time."""

import datetime

from django.db import migrations

TEAMS = [
    {
        "code": "us",
        "name": "United States team",
        "time_zone": "America/Los_Angeles",
        "holiday_country": "US",
        "holiday_subdivision": "CA",
    },
    {
        "code": "de",
        "name": "Germany team",
        "time_zone": "Europe/Berlin",
        "holiday_country": "DE",
        "holiday_subdivision": "HH",
    },
]


def create_default_teams(apps, schema_editor):
    Team = apps.get_model("teams", "Team")
    OpeningHours = apps.get_model("teams", "OpeningHours")
    for values in TEAMS:
        defaults = {key: value for key, value in values.items() if key != "code"}
        team, created = Team.objects.get_or_create(code=values["code"], defaults=defaults)
        # An existing team keeps the hours staff gave it.
        if created or not OpeningHours.objects.filter(team=team).exists():
            OpeningHours.objects.bulk_create(
                OpeningHours(
                    team=team,
                    weekday=weekday,
                    opens=datetime.time(9, 0),
                    closes=datetime.time(17, 0),
                )
                for weekday in range(5)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_default_teams, migrations.RunPython.noop),
    ]
