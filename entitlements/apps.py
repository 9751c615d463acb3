from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntitlementsConfig(AppConfig):
    name = "entitlements"
    verbose_name = _("Products and entitlements")

    def ready(self) -> None:
        from entitlements import signals  # noqa: F401 - connects the receivers
