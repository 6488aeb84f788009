"""Writes on tickets and messages. Every function is atomic and keyword-only; nothing else
calls `.save()` on a Ticket or Message. This package re-exports the public API other apps
and the views use; each module is named for what it owns:

- `ingest`: inbound messages — `message_ingest`, the one entry point every channel adapter
  calls, and `ticket_on_inbound` (what a customer's contact does to a ticket);
- `tickets`: opening a ticket, its own fields, closing solved ones, the shared guards;
- `merges`: ticket merges, customer merges with their timeline notes, message moves;
- `replies`: public replies, automatic messages, internal notes; `outbox`: queueing and
  delivering outbound messages; `calls`: logged and reported phone calls; `todos`;
- `events`: the timeline; `notifications`: in-app notifications, their emails, who hears
  of SLA warnings; `sla` (clocks), `sla_sweep` (breaches, warnings), `sla_settings`;
- `chasing`: the repeat-contact rule; `errors`: `TicketError`.
"""

from __future__ import annotations

from tickets.services.calls import call_ingest, call_log, call_log_new, call_record_outbound
from tickets.services.errors import TicketError
from tickets.services.events import ticket_event_add
from tickets.services.ingest import (
    InboundAttachment,
    InboundMessage,
    IngestResult,
    IngestSkipped,
    inbound_clean,
    message_attachments_add,
    message_ingest,
)
from tickets.services.merges import customer_merge_with_timeline, message_move, ticket_merge
from tickets.services.notifications import (
    notification_read,
    notifications_add,
    notifications_read,
)
from tickets.services.outbox import (
    message_deliver,
    message_delivery_update,
    message_mark_bounced,
    outbox_due_ids,
)
from tickets.services.replies import (
    REPLY_CHANNEL,
    automatic_message_send,
    note_add,
    reply_channel_default,
    reply_create,
)
from tickets.services.sla_settings import (
    business_calendar_save,
    sla_policies_default,
    sla_policy_save,
)
from tickets.services.sla_sweep import sla_sweep
from tickets.services.tickets import (
    ticket_assign,
    ticket_create,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_subject,
    ticket_set_tags,
    ticket_set_team,
    tickets_close_solved,
)
from tickets.services.todos import todo_add, todo_done, todos_settle

__all__ = [
    "REPLY_CHANNEL",
    "InboundAttachment",
    "InboundMessage",
    "IngestResult",
    "IngestSkipped",
    "TicketError",
    "automatic_message_send",
    "business_calendar_save",
    "call_ingest",
    "call_log",
    "call_log_new",
    "call_record_outbound",
    "customer_merge_with_timeline",
    "inbound_clean",
    "message_attachments_add",
    "message_deliver",
    "message_delivery_update",
    "message_ingest",
    "message_mark_bounced",
    "message_move",
    "note_add",
    "notification_read",
    "notifications_add",
    "notifications_read",
    "outbox_due_ids",
    "reply_channel_default",
    "reply_create",
    "sla_policies_default",
    "sla_policy_save",
    "sla_sweep",
    "ticket_assign",
    "ticket_create",
    "ticket_event_add",
    "ticket_merge",
    "ticket_set_priority",
    "ticket_set_status",
    "ticket_set_subject",
    "ticket_set_tags",
    "ticket_set_team",
    "tickets_close_solved",
    "todo_add",
    "todo_done",
    "todos_settle",
]
