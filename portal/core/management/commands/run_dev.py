"""Run the portal for development: the web server and a Celery worker with beat, as one command.

Ctrl-C (or SIGTERM) stops both cleanly and the command exits 0: the worker gets a warm
shutdown (running tasks finish, its pool closes) instead of every process being signalled at
once. The children run in process groups of their own, and when the command runs in a terminal
it takes the terminal's foreground, so the Ctrl-C reaches this command alone — not ``make`` above
it, nor the worker's pool processes below.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

STOP_TIMEOUT_SECONDS = 30


class Command(BaseCommand):
    help = "Run the development web server with a Celery worker and beat; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT") or 8000),
            help="Port of the web server (default: $PORT or 8000).",
        )
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument(
            "--no-reload", action="store_true", help="Do not restart the web server on changes."
        )

    def handle(self, *args: Any, host: str, port: int, no_reload: bool, **options: Any) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # Links in e-mails point at the port actually served, unless configured otherwise.
        env.setdefault("SITE_URL", f"http://{host}:{port}")
        python = sys.executable
        var = Path(settings.BASE_DIR) / "var"
        var.mkdir(exist_ok=True)
        web = [python, "manage.py", "runserver", f"{host}:{port}"]
        if no_reload:
            web.append("--noreload")
        worker = [
            python, "-m", "celery", "-A", "portal", "worker", "--beat", "--loglevel", "INFO",
            "--concurrency", "2", "--schedule", str(var / "celerybeat-schedule"),
        ]  # fmt: skip
        self.stdout.write(
            f"Portal on http://{host}:{port}/ with a Celery worker and beat; Ctrl-C stops both."
        )
        with _terminal_foreground():
            code = _supervise({"web": web, "worker": worker}, env=env, out=self.stdout)
        if code:
            raise CommandError(f"a process stopped unexpectedly (exit code {code})", returncode=1)


def _supervise(commands: dict[str, list[str]], *, env: dict, out: OutputWrapper) -> int:
    """Run the commands until one ends or a stop signal arrives; return 0 for a clean stop."""
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    width = max(map(len, commands))
    children: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands.items():
            child = subprocess.Popen(  # noqa: S603 - our own fixed commands
                command,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            children[name] = child
            threading.Thread(
                target=_relay, args=(child, f"{name:<{width}} | ", out), daemon=True
            ).start()
        ended = None
        while not stop.is_set() and ended is None:
            ended = next((n for n, c in children.items() if c.poll() is not None), None)
            stop.wait(0.2)
        return _stop(children, out=out, ended=ended)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop(children: dict[str, subprocess.Popen], *, out: OutputWrapper, ended: str | None) -> int:
    """Warm-stop every child still running; the exit code is that of one that died by itself."""
    for name, child in children.items():
        if child.poll() is None:
            out.write(f"Stopping {name}...")
            # The worker's main process shuts its pool down itself; runserver's reloader and
            # server share its group, so the group is told.
            with contextlib.suppress(ProcessLookupError):
                if name == "worker":
                    child.send_signal(signal.SIGTERM)
                else:
                    os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    if ended is None:
        return 0
    code = children[ended].returncode
    return code if code else 1


def _relay(child: subprocess.Popen, prefix: str, out: OutputWrapper) -> None:
    for line in iter(child.stdout.readline, b""):
        out.write(prefix + line.decode(errors="replace").rstrip("\n"))


@contextlib.contextmanager
def _terminal_foreground() -> Iterator[None]:
    """Become the terminal's foreground process group for as long as the children run."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield  # no terminal (CI, a test): signals come from whoever started us
        return
    before = ttou = None
    try:
        before = os.tcgetpgrp(terminal)
        os.setpgid(0, 0)
        ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        os.tcsetpgrp(terminal, os.getpgrp())
    except OSError:
        before = None  # not our terminal to take: Ctrl-C reaches make too, which is harmless
    try:
        yield
    finally:
        if before is not None:
            with contextlib.suppress(OSError):
                os.tcsetpgrp(terminal, before)
        if ttou is not None:
            signal.signal(signal.SIGTTOU, ttou)
        os.close(terminal)
