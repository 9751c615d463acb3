"""Request transactions: a request that only reads needs none."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.http.response import HttpResponseBase

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def atomic_writes(view: Callable) -> Callable:
    """Run ``view`` in one transaction, as ``ATOMIC_REQUESTS`` does, unless the request only reads.

    A GET of these views writes nothing, so the BEGIN/COMMIT round trips of ``ATOMIC_REQUESTS``
    buy nothing there. Every other method keeps the one transaction around the whole view, so a
    change and the outbox mail it causes still commit together.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method in SAFE_METHODS:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            return view(request, *args, **kwargs)

    return transaction.non_atomic_requests(wrapped)
