"""allauth glue: account e-mails go through the outbox, and sign-up keeps the chosen language."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from portal.accounts import selectors as account_selectors
from portal.accounts import staff
from portal.accounts.middleware import STAFF_TIME_ZONE
from portal.core import services as outbox

if TYPE_CHECKING:
    from django import forms
    from django.http import HttpRequest

    from portal.accounts.models import User

    class SignInRequest(HttpRequest):
        """A sign-in request, with what ``authenticate`` noted about a staff member's password."""

        staff_password_falls_short: bool


def portal_site() -> SimpleNamespace:
    """What allauth's mail templates call the site: the portal's name and public host."""
    return SimpleNamespace(name="NovaDesk", domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's mail in the recipient's language and put it in the outbox."""
        user = get_user_model().objects.filter(email__iexact=email).only("language").first()
        language = user.language if user else translation.get_language()
        context = {"email": email, "current_site": portal_site(), **context}
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html"
            ),
            "",
        )
        outbox.email_enqueue(
            to=email,
            subject=message.subject,
            body_text=message.body,
            body_html=html,
            tag=template_prefix.rsplit("/", 1)[-1],
            language=language,
        )

    def authenticate(self, request: SignInRequest | None, **credentials: Any) -> User | None:
        """Sign in as usual; note whether a staff member's password breaks the staff rule."""
        user = super().authenticate(request, **credentials)
        if user is not None and request is not None:
            request.staff_password_falls_short = staff.staff_password_falls_short(
                user=user, password=credentials.get("password", "")
            )
        return user

    def login(self, request: HttpRequest, user: User) -> None:
        super().login(request, user)
        if getattr(request, "staff_password_falls_short", False):
            request.session[staff.SESSION_FLAG] = True
        if user.is_staff:
            zone = account_selectors.staff_time_zone_name(user=user)
            if zone:
                request.session[STAFF_TIME_ZONE] = zone

    def save_user(
        self, request: HttpRequest | None, user: User, form: forms.Form, commit: bool = True
    ) -> User:
        user.language = translation.get_language_from_request(request) if request else "en"
        if user.language not in ("en", "de"):
            user.language = "en"
        return super().save_user(request, user, form, commit=commit)
