"""Writes on tickets and messages. Every function is atomic and keyword-only; nothing else
calls `.save()` on a Ticket or Message.

`message_ingest` is the one entry point every channel adapter calls for an inbound message;
`reply_create` / `note_add` / `call_log` are the agent's side; `message_deliver` and
`outbox_due_ids` run the outbox.
"""

from __future__ import annotations

from tickets.services._common import TicketError
from tickets.services.calls import call_ingest, call_log_new, call_record_outbound
from tickets.services.ingest import (
    InboundAttachment,
    InboundMessage,
    IngestResult,
    IngestSkipped,
    inbound_clean,
    message_attachments_add,
    message_ingest,
)
from tickets.services.outbox import (
    message_deliver,
    message_delivery_update,
    message_mark_bounced,
    outbox_due_ids,
)
from tickets.services.properties import (
    customers_merge,
    message_move,
    ticket_assign,
    ticket_create,
    ticket_merge,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_subject,
    ticket_set_tags,
    ticket_set_team,
    tickets_close_solved,
)
from tickets.services.replies import (
    REPLY_CHANNEL,
    call_log,
    note_add,
    reply_channel_default,
    reply_create,
)
from tickets.services.sla import notification_read, sla_sweep
from tickets.services.sla_settings import (
    business_calendar_save,
    sla_policies_default,
    sla_policy_save,
)
from tickets.services.timeline import (
    automatic_message_send,
    notifications_add,
    ticket_event_add,
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
    "customers_merge",
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
