from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data of every app, loaded together by ``manage.py seed_demo``.

    It sits above the feature apps (it imports each one's demo module), so that none of them,
    nor ``portal.core``, has to know the others.
    """

    name = "portal.demo"
    label = "demo"
    verbose_name = _("Demo data")
