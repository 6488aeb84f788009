"""The small interface through which tickets hands outbound messages to a channel.

`tickets` never imports `channels_inbox`: channel adapters register a sender for their
channel at app start (`register_sender`), like healthchecks' transports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

# Annotations only: channel adapters import this interface and must not pull in the ORM.
if TYPE_CHECKING:
    from tickets.models import Message


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str = ""
    # Conversation key the reply was sent under (e.g. its email Message-ID), for threading.
    thread_key: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class TransientSendError(Exception):
    """The provider may accept the message later (timeout, 5xx, rate limit): retry."""


class PermanentSendError(Exception):
    """The provider will never accept this message as it is: mark it failed with the reason."""


class Sender(Protocol):
    channel: str

    def send(self, message: Message) -> SendResult:
        """Deliver one outbound message. Raises Transient- or PermanentSendError."""
        ...


class LoggedCallSender:
    """Phone replies are calls the agent made and logged: there is nothing to transmit."""

    channel = "phone"

    def send(self, message: Message) -> SendResult:
        return SendResult()


_registry: dict[str, Sender] = {"phone": LoggedCallSender()}


def register_sender(sender: Sender) -> None:
    _registry[sender.channel] = sender


def unregister_sender(channel: str) -> None:
    _registry.pop(channel, None)


def get_sender(channel: str) -> Sender | None:
    return _registry.get(channel)


@contextlib.contextmanager
def senders_replaced(replacements: Iterable[Sender]) -> Iterator[None]:
    """Send through `replacements` on their channels inside the block, and through whatever
    was registered before (or nothing) after it, even when the block raises."""
    replacements = list(replacements)
    saved = {sender.channel: _registry.get(sender.channel) for sender in replacements}
    for sender in replacements:
        register_sender(sender)
    try:
        yield
    finally:
        for channel, previous in saved.items():
            if previous is None:
                unregister_sender(channel)
            else:
                register_sender(previous)
