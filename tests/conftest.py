from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.factories import PASSWORD, UserFactory


def pytest_configure(config) -> None:
    # CI must exercise the real services; a missing variable there is a broken pipeline.
    if os.environ.get("CI") and not (
        os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")
    ):
        raise pytest.UsageError("CI runs need DATABASE_URL and REDIS_URL (PostgreSQL and Redis)")


@pytest.fixture(autouse=True)
def _clean_mail_outbox(settings) -> None:
    from django.core import mail

    mail.outbox = []


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def customer(db):
    return UserFactory(email="paula@example.com", name="Paula Premium")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


@pytest.fixture
def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate limits live in the cache; every test starts with none used."""
    from django.core.cache import cache

    cache.clear()


REFERENCE_DATA_MIGRATIONS = [
    ("teams.migrations.0002_default_teams", "create_default_teams"),
    ("entitlements.migrations.0002_catalogue", "create_catalogue"),
    ("surveys.migrations.0002_standard_surveys", "create_standard_surveys"),
    ("partners.migrations.0003_levels_and_nfr_agreement", "create_levels_and_agreement"),
    ("tickets.migrations.0013_macros", "create_team_macros"),
]


@pytest.fixture(autouse=True)
def _reference_data(request) -> None:
    """Put back what data migrations create (teams, products, offerings).

    A transactional test empties every table when it ends, which would leave the next one
    without the rows every installation has. Both functions are idempotent.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module, function in REFERENCE_DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)
