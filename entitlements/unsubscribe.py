"""The unsubscribe page of release e-mails: signed link, no sign-in, RFC 8058 one-click POST."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from entitlements import releases


# Mail clients send the one-click POST without a session or CSRF token (RFC 8058); the signed
# token is what authorises it, and all it can do is switch release e-mails off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def release_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners only look); POST unsubscribes."""
    customer = releases.unsubscribe_customer(token=token)
    if customer is None:
        return render(request, "entitlements/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        releases.release_emails_unsubscribe(customer=customer)
        return render(request, "entitlements/unsubscribe_done.html", {"customer": customer})
    return render(request, "entitlements/unsubscribe.html", {"customer": customer})
