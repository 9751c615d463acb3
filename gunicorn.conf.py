"""Gunicorn settings, read from the working directory (the Dockerfile and compose start there).

The access log leaves out the client address: usage reports must never have theirs recorded,
and the portal needs no address in its request log either. Request lines are logged with their
secrets redacted: private-link, survey and invitation tokens, reset and confirmation keys
(portal/core/logredact.py).
"""

import importlib.util
import os
from pathlib import Path

from gunicorn import glogging


def _load_logredact():
    # Loaded from its file: importing the portal package would load Django's settings and the
    # Celery app into the arbiter, which needs neither.
    path = Path(__file__).resolve().parent / "portal" / "core" / "logredact.py"
    spec = importlib.util.spec_from_file_location("novadesk_logredact", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


logredact = _load_logredact()


class RedactingLogger(glogging.Logger):
    """Gunicorn's logger, with request lines, paths and URLs redacted in the access log."""

    def atoms(self, resp, req, environ, request_time):
        return logredact.redact_access_atoms(super().atoms(resp, req, environ, request_time))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
logger_class = RedactingLogger
