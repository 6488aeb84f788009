"""Live chat in the desk: the chat view (`/desk/chats/`, the visitors waiting for an answer,
oldest wait first, with who is chatting and who left) and what a chat ticket's page adds
(`templates/desk/ticket/_chat.html`: the visitor's state and wait, and their typing; the
reply itself is the composer's, which `reply_create` pushes to the widget at once).
`static/desk/chat.js` keeps both live from the agents' chat socket `/ws/agents/chat/`
(`channels_inbox.consumers`), tells the visitor when the agent types a chat reply, and its
presence shows the visitors that an agent is online.

A visitor's wait runs from their first chat message after the last human reply on the
ticket (automatic messages answer nobody): how long they have been left without an answer.
The wait ticks in the browser from the server's timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from channels_inbox.models import ChatConversation
from channels_inbox.selectors import chat_visitors_connected
from customers.models import Identity
from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from tickets.choices import ACTIVE_STATUSES
from tickets.models import Channel, Direction, Message, Ticket
from tickets.selectors import ticket_get_for_user, ticket_visible_to

if TYPE_CHECKING:
    from helpdesk.roles import User

# A chat whose visitor last wrote (or opened the widget) longer ago is an ordinary ticket
# again: it waits in the queues under its promise, not here.
LIVE_WINDOW = timedelta(hours=4)
BOARD_LIMIT = 100


@dataclass(frozen=True)
class LiveChat:
    ticket: Ticket
    conversation: ChatConversation
    waiting_since: datetime | None
    last_line: str
    connected: bool

    @property
    def visitor(self) -> str:
        return self.conversation.visitor_name or self.ticket.customer.name

    @property
    def subject(self) -> str:
        """The subject, unless it only repeats the latest line (a chat's subject is its
        first message)."""
        subject = self.ticket.subject.rstrip("…. ")
        return "" if self.last_line.startswith(subject) else self.ticket.subject


@dataclass
class ChatBoard:
    now: datetime
    waiting: list[LiveChat] = field(default_factory=list)
    chatting: list[LiveChat] = field(default_factory=list)
    left: list[LiveChat] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.chatting or self.left)


def _visitor_chat(ticket_ref: str) -> QuerySet[Message]:
    return Message.objects.filter(
        ticket_id=OuterRef(ticket_ref), direction=Direction.INBOUND, channel=Channel.CHAT
    )


def _with_wait(conversations: QuerySet[ChatConversation]) -> QuerySet[ChatConversation]:
    """Each conversation's `waiting_since` (its ticket's first chat message after the last
    human reply, None when answered) and `last_line` (the visitor's latest message), as
    subqueries on the (ticket, created_at) index: no query per row."""
    unanswered = _visitor_chat("ticket_id").filter(
        Q(created_at__gt=OuterRef("ticket__last_human_reply_at"))
        | Q(ticket__last_human_reply_at__isnull=True)
    )
    latest = _visitor_chat("ticket_id").order_by("-created_at")
    return conversations.annotate(
        waiting_since=Subquery(unanswered.order_by("created_at").values("created_at")[:1]),
        last_line=Substr(Subquery(latest.values("body_text")[:1]), 1, 200),
    )


def chat_board(*, user: User, now: datetime | None = None) -> ChatBoard:
    """The live chats `user` may see: one query and one Redis round trip, whatever the
    number. Waiting (connected, unanswered) oldest wait first; chatting (connected,
    answered) latest message first; left before an answer, oldest wait first."""
    now = now or timezone.now()
    since = now - LIVE_WINDOW
    conversations = (
        _with_wait(
            ChatConversation.objects.filter(
                ticket__status__in=ACTIVE_STATUSES, ticket__merged_into__isnull=True
            ).filter(ticket_visible_to(user=user, prefix="ticket__"))
        )
        .filter(Q(ticket__last_inbound_at__gte=since) | Q(last_seen_at__gte=since))
        .select_related("ticket__customer", "ticket__assignee", "widget")
        .order_by(
            F("waiting_since").asc(nulls_last=True),
            F("ticket__last_inbound_at").desc(nulls_last=True),
            "-pk",
        )
    )[:BOARD_LIMIT]
    rows = list(conversations)
    connected = chat_visitors_connected(conversation_ids=[c.pk for c in rows])
    on_ticket: dict[int, bool] = {}
    for conversation in rows:  # a visitor on two devices: the ticket is live if either is
        ticket_id = conversation.ticket_id or 0
        on_ticket[ticket_id] = on_ticket.get(ticket_id, False) or conversation.pk in connected
    board = ChatBoard(now=now)
    seen: set[int] = set()
    for conversation in rows:
        if conversation.ticket is None or conversation.ticket_id in seen:
            continue
        seen.add(conversation.ticket.pk)
        chat = _live_chat(conversation, connected=on_ticket[conversation.ticket.pk])
        if chat.waiting_since is not None:
            (board.waiting if chat.connected else board.left).append(chat)
        elif chat.connected:
            board.chatting.append(chat)
    board.chatting.sort(key=lambda c: c.ticket.last_inbound_at or now, reverse=True)
    return board


def _live_chat(conversation: ChatConversation, *, connected: bool) -> LiveChat:
    assert conversation.ticket is not None  # noqa: S101 - the queries ask for a ticket
    return LiveChat(
        ticket=conversation.ticket,
        conversation=conversation,
        waiting_since=getattr(conversation, "waiting_since", None),
        last_line=getattr(conversation, "last_line", None) or "",
        connected=connected,
    )


def chat_for_ticket(*, ticket: Ticket) -> LiveChat | None:
    """The ticket's latest chat conversation with its wait, connected if any of the
    ticket's conversations is; None when nobody ever chatted on it. One query."""
    conversations = list(
        _with_wait(ChatConversation.objects.filter(ticket=ticket))
        .select_related("widget")
        .order_by("-pk")[:20]
    )
    if not conversations:
        return None
    latest = conversations[0]
    latest.ticket = ticket
    connected = chat_visitors_connected(conversation_ids=[c.pk for c in conversations])
    return _live_chat(latest, connected=bool(connected))


# --- Views ----------------------------------------------------------------------------------


@require_GET
@agent_required
def chats(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["nav_section"] = "chats"
    context["board"] = chat_board(user=request.user)
    return render(request, "desk/chats.html", context)


@require_GET
@agent_required
def chats_board(request: DeskRequest) -> HttpResponse:
    """The board again (a chat started, a visitor wrote, or the minute's refresh)."""
    return render(request, "desk/chats.html#board", {"board": chat_board(user=request.user)})


def _chat_context(ticket: Ticket, chat: LiveChat, **extra: object) -> dict[str, object]:
    return {"ticket": ticket, "chat": chat, "now": timezone.now(), **extra}


def chat_identity_ids(*, chat: LiveChat) -> list[int]:
    """The visitor's chat identities: typing in the composer reaches the widget only while
    the composer is set to answer on one of them (not on email, not as a note)."""
    return list(
        Identity.objects.filter(kind="chat", value=chat.conversation.visitor_id).values_list(
            "pk", flat=True
        )
    )


@require_GET
@agent_required
def chat_panel(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The chat strip of a ticket's page; 204 (nothing to show) when nobody chats on it."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    chat = chat_for_ticket(ticket=ticket)
    if chat is None:
        return HttpResponse(status=204)
    context = _chat_context(ticket, chat, identity_ids=chat_identity_ids(chat=chat))
    return render(request, "desk/ticket/_chat.html#panel", context)


@require_GET
@agent_required
def chat_state(request: DeskRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    chat = chat_for_ticket(ticket=ticket)
    if chat is None:
        return HttpResponse(status=204)
    return render(request, "desk/ticket/_chat.html#state", _chat_context(ticket, chat))


urlpatterns: list[URLPattern] = [
    path("chats/", chats, name="chats"),
    path("chats/board/", chats_board, name="chats_board"),
    path("chats/tickets/<int:ticket_id>/", chat_panel, name="chat_panel"),
    path("chats/tickets/<int:ticket_id>/state/", chat_state, name="chat_state"),
]
