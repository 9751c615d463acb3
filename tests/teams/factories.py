"""Factories for the teams app; each builds a valid object with nothing else given."""

from __future__ import annotations

from datetime import date, time, timedelta

import factory

from teams.models import Closure, OpeningHours, Team


class TeamFactory(factory.django.DjangoModelFactory):
    """A team besides the two the migration creates, open by default on no day at all."""

    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"t{n}")
    name = factory.LazyAttribute(lambda o: f"Team {o.code}")
    time_zone = "Europe/Berlin"
    holiday_country = "DE"
    holiday_subdivision = "HH"


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    team = factory.SubFactory(TeamFactory)
    weekday = 0
    opens = time(9)
    closes = time(17)


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    team = factory.SubFactory(TeamFactory)
    date = factory.Sequence(lambda n: date(2030, 1, 1) + timedelta(days=n))
    reason = "Company event"
