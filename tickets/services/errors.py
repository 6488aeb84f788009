"""The error every ticket service raises for a request it refuses."""

from __future__ import annotations

from helpdesk.errors import DomainError


# ValueError stays a base: callers that catch ValueError keep catching it.
class TicketError(DomainError, ValueError):
    """A request on a ticket that cannot be carried out; the message says why (shown to users)."""
