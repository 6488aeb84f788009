"""Anonymising tickets: what erasure and retention have in common.

Personal text goes (subjects, bodies, attachments, meta, event and to-do texts, survey
comments, notification texts, chat visitors' names, raw webhook payloads); every figure
stays (the rows themselves, statuses, channels, timestamps, SLA timers and breaches, first
replies, ratings and scores), so dashboards and the API count the same afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.storage import Storage, default_storage
from django.db import connection, transaction
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.functions import Cast, Concat

from channels_inbox.models import ChatConversation
from surveys.models import NpsAnswer, Survey, SurveyAnswer
from tickets.models import (
    Attachment,
    EventKind,
    Message,
    Notification,
    NotificationKind,
    Ticket,
    TicketEvent,
    Todo,
    TodoKind,
)

REMOVED = "(details removed)"
# Event data keys whose short, plain values are structure (states, metrics, times), never a
# person's words; any other string value is dropped.
SAFE_DATA_KEYS = frozenset(
    {"state", "metric", "due_at", "delivery", "via", "status", "channel", "kind", "field"}
)
SAFE_VALUE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-:.+T")


def erasure_mode() -> None:
    """Let this transaction rewrite ticket events' text and data: the timeline trigger's
    one exception (privacy migration 0002), local to the transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("erasure_mode needs a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('helpdesk.erasure', 'on', true)")


def files_delete_on_commit(names: list[str], storage: Storage | None = None) -> None:
    """Remove stored files only once the rows are gone for good: a rollback keeps both."""
    target = storage or default_storage

    def delete() -> None:
        for name in names:
            target.delete(name)

    if names:
        transaction.on_commit(delete)


def messages_anonymise(*, message_ids: list[int]) -> list[str]:
    """Empty the messages' texts and meta and delete their attachments; the rows (direction,
    channel, author, times, delivery state) stay. Returns the stored file names, which the
    caller deletes after commit."""
    attachments = Attachment.objects.filter(message_id__in=message_ids)
    names = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    Message.objects.filter(pk__in=message_ids).update(
        subject="",
        body_text="",
        body_html="",
        meta={},
        delivery_error="",
        thread_key="",
        provider_message_id="",
    )
    _receipts_clear(message_ids)
    return names


def tickets_anonymise(*, ticket_ids: list[int]) -> list[str]:
    """Anonymise whole tickets (inside `erasure_mode`). Returns file names to delete."""
    message_ids = list(
        Message.objects.filter(ticket_id__in=ticket_ids).values_list("pk", flat=True)
    )
    names = messages_anonymise(message_ids=message_ids)
    Ticket.objects.filter(pk__in=ticket_ids).update(subject="")
    _events_scrub(ticket_ids)
    _todos_scrub(ticket_ids)
    _notifications_scrub(ticket_ids)
    SurveyAnswer.objects.filter(ticket_id__in=ticket_ids).update(comment="")
    NpsAnswer.objects.filter(survey__ticket_id__in=ticket_ids).update(comment="")
    Survey.objects.filter(ticket_id__in=ticket_ids).update(last_error="")
    chats_anonymise(Q(ticket_id__in=ticket_ids))
    return names


def chats_anonymise(where: Q) -> None:
    """Chat conversations forget the visitor: name, email, id; a new token, so a browser
    that kept the old one resumes nothing."""
    ChatConversation.objects.filter(where).update(
        visitor_name="",
        visitor_email="",
        visitor_id=Concat(Value("erased-"), Cast(F("pk"), CharField())),
        token=Cast(Func(function="gen_random_uuid"), CharField()),
    )


def safe_data(data: Any) -> dict[str, Any]:
    """An event's data without anything a person wrote: numbers, flags and ids stay, and
    short plain values of the structural keys (a state, a metric, a time)."""
    if not isinstance(data, dict):
        return {}
    return {key: value for key, value in data.items() if _kept(key, value)}


def _kept(key: str, value: Any) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, list):
        return all(isinstance(item, int) for item in value)
    return (
        isinstance(value, str)
        and key in SAFE_DATA_KEYS
        and len(value) <= 40
        and set(value.lower()) <= SAFE_VALUE_CHARS
    )


def _events_scrub(ticket_ids: list[int]) -> None:
    labels = dict(EventKind.choices)
    events = list(TicketEvent.objects.filter(ticket_id__in=ticket_ids).only("kind", "data"))
    for event in events:
        event.text = f"{labels.get(event.kind, event.kind)} {REMOVED}"
        event.data = safe_data(event.data)
    TicketEvent.objects.bulk_update(events, ["text", "data"], batch_size=500)


def _todos_scrub(ticket_ids: list[int]) -> None:
    labels = dict(TodoKind.choices)
    todos = list(Todo.objects.filter(ticket_id__in=ticket_ids).only("kind"))
    for todo in todos:
        todo.text = f"{labels.get(todo.kind, todo.kind)} {REMOVED}"
    Todo.objects.bulk_update(todos, ["text"], batch_size=500)


def _notifications_scrub(ticket_ids: list[int]) -> None:
    labels = dict(NotificationKind.choices)
    rows = list(Notification.objects.filter(ticket_id__in=ticket_ids).only("kind", "ticket_id"))
    for row in rows:
        row.text = f"#{row.ticket_id} {labels.get(row.kind, row.kind)} {REMOVED}"
    Notification.objects.bulk_update(rows, ["text"], batch_size=500)


def _receipts_clear(message_ids: Iterable[int]) -> None:
    """Raw webhook deliveries that created these messages keep their bookkeeping (state,
    times, message ids) but lose the payload and headers. A delivery carrying several
    customers' messages loses all of its payload: it was parsed long ago."""
    ids = list(message_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE channels_inbox_inboundreceipt SET body = ''::bytea, headers = '{}',"
            " error = '' WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text("
            "CASE WHEN jsonb_typeof(message_ids) = 'array' THEN message_ids ELSE '[]' END) AS m"
            " WHERE m = ANY(%s))",
            [[str(pk) for pk in ids]],
        )


def receipts_clear_mentioning(needles: Iterable[str]) -> None:
    """Deliveries that never became a message (failed, ignored, rejected) but carry the
    customer's address or number in their payload."""
    # Short values (a provider's tiny id) would match unrelated payloads.
    for needle in {item.lower() for item in needles if len(item) >= 6}:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE channels_inbox_inboundreceipt SET body = ''::bytea, headers = '{}',"
                " error = '' WHERE strpos(lower(encode(body, 'escape')), %s) > 0"
                " OR strpos(lower(headers::text), %s) > 0",
                [needle, needle],
            )
