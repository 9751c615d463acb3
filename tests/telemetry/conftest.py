from __future__ import annotations

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Telemetry rate limits count in Redis when it is configured; every test starts at zero."""
    if settings.REDIS_URL:
        from telemetry.ratelimit import _redis

        client = _redis()
        keys = list(client.scan_iter("ncep:rl:*"))
        if keys:
            client.delete(*keys)
