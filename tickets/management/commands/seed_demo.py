"""`manage.py seed_demo`: a small, realistic helpdesk to click through — created once.

All tickets and messages are made through the services an adapter or an agent calls
(`message_ingest`, `reply_create`, `note_add`, `call_log`, `ticket_set_*`), so the demo obeys
the same threading, chasing and outbox rules as real traffic. If the demo manager exists
the command does nothing, so it is safe to run on every start.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from customers.models import Customer, Identity, Organisation
from customers.services import customer_resolve, identity_add
from tickets import senders
from tickets.management.demo_data import (
    CUSTOMERS,
    DEFAULT_TEAM,
    MACROS,
    MAILBOX,
    MANAGER,
    ORGANISATION,
    PHONE_NUMBER,
    TEAMS,
    TICKETS,
    USERS,
    Spec,
)
from tickets.models import (
    CHANNEL_IDENTITY_KIND,
    Channel,
    Message,
    SlaPolicy,
    SlaTimer,
    Team,
    Ticket,
    TimerState,
)
from tickets.services import (
    InboundMessage,
    call_log,
    message_ingest,
    note_add,
    reply_create,
    sla_policies_default,
    ticket_assign,
    ticket_set_priority,
    ticket_set_status,
    ticket_set_subject,
    ticket_set_tags,
    ticket_set_team,
)
from tickets.services.delay_notice import delay_notice_send
from tickets.services.promise_messages import promise_acknowledge

# How long after the step before an agent's step (a reply, a note, a status) happens.
STEP_MINUTES = timedelta(minutes=4)


@contextlib.contextmanager
def _story_time(at: datetime) -> Iterator[None]:
    """Every `timezone.now()` (the services' clocks, `auto_now_add` times) reads as `at`,
    a millisecond later on each read so rows keep the order they were written in. The demo
    writes weeks of history in one go; every service reads the time through this function."""
    ticks = itertools.count()
    with mock.patch(
        "django.utils.timezone.now",
        side_effect=lambda: at + timedelta(milliseconds=next(ticks)),
    ):
        yield


class _HistorySender:
    """The demo's chat and social replies are history: they were delivered long ago. The
    demo has no Meta accounts or live chat visitors, so the real senders could only fail."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: Message) -> senders.SendResult:
        return senders.SendResult(provider_message_id=f"demo-{self.channel}-{message.pk}")


def _history_senders() -> contextlib.AbstractContextManager[None]:
    """Email keeps its real sender (the console backend); every other channel gets a
    `_HistorySender` while the demo is seeded, and its own sender back afterwards."""
    channels = [c for c in Channel.values if c not in (Channel.EMAIL, Channel.PHONE)]
    return senders.senders_replaced(_HistorySender(channel) for channel in channels)


class Command(BaseCommand):
    help = "Create demo users, teams, customers and tickets on every channel (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        if get_user_model().objects.filter(username=MANAGER).exists():
            self.stdout.write("demo data already present")
            return
        # The project's Celery app (tickets may not import helpdesk's top layer).
        from celery import current_app as app

        # Replies queue a delivery task on commit: run it inline so no broker is needed.
        was_eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        try:
            # The console mail backend would print every demo email reply; keep output short.
            with (
                contextlib.redirect_stdout(io.StringIO()),
                _history_senders(),
                transaction.atomic(),
            ):
                self._seed()
        finally:
            app.conf.task_always_eager = was_eager
        self._summary()

    def _seed(self) -> None:
        self.now = timezone.now()
        self.ids = itertools.count(1)
        self.users = self._users()
        self.teams = self._teams()
        Organisation.objects.create(name=ORGANISATION[0], domain=ORGANISATION[1])
        self.customers = {key: self._customer(*rest) for key, *rest in CUSTOMERS}
        for spec in TICKETS:
            self._story(spec)
        self._macros()

    def _users(self) -> dict[str, Any]:
        groups = {
            name: Group.objects.get_or_create(name=name)[0] for name in ("Agents", "Managers")
        }
        helpdesk_perms = Permission.objects.filter(
            content_type__app_label__in=["customers", "tickets"]
        )
        groups["Managers"].permissions.set(helpdesk_perms)
        groups["Agents"].permissions.set(helpdesk_perms.filter(codename__regex=r"^(view|change)_"))
        User = get_user_model()
        users = {}
        for username, password, first, last, group in USERS:
            email = f"{username}@helpdesk.localhost"
            if group is None:
                user = User.objects.create_superuser(username, email, password)
            else:
                user = User.objects.create_user(
                    username, email, password, first_name=first, last_name=last, is_staff=True
                )
                user.groups.add(groups[group])
            Token.objects.create(user=user)
            users[username] = user
        return users

    def _teams(self) -> dict[str, Team]:
        teams = {}
        for name, lead, members in TEAMS:
            teams[name] = Team.objects.create(
                name=name, lead=self.users[lead], is_default=name == DEFAULT_TEAM
            )
            teams[name].members.set([self.users[m] for m in members])
        # tickets never imports channels_inbox; the demo spans both, so look the model up.
        number, label, team = PHONE_NUMBER
        phone_number = apps.get_model("channels_inbox", "PhoneNumber")
        phone_number.objects.create(number=number, label=label, team=teams[team])
        name, address, team = MAILBOX
        mailbox = apps.get_model("channels_inbox", "Mailbox")
        mailbox.objects.create(name=name, address=address, team=teams[team], auto_acknowledge=True)
        # The demo tells customers when a promise is at risk (off by default). The default
        # policies come from a migration; a database emptied since gets them back.
        sla_policies_default()
        SlaPolicy.objects.update(delay_notice=True)
        return teams

    def _macros(self) -> None:
        # tickets never imports desk (the layer above it); the demo spans both.
        macro = apps.get_model("desk", "Macro")
        for title, body, status, tags in MACROS:
            macro.objects.create(
                title=title, body=body, set_status=status, add_tags=tags,
                created_by=self.users[MANAGER],
            )  # fmt: skip

    def _customer(self, name: str, language: str, identities: str) -> Customer:
        (kind, value), *more = (item.split(":", 1) for item in identities.split())
        customer = customer_resolve(kind=kind, value=value, name=name, language=language).customer
        for kind, value in more:
            identity_add(customer=customer, kind=kind, value=value)
        return customer

    def _story(self, spec: Spec) -> None:
        ticket: Ticket | None = None
        thread: dict[str, Any] = {"subject": spec.subject, "email_keys": []}
        clock = self.now
        for kind, *args in spec.steps:
            # Each step happens at its moment in the story (an inbound message when the
            # customer sent it, the rest a few minutes after the step before), so the
            # timeline reads as weeks of contacts, not one burst at seeding time.
            if kind == "at":
                clock = self.now - timedelta(days=args[0])
                continue
            clock = self.now - timedelta(days=args[0]) if kind == "in" else clock + STEP_MINUTES
            with _story_time(clock):
                if kind == "in":
                    first = ticket is None
                    ticket = self._inbound(spec, thread, *args)
                    if first:
                        self._triage(ticket, spec)
                    continue
                if ticket is None:
                    raise ValueError("a demo story starts with an inbound message")
                ticket = self._step(spec, ticket, kind, args)

    def _step(self, spec: Spec, ticket: Ticket, kind: str, args: list[Any]) -> Ticket:
        """One agent's (or the system's) step on `ticket`; returns the ticket as it is now."""
        by = self.users[MANAGER]
        if kind == "auto":
            reply_create(ticket=ticket, author=None, body_text=args[0], is_automatic=True)
        elif kind == "ack":
            promise_acknowledge(ticket=ticket, channel="email", mailbox=MAILBOX[1])
        elif kind == "delay":
            for timer in SlaTimer.objects.filter(ticket=ticket, state=TimerState.RUNNING):
                delay_notice_send(timer_id=timer.pk)
        elif kind == "out":
            user, text, *opts = args
            channel = opts[0]["channel"] if opts else None
            reply_create(ticket=ticket, author=self.users[user], body_text=text, channel=channel)
        elif kind == "note":
            note_add(ticket=ticket, author=self.users[args[0]], body_text=args[1])
        elif kind == "call":
            user, seconds, notes = args
            call_log(ticket=ticket, agent=self.users[user], direction="outbound",
                     answered=True, duration_seconds=seconds, notes=notes)  # fmt: skip
        elif kind == "status":
            return ticket_set_status(ticket=ticket, status=args[0], by=ticket.assignee or by)
        elif kind == "priority":
            return ticket_set_priority(ticket=ticket, priority=args[0], by=by)
        elif kind == "identity":
            identity_add(customer=self.customers[spec.who], kind=args[0], value=args[1])
        elif kind == "assign":
            return ticket_assign(ticket=ticket, agent=self.users[args[0]], by=by)
        elif kind == "team":
            return ticket_set_team(ticket=ticket, team=self.teams[args[0]], by=by)
        elif kind == "tags":
            return ticket_set_tags(ticket=ticket, tags=args[0], by=by)
        elif kind == "subject":
            return ticket_set_subject(ticket=ticket, subject=args[0], by=by)
        else:
            raise ValueError(f"unknown demo step {kind!r}")
        return ticket

    def _triage(self, ticket: Ticket, spec: Spec) -> None:
        by = self.users[MANAGER]
        if spec.team:
            ticket_set_team(ticket=ticket, team=self.teams[spec.team], by=by)
        if spec.agent:
            ticket_assign(ticket=ticket, agent=self.users[spec.agent], by=by)
        if spec.tags:
            ticket_set_tags(ticket=ticket, tags=spec.tags, by=by)

    def _inbound(
        self,
        spec: Spec,
        thread: dict[str, Any],
        days_ago: float,
        text: str,
        opts: dict[str, Any] | None = None,
    ) -> Ticket:
        """Ingest one customer message as its channel's adapter would hand it over."""
        opts = opts or {}
        email_keys: list[str] = thread["email_keys"]
        channel = opts.get("channel", spec.channel)
        n = next(self.ids)
        data = InboundMessage(
            channel=channel,
            identity_kind=CHANNEL_IDENTITY_KIND[channel],
            identity_value=self._identity_value(spec.who, CHANNEL_IDENTITY_KIND[channel]),
            body_text=text,
            customer_name=self.customers[spec.who].name,
            provider_message_id=f"demo-{channel}-{n}",
            sent_at=self.now - timedelta(days=days_ago),
        )
        if channel in ("email", "web"):
            thread["subject"] = opts.get("subject", thread["subject"])
            data.subject = f"Re: {thread['subject']}" if email_keys else thread["subject"]
        if channel == "email":
            data.thread_key = f"<demo-{n}@mail.example>"
            data.reply_to_keys = list(email_keys)
            email_keys.append(data.thread_key)
        elif channel == "phone":
            data.call_direction = "inbound"
            data.call_answered = opts.get("call_answered", False)
            data.call_duration_seconds = opts.get("call_duration_seconds")
        elif channel != "web":
            # Chat and social conversations: one conversation id per customer and channel.
            data.thread_key = f"demo-{channel}-{spec.who}"
            data.reply_to_keys = [data.thread_key]
        return message_ingest(data=data).ticket

    def _identity_value(self, who: str, kind: str) -> str:
        identities = Identity.objects.filter(customer=self.customers[who])
        # A WhatsApp message from a known phone number: the same person.
        found = identities.filter(kind=kind).first() or (
            identities.filter(kind="phone").first() if kind == "whatsapp" else None
        )
        if found is None:
            raise ValueError(f"demo customer {who} has no {kind} identity")
        return found.value

    def _summary(self) -> None:
        statuses = Counter(Ticket.objects.values_list("status", flat=True))
        directions = Counter(Message.objects.values_list("direction", flat=True))
        self.stdout.write(
            f"demo data created: {Customer.objects.count()} customers, "
            f"{Ticket.objects.count()} tickets, {Message.objects.count()} messages"
        )
        self.stdout.write(
            "  tickets by status: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
        )
        self.stdout.write(
            "  messages: " + ", ".join(f"{k} {v}" for k, v in sorted(directions.items()))
        )
        self.stdout.write("  log in as admin/admin, manager/manager or anna, piotr, sam/agent")
