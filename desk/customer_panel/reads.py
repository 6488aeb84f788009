"""What the customer panel shows: every identity, the language and where it came from, the
organisation, their tickets, recent contacts on every channel, survey answers, open
call-backs and the customers who are probably the same person.

Reads only, in a fixed number of queries whatever the customer's history (pinned by
tests/desk/test_customer_panel.py): each list is one bounded query, its total counted in the
same query by a window function. Tickets, messages, to-dos and survey answers go through
`tickets.selectors`' access rule, so a restricted team's ticket never shows here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Case, Count, F, Max, Q, QuerySet, Value, When, Window
from django.db.models.functions import Left
from django.http import Http404

from customers.models import Customer
from customers.selectors import customer_list
from desk.customer_panel.words import (
    CSAT_LABELS,
    LANGUAGE_SOURCES,
    IdentityRow,
    first_line,
    identity_rows,
    language_name,
    reason_text,
    todo_text,
)
from desk.queues import STATUS_LABELS
from surveys.models import NpsAnswer, SurveyAnswer
from tickets.models import ACTIVE_STATUSES, CallDirection, Direction, Message, Ticket, Todo
from tickets.selectors import customer_merge_suggestions, ticket_list_for_user, ticket_visible_to

if TYPE_CHECKING:
    from helpdesk.roles import User

TICKETS_SHOWN = 10
CONTACTS_SHOWN = 6
SURVEYS_SHOWN = 5
NPS_SHOWN = 3
TODOS_SHOWN = 10
SUGGESTIONS_SHOWN = 5
# Long emails are cut in SQL before their first line is found.
_OPENING_CHARS = 400


@dataclass(frozen=True)
class TicketRow:
    pk: int
    subject: str
    status: str
    status_label: str
    is_open: bool
    last_at: datetime


@dataclass(frozen=True)
class Contact:
    message_id: int
    ticket_id: int
    channel: str
    at: datetime
    text: str
    # A call: missed (True), answered (False); None for a written message.
    missed: bool | None


@dataclass(frozen=True)
class ChannelUse:
    channel: str
    count: int
    last_at: datetime


@dataclass(frozen=True)
class CsatRow:
    ticket_id: int
    rating: int
    label: str
    comment: str
    at: datetime


@dataclass(frozen=True)
class NpsRow:
    ticket_id: int | None
    score: int
    comment: str
    at: datetime


@dataclass(frozen=True)
class TodoRow:
    pk: int
    ticket_id: int
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Suggestion:
    customer: Customer
    reasons: list[str]


@dataclass(frozen=True)
class Bounded[T]:
    """The first rows of a list and how many there are in all."""

    rows: list[T]
    total: int

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


@dataclass(frozen=True)
class CustomerPanel:
    customer: Customer
    identities: list[IdentityRow]
    language_label: str
    language_source_label: str
    tickets: Bounded[TicketRow]
    open_tickets: int
    contacts: list[Contact]
    channels: list[ChannelUse]
    csat: list[CsatRow]
    nps: list[NpsRow]
    todos: Bounded[TodoRow]
    suggestions: list[Suggestion]


def customer_panel(*, user: User, ticket: Ticket) -> CustomerPanel:
    """The panel of `ticket`'s customer as `user` may see it (the ticket itself was read
    through `ticket_get_for_user`). Ten queries, plus what the merge suggestions need."""
    customer = customer_list().get(pk=ticket.customer_id)
    tickets, open_tickets = _tickets(user=user, customer=customer)
    return CustomerPanel(
        customer=customer,
        identities=identity_rows(list(customer.identities.all())),
        language_label=language_name(customer.language),
        language_source_label=str(LANGUAGE_SOURCES.get(customer.language_source, "")),
        tickets=tickets,
        open_tickets=open_tickets,
        contacts=_contacts(user=user, customer=customer),
        channels=_channels(user=user, customer=customer),
        csat=_csat(user=user, customer=customer),
        nps=_nps(user=user, customer=customer),
        todos=_todos(user=user, customer=customer),
        suggestions=merge_suggestions(customer=customer),
    )


def _tickets(*, user: User, customer: Customer) -> tuple[Bounded[TicketRow], int]:
    """Open tickets first, then the most recent: one query, the totals by window."""
    active = Q(status__in=ACTIVE_STATUSES)
    rows = list(
        ticket_list_for_user(user=user)
        .filter(customer=customer)
        .select_related(None)
        .prefetch_related(None)
        .annotate(
            is_open=Case(When(active, then=Value(True)), default=Value(False)),
            total=Window(Count("id")),
            open_total=Window(Count("id", filter=active)),
        )
        .order_by("-is_open", F("last_inbound_at").desc(nulls_last=True), "-id")
        .only("id", "subject", "status", "last_inbound_at", "created_at")[:TICKETS_SHOWN]
    )
    total = rows[0].total if rows else 0
    open_total = rows[0].open_total if rows else 0
    return (
        Bounded(
            [
                TicketRow(
                    pk=t.pk,
                    subject=t.subject,
                    status=t.status,
                    status_label=str(STATUS_LABELS.get(t.status, t.status)),
                    is_open=t.is_open,
                    last_at=t.last_inbound_at or t.created_at,
                )
                for t in rows
            ],
            total,
        ),
        open_total,
    )


def _inbound(*, user: User, customer: Customer) -> QuerySet[Message]:
    """What the customer sent us, on tickets `user` may see."""
    return Message.objects.filter(
        ticket_visible_to(user=user, prefix="ticket__"),
        author_customer=customer,
        direction=Direction.INBOUND,
    )


def _contacts(*, user: User, customer: Customer) -> list[Contact]:
    rows = (
        _inbound(user=user, customer=customer)
        .annotate(opening=Left("body_text", _OPENING_CHARS))
        .order_by("-created_at", "-id")
        .values(
            "id",
            "ticket_id",
            "channel",
            "created_at",
            "sent_by_customer_at",
            "subject",
            "opening",
            "call_direction",
            "call_answered",
        )[:CONTACTS_SHOWN]
    )
    return [
        Contact(
            message_id=row["id"],
            ticket_id=row["ticket_id"],
            channel=row["channel"],
            at=row["sent_by_customer_at"] or row["created_at"],
            # A call's subject is the ticket's, not something the customer said.
            text=first_line(row["opening"])
            or ("" if row["call_direction"] else first_line(row["subject"])),
            missed=(not row["call_answered"])
            if row["call_direction"] == CallDirection.INBOUND
            else None,
        )
        for row in rows
    ]


def _channels(*, user: User, customer: Customer) -> list[ChannelUse]:
    """Every channel the customer has written on: how often, and when last."""
    rows = (
        _inbound(user=user, customer=customer)
        .order_by()
        .values("channel")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("-last_at")
    )
    return [ChannelUse(row["channel"], row["count"], row["last_at"]) for row in rows]


def _csat(*, user: User, customer: Customer) -> list[CsatRow]:
    rows = (
        SurveyAnswer.objects.filter(ticket_visible_to(user=user, prefix="ticket__"))
        .filter(customer=customer)
        .order_by("-answered_at")
        .values("ticket_id", "rating", "comment", "answered_at")[:SURVEYS_SHOWN]
    )
    return [
        CsatRow(
            ticket_id=row["ticket_id"],
            rating=row["rating"],
            label=str(CSAT_LABELS.get(row["rating"], "")),
            comment=row["comment"],
            at=row["answered_at"],
        )
        for row in rows
    ]


def _nps(*, user: User, customer: Customer) -> list[NpsRow]:
    visible = ticket_visible_to(user=user, prefix="survey__ticket__")
    # An answer asked after a hidden ticket's survey may talk about that ticket; one without a
    # survey is about us in general. `Q() | x` would be `x` alone, hence the test.
    condition = (Q(survey__isnull=True) | visible) if visible else Q()
    rows = (
        NpsAnswer.objects.filter(condition, customer=customer)
        .order_by("-answered_at")
        .values("survey__ticket_id", "score", "comment", "answered_at")[:NPS_SHOWN]
    )
    return [
        NpsRow(
            ticket_id=row["survey__ticket_id"],
            score=row["score"],
            comment=row["comment"],
            at=row["answered_at"],
        )
        for row in rows
    ]


def _open_todos(*, user: User, customer: Customer) -> QuerySet[Todo]:
    return Todo.objects.filter(
        ticket_visible_to(user=user, prefix="ticket__"),
        ticket__customer=customer,
        done_at__isnull=True,
    )


def _todos(*, user: User, customer: Customer) -> Bounded[TodoRow]:
    rows = list(
        _open_todos(user=user, customer=customer)
        .annotate(total=Window(Count("id")))
        .order_by("created_at", "id")[:TODOS_SHOWN]
    )
    return Bounded(
        [TodoRow(t.pk, t.ticket_id, todo_text(t.text), t.created_at) for t in rows],
        rows[0].total if rows else 0,
    )


def todo_get_for_panel(*, user: User, customer: Customer, todo_id: int) -> Todo:
    """An open or done to-do on one of the customer's tickets `user` may see, else 404."""
    todo = (
        Todo.objects.filter(
            ticket_visible_to(user=user, prefix="ticket__"), ticket__customer=customer
        )
        .filter(pk=todo_id)
        .first()
    )
    if todo is None:
        raise Http404("No such to-do")
    return todo


def merge_suggestions(*, customer: Customer) -> list[Suggestion]:
    """Who is probably the same person (`tickets.selectors.customer_merge_suggestions`), with
    the reasons in the reader's language. `customer` comes with its identities prefetched."""
    return [
        Suggestion(customer=entry["customer"], reasons=[reason_text(r) for r in entry["reasons"]])
        for entry in customer_merge_suggestions(customer=customer, limit=SUGGESTIONS_SHOWN)
    ]
