"""Outbound delivery: the message row is the outbox; senders come from `tickets.senders`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from customers.models import Identity
from tickets import realtime
from tickets.models import DeliveryState, Direction, Message, Ticket
from tickets.senders import PermanentSendError, SendResult, TransientSendError, get_sender

if TYPE_CHECKING:
    from helpdesk.roles import User

logger = logging.getLogger(__name__)


def _backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))


def outbound_queue(
    *,
    ticket: Ticket,
    channel: str,
    recipient: Identity,
    body_text: str,
    author: User | None = None,
    body_html: str = "",
    is_automatic: bool = False,
    meta: dict[str, Any] | None = None,
) -> Message:
    """Queue an outbound message on a locked ticket: the outbox row (`message_deliver` sends
    it after commit; `outbox_sweep` re-drives it if the task is lost) and the live update
    for the agents watching the ticket. Callers check what may be sent (`replies`)."""
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=channel,
        author_user=author,
        identity=recipient,
        subject=ticket.subject,
        body_text=body_text,
        body_html=body_html,
        is_automatic=is_automatic,
        delivery_state=DeliveryState.QUEUED,
        next_attempt_at=timezone.now(),
        meta=meta or {},
    )
    _enqueue_delivery(message.pk)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


def _enqueue_delivery(message_id: int) -> None:
    from tickets.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message_id))


def message_deliver(*, message_id: int) -> Message | None:
    """Send one queued outbound message through its channel's sender, at most once at a time.

    The row is claimed with a conditional UPDATE (queued → sending), so two workers or a
    re-driven task never send it twice. Transient errors put it back in the queue with
    backoff; permanent ones, or too many attempts, mark it failed with the reason.
    """
    claimed = Message.objects.filter(
        pk=message_id, direction=Direction.OUTBOUND, delivery_state=DeliveryState.QUEUED
    ).update(
        delivery_state=DeliveryState.SENDING,
        send_attempts=F("send_attempts") + 1,
        # While sending, next_attempt_at holds the claim time: a send stuck past it is re-driven.
        next_attempt_at=timezone.now(),
    )
    if not claimed:
        return None
    message = Message.objects.select_related("ticket", "identity", "ticket__customer").get(
        pk=message_id
    )
    sender = get_sender(message.channel)
    now = timezone.now()
    try:
        if sender is None:
            raise PermanentSendError(f"no sender is configured for the {message.channel} channel")
        result = sender.send(message)
    except TransientSendError as exc:
        return _retry_or_fail(message, exc, now)
    except PermanentSendError as exc:
        return _mark_failed(message, str(exc))
    return _mark_sent(message, result, now)


def _retry_or_fail(message: Message, exc: TransientSendError, now: datetime) -> Message:
    """Back in the queue with a doubling backoff, or failed once the attempts are used up."""
    if message.send_attempts >= settings.HELPDESK_SEND_MAX_ATTEMPTS:
        return _mark_failed(message, f"gave up after {message.send_attempts} attempts: {exc}")
    message.delivery_state = DeliveryState.QUEUED
    message.delivery_error = str(exc)[:2000]
    message.next_attempt_at = now + _backoff(message.send_attempts)
    message.save(update_fields=["delivery_state", "delivery_error", "next_attempt_at"])
    logger.warning(
        "message %s: transient send error, retry at %s", message.pk, message.next_attempt_at
    )
    return message


def _mark_sent(message: Message, result: SendResult, now: datetime) -> Message:
    """Sent: keep the provider's id and thread key (later replies thread by them)."""
    message.delivery_state = DeliveryState.SENT
    message.sent_at = now
    message.delivery_error = ""
    message.next_attempt_at = None
    fields = ["delivery_state", "sent_at", "delivery_error", "next_attempt_at"]
    if result.provider_message_id and not message.provider_message_id:
        message.provider_message_id = result.provider_message_id
        fields.append("provider_message_id")
    if result.thread_key and not message.thread_key:
        message.thread_key = result.thread_key
        fields.append("thread_key")
    message.save(update_fields=fields)
    realtime.publish_ticket_event(
        ticket_id=message.ticket_id,
        event="message.delivery",
        data={"message": message.pk, "state": "sent"},
    )
    return message


def _mark_failed(message: Message, reason: str) -> Message:
    message.delivery_state = DeliveryState.FAILED
    message.delivery_error = reason[:2000]
    message.next_attempt_at = None
    message.save(update_fields=["delivery_state", "delivery_error", "next_attempt_at"])
    logger.error("message %s failed: %s", message.pk, reason)
    realtime.publish_ticket_event(
        ticket_id=message.ticket_id,
        event="message.delivery",
        data={"message": message.pk, "state": "failed"},
    )
    return message


def outbox_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queued messages whose attempt is due, plus sends stuck in 'sending' (worker died)."""
    now = now or timezone.now()
    stuck_before = now - timedelta(minutes=10)
    stuck = Message.objects.filter(
        delivery_state=DeliveryState.SENDING, next_attempt_at__lt=stuck_before
    ).update(delivery_state=DeliveryState.QUEUED)
    if stuck:
        logger.warning("outbox: %s sends stuck in 'sending' put back in the queue", stuck)
    return list(
        Message.objects.filter(delivery_state=DeliveryState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def message_mark_bounced(*, channel: str, provider_message_id: str, reason: str) -> Message | None:
    """A bounce (DSN) for one of our outbound messages marks it failed with the reason.
    Returns the message, or None when the bounce answers nothing we sent."""
    message = (
        Message.objects.filter(channel=channel, direction=Direction.OUTBOUND)
        .filter(Q(provider_message_id=provider_message_id) | Q(thread_key=provider_message_id))
        .first()
    )
    if message is None:
        return None
    return _mark_failed(message, f"bounced: {reason}" if reason else "bounced")


# Forward-only: a late "sent" never undoes "delivered"; a failure is final.
_STATE_RANK: dict[str, int] = {
    DeliveryState.QUEUED: 0,
    DeliveryState.SENDING: 1,
    DeliveryState.SENT: 2,
    DeliveryState.DELIVERED: 3,
    DeliveryState.READ: 4,
    DeliveryState.FAILED: 5,
}


def message_delivery_update(
    *, channel: str, provider_message_id: str, state: str, reason: str = ""
) -> Message | None:
    """A provider's delivery report (delivered, read, failed) on one of our messages.

    Idempotent and order-tolerant: states only move forward. Returns the message, or None
    when the report is about nothing we sent.
    """
    if state not in _STATE_RANK:
        raise ValueError(f"unknown delivery state '{state}'")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=channel, direction=Direction.OUTBOUND)
            .filter(Q(provider_message_id=provider_message_id) | Q(thread_key=provider_message_id))
            .first()
        )
        if message is None:
            return None
        if _STATE_RANK.get(message.delivery_state, 0) >= _STATE_RANK[state]:
            return message
        message.delivery_state = state
        fields = ["delivery_state"]
        if state == DeliveryState.FAILED:
            message.delivery_error = reason[:2000] or "the provider reported a failure"
            fields.append("delivery_error")
        elif (
            state in (DeliveryState.DELIVERED, DeliveryState.READ) and message.delivered_at is None
        ):
            message.delivered_at = timezone.now()
            fields.append("delivered_at")
        message.save(update_fields=fields)
    realtime.publish_ticket_event(
        ticket_id=message.ticket_id,
        event="message.delivery",
        data={"message": message.pk, "state": state},
    )
    return message
