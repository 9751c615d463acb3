"""The contact page, the sales contact form and the resend of the verification mail."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from portal.contact import selectors, services
from portal.contact.forms import ContactForm, VerificationResendForm


def _contact_rate(group: str, request: HttpRequest) -> str:
    return settings.CONTACT_RATE_SUBMIT


def _resend_rate(group: str, request: HttpRequest) -> str:
    return settings.VERIFICATION_RESEND_RATE


def _resend_key(group: str, request: HttpRequest) -> str:
    return request.POST.get("email", "").strip().lower()


def _too_many(request: HttpRequest) -> HttpResponse:
    message = _("Too many requests in a short time. Please wait a while and try again.")
    return render(request, "tickets/rate_limited.html", {"message": message}, status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(group="contact.submit", key="ip", rate=_contact_rate, method="POST", block=False)
def contact(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _too_many(request)
        form = ContactForm(request.POST)
        if form.is_bot():
            # Look the same as a success, so a bot learns nothing.
            return redirect("contact:sent")
        if form.is_valid():
            data = form.cleaned_data
            services.contact_message_send(
                name=data["name"],
                email=data["email"],
                topic=data["topic"],
                topic_label=form.topic_label(),
                message=data["message"],
            )
            return redirect("contact:sent")
        status = 400
    else:
        form = ContactForm()
        status = 200
    context = {
        "form": form,
        "teams": selectors.team_hours_list(),
        "sales_email": settings.SALES_EMAIL,
    }
    return render(request, "portal/contact.html", context, status=status)


@require_GET
def contact_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/contact_sent.html", {"sales_email": settings.SALES_EMAIL})


@require_POST
@ratelimit(group="contact.resend", key="ip", rate=_resend_rate, block=False)
@ratelimit(group="contact.resend-address", key=_resend_key, rate=_resend_rate, block=False)
def verification_resend(request: HttpRequest) -> HttpResponse:
    """Send a new verification link to an unverified address; say the same for any address."""
    if getattr(request, "limited", False):
        return _too_many(request)
    form = VerificationResendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please enter a valid e-mail address."))
        return redirect("account_email_verification_sent")
    address = (
        EmailAddress.objects.filter(email__iexact=form.cleaned_data["email"], verified=False)
        .select_related("user")
        .first()
    )
    if address is not None:
        address.send_confirmation(request)
    messages.success(
        request,
        _(
            "If an account with this address waits for verification, we have sent it a new "
            "link. Please check your inbox and your spam folder."
        ),
    )
    return redirect("account_email_verification_sent")
