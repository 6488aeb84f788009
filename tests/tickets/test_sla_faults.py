"""SLA timers under faults, with a real Celery worker and beat on the machine's Redis: the
worker is killed with SIGKILL and restarted, Redis is flushed, and every timer still
breaches exactly once, each within 90 s of its due time (PRODUCT.md: SLA)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from tests.conftest import ROOT, _test_database_url
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import EventKind, Priority, SlaBreach, SlaTimer, Ticket
from tickets.services import message_ingest

TIMERS = 12


def _celery(kind: str, queue: str, log: Path, extra: list[str]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "HELPDESK_SLA_SWEEP_SECONDS": "2",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "helpdesk", kind, "-l", "info", *extra],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_and_redis_flushed_every_timer_fires_once(tmp_path: Path) -> None:
    from tickets.services import sla_policies_default

    sla_policies_default()
    now = timezone.now()
    # Contacts 48 h ago, give or take: due from 4 s to ~40 s from now.
    for index in range(TIMERS):
        sent_at = now - timedelta(hours=48) + timedelta(seconds=4 + index * 3)
        message_ingest(data=inbound("email", value=f"fault{index}@example.com", sent_at=sent_at))
    assert SlaTimer.objects.filter(state="running").count() == TIMERS

    queue = f"test-sla-{uuid.uuid4().hex[:8]}"
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    worker_args = ["worker", "-Q", queue, "--pool", "solo"]
    worker = _celery(worker_args[0], queue, worker_log, worker_args[1:])
    beat = _celery("beat", queue, beat_log, ["-s", str(tmp_path / "beat-schedule")])
    try:
        # Let the first timers fire, then kill the worker mid-stream, without warning.
        wait_until(
            lambda: SlaBreach.objects.count() >= 2,
            timeout=60,
            interval=0.5,
            message=lambda: f"the first two breaches; worker log:\n{worker_log.read_text()}",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
        # Everything queued in Redis is gone too.
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
        time.sleep(3)
        worker = _celery(worker_args[0], queue, worker_log, worker_args[1:])
        wait_until(
            lambda: SlaBreach.objects.count() == TIMERS,
            timeout=120,
            interval=0.5,
            message=lambda: (
                f"all {TIMERS} breaches; logs:\n"
                + worker_log.read_text()[-3000:]
                + beat_log.read_text()[-2000:]
            ),
        )
        time.sleep(4)  # a few more sweeps: nothing fires twice
    finally:
        for proc in (worker, beat):
            proc.terminate()
        for proc in (worker, beat):
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()

    assert SlaBreach.objects.count() == TIMERS
    for breach in SlaBreach.objects.select_related("timer"):
        late = (breach.recorded_at - breach.due_at).total_seconds()
        assert 0 <= late < 90, (breach.pk, late)
    for ticket in Ticket.objects.all():
        events = ticket.events.filter(kind=EventKind.SLA, text__contains="breached")
        assert events.count() == 1
        assert ticket.priority == Priority.HIGH  # raised once, not once per sweep
