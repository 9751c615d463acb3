from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField


class SupportTeam(models.TextChoices):
    US = "us", _("United States team")
    DE = "de", _("Germany team")


class EmailUserManager(UserManager["User"]):
    """Users are known by their e-mail address; there is no user name."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A customer, partner member or support engineer."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Used for e-mails and the portal, and decides the support team."),
    )
    country = CountryField(_("country"), blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    release_notifications = models.BooleanField(
        _("release notifications"),
        default=False,
        help_text=_("Send me an e-mail when a new release of my products comes out."),
    )
    support_team_override = models.CharField(
        _("support team (override)"),
        max_length=2,
        choices=SupportTeam.choices,
        blank=True,
        help_text=_("Leave empty to choose the team from the country and language."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name.split(" ")[0] if self.name else self.email

    @property
    def support_team(self) -> str:
        from portal.accounts.selectors import user_support_team

        return user_support_team(user=self)
