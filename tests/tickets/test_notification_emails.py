"""Notification emails have the outbox's guarantees: each row is claimed before it is sent,
an SMTP error backs off and retries without stopping the rest of the batch, a permanent
refusal ends `failed` with the reason, and the beat sweep `tickets.notifications_email_sweep`
re-drives rows whose task was lost or whose sender died mid-send."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend

from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import EmailState, Notification, NotificationKind, Ticket
from tickets.services import message_ingest, notifications_add
from tickets.tasks import notifications_email_sweep, send_notification_emails

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BACKEND = f"{__name__}.FlakyBackend"


class WorkerDied(BaseException):
    """Stands for the worker being killed mid-send: nothing in the service catches it."""


class FlakyBackend(EmailBackend):
    """The in-memory backend with a failing mail server in front: each recipient in
    `fail_once` gets one SMTP error, those in `refused` are refused for good, those in
    `die_on` kill the sender while it holds the claim."""

    fail_once: set[str] = set()
    refused: set[str] = set()
    die_on: set[str] = set()
    attempts: list[str] = []

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            (to,) = message.to
            type(self).attempts.append(to)
            if to in self.die_on:
                self.die_on.discard(to)
                raise WorkerDied(to)
            if to in self.fail_once:
                self.fail_once.discard(to)
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            if to in self.refused:
                raise smtplib.SMTPRecipientsRefused({to: (550, b"5.1.1 No such user")})
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def flaky_mailer(settings) -> type[FlakyBackend]:
    # The test runner switched MAILERS to the in-memory backend (STACK.md trap 1): ours wraps it.
    settings.MAILERS = {"default": {"BACKEND": BACKEND}}
    FlakyBackend.fail_once, FlakyBackend.refused, FlakyBackend.die_on = set(), set(), set()
    FlakyBackend.attempts = []
    return FlakyBackend


@pytest.fixture
def ticket() -> Ticket:
    with time_machine.travel(T0, tick=False):
        return message_ingest(data=inbound("email", value="eva@example.com")).ticket


@pytest.fixture
def people(django_user_model) -> list[Any]:
    return [
        django_user_model.objects.create_user(name, email=f"{name}@helpdesk.example")
        for name in ("ada", "bo", "cy")
    ]


def _notify(users: list[Any], ticket: Ticket, capture, *, run: bool = True) -> None:
    """Notify as the SLA sweep or a low rating does; `run=False` loses the task."""
    with capture(execute=run):
        notifications_add(
            users=users, ticket=ticket, kind=NotificationKind.SLA_AT_RISK, text="At risk"
        )


def _sweep(capture) -> None:
    with capture(execute=True):
        notifications_email_sweep.delay()


def _row(user: Any) -> Notification:
    return Notification.objects.get(user=user)


def _sent_to() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


def test_an_smtp_error_is_retried_later_and_the_rest_of_the_batch_goes_out(
    people, ticket, flaky_mailer, django_capture_on_commit_callbacks
) -> None:
    ada, bo, cy = people
    flaky_mailer.fail_once = {"ada@helpdesk.example"}
    with time_machine.travel(T0, tick=False):
        _notify(people, ticket, django_capture_on_commit_callbacks)

    assert _sent_to() == ["bo@helpdesk.example", "cy@helpdesk.example"]
    failed = _row(ada)
    assert failed.email_state == EmailState.PENDING
    assert failed.email_attempts == 1
    assert failed.email_next_attempt_at == T0 + timedelta(minutes=1)
    assert "Connection unexpectedly closed" in failed.email_last_error
    assert failed.emailed_at is None
    for user in (bo, cy):
        row = _row(user)
        assert (row.email_state, row.email_attempts, row.emailed_at) == ("sent", 1, T0)

    # Not before its backoff, and the task delivered twice sends nothing twice.
    with time_machine.travel(T0 + timedelta(seconds=59), tick=False):
        _sweep(django_capture_on_commit_callbacks)
        send_notification_emails.delay([n.pk for n in Notification.objects.all()])
    assert len(mail.outbox) == 2

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert _sent_to() == [
        "ada@helpdesk.example",
        "bo@helpdesk.example",
        "cy@helpdesk.example",
    ]
    sent = _row(ada)
    assert (sent.email_state, sent.email_attempts) == (EmailState.SENT, 2)
    assert sent.emailed_at == T0 + timedelta(minutes=1)
    assert sent.email_last_error == ""
    assert sent.email_next_attempt_at is None


def test_backoff_doubles_and_gives_up_after_the_last_attempt(
    people, ticket, flaky_mailer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.HELPDESK_SEND_MAX_ATTEMPTS = 3
    ada = people[0]
    flaky_mailer.refused = set()
    with time_machine.travel(T0, tick=False):
        flaky_mailer.fail_once = {"ada@helpdesk.example"}
        _notify([ada], ticket, django_capture_on_commit_callbacks)
    assert _row(ada).email_next_attempt_at == T0 + timedelta(minutes=1)
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        flaky_mailer.fail_once = {"ada@helpdesk.example"}
        _sweep(django_capture_on_commit_callbacks)
    assert _row(ada).email_next_attempt_at == T0 + timedelta(minutes=3)  # 2 min later
    with time_machine.travel(T0 + timedelta(minutes=3), tick=False):
        flaky_mailer.fail_once = {"ada@helpdesk.example"}
        _sweep(django_capture_on_commit_callbacks)
    row = _row(ada)
    assert row.email_state == EmailState.FAILED
    assert row.email_attempts == 3
    assert row.email_last_error.startswith("gave up after 3 attempts")
    assert row.email_next_attempt_at is None
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert len(flaky_mailer.attempts) == 3


def test_a_permanent_refusal_ends_failed_with_the_error(
    people, ticket, flaky_mailer, django_capture_on_commit_callbacks
) -> None:
    bo = people[1]
    flaky_mailer.refused = {"bo@helpdesk.example"}
    with time_machine.travel(T0, tick=False):
        _notify(people, ticket, django_capture_on_commit_callbacks)

    refused = _row(bo)
    assert refused.email_state == EmailState.FAILED
    assert refused.email_attempts == 1
    assert "No such user" in refused.email_last_error
    assert refused.email_next_attempt_at is None
    assert _sent_to() == ["ada@helpdesk.example", "cy@helpdesk.example"]
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert flaky_mailer.attempts.count("bo@helpdesk.example") == 1


def test_the_sweep_re_drives_a_row_whose_task_was_lost(
    people, ticket, django_capture_on_commit_callbacks
) -> None:
    ada = people[0]
    with time_machine.travel(T0, tick=False):
        _notify([ada], ticket, django_capture_on_commit_callbacks, run=False)
    assert mail.outbox == []
    assert _row(ada).email_state == EmailState.PENDING

    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        _sweep(django_capture_on_commit_callbacks)
        _sweep(django_capture_on_commit_callbacks)
    assert _sent_to() == ["ada@helpdesk.example"]
    assert _row(ada).email_state == EmailState.SENT


def test_a_row_stuck_in_sending_past_its_lease_is_re_driven(
    people, ticket, flaky_mailer, django_capture_on_commit_callbacks
) -> None:
    ada, bo, _ = people
    flaky_mailer.die_on = {"ada@helpdesk.example"}
    with (
        time_machine.travel(T0, tick=False),
        pytest.raises(WorkerDied),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications_add(
            users=[ada], ticket=ticket, kind=NotificationKind.SLA_AT_RISK, text="At risk"
        )
    stuck = _row(ada)
    assert (stuck.email_state, stuck.email_attempts) == (EmailState.SENDING, 1)

    # Another row due meanwhile goes out; the held one waits for its lease to end.
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        _notify([bo], ticket, django_capture_on_commit_callbacks, run=False)
        _sweep(django_capture_on_commit_callbacks)
    assert _sent_to() == ["bo@helpdesk.example"]
    assert _row(ada).email_state == EmailState.SENDING

    with time_machine.travel(T0 + timedelta(minutes=5, seconds=1), tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert _sent_to() == ["ada@helpdesk.example", "bo@helpdesk.example"]
    row = _row(ada)
    assert (row.email_state, row.email_attempts) == (EmailState.SENT, 2)


def test_users_without_an_email_address_are_skipped(
    django_user_model, people, ticket, flaky_mailer, django_capture_on_commit_callbacks
) -> None:
    nomail = django_user_model.objects.create_user("nomail")
    with time_machine.travel(T0, tick=False):
        _notify([nomail, people[0]], ticket, django_capture_on_commit_callbacks)
    assert _row(nomail).email_state == EmailState.SKIPPED
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        _sweep(django_capture_on_commit_callbacks)
    assert flaky_mailer.attempts == ["ada@helpdesk.example"]


def test_the_sweep_is_on_the_beat_schedule() -> None:
    from helpdesk.celery import app

    entry = app.conf.beat_schedule["tickets.notifications_email_sweep"]
    assert entry["task"] == "tickets.notifications_email_sweep"
    assert 0 < entry["options"]["expires"] <= 60


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_a_lost_email_once_through_a_real_worker(worker, people) -> None:
    import time

    from helpdesk.celery import app

    queue, log = worker
    app.conf.task_always_eager = False
    ticket = message_ingest(data=inbound("email", value="kees@example.nl", subject="Fiets")).ticket
    # Its own task goes to the default queue, which no worker serves here: lost, as if Redis
    # had been flushed. The row is the outbox, so the sweep finds it.
    notifications_add(
        users=[people[0]], ticket=ticket, kind=NotificationKind.SLA_AT_RISK, text="At risk"
    )
    row = _row(people[0])
    assert row.email_state == EmailState.PENDING

    app.send_task("tickets.notifications_email_sweep", queue=queue)
    wait_until(
        lambda: _row(people[0]).email_state == EmailState.SENT,
        timeout=30,
        message=lambda: f"the notification email to be sent; worker log:\n{log.read_text()}",
    )
    assert _row(people[0]).email_state == EmailState.SENT, log.read_text()
    app.send_task("tickets.notifications_email_sweep", queue=queue)
    app.send_task("tickets.send_notification_emails", args=[[row.pk]], queue=queue)
    time.sleep(2)
    assert _row(people[0]).email_attempts == 1
    assert log.read_text().count(f"[#{ticket.pk}] SLA at risk: Fiets") == 1
