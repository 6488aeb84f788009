"""Reads on tickets and messages, with the joins that keep list pages at constant queries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from customers.models import Customer, Identity
from customers.normalise import InvalidIdentity, normalise_email
from helpdesk.roles import MANAGERS_GROUP
from tickets.models import (
    ACTIVE_STATUSES,
    Attachment,
    Channel,
    Direction,
    Message,
    Notification,
    SlaTimer,
    Team,
    Ticket,
    TicketEvent,
    TimerState,
    Todo,
)

if TYPE_CHECKING:
    from helpdesk.roles import User


def _sla_timers() -> Prefetch[str, QuerySet[SlaTimer]]:
    return Prefetch(
        "sla_timers", queryset=SlaTimer.objects.select_related("policy").order_by("started_at")
    )


def ticket_list() -> QuerySet[Ticket]:
    return (
        Ticket.objects.select_related("customer", "assignee", "team")
        .prefetch_related(_sla_timers())
        .filter(merged_into__isnull=True)
    )


def ticket_get(*, ticket_id: int, with_sla: bool = True) -> Ticket:
    """Raises `Ticket.DoesNotExist`."""
    tickets = Ticket.objects.select_related("customer", "assignee", "team")
    if with_sla:
        tickets = tickets.prefetch_related(_sla_timers())
    return tickets.get(pk=ticket_id)


# --- Who sees what: the one access rule every agent surface reads tickets through -----------
#
# A ticket is hidden from a user when its team is restricted and the user is neither a member
# of that team nor a manager (superuser or the Managers group, as `helpdesk.roles.is_manager`
# says). The rule is one SQL condition added to the query the page makes anyway — no extra
# query per request (the role is checked in SQL, not with `is_manager`, which reads the
# groups again). Hidden tickets answer a plain 404, like tickets that do not exist, so an
# id does not tell whether it exists.


def _hidden_team_ids(*, user: User) -> QuerySet[Team, Any]:
    """The ids of the restricted teams `user` is not in, or none for a manager. Restricted
    teams are few: the subquery is a small hashed set in the ticket query."""
    memberships = get_user_model().groups.through.objects
    is_manager = Exists(memberships.filter(user_id=user.pk, group__name=MANAGERS_GROUP))
    is_member = Exists(Team.members.through.objects.filter(team_id=OuterRef("pk"), user_id=user.pk))
    return Team.objects.filter(restricted=True).filter(~is_member).filter(~is_manager).values("pk")


def ticket_visible_to(*, user: User, prefix: str = "") -> Q:
    """The access rule as a condition on tickets (`prefix` "ticket__" for rows that hang
    off a ticket). Tickets without a team are visible to every agent."""
    if user.is_superuser:
        return Q()
    return Q(**{f"{prefix}team__isnull": True}) | ~Q(
        **{f"{prefix}team_id__in": _hidden_team_ids(user=user)}
    )


def ticket_list_for_user(*, user: User) -> QuerySet[Ticket]:
    """`ticket_list()` without the tickets `user` may not see; the same number of queries."""
    return ticket_list().filter(ticket_visible_to(user=user))


def ticket_get_for_user(*, user: User, ticket_id: int, with_sla: bool = True) -> Ticket:
    """The ticket with the joins of `ticket_get`, or `Http404` when there is none or `user`
    may not see it (one answer for both)."""
    tickets = Ticket.objects.select_related("customer", "assignee", "team")
    if with_sla:
        tickets = tickets.prefetch_related(_sla_timers())
    ticket = tickets.filter(ticket_visible_to(user=user), pk=ticket_id).first()
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def ticket_find_for_user(*, user: User, ticket_id: int) -> Ticket | None:
    """The bare ticket (id and team only) if it exists and `user` may see it, else None:
    for sub-resources and for the target of a merge or move."""
    return (
        Ticket.objects.only("id", "team_id")
        .filter(ticket_visible_to(user=user), pk=ticket_id)
        .first()
    )


def ticket_visible(*, user: User, ticket_id: int) -> bool:
    """Whether the ticket exists and `user` may see it (websocket joins)."""
    return ticket_find_for_user(user=user, ticket_id=ticket_id) is not None


def message_get_for_user(*, user: User, message_id: int) -> Message:
    """A message on a ticket `user` may see, or `Http404`."""
    message = (
        Message.objects.select_related("ticket")
        .filter(ticket_visible_to(user=user, prefix="ticket__"), pk=message_id)
        .first()
    )
    if message is None:
        raise Http404("No such message")
    return message


def attachment_get_for_user(*, user: User, attachment_id: int) -> Attachment:
    """An attachment of a message on a ticket `user` may see, or `Http404`."""
    attachment = Attachment.objects.filter(
        ticket_visible_to(user=user, prefix="message__ticket__"), pk=attachment_id
    ).first()
    if attachment is None:
        raise Http404("No such attachment")
    return attachment


def team_ids_visible_restricted(*, user: User) -> list[int]:
    """The restricted teams whose tickets `user` sees (all of them for a manager): the
    per-team realtime groups an agent's queue socket joins."""
    visible = Team.objects.filter(restricted=True).exclude(pk__in=_hidden_team_ids(user=user))
    return list(visible.values_list("pk", flat=True))


