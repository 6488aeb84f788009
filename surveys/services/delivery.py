"""Survey delivery: signed tokens, scheduling from solved tickets, and sending.

Lifecycle of a survey row (one per ticket, `Survey.ticket` is one-to-one):

- `surveys_schedule` (beat) finds solved tickets without a survey — solved in the last
  `SCHEDULE_LOOKBACK`, not merged, not tagged `spam` — and writes the row: `scheduled` with
  `send_at = solved_at + the channel's delay`, or straight to `cancelled` when surveys are off
  for the channel or the customer was surveyed within the throttle period.
- `surveys_claim_due` (beat) claims due rows with `SELECT … FOR UPDATE SKIP LOCKED` and a
  conditional UPDATE to `sending` with a lease (`send_at = now + SEND_LEASE`); each is then
  sent by `survey_send`, which only acts on a row still `sending`. A lost task or a killed
  worker leaves the row `sending` past its lease, and the next sweep claims it again.
- `survey_send` re-checks the ticket: no longer solved (reopened) → `cancelled/reopened`;
  solved again since it was scheduled → `send_at` moves to the new solve + delay.
- Reopened and solved again after the cancel: the schedule sweep re-arms the same row
  (still one survey per ticket), asking about the final resolution. A ticket whose survey
  was already sent or answered is never surveyed again.

Answers come from the survey page (`survey_answer`) or a channel's buttons
(`answer_from_channel`, registered with `tickets.answers`). A 1-2 rating opens a recovery.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from customers.models import Customer, Identity
from helpdesk.errors import DomainError
from surveys import selectors
from surveys.models import (
    CancelReason,
    Delivery,
    Survey,
    SurveySettings,
    SurveyState,
)
from tickets.models import Channel, EventKind, Status, Ticket
from tickets.reach import ticket_reachable
from tickets.selectors import messaging_window
from tickets.services import (
    TicketError,
    automatic_message_send,
    reply_channel_default,
    ticket_event_add,
)

logger = logging.getLogger(__name__)

TOKEN_SALT = "surveys.rating"  # noqa: S105 - a signing salt, not a secret
ANSWER_PREFIX = "csat"
# Only tickets solved this recently are picked up: switching surveys on does not survey the
# whole history.
SCHEDULE_LOOKBACK = timedelta(days=7)
# A claimed row not finished within this long is claimed again by the next sweep.
SEND_LEASE = timedelta(minutes=10)
MAX_SEND_ATTEMPTS = 5
# Buttons on Meta go out at least this long before the 24-hour window closes.
WINDOW_MARGIN = timedelta(hours=1)
# Channels whose surveys are Meta quick replies (Messenger, Instagram) or a WhatsApp list.
BUTTON_CHANNELS = frozenset({Channel.FACEBOOK, Channel.INSTAGRAM, Channel.WHATSAPP})
# Channels that carry a plain message with the survey link when the customer has no email.
LINK_CHANNELS = frozenset({Channel.CHAT, *BUTTON_CHANNELS})


# ValueError stays a base: callers that catch ValueError keep catching it.
class SurveyError(DomainError, ValueError):
    """A request on a survey that cannot be carried out; the message is shown to the customer."""


class SurveyLinkExpired(SurveyError):
    status = 410  # gone, as the survey pages answer


# --- tokens --------------------------------------------------------------------------------


def survey_token(*, survey: Survey) -> str:
    """A signed, timestamped token naming the survey (id + nonce); no login needed."""
    return signing.dumps({"s": survey.pk, "n": survey.nonce}, salt=TOKEN_SALT)


def survey_from_token(*, token: str, now: datetime | None = None) -> Survey:
    """The survey a link names. `SurveyLinkExpired` past `link_valid_days` (or the row's own
    expiry), `SurveyError` for a tampered or unknown token."""
    config = selectors.survey_settings()
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=timedelta(days=config.link_valid_days))
    except signing.SignatureExpired as exc:
        raise SurveyLinkExpired(gettext("This survey link has expired.")) from exc
    except signing.BadSignature as exc:
        raise SurveyError(gettext("This survey link is not valid.")) from exc
    if not isinstance(data, dict):
        raise SurveyError(gettext("This survey link is not valid."))
    survey = selectors.survey_for_token(survey_id=int(data.get("s", 0)), nonce=str(data.get("n")))
    if survey is None or survey.state not in (SurveyState.SENT, SurveyState.ANSWERED):
        raise SurveyError(gettext("This survey link is not valid."))
    if survey.expires_at is not None and (now or timezone.now()) > survey.expires_at:
        raise SurveyLinkExpired(gettext("This survey link has expired."))
    return survey


def survey_url(*, survey: Survey, rating: int | None = None) -> str:
    token = survey_token(survey=survey)
    if rating is None:
        path = reverse("survey-thanks", kwargs={"token": token})
    else:
        path = reverse("survey-rate", kwargs={"token": token, "rating": rating})
    return settings.SITE_URL.rstrip("/") + path


# --- scheduling ----------------------------------------------------------------------------


def _schedulable() -> Any:
    """Solved tickets (partial index `ticket_solved_at_idx`) without a survey, or whose
    survey was cancelled by a reopen before this solve."""
    return (
        Ticket.objects.filter(status=Status.SOLVED, merged_into__isnull=True)
        .exclude(tags__contains=["spam"])
        .filter(
            Q(survey__isnull=True)
            | Q(
                survey__state=SurveyState.CANCELLED,
                survey__cancel_reason=CancelReason.REOPENED,
                survey__cancelled_at__lt=F("solved_at"),
            )
        )
    )


def _recently_surveyed(survey: Survey, throttle: timedelta, *, at: datetime) -> bool:
    """Another survey of this customer sent within the throttle period before `at`, or (when
    scheduling) due to go out before this one within it: at most one survey per customer
    per `throttle_days`."""
    others = Survey.objects.filter(customer_id=survey.customer_id).exclude(pk=survey.pk)
    recent = Q(sent_at__gt=at - throttle)
    if survey.state == SurveyState.SCHEDULED:
        recent |= Q(
            state__in=[SurveyState.SCHEDULED, SurveyState.SENDING],
            send_at__gt=at - throttle,
            send_at__lte=at,
        )
    return others.filter(recent).exists()


def _cancel(survey: Survey, reason: str, *, now: datetime, event: bool = True) -> Survey:
    survey.state = SurveyState.CANCELLED
    survey.cancel_reason = reason
    survey.cancelled_at = now
    survey.save(update_fields=["state", "cancel_reason", "cancelled_at"])
    if event:
        ticket_event_add(
            ticket=survey.ticket,
            kind=EventKind.SURVEY,
            text=f"survey not sent: {CancelReason(reason).label.lower()}",
            data={"survey": survey.pk, "state": "cancelled", "reason": reason},
        )
    return survey


def _send_time(ticket: Ticket, solved_at: datetime, channel: str, delay: timedelta) -> datetime:
    """Solve + delay; on Messenger, Instagram and WhatsApp no later than an hour before
    Meta's 24-hour window closes (buttons are free-text messages: outside the window they
    would be refused), but never before the solve."""
    send_at = solved_at + delay
    if channel in BUTTON_CHANNELS:
        closes_at = messaging_window(ticket=ticket, channel=channel).closes_at
        if closes_at is not None and send_at > closes_at - WINDOW_MARGIN:
            send_at = max(solved_at, closes_at - WINDOW_MARGIN)
    return send_at


@transaction.atomic
def survey_schedule(*, ticket: Ticket, now: datetime | None = None) -> Survey | None:
    """Write (or re-arm, after a reopen) the survey row of a solved ticket. Idempotent: the
    ticket row lock serialises sweeps, the one-to-one key backs it up. None when the ticket
    is no longer eligible."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    if (
        ticket.status != Status.SOLVED
        or ticket.solved_at is None
        or ticket.merged_into_id is not None
        or "spam" in ticket.tags
    ):
        return None
    survey = Survey.objects.filter(ticket=ticket).first()
    if survey is not None and not (
        survey.state == SurveyState.CANCELLED
        and survey.cancel_reason == CancelReason.REOPENED
        and survey.cancelled_at is not None
        and survey.cancelled_at < ticket.solved_at
    ):
        return survey
    config = selectors.survey_settings()
    channel = reply_channel_default(ticket=ticket)
    rule = selectors.channel_rule(config, channel)
    survey = survey or Survey(ticket=ticket)
    survey.customer = ticket.customer
    survey.channel = channel
    survey.language = selectors.customer_language(ticket.customer.language)
    survey.solved_at = ticket.solved_at
    survey.send_at = _send_time(ticket, ticket.solved_at, channel, rule.delay)
    survey.agent_id = ticket.assignee_id
    survey.team_id = ticket.team_id
    survey.state = SurveyState.SCHEDULED
    survey.cancel_reason = CancelReason.NONE
    survey.cancelled_at = None
    survey.save()
    if not rule.enabled:
        return _cancel(survey, CancelReason.DISABLED, now=now, event=False)
    if _recently_surveyed(survey, timedelta(days=config.throttle_days), at=survey.send_at):
        return _cancel(survey, CancelReason.THROTTLED, now=now)
    return survey


