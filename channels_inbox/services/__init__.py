"""Writes of the channels app: the store-first receipt pipeline every channel uses in
`receipts`, then one module per channel (email, chat, phone, Meta). Callers import from
here."""

from __future__ import annotations

from channels_inbox.services.chat import (
    ChatError,
    chat_agent_gone,
    chat_agent_present,
    chat_agent_typing,
    chat_session_open,
    chat_visitor_gone,
    chat_visitor_message,
    chat_visitor_present,
    chat_visitor_typing,
    chat_widget_ensure,
)
from channels_inbox.services.email import (
    email_ingest,
    email_receipt_outcomes,
    email_to_inbound,
    email_tracking_event,
    imap_accounts_due,
    imap_poll,
)
from channels_inbox.services.meta import (
    MetaRefused,
    meta_media_fetch,
    meta_receipt_outcomes,
    meta_webhook_store,
    meta_webhook_store_unreadable,
)
from channels_inbox.services.phone import (
    phone_call_record,
    phone_receipt_outcomes,
    phone_webhook_store,
)
from channels_inbox.services.receipts import (
    Outcome,
    receipt_handler_register,
    receipt_process,
    receipt_store,
    receipt_timed_out,
    receipts_due,
    request_headers,
    stored_request_replay,
)

__all__ = [
    "ChatError",
    "MetaRefused",
    "Outcome",
    "chat_agent_gone",
    "chat_agent_present",
    "chat_agent_typing",
    "chat_session_open",
    "chat_visitor_gone",
    "chat_visitor_message",
    "chat_visitor_present",
    "chat_visitor_typing",
    "chat_widget_ensure",
    "email_ingest",
    "email_receipt_outcomes",
    "email_to_inbound",
    "email_tracking_event",
    "imap_accounts_due",
    "imap_poll",
    "meta_media_fetch",
    "meta_receipt_outcomes",
    "meta_webhook_store",
    "meta_webhook_store_unreadable",
    "phone_call_record",
    "phone_receipt_outcomes",
    "phone_webhook_store",
    "receipt_handler_register",
    "receipt_process",
    "receipt_store",
    "receipt_timed_out",
    "receipts_due",
    "request_headers",
    "stored_request_replay",
]
