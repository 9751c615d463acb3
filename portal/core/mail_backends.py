"""E-mail backends for tests and development; production uses an anymail provider backend."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from anymail.backends.test import EmailBackend as AnymailTestBackend
from django.conf import settings

if TYPE_CHECKING:
    from anymail.backends.test import TestPayload
    from django.core.mail import EmailMessage


class RecordingTestBackend(AnymailTestBackend):
    """Anymail's test backend that also leaves one JSON file per accepted message.

    A worker runs in another process, so its tests read what the "provider" accepted from
    ``TEST_MAIL_RECORD_DIR``. ``TEST_MAIL_DELAY_SECONDS`` keeps a send in flight long enough
    for a test to kill the worker in the middle of it.
    """

    def post_to_esp(self, payload: TestPayload, message: EmailMessage) -> object:
        delay = float(getattr(settings, "TEST_MAIL_DELAY_SECONDS", 0) or 0)
        if delay:
            time.sleep(delay)
        response = super().post_to_esp(payload, message)
        record_dir = getattr(settings, "TEST_MAIL_RECORD_DIR", "")
        if record_dir:
            Path(record_dir).mkdir(parents=True, exist_ok=True)
            record = {
                "to": [str(address) for address in message.to],
                "subject": message.subject,
                "body": message.body,
                "message_id": message.extra_headers.get("Message-ID", ""),
            }
            path = Path(record_dir) / f"{uuid.uuid4().hex}.json"
            path.write_text(json.dumps(record), encoding="utf-8")
        return response