def surveys_schedule(*, now: datetime | None = None, batch: int = 500) -> int:
    """The schedule sweep: write survey rows for recently solved tickets. Returns how many
    rows it wrote; safe to run twice at once."""
    now = now or timezone.now()
    ids = list(
        _schedulable()
        .filter(solved_at__gte=now - SCHEDULE_LOOKBACK)
        .order_by("solved_at")
        .values_list("pk", flat=True)[:batch]
    )
    written = 0
    for ticket_id in ids:
        if survey_schedule(ticket=Ticket(pk=ticket_id), now=now) is not None:
            written += 1
    return written


# --- sending -------------------------------------------------------------------------------


@transaction.atomic
def surveys_claim_due(*, now: datetime | None = None, batch: int = 100) -> list[int]:
    """Claim due rows (scheduled past `send_at`, or `sending` past their lease) for sending.
    Rows another sweeper holds are skipped, never waited for; each claimed row gets a lease,
    so a claim whose task is lost is taken again after `SEND_LEASE`."""
    now = now or timezone.now()
    ids = list(
        Survey.objects.select_for_update(skip_locked=True)
        .filter(state__in=[SurveyState.SCHEDULED, SurveyState.SENDING], send_at__lte=now)
        .order_by("send_at")
        .values_list("pk", flat=True)[:batch]
    )
    if ids:
        Survey.objects.filter(pk__in=ids).update(
            state=SurveyState.SENDING, send_at=now + SEND_LEASE, attempts=F("attempts") + 1
        )
    return ids


