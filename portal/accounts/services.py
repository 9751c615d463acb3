"""Writes about accounts."""

from __future__ import annotations

from django.db import transaction

from portal.accounts.models import User

PROFILE_FIELDS = ("name", "language", "country", "phone", "release_notifications")


@transaction.atomic
def user_update_profile(*, user: User, **changes: object) -> User:
    """Update the fields a customer may change about themselves."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
