from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.db import transaction
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from portal.core.health import health_report


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@never_cache
@require_GET
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the admin's sign-in to the portal's, keeping where to go afterwards.

    The portal's sign-in (allauth) throttles failed attempts (``ACCOUNT_RATE_LIMITS``) and
    needs a verified address, for staff as for everyone. A signed-in user without access to the
    admin gets a page saying so: sending them to the portal's sign-in would bounce straight
    back here (allauth redirects signed-in users).
    """
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return HttpResponseRedirect(next_url)
        context = {
            **admin.site.each_context(request),
            "title": _("No access to the support desk"),
            "logout_url": reverse("account_logout"),
        }
        return render(request, "admin/desk/no_access.html", context, status=403)
    return HttpResponseRedirect(
        f"{reverse('account_login')}?{urlencode({'next': next_url}, safe='/')}"
    )


# --- Error pages ------------------------------------------------------------------------------
# The portal's pages extend base.html; the desk's (every address under /admin/) keep the admin's
# look and lead back to the queue.


def _in_desk(request: HttpRequest) -> bool:
    """Whether the request was for a page of the support desk."""
    try:
        return request.path.startswith(reverse("admin:index"))
    except NoReverseMatch:
        return False


def _error_page(request: HttpRequest, name: str, *, status: int, title: str) -> HttpResponse:
    if _in_desk(request):
        context = {**admin.site.each_context(request), "title": title}
        return render(request, f"admin/{name}", context, status=status)
    return render(request, name, {"title": title}, status=status)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A page the signed-in account may not open (``handler403``)."""
    return _error_page(request, "403.html", status=403, title=_("Access denied"))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address that leads nowhere (``handler404``)."""
    return _error_page(request, "404.html", status=404, title=_("Page not found"))


def server_error(request: HttpRequest) -> HttpResponse:
    """An error of the portal itself (``handler500``).

    A plain template rendered without the request's context: no query, no session and no
    account are needed, so the page shows even while the database is unreachable.
    """
    name = "admin/500.html" if _in_desk(request) else "500.html"
    return HttpResponseServerError(loader.get_template(name).render())
