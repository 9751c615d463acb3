"""API authentication that also applies the account's language, like the session middleware."""

from __future__ import annotations

from rest_framework.authentication import TokenAuthentication

from portal.accounts.middleware import activate_saved_language


class LanguageTokenAuthentication(TokenAuthentication):
    """Token authentication; the answer is in the account's saved language.

    The language middleware runs before DRF knows the token's user, so a token client would
    otherwise always be answered in the default language.
    """

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            activate_saved_language(request._request, result[0])
        return result
