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
from dataclasses import dataclass, field
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

MANAGER = "manager"
# username, password, first name, last name, group (None: superuser)
USERS = [
    ("admin", "admin", "", "", None),
    (MANAGER, "manager", "Marieke", "Jansen", "Managers"),
    ("anna", "agent", "Anna", "de Vries", "Agents"),
    ("piotr", "agent", "Piotr", "Nowak", "Agents"),
    ("sam", "agent", "Sam", "Taylor", "Agents"),
]
# team, lead, members
TEAMS = [
    ("Support", MANAGER, ["anna", "piotr", "sam"]),
    ("Returns", "piotr", ["piotr", "anna"]),
    ("Social", "sam", ["sam", "anna"]),
]
# The general team: its lead hears of SLA warnings on tickets nobody owns.
DEFAULT_TEAM = "Support"
# The number customers call (Twilio's `To`), and the team new phone tickets go to.
PHONE_NUMBER = ("+31201234567", "Support line", "Support")
ORGANISATION = ("Festival Friends BV", "festivalfriends.nl")
# The address customers mail (name, address, team); it acknowledges with the promise.
MAILBOX = ("Support", "support@helpdesk.localhost", "Support")
# key, name, language, identities as "kind:value" (the first one creates the customer)
CUSTOMERS = [
    ("lotte", "Lotte Visser", "nl", "email:lotte.visser@example.nl phone:+31612345678"),
    ("daan", "Daan de Jong", "nl", "email:Daan@FestivalFriends.nl phone:+31623456789"),
    ("sanne", "Sanne Bakker", "nl", "email:sanne.bakker@festivalfriends.nl"),
    # Only a phone number: his WhatsApp message joins him by the same number.
    ("jeroen", "Jeroen Smit", "nl", "phone:0687654321"),
    ("emma", "Emma van Dijk", "nl", "instagram:17841400000000001 email:emma.vdijk@example.nl"),
    ("ruben", "Ruben Mulder", "nl", "email:ruben.mulder@example.nl"),
    ("kasia", "Katarzyna Kowalska", "pl", "email:k.kowalska@example.pl whatsapp:48601234567"),
    ("tomasz", "Tomasz Wiśniewski", "pl", "facebook:6291847301928374 phone:+48512345678"),
    ("aga", "Agnieszka Wójcik", "pl", "chat:visitor-7f3a2c91 email:a.wojcik@example.pl"),
    ("michal", "Michał Kamiński", "pl", "x:@michal_kaminski"),
    ("magda", "Magdalena Lewandowska", "pl", "email:magda.lewandowska@example.pl"),
    ("oliver", "Oliver Smith", "en", "email:oliver.smith@example.co.uk phone:+447911123456"),
    ("charlotte", "Charlotte Brown", "en", "x:@CharlotteB email:charlotte.b@example.com"),
    ("james", "James Wilson", "en", "chat:visitor-b51e0d44 email:james.wilson@example.com"),
    ("sophie", "Sophie Taylor", "en", "instagram:17841400000000002"),
]


@dataclass
class Spec:
    """One ticket's story. Steps: ("in", days_ago, text[, options]), ("auto", text),
    ("ack",) (the mailbox's acknowledgement with the promise), ("delay",) (the delay notice
    of the running response clock, as the sweep's task sends it),
    ("out" | "note", user, text), ("call", user, seconds, notes), ("status", status),
    ("priority", n), ("identity", kind, value), ("assign", user), ("team", name), ("tags", […]),
    ("subject", text); ("at", days_ago) moves the story's clock for the steps after it.
    Assignee, team and tags are set right after the first inbound message."""

    who: str
    channel: str
    subject: str
    agent: str | None
    team: str | None
    tags: list[str]
    steps: list[tuple[Any, ...]] = field(default_factory=list)


