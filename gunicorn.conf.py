"""Gunicorn settings, read from the working directory (the Dockerfile and compose start there).

The access log leaves out the client address: usage reports must never have theirs recorded,
and the portal needs no address in its request log either.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
