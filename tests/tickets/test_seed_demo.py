"""`manage.py seed_demo`: a demo on every channel and status, the festival story on one
ticket, and a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from customers.models import Customer, Identity, Organisation
from tickets.models import (
    Channel,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.promise import promise_format


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [get_user_model(), Group, Token, Team, Organisation, Customer, Identity, Ticket]
    result = {model.__name__: model.objects.count() for model in models}
    result["Message"] = Message.objects.count()
    result["TicketEvent"] = TicketEvent.objects.count()
    return result


@pytest.mark.django_db
def test_every_channel_and_status_appears() -> None:
    output = seed()

    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)
    assert "demo data created" in output
    assert f"{Ticket.objects.count()} tickets" in output


@pytest.mark.django_db
def test_users_groups_teams_and_tokens() -> None:
    seed()
    User = get_user_model()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("admin")
    manager = User.objects.get(username="manager")
    assert manager.check_password("manager")
    assert manager.is_staff
    assert manager.get_full_name() == "Marieke Jansen"
    assert manager.has_perm("tickets.delete_ticket")
    assert manager.has_perm("customers.add_customer")
    for username in ("anna", "piotr", "sam"):
        agent = User.objects.get(username=username)
        assert agent.check_password("agent")
        assert agent.is_staff
        assert agent.groups.filter(name="Agents").exists()
        assert agent.has_perm("tickets.change_ticket")
        assert agent.has_perm("customers.view_customer")
        assert not agent.has_perm("tickets.delete_ticket")
    assert Token.objects.filter(user__username__in=["admin", "manager", "anna"]).count() == 3
    assert Team.objects.get(name="Support").lead == manager
    assert set(Team.objects.values_list("name", flat=True)) == {"Support", "Returns", "Social"}


@pytest.mark.django_db
def test_support_is_the_default_team_and_answers_the_demo_phone_number() -> None:
    from channels_inbox.models import PhoneNumber

    seed()
    assert Team.objects.get(is_default=True).name == "Support"
    number = PhoneNumber.objects.get()
    assert (number.number, number.team.name, number.active) == ("+31201234567", "Support", True)


@pytest.mark.django_db
def test_customers_have_several_identities_and_an_organisation() -> None:
    seed()

    assert Customer.objects.count() >= 15
    kinds = set(Identity.objects.values_list("kind", flat=True))
    assert kinds == {"email", "phone", "whatsapp", "facebook", "instagram", "x", "chat"}
    daan = Customer.objects.get(name="Daan de Jong")
    assert daan.organisation is not None
    assert daan.organisation.domain == "festivalfriends.nl"
    # His WhatsApp message joined the customer who had that number as a phone identity.
    jeroen = Customer.objects.get(name="Jeroen Smit")
    assert set(jeroen.identities.values_list("kind", flat=True)) == {"phone", "whatsapp"}
    assert {c.language for c in Customer.objects.all()} == {"nl", "pl", "en"}


@pytest.mark.django_db
def test_the_festival_story_is_one_ticket_whose_priority_chasing_raised() -> None:
    seed()

    lotte = Customer.objects.get(name="Lotte Visser")
    assert Customer.objects.filter(name="Lotte Visser").count() == 1
    assert set(lotte.identities.values_list("kind", flat=True)) == {"email", "phone", "facebook"}
    ticket = Ticket.objects.get(customer=lotte)
    inbound = Message.objects.filter(author_customer=lotte, direction=Direction.INBOUND)
    assert inbound.count() >= 6
    assert set(inbound.values_list("ticket_id", flat=True)) == {ticket.pk}
    assert len(set(inbound.values_list("channel", flat=True))) >= 3
    assert inbound.filter(channel="phone", call_answered=False).count() >= 3
    assert ticket.priority > Priority.NORMAL
    assert ticket.chase_priority_raised
    assert ticket.events.filter(kind=EventKind.CHASING).count() >= 5
    # The acknowledgement and the delay notice are there, but no human has answered: the
    # clock still runs.
    ack, notice = ticket.messages.filter(direction=Direction.OUTBOUND).order_by("created_at")
    assert ack.is_automatic
    assert ack.author_user is None
    assert notice.is_automatic
    assert notice.author_user is None
    assert ticket.first_ack_at is not None
    assert ticket.first_human_reply_at is None
    # Both name the same promise: the first-response clock's due time (issue 16).
    timer = ticket.sla_timers.get(metric="first_response")
    promise = promise_format(timer.due_at, language="nl")
    assert promise in ack.body_text
    assert promise in notice.body_text
    assert "zo snel mogelijk" not in ack.body_text
    assert ticket.events.filter(data__delay_notice="sent", message=notice).exists()
    # Realistic past timestamps: the first contact was weeks before the last one.
    times = sorted(inbound.values_list("sent_by_customer_at", flat=True))
    assert (times[-1] - times[0]).days >= 30


@pytest.mark.django_db
def test_closed_chat_conversation_continues_on_a_follow_up() -> None:
    seed()

    james = Customer.objects.get(name="James Wilson")
    closed = Ticket.objects.get(customer=james, status=Status.CLOSED)
    follow_up = Ticket.objects.get(customer=james, follow_up_of=closed)
    assert follow_up.status == Status.NEW


@pytest.mark.django_db
def test_running_twice_changes_nothing() -> None:
    seed()
    before = counts()

    output = seed()

    assert output.strip() == "demo data already present"
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_demo_replies_are_delivered_history_and_real_senders_come_back() -> None:
    from tickets.senders import get_sender

    before = {channel: get_sender(channel) for channel in Channel.values}
    seed()  # commits for real, so the delivery tasks run as they do under `make run`

    outbound = Message.objects.filter(direction=Direction.OUTBOUND)
    assert not outbound.filter(delivery_state="failed").exists(), list(
        outbound.filter(delivery_state="failed").values_list("channel", "delivery_error")
    )
    social = outbound.exclude(channel__in=[Channel.EMAIL, Channel.PHONE])
    assert social.exists()
    assert set(social.values_list("delivery_state", flat=True)) == {"sent"}
    assert {channel: get_sender(channel) for channel in Channel.values} == before
    # The festival story's acknowledgement and delay notice were mailed (to the local
    # mailbox under `make run`): the promise, then the honest notice before it is missed.
    festival = Ticket.objects.get(customer__name="Lotte Visser")
    automatic = festival.messages.filter(direction=Direction.OUTBOUND, is_automatic=True)
    lotte = [m.body for m in mail.outbox if m.to == ["lotte.visser@example.nl"]]
    assert lotte == [m.body_text for m in automatic.order_by("created_at")]
    assert len(lotte) == 2
