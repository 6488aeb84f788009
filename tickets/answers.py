"""Answers to questions we asked on a channel (a survey's quick-reply buttons), routed to the
app that asked, without the channel code importing that app.

Dependencies run `channels_inbox → tickets` and `surveys → tickets`: `surveys` registers a
handler for its payload prefix at app start, and `channels_inbox` asks `answer_handle` about
every quick-reply / button payload before ingesting it as a customer message. A handled
answer never becomes a message, so it neither opens nor reopens a ticket.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """A button the customer pressed: its payload and who pressed it, on which channel."""

    payload: str
    channel: str
    identity_kind: str
    identity_value: str
    provider_message_id: str = ""


AnswerHandler = Callable[[Answer], bool]

_handlers: dict[str, AnswerHandler] = {}


def register_answer_handler(prefix: str, handler: AnswerHandler) -> None:
    """Route payloads `<prefix>:…` to `handler`, which returns True when it recorded the
    answer (False: not ours after all, ingest it as a normal message). Registering a prefix
    again replaces the handler (app reloads in tests)."""
    if not prefix or ":" in prefix:
        raise ValueError("an answer prefix is a word without ':'")
    _handlers[prefix] = handler


def answer_handle(*, answer: Answer) -> bool:
    """True when a registered handler took the answer; the caller must then not ingest it."""
    prefix, sep, _rest = answer.payload.partition(":")
    handler = _handlers.get(prefix) if sep else None
    if handler is None:
        return False
    return handler(answer)
