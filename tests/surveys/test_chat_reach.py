"""A chat ticket's survey goes to the widget only when the ticket has a chat conversation:
surveys asks `tickets.reach`, which channels_inbox answers. Without a conversation the
survey takes the email path, else the link message, as before."""

from __future__ import annotations

from django.core import mail

from customers.services import identity_add
from tests.surveys.conftest import later, survey_of, sweep
from tickets.models import Direction
from tickets.reach import ticket_reachable


def test_a_chat_ticket_without_a_conversation_gets_no_rating_prompt(clock, solve) -> None:
    """No widget conversation and no email: not the in-widget buttons, but the plain link
    message on the chat channel, as before the reach check."""
    ticket = solve(channel="chat", kind="chat", value="visitor-9")
    assert not ticket_reachable(ticket=ticket, channel="chat")
    sweep()
    later(clock, hours=1)
    sweep()
    survey = survey_of(ticket)
    assert (survey.state, survey.delivery) == ("sent", "link")
    [sent] = ticket.messages.filter(direction=Direction.OUTBOUND)
    assert "quick_replies" not in sent.meta
    assert "/survey/r/" in sent.body_text
    assert mail.outbox == []


def test_a_chat_ticket_without_a_conversation_but_an_email_gets_the_email(clock, solve) -> None:
    ticket = solve(channel="chat", kind="chat", value="visitor-10")
    identity_add(customer=ticket.customer, kind="email", value="visitor10@example.com")
    sweep()
    later(clock, hours=1)
    sweep()
    survey = survey_of(ticket)
    assert (survey.state, survey.delivery) == ("sent", "email")
    assert [m.to for m in mail.outbox] == [["visitor10@example.com"]]
    assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()


def test_a_channel_nobody_answers_for_is_not_reachable(solve) -> None:
    ticket = solve()
    assert not ticket_reachable(ticket=ticket, channel="pigeon")