def message_list(*, ticket: Ticket) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_customer", "identity")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def event_list(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(ticket=ticket).select_related("actor")


def managers() -> list[User]:
    """Who hears of escalations no single team owns (breaches, unowned low ratings): the
    active members of the Managers group."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(groups__name="Managers", is_active=True))


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("lead").prefetch_related("members")


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _mentioned_identities(texts: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    region = settings.HELPDESK_DEFAULT_PHONE_REGION
    for text in texts:
        for match in _EMAIL_RE.findall(text):
            try:
                found.add(("email", normalise_email(match)))
            except InvalidIdentity:
                continue
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            found.add(
                (
                    "tel",
                    phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164),
                )
            )
    return found


def customer_merge_suggestions(*, customer: Customer, limit: int = 10) -> list[dict[str, Any]]:
    """Other customers who are probably the same person: an email address or phone number
    the customer mentioned in a message belongs to them, or they have the same name."""
    texts = list(
        Message.objects.filter(ticket__customer=customer, direction=Direction.INBOUND)
        .order_by("-created_at")
        .values_list("body_text", flat=True)[:50]
    )
    mentioned = _mentioned_identities(texts)
    own = {(i.kind, i.value) for i in customer.identities.all()}
    condition = Q()
    for family, value in mentioned:
        if family == "email" and ("email", value) not in own:
            condition |= Q(kind="email", value=value)
        elif family == "tel" and ("phone", value) not in own and ("whatsapp", value) not in own:
            condition |= Q(kind__in=["phone", "whatsapp"], value=value)
    suggestions: dict[int, dict[str, Any]] = {}
    if condition:
        matches = (
            Identity.objects.filter(condition, customer__merged_into__isnull=True)
            .exclude(customer=customer)
            .select_related("customer")
        )
        for identity in matches:
            entry = suggestions.setdefault(
                identity.customer_id, {"customer": identity.customer, "reasons": []}
            )
            entry["reasons"].append(f"mentioned {identity.kind} {identity.value} in a message")
    if customer.name.strip():
        same_name = Customer.objects.filter(
            name__iexact=customer.name.strip(), merged_into__isnull=True
        ).exclude(pk=customer.pk)[:limit]
        for other in same_name:
            entry = suggestions.setdefault(other.pk, {"customer": other, "reasons": []})
            entry["reasons"].append("same name")
    return list(suggestions.values())[:limit]


# --- Messaging windows (Meta: free-text replies only within 24 h of the customer's message) --

MESSAGING_WINDOW = timedelta(hours=24)
WINDOW_CHANNELS = (Channel.FACEBOOK, Channel.INSTAGRAM, Channel.WHATSAPP)


class MessagingWindow(NamedTuple):
    open: bool
    closes_at: datetime | None


def _last_inbound_by_channel(*, customer_id: int, channels: Iterable[str]) -> dict[str, datetime]:
    """When the customer last wrote on each channel (the provider's time when known), over
    all their tickets: Meta's window belongs to the conversation, not to one ticket."""
    rows = (
        Message.objects.filter(
            author_customer_id=customer_id,
            direction=Direction.INBOUND,
            channel__in=list(channels),
            is_automatic=False,
        )
        .values("channel")
        .annotate(last=Max(Coalesce("sent_by_customer_at", "created_at")))
    )
    return {row["channel"]: row["last"] for row in rows}


def _window(last: datetime | None) -> MessagingWindow:
    if last is None:
        return MessagingWindow(False, None)
    closes_at = last + MESSAGING_WINDOW
    return MessagingWindow(timezone.now() < closes_at, closes_at)


def messaging_window(*, ticket: Ticket, channel: str) -> MessagingWindow:
    """(open, closes_at) for a free-text reply on `channel`: Messenger, Instagram and
    WhatsApp allow one until 24 h after the customer's last message there; other channels
    are always open (closes_at None). Never written there: closed, closes_at None."""
    if channel not in WINDOW_CHANNELS:
        return MessagingWindow(True, None)
    last = _last_inbound_by_channel(customer_id=ticket.customer_id, channels=[channel])
    return _window(last.get(channel))


def messaging_windows(*, ticket: Ticket) -> list[dict[str, Any]]:
    """The window of each social channel the customer can be answered on (has an identity
    or wrote on), for the agent to see before typing. Two queries."""
    kinds = set(
        Identity.objects.filter(
            customer_id=ticket.customer_id, kind__in=WINDOW_CHANNELS
        ).values_list("kind", flat=True)
    )
    last = _last_inbound_by_channel(customer_id=ticket.customer_id, channels=WINDOW_CHANNELS)
    windows = []
    for channel in WINDOW_CHANNELS:
        if channel in kinds or channel in last:
            window = _window(last.get(channel))
            windows.append(
                {
                    "channel": str(channel),
                    "open": window.open,
                    "closes_at": window.closes_at,
                    # Outside the window WhatsApp still takes an approved template.
                    "template_allowed": channel == Channel.WHATSAPP,
                }
            )
    return windows


def sla_state(timer: SlaTimer, *, now: datetime) -> dict[str, Any]:
    """One SLA clock as agents and the API see it."""
    if timer.state == TimerState.MET:
        status = "met_late" if timer.breached_at else "met"
    elif timer.state == TimerState.CANCELLED:
        status = "cancelled"
    elif timer.breached_at is not None or timer.due_at <= now:
        status = "breached"
    elif timer.state == TimerState.PAUSED:
        status = "paused"
    elif timer.at_risk_at <= now:
        status = "at_risk"
    else:
        status = "on_track"
    live = timer.state in (TimerState.RUNNING, TimerState.PAUSED)
    reference = timer.paused_at if timer.state == TimerState.PAUSED and timer.paused_at else now
    return {
        "metric": timer.metric,
        "status": status,
        "started_at": timer.started_at,
        "due_at": timer.due_at,
        "remaining_seconds": int((timer.due_at - reference).total_seconds()) if live else None,
        "met_at": timer.met_at,
        "breached_at": timer.breached_at,
        "paused_seconds": timer.paused_seconds,
        "policy": timer.policy.name,
        "policy_version": timer.policy_version,
        "reason": timer.reason,
    }


def ticket_find(*, ticket_id: int) -> Ticket | None:
    """The bare ticket (id only), or None if there is none: for sub-resources that need
    none of its joins."""
    return Ticket.objects.only("id").filter(pk=ticket_id).first()


def ticket_open_for_customer(*, customer: Customer) -> Ticket | None:
    """The customer's active, unmerged ticket with the latest contact (ties: the newest),
    where a new contact joins (`message_ingest`) or a call is logged (`call_log_new`)."""
    return (
        Ticket.objects.filter(
            customer=customer, status__in=ACTIVE_STATUSES, merged_into__isnull=True
        )
        .order_by("-last_inbound_at", "-id")
        .first()
    )


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications about tickets they may see (or about no ticket): a
    notification about a ticket of a restricted team they have left shows nowhere."""
    return Notification.objects.filter(user=user).filter(
        ticket_visible_to(user=user, prefix="ticket__")
    )


def todo_list(*, ticket: Ticket) -> QuerySet[Todo]:
    return Todo.objects.filter(ticket=ticket).select_related("done_by")
