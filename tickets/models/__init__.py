"""The tickets app's models, split by what they own: the ticket core (`core`), SLA (`sla`)
and notifications (`notifications`). Every model and enum is re-exported here, so
`from tickets.models import X` works for all of them; the enums live in `tickets.choices`.
`attachment_path` stays importable here because migration 0001 references it."""

from __future__ import annotations

from tickets.choices import (
    ACTIVE_STATUSES,
    CHANNEL_IDENTITY_KIND,
    LIVE_TIMER_STATES,
    SOCIAL_CHANNELS,
    CallDirection,
    Channel,
    DeliveryState,
    Direction,
    EmailState,
    EventKind,
    NotificationKind,
    Priority,
    SlaMetric,
    Status,
    TimerState,
    TodoKind,
)
from tickets.models.core import (
    Attachment,
    Message,
    Team,
    Ticket,
    TicketEvent,
    Todo,
    attachment_path,
)
from tickets.models.notifications import Notification
from tickets.models.promise import AutomaticPurpose, AutomaticText
from tickets.models.sla import (
    BusinessCalendar,
    BusinessHoliday,
    SlaBreach,
    SlaPolicy,
    SlaTimer,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CHANNEL_IDENTITY_KIND",
    "LIVE_TIMER_STATES",
    "SOCIAL_CHANNELS",
    "Attachment",
    "AutomaticPurpose",
    "AutomaticText",
    "BusinessCalendar",
    "BusinessHoliday",
    "CallDirection",
    "Channel",
    "DeliveryState",
    "Direction",
    "EmailState",
    "EventKind",
    "Message",
    "Notification",
    "NotificationKind",
    "Priority",
    "SlaBreach",
    "SlaMetric",
    "SlaPolicy",
    "SlaTimer",
    "Status",
    "Team",
    "Ticket",
    "TicketEvent",
    "TimerState",
    "Todo",
    "TodoKind",
    "attachment_path",
]