LOTTE = (
    "Beste organisatie,\n\nMijn vader is vorige maand overleden. Hij had een kaart voor het "
    "Zomerklanken festival (bestelling 48213) en verheugde zich er enorm op. Ik wil zijn kaart "
    "graag op naam van mijn broer Bas zetten, of anders terugbetaald krijgen. Ik heb al gebeld "
    "maar niemand nam op. Dit valt me heel zwaar; laat alstublieft iets weten.\n\nLotte Visser"
)
FESTIVAL = Spec("lotte", "phone", "", None, None, [], [
    ("in", 40, "Gemiste oproep", {"call_answered": False}),
    ("in", 39.9, LOTTE, {"channel": "email", "subject": "Kaart van mijn overleden vader"}),
    # What she hears back now: when a person will answer (the mailbox's acknowledgement)…
    ("ack",),
    # …and, when nobody has answered by the at-risk time (36 of 48 h), the honest notice.
    ("at", 38.4), ("delay",),
    ("in", 32.8, "Ik heb nog niets gehoord. Het festival is over een maand. Kunt u reageren?\n\n"
     + LOTTE, {"channel": "email"}),
    ("identity", "facebook", "7364829100112233"),
    ("in", 32.7, LOTTE, {"channel": "facebook"}),
    ("in", 28, "Gemiste oproep", {"call_answered": False}),
    ("in", 21, "Gemiste oproep", {"call_answered": False, "call_duration_seconds": 0}),
    ("in", 6, "Het festival is volgende week. Al vijf keer contact gezocht, nooit een echt "
     "antwoord. Ik ben hier echt verdrietig over.", {"channel": "email"}),
    # This morning the manager finds it, names it and gives it to Anna.
    ("at", 0.1), ("subject", "Festivalkaart van overleden vader overzetten"),
    ("team", "Support"), ("assign", "anna"), ("tags", ["festival", "ticket-transfer", "refund"]),
    ("note", MANAGER, "Lotte heeft ons 7 keer benaderd op 3 kanalen. Anna, bel haar vandaag "
     "terug; naamswijziging van de kaart is akkoord."),
])  # fmt: skip
TICKETS = [
    FESTIVAL,
    Spec("daan", "email", "Factuur groepsboeking", "piotr", "Support", ["invoice", "b2b"], [
        ("in", 6, "Hallo, voor onze groepsboeking (bestelling 51877, 12 kaarten) hebben we een "
         "factuur op naam van Festival Friends BV nodig, btw-nummer NL859123456B01."),
        ("out", "piotr", "Hoi Daan, de factuur staat klaar. Klopt Keizersgracht 12, Amsterdam?"),
        ("in", 5, "Bijna: het is Keizersgracht 112. Verder klopt alles, dank!"),
    ]),
    Spec("sanne", "email", "Dubbel afgeschreven", "anna", "Support", ["refund", "payment"], [
        ("in", 12, "Mijn creditcard is twee keer belast voor bestelling 50321 (2 x € 89,00)."),
        ("out", "anna", "Dag Sanne, excuses! We hebben € 89,00 teruggestort, binnen 5 werkdagen."),
        ("in", 9, "Het bedrag staat erop. Dank jullie wel!"),
        ("status", "solved"),
    ]),
    Spec("jeroen", "whatsapp", "", "sam", "Social", ["delivery"], [
        ("in", 0.6, "Hoi, mijn pakket zou gisteren komen, maar track & trace staat 3 dagen stil."),
        ("out", "sam", "Hoi Jeroen, vervelend! Wat is je bestelnummer? Dan bel ik PostNL."),
        ("status", "pending"),
    ]),
    Spec("emma", "instagram", "", "sam", "Social", ["damaged", "return"], [
        ("in", 0.9, "Hoi! Mijn campingstoel kwam kapot aan, de poot is gebroken 😢"),
        ("in", 0.8, "Hier is de foto. Kan ik een nieuwe krijgen?"),
        ("out", "sam", "Wat balen, Emma! We hebben een schadeclaim bij de vervoerder ingediend; "
         "na hun akkoord sturen we een nieuwe stoel."),
        ("note", "sam", "Claim DHL 88213-NL ingediend, antwoord binnen 3 werkdagen."),
        ("status", "on_hold"),
    ]),
    Spec("kasia", "email", "Etykieta zwrotna", "piotr", "Returns", ["return"], [
        ("in", 30, "Dzień dobry, chciałabym zwrócić kurtkę przeciwdeszczową (zamówienie 49002). "
         "Proszę o etykietę zwrotną."),
        ("out", "piotr", "Dzień dobry Pani Katarzyno, etykieta zwrotna jest w załączniku."),
        ("in", 29, "Dziękuję, paczka została wysłana."),
        ("out", "piotr", "Paczka dotarła, zwrot 249,00 zł został zlecony. Pozdrawiam!"),
        ("status", "solved"), ("status", "closed"),
    ]),
    Spec("tomasz", "facebook", "", "piotr", "Returns", ["exchange"], [
        ("in", 0.9, "Cześć, zamówiłem bluzę w rozmiarze M, a przyszła S. Jak mogę ją wymienić?"),
        ("out", "piotr", "Cześć Tomasz, przepraszamy! Wyślemy M, a S odeślij w tej paczce."),
        ("in", 0.4, "Super, a kiedy przyjedzie kurier po paczkę?"),
    ]),
    Spec("aga", "chat", "", "anna", "Support", ["discount"], [
        ("in", 8, "Dzień dobry, kod rabatowy LATO20 nie działa w koszyku."),
        ("out", "anna", "Dzień dobry! Kod działa od 200 zł; dodałam wyjątek, proszę spróbować."),
        ("in", 8, "Działa, dziękuję!"),
        ("status", "solved"),
    ]),
    Spec("michal", "x", "", "sam", "Social", ["delivery", "complaint"], [
        ("in", 1, "@helpdesk trzeci dzień czekam na paczkę, ciągle 'w przygotowaniu'. Serio?"),
        ("out", "sam", "Przykro nam, Michał! Podaj w DM numer zamówienia, sprawdzimy od razu."),
        ("priority", 3), ("status", "pending"),
    ]),
    Spec("magda", "web", "Faktura VAT do zamówienia 51230", None, "Support", ["invoice"], [
        ("in", 0.2, "Dzień dobry, proszę o fakturę VAT na firmę (NIP 5252248481)."),
    ]),
    Spec("oliver", "phone", "", "sam", "Support", ["order", "address-change"], [
        ("in", 9, "Asked whether order 50877 can go to his office instead of his home.",
         {"call_answered": True, "call_duration_seconds": 240}),
        ("call", "sam", 95, "Called back: address changed to the office, delivery on Thursday."),
        ("status", "solved"),
    ]),
    Spec("charlotte", "x", "", "sam", "Social", ["order-status"], [
        ("in", 2, "@helpdesk hi, I ordered the camping bundle (51544). When does it ship?"),
        ("out", "sam", "Hi Charlotte! It left our warehouse this morning; tracking is on its way."),
        ("in", 1, "Thanks! The tracking link still says 'label created' though."),
    ]),
    Spec("james", "chat", "", "anna", "Support", ["payment"], [
        ("in", 20, "Hi, my iDEAL payment failed but the money left my account?"),
        ("out", "anna", "Hi James, the bank reverses it within 2 working days; just pay again."),
        ("in", 20, "Paid again and got the confirmation. Cheers!"),
        ("status", "solved"), ("status", "closed"),
    ]),
    # Same chat conversation as the closed ticket above: opens a linked follow-up.
    Spec("james", "chat", "", None, "Support", ["payment"], [
        ("in", 0.5, "Hi again! The first payment still hasn't come back to my account."),
    ]),
    Spec("sophie", "instagram", "", None, "Social", ["shipping"], [
        ("in", 0.1, "Hi! Do you ship to the UK, and are returns free from there?"),
        ("priority", 1),
    ]),
    Spec("ruben", "web", "Retour: tent past niet in de auto", "anna", "Returns", ["return"], [
        ("in", 7, "Ik wil de tent (bestelling 50990) ongebruikt retourneren. Hoe gaat dat?"),
        ("out", "anna", "Hoi Ruben, retourneren kan gratis via het retourportaal. Na controle "
         "door het magazijn storten we het bedrag terug.", {"channel": "email"}),
        ("note", "anna", "Tent is binnen; wacht op akkoord van het magazijn."),
        ("status", "on_hold"),
    ]),
]  # fmt: skip

