from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from portal.accounts import services
from portal.accounts.forms import ProfileForm
from portal.accounts.selectors import user_support_team

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update_profile(
            user=request.user, **{field: form.cleaned_data[field] for field in form.Meta.fields}
        )
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, request.user.language, samesite="Lax")
        return response
    team = user_support_team(user=request.user)
    return render(request, "accounts/profile.html", {"form": form, "team": team})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the portal's language, and remember it on the account of a signed-in user."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, language=language)
        translation.activate(language)
    return response
