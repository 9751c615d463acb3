from django.conf import settings
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin


class UserLanguageMiddleware(MiddlewareMixin):
    """Speak a signed-in user's saved language unless this browser chose one explicitly."""

    def process_request(self, request) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return
        if user.language and user.language != translation.get_language():
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
