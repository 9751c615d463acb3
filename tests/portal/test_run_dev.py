"""`make run`'s command: the port can be chosen, the output is quiet, and Ctrl-C stops it cleanly.

The command runs in a real pseudo-terminal under a shell (as `make` starts it), with a real
Celery worker on the embedded file broker and the console mail backend; Ctrl-C is typed into
the terminal, so the terminal driver delivers SIGINT exactly as it does for a person.
"""

from __future__ import annotations

import fcntl
import os
import select
import shlex
import subprocess
import sys
import termios
import time
import urllib.request
from pathlib import Path

import pytest

from tests.factories import OutboundEmailFactory
from tests.workers import ROOT, child_env, free_port

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _controlling_terminal() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    def __init__(self, command: str, env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", command],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.output = ""

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                try:
                    self.output += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the other side closed
                    return

    def wait_for(self, text: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while text not in self.output and time.monotonic() < deadline:
            self.read(0.5)
        return text in self.output

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal(tmp_path):
    port = free_port()
    env = child_env(
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        # The embedded default: the file broker, which kombu warned about on every connection.
        REDIS_URL="",
        PORT=str(port),
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_REQUEUE_AFTER_SECONDS="0",
    )
    env.pop("REDIS_URL")
    command = f"{shlex.quote(sys.executable)} manage.py run_dev --no-reload"
    session = Terminal(command, env)
    session.port = port
    yield session
    session.close()


def test_ctrl_c_stops_web_and_worker_cleanly_and_the_mail_is_information(terminal):
    # Written without publishing: the worker's outbox sweep hands it out on its own broker.
    OutboundEmailFactory(subject="Demo mail for the console")

    assert terminal.wait_for("celery@", 60), terminal.output
    assert terminal.wait_for("Demo mail for the console", 60), terminal.output
    assert terminal.wait_for("Starting development server", 30), terminal.output
    health = urllib.request.urlopen(f"http://127.0.0.1:{terminal.port}/healthz", timeout=10)
    assert health.status == 200

    terminal.type(b"\x03")
    terminal.process.wait(timeout=60)
    terminal.read(1)

    Path(os.environ.get("RUN_DEV_TRANSCRIPT", "/dev/null")).write_text(terminal.output)
    assert terminal.process.returncode == 0, terminal.output
    assert f"http://127.0.0.1:{terminal.port}/" in terminal.output
    assert "No hostname was supplied" not in terminal.output
    mail_lines = [line for line in terminal.output.splitlines() if "Subject: Demo mail" in line]
    assert mail_lines
    assert not any("WARNING" in line for line in mail_lines)
    assert "ERROR" not in terminal.output
    assert "Traceback" not in terminal.output


def test_a_port_out_of_range_is_refused_naming_it():
    result = subprocess.run(
        [sys.executable, "manage.py", "run_dev", "--port", "70000"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert "--port must be between 1 and 65535, got 70000" in result.stderr
