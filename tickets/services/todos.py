"""To-dos on a ticket: something an agent must still do (call back after a missed call)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tickets import realtime
from tickets.models import EventKind, Message, Ticket, Todo, TodoKind
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.tickets import ticket_check_not_merged, ticket_lock

if TYPE_CHECKING:
    from helpdesk.roles import User

# Kinds of which a ticket holds at most one open to-do: a second missed call refreshes the
# call-back instead of stacking another one the team would work twice.
SINGLE_OPEN_KINDS = frozenset({TodoKind.CALL_BACK})


def _publish(todo: Todo, event: str) -> None:
    realtime.publish_ticket_event(ticket_id=todo.ticket_id, event=event, data={"todo": todo.pk})


@transaction.atomic
def todo_add(
    *, ticket: Ticket, kind: str, text: str, message: Message | None = None, by: User | None = None
) -> Todo:
    """Add a to-do to the ticket, as an event on its timeline.

    A ticket has at most one open call-back: when one is open, its text is replaced by
    `text` (callers put the count of missed calls in it) and that open to-do is returned.
    The ticket row is locked, so two missed calls at once still make one call-back.
    Raises `TicketError` for an unknown kind, an empty text or a merged ticket.
    """
    if kind not in TodoKind.values:
        raise TicketError(f"to-do kind must be one of {', '.join(TodoKind.values)}")
    text = " ".join(text.split())[:500]
    if not text:
        raise TicketError("a to-do needs some text")
    ticket = ticket_lock(ticket)
    ticket_check_not_merged(ticket)
    if kind in SINGLE_OPEN_KINDS:
        todo = ticket.todos.filter(kind=kind, done_at__isnull=True).order_by("id").first()
        if todo is not None:
            return _todo_refresh(todo, text=text, message=message, by=by)
    todo = Todo.objects.create(ticket=ticket, kind=kind, text=text, message=message)
    event_record(ticket, EventKind.TODO, f"to-do: {text}", actor=by, message=message, todo=todo.pk)
    _publish(todo, "todo.created")
    return todo


def _todo_refresh(todo: Todo, *, text: str, message: Message | None, by: User | None) -> Todo:
    if todo.text != text:
        todo.text = text
        todo.save(update_fields=["text"])
    event_record(
        todo.ticket,
        EventKind.TODO,
        f"to-do still open: {text}",
        actor=by,
        message=message,
        todo=todo.pk,
    )
    _publish(todo, "todo.updated")
    return todo


@transaction.atomic
def todo_done(*, todo: Todo, by: User | None) -> Todo:
    """Mark the to-do done, as an event on the ticket's timeline.

    Idempotent: a to-do that is already done is returned as it is (a double click, or the
    call-back closed by an answered call a moment earlier), with no second event.
    `by=None` when the system closes it (an answered call settled the call-back).
    """
    todo = Todo.objects.select_for_update().select_related("ticket").get(pk=todo.pk)
    if todo.done_at is not None:
        return todo
    todo.done_at = timezone.now()
    todo.done_by = by
    todo.save(update_fields=["done_at", "done_by"])
    event_record(todo.ticket, EventKind.TODO, f"to-do done: {todo.text}", actor=by, todo=todo.pk)
    _publish(todo, "todo.done")
    return todo


def todos_settle(*, ticket: Ticket, kind: str, by: User | None) -> list[Todo]:
    """Mark every open to-do of that kind on the ticket done (an answered call settles the
    call-back). Returns the to-dos it closed."""
    open_todos = list(ticket.todos.filter(kind=kind, done_at__isnull=True).order_by("id"))
    return [todo_done(todo=todo, by=by) for todo in open_todos]
