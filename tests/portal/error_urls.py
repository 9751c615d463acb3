"""The portal's addresses plus pages that fail or refuse on purpose, for the error page tests."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler403, handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a page")


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken),
    path("refused/", refused),
    path("admin/broken/", broken),
    path("admin/refused/", refused),
    *portal_urlpatterns,
]

__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
