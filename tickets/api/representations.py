"""The ticket API's read representations, written out field by field.

DRF builds a ModelSerializer's fields anew for every response (a deep copy of the declared
fields and a model introspection each time) and walks them per row; on a list page that is
most of the time the API spends on top of its SQL. These functions write the very same JSON
(same keys, order and formats: `TicketSerializer`, `MessageSerializer`,
`TicketEventSerializer` and their nested serializers still describe it, and drive the
OpenAPI schema) straight from the loaded rows. `tests/tickets/test_api_queries_output.py`
compares them with DRF's own field-by-field output.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from tickets.models import Attachment, Message, Priority, Ticket, TicketEvent

if TYPE_CHECKING:
    from collections.abc import Callable

    from customers.models import Customer
    from helpdesk.roles import User

PRIORITY_NAMES = {p.value: p.name.lower() for p in Priority}


def when(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's DateTimeField output: ISO 8601 in the current time zone, UTC as "Z"."""
    if not value:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _choice(value: Any) -> Any:
    # DRF's ChoiceField gives the stored key; an enum member becomes its plain value.
    return value if value in ("", None) else str(value)


def user_summary(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": int(user.pk), "username": str(user.username), "name": user.get_full_name()}


def customer_summary(customer: Customer | None) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {"id": int(customer.pk), "name": str(customer.name)}


def ticket(
    row: Ticket, *, sla: Callable[[Ticket], list[dict[str, Any]]], zone: tzinfo
) -> dict[str, Any]:
    """`TicketSerializer`'s fields, in its order; `sla` is its `get_sla`."""
    team = row.team
    return {
        "id": row.pk,
        "number": row.number,
        "subject": str(row.subject),
        "status": _choice(row.status),
        "priority": PRIORITY_NAMES[int(row.priority)],
        "channel": _choice(row.channel),
        "customer": customer_summary(row.customer),
        "assignee": user_summary(row.assignee),
        "team": {"id": team.pk, "name": team.name} if team else None,
        "tags": [str(tag) if tag is not None else None for tag in row.tags],
        "follow_up_of": row.follow_up_of_id,
        "merged_into": row.merged_into_id,
        "unanswered_contacts": int(row.unanswered_contacts),
        "repeat_contacts": int(row.repeat_contacts),
        "latest_inbound_channel": _choice(row.latest_inbound_channel),
        "last_inbound_at": when(row.last_inbound_at, zone),
        "first_ack_at": when(row.first_ack_at, zone),
        "first_human_reply_at": when(row.first_human_reply_at, zone),
        "solved_at": when(row.solved_at, zone),
        "closed_at": when(row.closed_at, zone),
        "sla": sla(row),
        "created_at": when(row.created_at, zone),
        "updated_at": when(row.updated_at, zone),
    }


def attachment(row: Attachment, *, url: Callable[[Attachment], str]) -> dict[str, Any]:
    return {
        "id": row.pk,
        "filename": str(row.filename),
        "content_type": str(row.content_type),
        "size": int(row.size),
        "content_id": str(row.content_id),
        "is_inline": bool(row.is_inline),
        "url": url(row),
    }


def message(row: Message, *, url: Callable[[Attachment], str], zone: tzinfo) -> dict[str, Any]:
    """`MessageSerializer`'s fields, in its order; `url` is `AttachmentSerializer.get_url`."""
    identity = row.identity
    meta = row.meta
    return {
        "id": row.pk,
        "ticket": row.ticket_id,
        "direction": _choice(row.direction),
        "channel": _choice(row.channel),
        "author_user": user_summary(row.author_user),
        "author_customer": customer_summary(row.author_customer),
        "identity": (
            {"id": identity.pk, "kind": identity.kind, "value": identity.value}
            if identity
            else None
        ),
        "subject": str(row.subject),
        "body_text": str(row.body_text),
        "body_html": str(row.body_html),
        "provider_message_id": str(row.provider_message_id),
        "is_automatic": bool(row.is_automatic),
        "delivery_state": _choice(row.delivery_state),
        "delivery_error": str(row.delivery_error),
        "sent_at": when(row.sent_at, zone),
        "delivered_at": when(row.delivered_at, zone),
        "call_direction": _choice(row.call_direction),
        "call_answered": None if row.call_answered is None else bool(row.call_answered),
        "call_duration_seconds": (
            None if row.call_duration_seconds is None else int(row.call_duration_seconds)
        ),
        "attachments": [attachment(item, url=url) for item in row.attachments.all()],
        "full_text": str(meta.get("full_text", "")),
        "mime_defects": list(meta.get("mime_defects", [])),
        "omitted_attachments": list(meta.get("omitted_attachments", [])),
        "cleaned": dict(meta.get("cleaned") or {}),
        "sent_by_customer_at": when(row.sent_by_customer_at, zone),
        "created_at": when(row.created_at, zone),
    }


def event(row: TicketEvent, *, zone: tzinfo) -> dict[str, Any]:
    """`TicketEventSerializer`'s fields, in its order."""
    return {
        "id": row.pk,
        "kind": _choice(row.kind),
        "text": str(row.text),
        "actor": user_summary(row.actor),
        "message": row.message_id,
        "data": row.data,
        "created_at": when(row.created_at, zone),
    }


def current_zone() -> tzinfo:
    """The zone DRF's DateTimeField writes in (the active one, as it asks per value)."""
    return timezone.get_current_timezone()
