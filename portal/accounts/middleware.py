from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


def activate_saved_language(request, user) -> None:
    """Speak ``user``'s saved language unless this browser chose one explicitly."""
    if user is None or not user.is_authenticated or not user.language:
        return
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    if user.language != translation.get_language():
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


class UserLanguageMiddleware(MiddlewareMixin):
    """Apply a signed-in user's saved language (session users; API tokens: see authentication)."""

    def process_request(self, request) -> None:
        activate_saved_language(request, getattr(request, "user", None))
