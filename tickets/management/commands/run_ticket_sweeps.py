"""Run one pass of every periodic sweep, as Celery beat would."""

from typing import Any

from django.core.management.base import BaseCommand

from portal.core import services as outbox
from tickets import services


class Command(BaseCommand):
    help = "Send due reminders, close tickets left unanswered, and hand out stuck e-mail."

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.tickets_sweep()
        requeued = outbox.email_requeue_stuck()
        self.stdout.write(
            f"Reminders sent: {result.reminded}; tickets closed: {result.closed}; "
            f"e-mails handed out again: {requeued}"
        )
