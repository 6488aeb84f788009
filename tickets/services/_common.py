"""Pieces every ticket service shares: the error type, timeline events, locks."""

from __future__ import annotations

from typing import Any

from tickets.models import (
    Message,
    Status,
    Ticket,
    TicketEvent,
)


class TicketError(ValueError):
    """A request on a ticket that cannot be carried out; the message says why (shown to users)."""


def _event(
    ticket: Ticket,
    kind: str,
    text: str,
    *,
    actor: Any = None,
    message: Message | None = None,
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, text=text[:500], actor=actor, message=message, data=data
    )


def _live_ticket(ticket: Ticket) -> Ticket:
    seen: set[int] = set()
    while ticket.merged_into is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def _check_not_merged(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise TicketError(f"ticket #{ticket.pk} was merged into #{ticket.merged_into_id}")


def _check_writable(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise TicketError(f"ticket #{ticket.pk} is closed; open a follow-up instead")
    _check_not_merged(ticket)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)
