from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from portal.core import checks  # noqa: F401 - registers the deployment checks
