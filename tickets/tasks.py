"""Celery tasks: thin interfaces that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from tickets import services


@shared_task(name="tickets.deliver_message", ignore_result=True)
def deliver_message(message_id: int) -> None:
    services.message_deliver(message_id=message_id)


@shared_task(name="tickets.outbox_sweep", ignore_result=True)
def outbox_sweep() -> None:
    """Re-drive sends the broker lost; the claim in message_deliver prevents doubles."""
    for message_id in services.outbox_due_ids():
        deliver_message.delay(message_id)


@shared_task(name="tickets.close_solved", ignore_result=True)
def close_solved() -> None:
    services.tickets_close_solved()


@shared_task(name="tickets.sla_sweep", ignore_result=True)
def sla_sweep() -> None:
    """Breaches and at-risk warnings from the timer rows; safe to run twice at once."""
    from tickets.services.sla_sweep import sla_sweep as sweep

    sweep()


@shared_task(name="tickets.send_notification_emails", ignore_result=True)
def send_notification_emails(notification_ids: list[int]) -> None:
    """Each row is claimed before it is sent, so a duplicate or re-driven run sends none twice."""
    from tickets.services.notifications import notifications_email

    notifications_email(notification_ids=notification_ids)


@shared_task(name="tickets.notifications_email_sweep", ignore_result=True)
def notifications_email_sweep() -> None:
    """Re-drive notification emails whose task was lost, whose backoff ended, or whose sender
    died mid-send (lease expired); the claim in notifications_email prevents doubles."""
    from tickets.services.notifications import notification_email_due_ids

    if ids := notification_email_due_ids():
        send_notification_emails.delay(ids)


@shared_task(name="tickets.delay_notices_send", ignore_result=True)
def delay_notices_send(timer_ids: list[int]) -> None:
    """The delay notices of timers the SLA sweep has just marked at risk; each is decided
    once under its ticket's lock, so a repeated task sends nothing twice."""
    from tickets.services.delay_notice import delay_notices_send as send

    send(timer_ids=timer_ids)
