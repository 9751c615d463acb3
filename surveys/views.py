"""The survey page behind an invitation link, under /surveys/r/<token>/.

A GET only shows the form (mail scanners follow links); the answer is recorded on POST alone.
Unknown and expired links get the same friendly "not found" page; a link withdrawn because the
request was reopened says so.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.decorators import ratelimit

from portal.core.errors import ApplicationError
from surveys import selectors, services
from surveys.forms import ResponseForm
from surveys.models import Invitation


def _rate(group: str, request: HttpRequest) -> str:
    return getattr(settings, "SURVEY_RATE_LINK", "120/h")


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/rate_limited.html", status=429)


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/unavailable.html", status=404)


def _speak_invitation_language(request: HttpRequest, invitation: Invitation) -> None:
    """The page speaks the invitation's language unless this browser chose one explicitly."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES or request.user.is_authenticated:
        return
    translation.activate(invitation.language)
    request.LANGUAGE_CODE = invitation.language


def _reopened_since(invitation: Invitation) -> bool:
    """Whether the request this invitation asks about is no longer in the closure it followed."""
    ticket = invitation.ticket
    return ticket is not None and ticket.closed_at != invitation.closed_at


@require_http_methods(["GET", "POST"])
@ratelimit(group="surveys.respond", key="ip", rate=_rate, block=False)
def respond(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    invitation = selectors.invitation_for_token(token=token)
    if invitation is None:
        return _unavailable(request)
    _speak_invitation_language(request, invitation)
    if invitation.withdrawn_at is not None:
        # The request was reopened before an answer came: nothing to ask, nothing to record.
        return render(request, "surveys/withdrawn.html", {"ticket": invitation.ticket})
    questions = list(invitation.survey.questions.all())
    if request.method == "POST":
        form = ResponseForm(request.POST, questions=questions)
        if form.is_valid():
            try:
                services.response_submit(invitation=invitation, answers=form.answers())
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                return redirect("surveys:thanks", token=token)
    else:
        form = ResponseForm(
            questions=questions,
            initial=ResponseForm.initial_from(
                questions=questions,
                response=selectors.invitation_response(invitation=invitation),
                rating=request.GET.get("rating"),
            ),
        )
    return render(
        request,
        "surveys/respond.html",
        {
            "invitation": invitation,
            "survey": invitation.survey,
            "ticket": invitation.ticket,
            "form": form,
            "rating_field": form[form.rating_field_name()] if form.rating_field_name() else None,
            "answered": invitation.answered_at is not None,
            "reopened": _reopened_since(invitation),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_GET
@ratelimit(group="surveys.respond", key="ip", rate=_rate, block=False)
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many(request)
    invitation = selectors.invitation_for_token(token=token)
    if invitation is None or invitation.answered_at is None:
        return _unavailable(request)
    _speak_invitation_language(request, invitation)
    return render(
        request,
        "surveys/thanks.html",
        {
            "invitation": invitation,
            "survey": invitation.survey,
            "response": selectors.invitation_response(invitation=invitation),
        },
    )
