from __future__ import annotations

import pytest
from django.conf import settings

from telemetry import anonymity


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Telemetry rate limits count in Redis when it is configured; every test starts at zero."""
    if settings.REDIS_URL:
        from telemetry.ratelimit import _redis

        client = _redis()
        keys = list(client.scan_iter("ncep:rl:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _fresh_known_values():
    """Values remembered as known in clear belong to committed data: none between tests."""
    anonymity.known_forget()
    yield
    anonymity.known_forget()


@pytest.fixture
def values_in_clear(settings) -> None:
    """Keep every free value in clear from its first installation on (K = 1), for tests about
    something else than the threshold."""
    settings.TELEMETRY_K_ANONYMITY = 1
