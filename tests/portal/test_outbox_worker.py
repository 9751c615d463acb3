"""The outbox with real worker processes: crashes, duplicates and a broker that is down."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from portal.celery import app as celery_app
from portal.core import services
from portal.core.models import OutboundEmail
from tests.workers import ROOT, Worker, child_env, free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mail_dir(tmp_path) -> Path:
    path = tmp_path / "accepted-mail"
    path.mkdir()
    return path


@pytest.fixture
def start_worker(tmp_path, mail_dir):
    """Start workers that record accepted mail in ``mail_dir``; stop them after the test."""
    celery_app.control.purge()
    workers: list[Worker] = []

    def start(**env) -> Worker:
        env.setdefault("TEST_MAIL_RECORD_DIR", mail_dir)
        worker = Worker(tmp_path / f"worker-{len(workers)}.log", **env)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def accepted(mail_dir: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(mail_dir.glob("*.json"))]


def status_of(row: OutboundEmail) -> str:
    row.refresh_from_db()
    return row.status


def enqueue(subject: str = "Your request NS-2026-000001") -> OutboundEmail:
    with transaction.atomic():
        return services.email_enqueue(to="customer@example.com", subject=subject, body_text="Hi")


def test_a_worker_delivers_committed_mail(start_worker, mail_dir):
    worker = start_worker()

    row = enqueue()

    wait_for(lambda: status_of(row) == "sent", what=f"delivery; log:\n{worker.log()}")
    assert [mail["subject"] for mail in accepted(mail_dir)] == [row.subject]
    assert accepted(mail_dir)[0]["message_id"] == row.message_id


def test_duplicate_task_messages_send_one_mail(start_worker, mail_dir):
    start_worker(concurrency=2, TEST_MAIL_DELAY_SECONDS=1)

    row = enqueue()
    for _ in range(3):
        services.email_publish(email_id=row.pk)

    wait_for(lambda: status_of(row) == "sent", what="delivery")
    time.sleep(2)  # let every duplicate message be consumed
    assert len(accepted(mail_dir)) == 1
    assert OutboundEmail.objects.get(pk=row.pk).attempts == 1


def test_a_worker_killed_mid_send_neither_loses_nor_doubles_the_mail(start_worker, mail_dir):
    lease = {"OUTBOX_LEASE_SECONDS": 4}
    crashing = start_worker(TEST_MAIL_DELAY_SECONDS=60, **lease)
    row = enqueue()
    wait_for(lambda: status_of(row) == "sending", what=f"the claim; log:\n{crashing.log()}")

    crashing.kill()
    assert accepted(mail_dir) == []

    start_worker(beat=True, OUTBOX_SWEEP_SECONDS=1, OUTBOX_REQUEUE_AFTER_SECONDS=1, **lease)
    wait_for(lambda: status_of(row) == "sent", timeout=45, what="delivery after the crash")
    time.sleep(2)
    assert len(accepted(mail_dir)) == 1
    assert OutboundEmail.objects.get(pk=row.pk).attempts == 2


@pytest.fixture
def redis_server(tmp_path):
    """A Redis of this test's own on a free port, which the test can stop and start."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI installs it)")
    port = free_port()
    processes: list[subprocess.Popen] = []

    class Server:
        url = f"redis://127.0.0.1:{port}/0"

        def start(self) -> None:
            processes.append(
                subprocess.Popen(
                    [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(tmp_path)],
                    stdout=subprocess.DEVNULL,
                )
            )  # fmt: skip
            wait_for(self.answers, timeout=10, what="redis-server")

        def answers(self) -> bool:
            import redis

            try:
                return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
            except redis.ConnectionError:
                return False

        def stop(self) -> None:
            for process in processes:
                process.terminate()
                process.wait(timeout=10)

    server = Server()
    yield server
    server.stop()


def test_mail_written_while_the_broker_is_down_goes_out_when_it_returns(
    redis_server, start_worker, mail_dir
):
    # A web process commits a change whose mail cannot be queued: nothing answers on the port.
    change = (
        "from django.db import transaction\n"
        "from portal.core import services\n"
        "with transaction.atomic():\n"
        "    row = services.email_enqueue(to='c@example.com', subject='Broker down',"
        " body_text='x')\n"
        "print(row.pk)\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", change],
        cwd=ROOT,
        env=child_env(REDIS_URL=redis_server.url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not queued (broker unavailable" in result.stderr
    row = OutboundEmail.objects.get(pk=int(result.stdout.strip().splitlines()[-1]))
    assert row.status == "pending"

    redis_server.start()
    start_worker(
        beat=True,
        REDIS_URL=redis_server.url,
        OUTBOX_SWEEP_SECONDS=1,
        OUTBOX_REQUEUE_AFTER_SECONDS=0,
    )

    wait_for(
        lambda: status_of(row) == "sent", timeout=45, what="delivery after the broker returned"
    )
    assert [mail["subject"] for mail in accepted(mail_dir)] == ["Broker down"]
