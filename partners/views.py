"""The partner area under /partners/: the organisation and its benefits, members and
invitations, NFR licences, and the pre- and post-sales help of the ValueCREATE! programme."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partners import selectors, services
from partners.errors import ErrorCode
from partners.forms import (
    ApplicationForm,
    InvitationForm,
    NfrRequestForm,
    PostsalesForm,
    PresalesForm,
)
from partners.models import Invitation, MemberRole, Membership
from portal.core.errors import ApplicationError
from tickets import selectors as ticket_selectors

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest

# Which form field an ApplicationError of the services belongs to (None: the whole form).
FORM_ERROR_FIELDS = {
    ErrorCode.INVALID_EMAIL: "email",
    ErrorCode.INVALID_ROLE: "role",
    ErrorCode.ALREADY_MEMBER: "email",
    ErrorCode.INVALID_COUNTRY: "country",
    ErrorCode.INVALID_SEATS: "expected_seats",
    # The ticket rules a post-sales request passes: its product version and language.
    "unknown-version": "version",
    "version-unsupported": "version",
    "invalid-language": "language",
}


def _not_a_partner(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("This page is for members of a ValueCREATE! partner organisation."))
    return redirect("partners:area")


# --- The partner area -------------------------------------------------------------------------


@login_required
@require_GET
def area(request: AuthenticatedHttpRequest) -> HttpResponse:
    # Imported here: OnSite bookings and beta groups sit above partners (they belong to one).
    from betas import selectors as beta_selectors
    from onsite import selectors as onsite_selectors

    membership = selectors.membership_for(user=request.user)
    if membership is None:
        return render(
            request,
            "partners/intro.html",
            {"application": selectors.latest_application(user=request.user)},
        )
    partner = selectors.partner_area(membership=membership)
    return render(
        request,
        "partners/area.html",
        {
            "partner": partner,
            "open_tickets": ticket_selectors.partner_open_tickets(
                customer=request.user, organisation_id=membership.organisation_id
            ),
            "invitation_form": InvitationForm(),
            "nfr_days": settings.NFR_EVALUATION_DAYS,
            "evaluation_days": settings.PRODUCT_EVALUATION_DAYS,
            "onsite_bookings": onsite_selectors.bookings_for_organisation(
                organisation=membership.organisation
            )[:5],
            "beta_enrolments": beta_selectors.enrolments_for_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedHttpRequest) -> HttpResponse:
    if selectors.membership_for(user=request.user) is not None:
        return redirect("partners:area")
    form = ApplicationForm(
        request.POST or None,
        initial={"contact_name": request.user.name, "contact_email": request.user.email},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(applicant=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(FORM_ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _("Thank you! Your application was sent; we answer it by e-mail."),
            )
            return redirect("partners:area")
    return render(request, "partners/apply.html", {"form": form})


# --- Members ----------------------------------------------------------------------------------


@login_required
@require_POST
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(f"{reverse('partners:area')}#members")
    try:
        invitation = services.invitation_send(
            actor=request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("An invitation was sent to %(email)s.") % {"email": invitation.email},
        )
    return redirect(f"{reverse('partners:area')}#members")


@login_required
@require_POST
def member_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.filter(pk=pk).select_related("user").first()
    if membership is None:
        raise Http404
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(email)s is no longer a member.") % {"email": membership.user.email},
        )
    return redirect(f"{reverse('partners:area')}#members")


@login_required
@require_POST
def invitation_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None:
        raise Http404
    try:
        services.invitation_withdraw(invitation=invitation, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation was withdrawn."))
    return redirect(f"{reverse('partners:area')}#members")


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: sign in (or sign up) with the invited address, then accept."""
    found = selectors.invitation_by_token(token=token)
    here = reverse("partners:invitation", kwargs={"token": token})
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': here})}")
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Welcome! You are now a member of %(organisation)s.")
                % {"organisation": membership.organisation.name},
            )
            return redirect("partners:area")
    response = render(
        request,
        "partners/invitation.html",
        {
            "invitation": found,
            "login_url": f"{reverse('account_login')}?{urlencode({'next': here})}",
            "signup_url": f"{reverse('account_signup')}?{urlencode({'next': here})}",
        },
        status=200 if found else 404,
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- NFR licences -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def nfr_agreement(request: AuthenticatedHttpRequest) -> HttpResponse:
    if selectors.membership_for(user=request.user) is None:
        return _not_a_partner(request)
    agreement = selectors.current_agreement()
    if request.method == "POST" and agreement is not None:
        if str(agreement.pk) != request.POST.get("agreement", ""):
            messages.error(
                request, _("The NFR agreement has changed meanwhile; please read this version.")
            )
        elif not request.POST.get("accept"):
            messages.error(request, _("Tick the box to accept the NFR agreement."))
        else:
            try:
                services.nfr_agreement_accept(user=request.user, agreement=agreement)
            except ApplicationError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    _("You accepted version %(version)s of the NFR agreement.")
                    % {"version": agreement.version},
                )
                return redirect("partners:nfr_request")
    return render(
        request,
        "partners/nfr_agreement.html",
        {
            "agreement": agreement,
            "accepted": selectors.has_accepted(user=request.user, agreement=agreement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def nfr_request(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_for(user=request.user)
    if membership is None:
        return _not_a_partner(request)
    agreement = selectors.current_agreement()
    if not selectors.has_accepted(user=request.user, agreement=agreement):
        if agreement is not None:
            messages.info(
                request,
                _("Please read and accept the NFR agreement before you request a licence."),
            )
        return redirect("partners:nfr_agreement")
    form = NfrRequestForm(request.POST or None, initial={"product": request.GET.get("product")})
    if request.method == "POST" and form.is_valid():
        try:
            licence = services.nfr_licence_request(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            if error.code == ErrorCode.AGREEMENT_REQUIRED:
                messages.info(request, error.message)
                return redirect("partners:nfr_agreement")
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your request for an NFR licence of %(product)s was sent. We e-mail you the "
                    "licence key once it is approved."
                )
                % {"product": licence.product.name},
            )
            return redirect(f"{reverse('partners:area')}#nfr")
    return render(
        request,
        "partners/nfr_request.html",
        {
            "form": form,
            "partner": selectors.partner_area(membership=membership),
            "nfr_days": settings.NFR_EVALUATION_DAYS,
        },
    )


# --- Pre- and post-sales help -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def presales_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_for(user=request.user)
    if membership is None:
        return _not_a_partner(request)
    form = PresalesForm(request.POST or None)
    refusal = ""
    if not membership.organisation.level.presales_help:
        refusal = _(
            "Pre-sales help is included from the Certified partner level; your organisation "
            "is at the %(level)s level."
        ) % {"level": membership.organisation.level.name}
    if request.method == "POST" and form.is_valid():
        try:
            services.presales_request_submit(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(FORM_ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _(
                    "Your pre-sales request was sent to your sales representative, who passes "
                    "it to our support team. It then appears under My requests."
                ),
            )
            return redirect("partners:area")
    return render(
        request,
        "partners/presales_new.html",
        {"form": form, "refusal": refusal, "membership": membership},
        status=403 if refusal else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def postsales_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    membership = selectors.membership_for(user=request.user)
    if membership is None:
        return _not_a_partner(request)
    level = membership.organisation.level
    refusal = ""
    if not level.postsales_help:
        refusal = _(
            "Post-sales help is included from the Certified partner level; your organisation "
            "is at the %(level)s level."
        ) % {"level": level.name}
    elif membership.role != MemberRole.TECHNICAL:
        refusal = _(
            "Only a technical representative of your organisation can open and handle "
            "post-sales requests; you are its %(role)s."
        ) % {"role": membership.get_role_display()}
    form = PostsalesForm(
        request.POST or None,
        initial={"language": request.user.language or settings.LANGUAGE_CODE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            created = services.postsales_ticket_open(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(FORM_ERROR_FIELDS.get(error.code), error.message)
        else:
            messages.success(
                request,
                _(
                    "Thank you! Your post-sales request has the ticket ID %(id)s. We sent you a "
                    "confirmation e-mail; please quote the ID whenever you contact us."
                )
                % {"id": created.ticket.ticket_id},
            )
            return redirect("tickets:detail", ticket_id=created.ticket.ticket_id)
    return render(
        request,
        "partners/postsales_new.html",
        {"form": form, "refusal": refusal, "membership": membership},
        status=403 if refusal else 200,
    )
