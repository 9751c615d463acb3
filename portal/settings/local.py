"""Development on one machine: debug pages, console e-mail, the embedded default services."""

from portal.settings.base import *  # noqa: F403
from portal.settings.env import bool_from_env, env

DEBUG = bool_from_env("DJANGO_DEBUG", True)

ORDER_WEBHOOK_SECRET = env.str("ORDER_WEBHOOK_SECRET", default="dev-order-webhook-secret")
