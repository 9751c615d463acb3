"""The beta group's pages: enrol for a product's beta, see its beta releases, leave it.

Beta releases exist for enrolled people only: to anyone else their page is "not found".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from betas import selectors, services
from betas.forms import EnrolmentForm
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


@login_required
@require_http_methods(["GET", "POST"])
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    memberships = selectors.partner_memberships(user=request.user)
    organisations = [membership.organisation for membership in memberships]
    form = EnrolmentForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={"product": request.GET.get("product", "")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                enrolment = services.enrolment_create(
                    user=request.user,
                    product=data["product"],
                    organisation=data.get("organisation"),
                    installation_id=data["installation_id"],
                    commitment=data["commitment"],
                )
            except ApplicationError as error:
                form.add_service_error(error)
                if error.code == "beta-not-included":
                    status = 403
            else:
                messages.success(
                    request,
                    _("Welcome to the beta group of %(product)s.")
                    % {"product": enrolment.product.name},
                )
                return redirect("betas:overview")
    return render(
        request,
        "betas/overview.html",
        {
            "form": form,
            "accesses": selectors.beta_overview(user=request.user),
            "memberships": memberships,
            "partner_without_beta": bool(memberships)
            and not any(m.organisation.level.beta_access for m in memberships),
        },
        status=status,
    )


@login_required
@require_GET
def product_betas(request: AuthenticatedHttpRequest, product_code: str) -> HttpResponse:
    product = selectors.product_by_code(code=product_code)
    releases = selectors.beta_releases_for(user=request.user, product=product) if product else None
    if releases is None:
        raise Http404
    return render(request, "betas/product.html", {"product": product, "releases": releases})


@login_required
@require_POST
def leave(request: AuthenticatedHttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_user(user=request.user, enrolment_id=enrolment_id)
    if enrolment is None:
        raise Http404
    try:
        services.enrolment_leave(enrolment=enrolment, left_by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("You have left the beta group of %(product)s. Please uninstall its beta version.")
            % {"product": enrolment.product.name},
        )
    return redirect("betas:overview")