# The desk's macros (title, body, status to set, tags to add), so an agent finds prepared
# answers on the first run; the first one is what Anna answers the festival story with.
MACROS = [
    ("Kaart op een andere naam zetten",
     "Beste {first_name|klant},\n\nWe zetten de kaart kosteloos op de nieuwe naam; de nieuwe "
     "kaart komt binnen twee werkdagen per e-mail en de oude is dan niet meer geldig.\n\n"
     "Je ticketnummer is #{ticket_number}: noem het gerust als je ons belt of mailt.\n\n"
     "Met vriendelijke groet,\n{agent_name}", "", ["ticket-transfer"]),
    ("We zoeken het uit",
     "Beste {first_name|klant},\n\nDank je voor je bericht. We zoeken het voor je uit; je "
     "hoort uiterlijk {answer_by} van ons.\n\nMet vriendelijke groet,\n{agent_name}", "", []),
    ("Refund on its way",
     "Hi {first_name|there},\n\nWe have refunded your order: the money is back in your "
     "account within 5 working days. Your ticket number is #{ticket_number}.\n\n"
     "Best wishes,\n{agent_name}", "solved", ["refund"]),
    ("Zwrot pieniędzy zlecony",
     "Dzień dobry,\n\nzwrot za zamówienie został zlecony; pieniądze wrócą na konto w ciągu "
     "5 dni roboczych. Numer zgłoszenia: #{ticket_number}.\n\nPozdrawiam,\n{agent_name}",
     "solved", ["refund"]),
]  # fmt: skip


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
