"""Development on one machine: debug pages, console e-mail, the embedded default services."""

from portal.settings.base import *  # noqa: F403
from portal.settings.env import bool_from_env

DEBUG = bool_from_env("DJANGO_DEBUG", True)