def _email_identity(survey: Survey) -> Identity | None:
    return survey.customer.identities.filter(kind="email").order_by("created_at").first()


def _email_send(survey: Survey, address: str, config: SurveySettings) -> None:
    text = selectors.wording(config, survey.language)
    links = [
        (rating, text.labels[rating], survey_url(survey=survey, rating=rating))
        for rating in range(5, 0, -1)
    ]
    context = {
        "survey": survey,
        "ticket": survey.ticket,
        "customer": survey.customer,
        "wording": text,
        "links": links,
        "valid_days": config.link_valid_days,
    }
    with override(survey.language):
        subject = render_to_string("emails/survey_subject.txt", context).strip()
        body = render_to_string("emails/survey.txt", context)
        html = render_to_string("emails/survey.html", context)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        # Automatic mail: auto-responders should not answer it.
        headers={"Auto-Submitted": "auto-generated"},
    )
    mail.attach_alternative(html, "text/html")
    mail.send()


def _button_meta(survey: Survey, config: SurveySettings) -> tuple[str, dict[str, Any]]:
    text = selectors.wording(config, survey.language)
    token = survey_token(survey=survey)
    with override(survey.language):
        button = gettext("Rate")
    replies = [
        {
            "title": f"{rating} {'★' * rating}"[:20],
            "description": text.labels[rating][:72],
            "payload": f"{ANSWER_PREFIX}:{token}:{rating}",
        }
        for rating in range(5, 0, -1)
    ]
    body = f"{text.question}\n{text.intro}" if text.intro else text.question
    return body, {
        "quick_replies": replies,
        "list_button": button[:20],
        "survey": survey.pk,
    }


def _link_text(survey: Survey, config: SurveySettings) -> str:
    text = selectors.wording(config, survey.language)
    return f"{text.intro}\n{text.question}\n{survey_url(survey=survey, rating=5)}"


def _deliver(survey: Survey, config: SurveySettings) -> str | None:
    """Send on the survey's channel, falling back to email, then to a link on a channel
    that carries one. Returns the delivery used, None when no way reaches the customer."""
    if survey.channel in BUTTON_CHANNELS:
        body, meta = _button_meta(survey, config)
        try:
            survey.message = automatic_message_send(
                ticket=survey.ticket, channel=survey.channel, body_text=body, meta=meta
            )
            return Delivery.BUTTONS
        except TicketError as exc:
            # Meta's 24-hour window closed (or the identity is gone): try email.
            logger.info("survey %s: no buttons on %s: %s", survey.pk, survey.channel, exc)
    if survey.channel == Channel.CHAT and ticket_reachable(
        ticket=survey.ticket, channel=Channel.CHAT
    ):
        # A rating prompt in the widget (shown when the visitor is there or comes back);
        # the chat sender mails it, links included, to a visitor who left an email.
        body, meta = _button_meta(survey, config)
        for reply in meta["quick_replies"]:
            reply["url"] = survey_url(survey=survey, rating=int(reply["payload"][-1]))
        try:
            survey.message = automatic_message_send(
                ticket=survey.ticket, channel=Channel.CHAT, body_text=body, meta=meta
            )
            return Delivery.BUTTONS
        except TicketError as exc:
            logger.info("survey %s: no prompt in the chat: %s", survey.pk, exc)
    email = _email_identity(survey)
    if email is not None:
        _email_send(survey, email.value, config)
        return Delivery.EMAIL
    if survey.channel in LINK_CHANNELS - BUTTON_CHANNELS:
        try:
            survey.message = automatic_message_send(
                ticket=survey.ticket, channel=survey.channel, body_text=_link_text(survey, config)
            )
            return Delivery.LINK
        except TicketError as exc:
            logger.info("survey %s: no link on %s: %s", survey.pk, survey.channel, exc)
    return None


