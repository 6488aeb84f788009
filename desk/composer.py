"""The composer on the ticket page: what it offers (the channels the customer can be answered
on, their messaging windows, the macros, the newest message the agent saw) and what a send
does (collision check, placeholders, the reply or note, then status and tags in one
transaction). The views in `desk/views/composer.py` only parse and answer."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from desk.macros import (
    macro_get,
    macros_active,
    missing_fields,
    placeholder_values,
    placeholders_fill,
)
from desk.models import Macro
from tickets.choices import CHANNEL_IDENTITY_KIND, Channel, Direction
from tickets.selectors import WINDOW_CHANNELS, messaging_windows
from tickets.services import (
    InboundAttachment,
    note_add,
    reply_channel_default,
    reply_create,
    ticket_set_status,
    ticket_set_tags,
)

if TYPE_CHECKING:
    from customers.models import Identity
    from helpdesk.roles import User
    from tickets.models import Message, Ticket

# An identity kind and the channel a reply to it goes out on (a phone number is called, not
# written to: calls are logged).
KIND_CHANNEL = {
    kind: channel for channel, kind in CHANNEL_IDENTITY_KIND.items() if channel != Channel.WEB
}
WRITTEN_KINDS = tuple(kind for kind, channel in KIND_CHANNEL.items() if channel != Channel.PHONE)
# Kinds whose value means something to an agent (an address, a number, a handle); the others
# are opaque ids (a chat visitor, a Messenger user).
SHOWN_KINDS = ("email", "whatsapp", "x")
# What "Send and set status" offers.
THEN_STATUSES = ("solved", "pending")


@dataclass(frozen=True)
class Window:
    open: bool
    closes_at: datetime | None
    template_allowed: bool


@dataclass(frozen=True)
class ChannelOption:
    identity_id: int
    channel: str
    value: str  # the address or number, "" when it means nothing to a person
    window: Window | None  # only on Messenger, Instagram and WhatsApp


@dataclass(frozen=True)
class Collision:
    """A human reply, note or call by someone else newer than what the agent saw."""

    message_id: int
    author: str
    direction: str
    is_call: bool
    at: datetime
    excerpt: str

    @property
    def just_now(self) -> bool:
        return timezone.now() - self.at < timedelta(minutes=1)


@dataclass
class ComposerState:
    """Everything `_m_form.html` shows; `composer_build` fills the parts read from the
    database, a refused send overrides what the agent typed."""

    ticket: Ticket
    options: list[ChannelOption]
    identity_id: int | None
    seen: int
    macros: list[Macro]
    language: str
    kind: str = "reply"
    body: str = ""
    errors: list[str] = field(default_factory=list)
    collision: Collision | None = None
    missing: tuple[str, ...] = ()
    fills: dict[str, str] = field(default_factory=dict)
    macro: Macro | None = None
    template_name: str = ""
    template_language: str = ""
    then: str = ""
    files_dropped: int = 0

    @property
    def selected(self) -> ChannelOption | None:
        return next((o for o in self.options if o.identity_id == self.identity_id), None)

    @property
    def template_shown(self) -> bool:
        """The template fields show when the chosen channel takes only a template now."""
        option = self.selected
        return bool(
            option and option.window and not option.window.open and option.window.template_allowed
        )

    @property
    def missing_fields(self) -> list[dict[str, str]]:
        return missing_fields(self.missing, self.fills)


def _default_identity(ticket: Ticket, identities: list[Identity]) -> int | None:
    """The identity the customer last wrote from on the default channel, else their first
    one of that kind, else the first written channel they have."""
    channel = reply_channel_default(ticket=ticket)
    kind = CHANNEL_IDENTITY_KIND.get(channel)
    same_kind = [i for i in identities if i.kind == kind and kind in WRITTEN_KINDS]
    if same_kind:
        latest = (
            ticket.messages.filter(
                direction=Direction.INBOUND, channel=channel, identity__in=same_kind
            )
            .order_by("-created_at")
            .values_list("identity_id", flat=True)
            .first()
        )
        return latest or same_kind[0].pk
    return identities[0].pk if identities else None


def channel_options(*, ticket: Ticket) -> tuple[list[ChannelOption], int | None]:
    """Every identity a written reply can go to, the default first, with the messaging
    window of its channel. Four queries whatever the customer has."""
    identities = list(
        ticket.customer.identities.filter(kind__in=WRITTEN_KINDS).order_by("created_at", "id")
    )
    default = _default_identity(ticket, identities)
    windows = {
        w["channel"]: Window(w["open"], w["closes_at"], w["template_allowed"])
        for w in messaging_windows(ticket=ticket)
    }
    options = []
    for identity in sorted(identities, key=lambda i: i.pk != default):
        channel = KIND_CHANNEL[identity.kind]
        window = windows.get(channel, Window(False, None, channel == Channel.WHATSAPP))
        options.append(
            ChannelOption(
                identity_id=identity.pk,
                channel=channel,
                value=identity.value if identity.kind in SHOWN_KINDS else "",
                window=window if channel in WINDOW_CHANNELS else None,
            )
        )
    return options, default


def newest_message_id(*, ticket: Ticket) -> int:
    return ticket.messages.aggregate(newest=Max("pk"))["newest"] or 0


def composer_build(*, ticket: Ticket, user: User, **typed: Any) -> ComposerState:
    """The composer for `ticket` as `user` sees it now; `typed` keeps what the agent had
    (kind, body, identity, errors…) when a send was refused. Seven queries."""
    options, default = channel_options(ticket=ticket)
    state = ComposerState(
        ticket=ticket,
        options=options,
        identity_id=default,
        seen=newest_message_id(ticket=ticket),
        macros=list(macros_active()[:500]),
        language=ticket.customer.language or "en",
    )
    if typed.get("identity_id") not in {o.identity_id for o in options}:
        typed.pop("identity_id", None)
    return replace(state, **typed)


# --- Sending --------------------------------------------------------------------------------


def collision_find(*, ticket: Ticket, user: User, seen: int) -> Collision | None:
    """The newest human reply, note or logged call by another person after message `seen`:
    the agent is about to answer without having read it. Automatic messages and the
    customer's own messages are not collisions."""
    newer = (
        ticket.messages.filter(pk__gt=seen, author_user__isnull=False, is_automatic=False)
        .filter(direction__in=[Direction.OUTBOUND, Direction.NOTE])
        .exclude(author_user=user)
        .select_related("author_user")
        .order_by("-pk")
        .first()
    )
    if newer is None or newer.author_user is None:
        return None
    author = newer.author_user
    text = " ".join(newer.body_text.split())
    return Collision(
        message_id=newer.pk,
        author=author.get_full_name() or author.get_username(),
        direction=newer.direction,
        is_call=newer.is_call,
        at=newer.created_at,
        excerpt=text[:140] + ("…" if len(text) > 140 else ""),
    )


