"""In-app notifications and their emails, with the outbox's guarantees, and who hears of an
SLA warning (`at_risk_recipients`, `breach_recipients`; the sweep is `sla_sweep`).

Each notification row is also the outbox of its email (`email_state`, `email_attempts`,
`email_next_attempt_at`, `email_last_error`): a row is created `pending` when its user has an
email address (`skipped` otherwise), a task sends it after commit, and the beat sweep
`tickets.notifications_email_sweep` re-drives any row the broker lost or a dead worker left
`sending`. Modelled on `tickets.services.outbox.message_deliver`.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from anymail.exceptions import AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from tickets import realtime, selectors
from tickets.models import EmailState, Notification, Team, Ticket

if TYPE_CHECKING:
    from helpdesk.roles import User

logger = logging.getLogger(__name__)

# How long a claimed row may stay `sending` before the sweep takes it back: well past any
# SMTP timeout, so a live sender is not doubled; a killed one delays its email this long.
EMAIL_LEASE = timedelta(minutes=5)
SWEEP_LIMIT = 500


class _PermanentEmailError(Exception):
    """The mail server or ESP refused this email: retrying cannot help."""


def _backoff(attempt: int) -> timedelta:
    """1 min after the first failure, doubling, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempt - 1, 0), 60))


def notifications_create(notifications: list[Notification]) -> list[Notification]:
    """Store in-app notifications; rows of users with an email address are `pending` and
    their emails go out after commit, in a task (the sweep re-drives it if it is lost)."""
    now = timezone.now()
    for notification in notifications:
        if notification.user.email:
            notification.email_state = EmailState.PENDING
            notification.email_next_attempt_at = now
        else:
            notification.email_state = EmailState.SKIPPED
    created = Notification.objects.bulk_create(notifications)
    ids = [n.pk for n in created if n.email_state == EmailState.PENDING]
    if ids:
        from tickets.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.delay(ids))
    _tell_users({n.user_id for n in created}, "notification.created")
    return created


def _tell_users(user_ids: set[int], event: str) -> None:
    """Tell each user's open desk pages (`user.<id>`, after commit) that their notifications
    changed. The frame names no ticket: what the bell shows is read over HTTP, under the
    ticket access rule, so a notification about a ticket the user may not see leaks nothing."""
    realtime.publish_after_commit(
        [
            (realtime.user_group(user_id), {"type": "notification.event", "event": event})
            for user_id in sorted(user_ids)
        ]
    )


def notifications_email(*, notification_ids: list[int]) -> int:
    """Send the email of each due notification among `notification_ids`; returns how many
    were sent.

    Each row is claimed with a conditional UPDATE (pending and due → sending, attempts + 1,
    a lease in `email_next_attempt_at`), so a task run twice or beside the sweep sends each
    email once; only a sender that outlives its lease can be doubled. A transient error
    (connection, timeout, 4xx) puts the row back to pending with a doubling backoff, and
    after HELPDESK_SEND_MAX_ATTEMPTS attempts marks it failed; a refusal marks it failed at
    once. One failure never stops the rest of the batch.
    """
    sent = 0
    for notification_id in notification_ids:
        try:
            sent += notification_email_send(notification_id=notification_id)
        except Exception:
            # Not an email error (a template, the database): leave the row for the sweep.
            logger.exception("notification %s: email not sent", notification_id)
    return sent


