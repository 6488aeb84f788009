"""Whether a ticket can be reached on a channel, asked by the apps above `tickets` without
importing the channel code that knows.

Dependencies run `channels_inbox → tickets` and `surveys → tickets`: `channels_inbox`
registers a check for the channels whose reach depends on its own records (a chat ticket
is reachable only while it has a widget conversation) at app start, and `surveys` asks
`ticket_reachable` before choosing how to send. Like `tickets.senders` and
`tickets.answers`, a lower app depends on a small interface, never on the app above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tickets.models import Ticket

ReachCheck = Callable[["Ticket"], bool]

_checks: dict[str, ReachCheck] = {}


def register_reach_check(channel: str, check: ReachCheck) -> None:
    """Answer "can this ticket be reached on `channel`?" with `check`. Registering a channel
    again replaces its check (app reloads in tests)."""
    _checks[channel] = check


def ticket_reachable(*, ticket: Ticket, channel: str) -> bool:
    """True when the check registered for `channel` says the ticket's customer can be
    reached there. A channel without a check is not reachable: nobody vouches for it."""
    check = _checks.get(channel)
    return check is not None and check(ticket)