@dataclass(frozen=True)
class Outgoing:
    """A send the agent asked for, parsed (`ComposerForm`)."""

    kind: str
    body: str
    identity: Identity | None = None
    then: str = ""
    macro_id: int | None = None
    template: dict[str, str] | None = None
    fills: dict[str, str] = field(default_factory=dict)
    attachments: list[InboundAttachment] = field(default_factory=list)


def body_fill(*, ticket: Ticket, user: User, outgoing: Outgoing) -> tuple[str, tuple[str, ...]]:
    """The reply's text with its placeholders filled now (what the agent typed in for one
    wins); the names still missing. A note is kept as typed where a value is missing."""
    values = {**placeholder_values(ticket=ticket, agent=user), **outgoing.fills}
    filled = placeholders_fill(outgoing.body, values)
    return filled.text, (filled.missing if outgoing.kind == "reply" else ())


@transaction.atomic
def composer_send(*, ticket: Ticket, user: User, outgoing: Outgoing, body: str) -> Message:
    """The reply or note, then the status asked for (else the applied macro's) and the
    macro's tags: all or nothing. A note never goes through `reply_create`, so it can never
    reach the customer. Raises the services' `DomainError`s."""
    if outgoing.kind == "note":
        message = note_add(
            ticket=ticket, author=user, body_text=body, attachments=outgoing.attachments
        )
    else:
        # No identity chosen (no JavaScript, or none offered): the service's default.
        identity = outgoing.identity
        message = reply_create(
            ticket=ticket,
            author=user,
            body_text=body,
            channel=KIND_CHANNEL[identity.kind] if identity else None,
            identity=identity,
            template=outgoing.template,
            attachments=outgoing.attachments,
        )
    macro = macro_get(macro_id=outgoing.macro_id) if outgoing.macro_id else None
    status = outgoing.then or (macro.set_status if macro else "")
    if status:
        ticket_set_status(ticket=ticket, status=status, by=user)
    if macro is not None and macro.add_tags:
        # The tags as read at the start of this request: `ticket_set_tags` locks the row.
        ticket_set_tags(ticket=ticket, tags=[*ticket.tags, *macro.add_tags], by=user)
    return message