def notification_email_send(*, notification_id: int) -> bool:
    """Claim and send one notification's email; True if it was sent now."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, email_state=EmailState.PENDING, email_next_attempt_at__lte=now
    ).update(
        email_state=EmailState.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_next_attempt_at=now + EMAIL_LEASE,
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user", "ticket__customer").get(
        pk=notification_id
    )
    if not notification.user.email:
        _finish(notification, EmailState.SKIPPED, "the user has no email address")
        return False
    try:
        _send(notification)
    except _PermanentEmailError as exc:
        _finish(notification, EmailState.FAILED, str(exc))
        return False
    except Exception as exc:
        # Transient: a connection or timeout, a 4xx, the ESP's API down — or something we do
        # not know, which gets the same bounded retries rather than a stuck row.
        _retry_or_fail(notification, exc)
        return False
    notification.emailed_at = timezone.now()
    _finish(notification, EmailState.SENT, "")
    return True


def _send(notification: Notification) -> None:
    context = {"notification": notification, "ticket": notification.ticket}
    email = EmailMultiAlternatives(
        subject=render_to_string("emails/notification_subject.txt", context).strip(),
        body=render_to_string("emails/notification.txt", context),
        to=[notification.user.email],
    )
    email.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise _PermanentEmailError(f"the mail server refused it: {exc}") from exc
    except AnymailRecipientsRefused as exc:
        raise _PermanentEmailError(f"the ESP refused the recipient: {exc}") from exc


def _retry_or_fail(notification: Notification, exc: Exception) -> None:
    attempts = notification.email_attempts
    if attempts >= settings.HELPDESK_SEND_MAX_ATTEMPTS:
        _finish(notification, EmailState.FAILED, f"gave up after {attempts} attempts: {exc}")
        return
    notification.email_state = EmailState.PENDING
    notification.email_next_attempt_at = timezone.now() + _backoff(attempts)
    notification.email_last_error = str(exc)[:2000] or type(exc).__name__
    notification.save(update_fields=["email_state", "email_next_attempt_at", "email_last_error"])
    logger.warning(
        "notification %s: email error (%s), retry at %s",
        notification.pk,
        exc,
        notification.email_next_attempt_at,
    )


def _finish(notification: Notification, state: str, error: str) -> None:
    notification.email_state = state
    notification.email_last_error = error[:2000]
    notification.email_next_attempt_at = None
    notification.save(
        update_fields=["email_state", "email_last_error", "email_next_attempt_at", "emailed_at"]
    )
    if state == EmailState.FAILED:
        logger.error("notification %s: email failed: %s", notification.pk, error)


def notification_email_due_ids(
    *, now: datetime | None = None, limit: int = SWEEP_LIMIT
) -> list[int]:
    """Rows the sweep re-drives: pending and due (their task was lost, or a backoff ended),
    and sending past their lease (the sender died), which go back to pending first — or
    fail, once a row has used up its attempts killing senders. Served by the partial index
    `notification_email_due_idx`."""
    now = now or timezone.now()
    expired = Notification.objects.filter(
        email_state=EmailState.SENDING, email_next_attempt_at__lte=now
    )
    given_up = expired.filter(email_attempts__gte=settings.HELPDESK_SEND_MAX_ATTEMPTS).update(
        email_state=EmailState.FAILED,
        email_next_attempt_at=None,
        email_last_error="the sender was lost on every attempt",
    )
    stuck = expired.update(email_state=EmailState.PENDING)
    if stuck or given_up:
        logger.warning(
            "notification emails: %s stuck in 'sending' re-driven, %s failed", stuck, given_up
        )
    return list(
        Notification.objects.filter(email_state=EmailState.PENDING, email_next_attempt_at__lte=now)
        .order_by("email_next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_read(*, user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read (idempotent); None if it is not theirs."""
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        _tell_users({user.pk}, "notification.read")
    return notification


def notifications_read(*, user: User, ticket_id: int | None = None) -> int:
    """Mark the user's unread notifications read: all of them, or those about one ticket
    (opening a ticket reads its notifications). Idempotent; returns how many changed. One
    UPDATE on the unread partial index."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ticket_id is not None:
        unread = unread.filter(ticket_id=ticket_id)
    changed = unread.update(read_at=timezone.now())
    if changed:
        _tell_users({user.pk}, "notification.read")
    return changed


@transaction.atomic
def notifications_add(
    *, users: Sequence[User | None], ticket: Ticket | None, kind: str, text: str
) -> int:
    """In-app notifications for `users` (one each, users without duplicates); their emails
    go out after commit like the SLA ones."""
    unique = {user.pk: user for user in users if user is not None}
    notifications_create(
        [
            Notification(user=user, ticket=ticket, kind=kind, text=text[:500])
            for user in unique.values()
        ]
    )
    return len(unique)


# --- who hears of an SLA warning --------------------------------------------------------


@dataclass(frozen=True)
class WarningFallback:
    """Who hears of a warning its ticket's owners cannot: the default team's lead (when
    active), then the managers. Looked up once per batch (`warning_fallback`)."""

    default_lead: User | None
    managers: list[User]


def warning_fallback() -> WarningFallback:
    team = Team.objects.filter(is_default=True).select_related("lead").first()
    lead = team.lead if team is not None else None
    return WarningFallback(
        lead if lead is not None and lead.is_active else None, selectors.managers()
    )


def _owners(ticket: Ticket) -> list[User]:
    """The active assignee, else the team's active members, else its active lead. Reads
    the team's members through `.all()`, so a sweep that prefetched them asks nothing."""
    if ticket.assignee is not None and ticket.assignee.is_active:
        return [ticket.assignee]
    if ticket.team is None:
        return []
    members = [member for member in ticket.team.members.all() if member.is_active]
    lead = ticket.team.lead
    return members or ([lead] if lead is not None and lead.is_active else [])


def at_risk_recipients(ticket: Ticket, fallback: WarningFallback) -> list[User]:
    """An at-risk warning reaches someone: the owners, else the default team's lead, else
    the managers."""
    default = [fallback.default_lead] if fallback.default_lead is not None else []
    return _owners(ticket) or default or fallback.managers


def breach_recipients(ticket: Ticket, fallback: WarningFallback) -> list[User]:
    """A breach goes to the team lead (the default team's when the ticket has no team) and
    the managers; if that is nobody, to whoever an at-risk warning reaches."""
    lead = ticket.team.lead if ticket.team is not None else fallback.default_lead
    leads = [lead] if lead is not None and lead.is_active else []
    users = {user.pk: user for user in [*leads, *fallback.managers]}
    return list(users.values()) or at_risk_recipients(ticket, fallback)
