"""Fixed-window rate limits for the usage-report endpoints.

Counters live in Redis when ``REDIS_URL`` is set (one pipelined round trip for every key of a
request) and in Django's cache otherwise. A client address is never kept as such: its key is an
HMAC of the address with the secret key and the current window, so the counter cannot be read
back into an address and disappears with the window.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache as django_cache

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int
    busiest: float  # the highest share of any limit used, 0.0 to >1.0


@cache
def _redis() -> redis.Redis:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def address_key(address: str, window: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{window}:{address}".encode(), hashlib.sha256
    ).hexdigest()
    return f"ncep:rl:a:{digest[:32]}"


def installation_key(installation_id: uuid.UUID, window: int) -> str:
    return f"ncep:rl:i:{window}:{installation_id}"


def hit(
    *, address: str | None = None, installations: Mapping | None = None, now: float | None = None
) -> Verdict:
    """Count one request from ``address`` and ``installations`` ({id: reports}) and judge it.

    When the counter store is unreachable the request is let through (and logged): refusing
    every report because a cache is down would lose more than it protects.
    """
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, WINDOW_SECONDS * (window + 1) - int(now))
    keys: list[tuple[str, int, int]] = []  # key, amount, limit
    if address is not None:
        keys.append((address_key(address, window), 1, settings.TELEMETRY_RATE_REQUESTS_PER_ADDRESS))
    for installation_id, reports in (installations or {}).items():
        keys.append(
            (
                installation_key(installation_id, window),
                reports,
                settings.TELEMETRY_RATE_REPORTS_PER_INSTALLATION,
            )
        )
    if not keys:
        return Verdict(True, retry_after, 0.0)
    try:
        counts = _count(keys)
    except Exception:  # any failure of the counter store lets the request through
        log.warning("rate-limit counters unavailable; request let through", exc_info=True)
        return Verdict(True, retry_after, 0.0)
    busiest = max(count / limit for count, (_key, _amount, limit) in zip(counts, keys, strict=True))
    return Verdict(busiest <= 1.0, retry_after, busiest)


def _count(keys: list[tuple[str, int, int]]) -> list[int]:
    if settings.REDIS_URL:
        pipe = _redis().pipeline(transaction=False)
        for key, amount, _limit in keys:
            pipe.incrby(key, amount)
            pipe.expire(key, WINDOW_SECONDS * 2, nx=True)
        results = pipe.execute()
        return [int(value) for value in results[0::2]]
    counts = []
    for key, amount, _limit in keys:
        django_cache.add(key, 0, WINDOW_SECONDS * 2)
        try:
            counts.append(django_cache.incr(key, amount))
        except ValueError:  # expired between add and incr
            django_cache.set(key, amount, WINDOW_SECONDS * 2)
            counts.append(amount)
    return counts
