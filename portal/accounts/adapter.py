"""allauth glue: account e-mails go through the outbox, sign-up keeps the chosen language, and
staff land on the support desk after signing in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from portal.accounts import roles, staff
from portal.accounts import selectors as account_selectors
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


def desk_landing_url(*, user: User) -> str:
    """Where a member of staff starts in the desk: engineers and leads on their own open
    requests in the queue, other staff on the desk's start page."""
    if user.groups.filter(name__in=(roles.SUPPORT_ENGINEER, roles.SUPPORT_LEAD)).exists():
        # Imported here: the queue belongs to tickets, an app that builds on this one.
        from tickets.admin.queue import MY_QUEUE

        return f"{reverse('admin:tickets_ticket_changelist')}?{urlencode(MY_QUEUE)}"
    return reverse("admin:index")


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

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """After signing in without a ``next`` address: staff on the desk, customers home.

        allauth follows a safe ``next`` address first and asks here only without one.
        """
        user = request.user
        if user.is_authenticated and user.is_staff:
            return desk_landing_url(user=user)
        return super().get_login_redirect_url(request)

    def save_user(
        self, request: HttpRequest | None, user: User, form: forms.Form, commit: bool = True
    ) -> User:
        user.language = translation.get_language_from_request(request) if request else "en"
        if user.language not in ("en", "de"):
            user.language = "en"
        return super().save_user(request, user, form, commit=commit)
