"""allauth glue: account e-mails go through the outbox, and sign-up keeps the chosen language."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth import get_user_model
from django.utils import translation

from portal.core import services as outbox


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        user = get_user_model().objects.filter(email__iexact=email).only("language").first()
        language = user.language if user else translation.get_language()
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

    def save_user(self, request, user, form, commit=True):
        user.language = translation.get_language_from_request(request) if request else "en"
        if user.language not in ("en", "de"):
            user.language = "en"
        return super().save_user(request, user, form, commit=commit)