def _retry_or_fail(survey: Survey, error: str, now: datetime) -> Survey:
    survey.last_error = error[:2000]
    if survey.attempts >= MAX_SEND_ATTEMPTS:
        survey.state = SurveyState.FAILED
    else:
        survey.state = SurveyState.SCHEDULED
        survey.send_at = now + timedelta(minutes=5 * 2 ** (survey.attempts - 1))
    survey.save(update_fields=["state", "send_at", "last_error"])
    return survey


@transaction.atomic
def survey_send(*, survey_id: int, now: datetime | None = None) -> Survey | None:
    """Send one claimed survey (state `sending`), exactly once: the row stays locked while
    it is sent and is marked `sent` in the same transaction; a row in any other state is
    left alone (a duplicate task). A reopened ticket cancels it instead; a mail error
    retries with backoff (then `failed`). A crash after the mail left but before the commit
    can repeat that one email when the lease expires — the only double we allow."""
    now = now or timezone.now()
    survey = (
        Survey.objects.select_for_update()
        .select_related("ticket", "customer")
        .filter(pk=survey_id, state=SurveyState.SENDING)
        .first()
    )
    if survey is None:
        return None
    ticket = survey.ticket
    if ticket.merged_into_id is not None or ticket.status not in (Status.SOLVED, Status.CLOSED):
        return _cancel(survey, CancelReason.REOPENED, now=now)
    config = selectors.survey_settings()
    if _rescheduled_after_new_solve(survey, config, now=now):
        return survey
    # One customer's surveys are sent one at a time, so two due at once cannot both go.
    Customer.objects.select_for_update().filter(pk=survey.customer_id).first()
    if _recently_surveyed(survey, timedelta(days=config.throttle_days), at=now):
        return _cancel(survey, CancelReason.THROTTLED, now=now)
    try:
        delivery = _deliver(survey, config)
    except Exception as exc:  # the mailer's errors differ per backend and ESP
        logger.warning("survey %s: sending failed: %r", survey.pk, exc)
        return _retry_or_fail(survey, repr(exc), now)
    if delivery is None:
        return _cancel(survey, CancelReason.UNREACHABLE, now=now)
    return _mark_sent(survey, delivery, config, now=now)


def _rescheduled_after_new_solve(survey: Survey, config: SurveySettings, *, now: datetime) -> bool:
    """A ticket reopened and solved again before its survey went: the survey follows the last
    solve (`solved_at`, `send_at` updated in memory). True — and the row saved back to
    `scheduled` — when the new send time is still ahead; False to send now (the caller's
    final save writes `solved_at`)."""
    ticket = survey.ticket
    if ticket.solved_at is None or ticket.solved_at == survey.solved_at:
        return False
    # Reopened and solved again before we sent it: ask after the last solve.
    survey.solved_at = ticket.solved_at
    rule = selectors.channel_rule(config, survey.channel)
    survey.send_at = _send_time(ticket, ticket.solved_at, survey.channel, rule.delay)
    if survey.send_at <= now:
        return False
    survey.state = SurveyState.SCHEDULED
    survey.save(update_fields=["solved_at", "send_at", "state"])
    return True


def _mark_sent(survey: Survey, delivery: str, config: SurveySettings, *, now: datetime) -> Survey:
    """Record a delivered survey: `sent`, how, when, the link's expiry (`link_valid_days`),
    the message `_deliver` set and a `survey` timeline event. Inside `survey_send`'s lock."""
    survey.state = SurveyState.SENT
    survey.delivery = delivery
    survey.sent_at = now
    survey.expires_at = now + timedelta(days=config.link_valid_days)
    survey.last_error = ""
    survey.save(
        update_fields=[
            "state",
            "delivery",
            "sent_at",
            "expires_at",
            "last_error",
            "message",
            "solved_at",
        ]
    )
    ticket_event_add(
        ticket=survey.ticket,
        kind=EventKind.SURVEY,
        text=f"satisfaction survey sent ({Delivery(delivery).label.lower()})",
        data={"survey": survey.pk, "state": "sent", "delivery": delivery},
    )
    return survey
