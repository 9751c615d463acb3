"""The customer's own pages: supported versions, "My support", registering a product and
claiming an order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from entitlements import lifecycle, selectors, services
from entitlements.errors import ErrorCode
from entitlements.forms import OrderClaimForm, RegistrationForm
from entitlements.throttles import order_claim_limited
from entitlements.views.basket import cart_items
from entitlements.views.display import date_shown
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest

# Which form field an ApplicationError of registration_create belongs to.
REGISTRATION_ERROR_FIELDS: dict[str, str] = {
    ErrorCode.UNKNOWN_PRODUCT: "product",
    ErrorCode.INVALID_KIND: "kind",
    ErrorCode.KEY_REQUIRED: "key",
    ErrorCode.KEY_TAKEN: "key",
    ErrorCode.UNKNOWN_VERSION: "version",
    ErrorCode.LICENCE_UNKNOWN: "key",
    ErrorCode.KEY_IS_LICENCE: "key",
}


@require_GET
def versions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "entitlements/versions.html",
        {
            "products": selectors.product_versions(customer=request.user),
            "months": lifecycle.SUPPORT_MONTHS_AFTER_SUCCESSOR,
        },
    )


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    support = selectors.support_overview(customer=request.user)
    return render(
        request,
        "entitlements/overview.html",
        {
            "registrations": support.registrations,
            "entitlements": support.entitlements,
            "cart_count": len(cart_items(request)),
        },
    )


@login_required
def register(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RegistrationForm(
        request.POST or None, initial={"product": request.GET.get("product", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration, created = services.registration_create(
                customer=request.user,
                product=data["product"],
                kind=data["kind"],
                key=data["key"],
                version=data["version"],
            )
        except ApplicationError as error:
            form.add_error(REGISTRATION_ERROR_FIELDS.get(error.code), error.message)
        else:
            names = {"product": registration.product.name, "key": registration.key}
            trial = getattr(registration, "free_trial", None)
            if created and trial is not None:
                messages.success(
                    request,
                    _(
                        "%(product)s (%(key)s) is registered. Your %(days)s-day Free Trial "
                        "Support has started and runs until %(date)s."
                    )
                    % {
                        **names,
                        "days": (trial.ends_at - trial.starts_at).days,
                        "date": date_shown(trial.ends_at),
                    },
                )
            elif created:
                messages.info(
                    request,
                    _(
                        "%(product)s (%(key)s) is registered. Your account has already had the "
                        "Free Trial Support of an evaluation of %(product)s, so this evaluation "
                        "starts no new Free Trial."
                    )
                    % names,
                )
            else:
                messages.info(
                    request,
                    _(
                        "%(product)s (%(key)s) was already registered to your account on "
                        "%(date)s. Registering it again does not start a new Free Trial."
                    )
                    % {**names, "date": date_shown(registration.registered_at)},
                )
            return redirect("entitlements:overview")
    return render(request, "entitlements/register.html", {"form": form})


@login_required
def claim(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrderClaimForm(request.POST or None)
    if request.method == "POST" and order_claim_limited(request):
        form.add_error(None, _("Too many attempts to claim an order. Please try again in an hour."))
        return render(request, "entitlements/claim.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_claim(
                customer=request.user,
                reference=form.cleaned_data["reference"],
                email=form.cleaned_data["email"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Order %(reference)s is linked to your account; its support is listed below.")
                % {"reference": order.reference},
            )
            return redirect("entitlements:overview")
    return render(request, "entitlements/claim.html", {"form": form})
