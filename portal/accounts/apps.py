from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from portal.accounts import (
            roles,  # noqa: F401 - keeps the staff groups in sync on migrate
            staff,  # noqa: F401 - a new password reopens the desk
        )
