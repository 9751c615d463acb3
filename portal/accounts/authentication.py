"""API authentication that also applies the account's language, like the session middleware."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.authentication import TokenAuthentication

from portal.accounts.middleware import activate_saved_language

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token
    from rest_framework.request import Request

    from portal.accounts.models import User


class LanguageTokenAuthentication(TokenAuthentication):
    """Token authentication; the answer is in the account's saved language.

    The language middleware runs before DRF knows the token's user, so a token client would
    otherwise always be answered in the default language.
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        result = super().authenticate(request)
        if result is not None:
            activate_saved_language(request._request, result[0])
        return result
