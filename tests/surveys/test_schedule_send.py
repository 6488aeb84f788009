"""Scheduling and sending through the beat sweeps: after the channel's delay, never before;
cancelled by a reopen; one per ticket; one per customer per 7 days; none for spam/merged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from customers.services import identity_add
from surveys.models import CancelReason, Delivery, SurveyState
from surveys.services import survey_send, surveys_claim_due
from tests.factories import inbound
from tests.surveys.conftest import later, rating_links, survey_of, sweep
from tickets.models import EventKind, Message
from tickets.services import message_ingest, ticket_merge, ticket_set_status, ticket_set_tags

pytestmark = pytest.mark.django_db


def test_survey_goes_out_after_the_delay_and_not_before(clock, solve) -> None:
    ticket = solve()
    sweep()
    survey = survey_of(ticket)
    assert survey.state == SurveyState.SCHEDULED
    assert survey.send_at == ticket.solved_at + timedelta(hours=24)

    later(clock, hours=23, minutes=59)
    sweep()
    assert mail.outbox == []
    assert survey_of(ticket).state == SurveyState.SCHEDULED

    later(clock, minutes=1)
    sweep()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["eva@example.com"]
    assert f"[#{ticket.pk}]" in email.subject
    assert len(rating_links(email.body)) == 5
    html = email.alternatives[0].content
    assert html.count("/survey/r/") == 5
    survey = survey_of(ticket)
    assert survey.state == SurveyState.SENT
    assert survey.delivery == Delivery.EMAIL
    assert survey.expires_at == survey.sent_at + timedelta(days=30)
    assert ticket.events.filter(kind=EventKind.SURVEY, text__contains="sent").count() == 1

    # Exactly once: more sweeps, a doubled task, nothing more.
    later(clock, minutes=5)
    sweep()
    send_survey_again = survey_send(survey_id=survey.pk)
    assert send_survey_again is None
    assert len(mail.outbox) == 1
    # The ticket itself is untouched by the survey.
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert not Message.objects.filter(ticket=ticket, direction="outbound").exists()


def test_reopened_before_sending_cancels_and_a_new_solve_rearms_it(clock, solve, agent) -> None:
    ticket = solve(thread_key="<order-1@example.com>")
    sweep()
    later(clock, hours=3)
    # The customer answers our thread again: the solved ticket reopens.
    message_ingest(
        data=inbound(body_text="It still does not work", reply_to_keys=["<order-1@example.com>"])
    )
    ticket.refresh_from_db()
    assert ticket.status == "open"

    later(clock, hours=21)
    sweep()
    assert mail.outbox == []
    survey = survey_of(ticket)
    assert survey.state == SurveyState.CANCELLED
    assert survey.cancel_reason == CancelReason.REOPENED

    # Solved again: the same row (one survey per ticket) asks about the final resolution.
    later(clock, hours=1)
    ticket = ticket_set_status(ticket=ticket, status="solved", by=agent)
    sweep()
    survey = survey_of(ticket)
    assert survey.state == SurveyState.SCHEDULED
    assert survey.solved_at == ticket.solved_at
    later(clock, hours=24)
    sweep()
    assert len(mail.outbox) == 1
    assert survey_of(ticket).state == SurveyState.SENT


def test_reopened_and_solved_again_before_sending_moves_the_send_time(clock, solve, agent) -> None:
    ticket = solve()
    sweep()
    later(clock, hours=20)
    ticket_set_status(ticket=ticket, status="open", by=agent)
    later(clock, hours=2)
    ticket = ticket_set_status(ticket=ticket, status="solved", by=agent)
    later(clock, hours=2)  # 24 h after the first solve, 2 h after the second
    sweep()
    assert mail.outbox == []
    assert survey_of(ticket).send_at == ticket.solved_at + timedelta(hours=24)
    later(clock, hours=22)
    sweep()
    assert len(mail.outbox) == 1


def test_a_second_solved_ticket_within_7_days_gets_no_survey(clock, solve) -> None:
    first = solve(subject="Order 1")
    sweep()
    later(clock, hours=24)
    sweep()
    assert len(mail.outbox) == 1

    later(clock, days=2)
    # A new request from the same customer (the first is solved; a new message reopens it,
    # so this one starts on another channel's thread: a new subject by web form).
    second = solve(subject="Order 2")
    assert second.pk != first.pk
    sweep()
    survey = survey_of(second)
    assert survey.state == SurveyState.CANCELLED
    assert survey.cancel_reason == CancelReason.THROTTLED
    later(clock, hours=24)
    sweep()
    assert len(mail.outbox) == 1

    # Eight days after the first survey the customer may be asked again.
    later(clock, days=6)
    third = solve(subject="Order 3")
    sweep()
    later(clock, hours=24)
    sweep()
    assert survey_of(third).state == SurveyState.SENT
    assert len(mail.outbox) == 2


def test_no_survey_for_spam_or_merged_tickets(clock, solve, agent) -> None:
    spam = solve(value="spam@example.com")
    ticket_set_tags(ticket=spam, tags=["spam"], by=agent)
    source = solve(value="bob@example.com")
    target = message_ingest(data=inbound(value="bob@example.com")).message.ticket
    assert target.pk != source.pk
    ticket_merge(source=source, target=target, by=agent)
    target = ticket_set_status(ticket=target, status="solved", by=agent)
    sweep()
    later(clock, days=2)
    sweep()
    assert survey_of(target).state == SurveyState.SENT
    from surveys.models import Survey

    assert not Survey.objects.filter(ticket__in=[spam, source]).exists()
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


def test_channel_switched_off_sends_nothing(clock, solve, manager) -> None:
    response = manager.patch(
        "/api/v1/surveys/settings/",
        {"channels": [{"channel": "email", "enabled": False}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    ticket = solve()
    sweep()
    later(clock, days=2)
    sweep()
    assert mail.outbox == []
    survey = survey_of(ticket)
    assert (survey.state, survey.cancel_reason) == ("cancelled", "disabled")


def test_chat_ticket_goes_out_after_one_hour_by_email(clock, solve) -> None:
    ticket = solve(channel="chat", kind="chat", value="visitor-7")
    identity_add(customer=ticket.customer, kind="email", value="visitor7@example.com")
    sweep()
    later(clock, minutes=59)
    sweep()
    assert mail.outbox == []
    later(clock, minutes=1)
    sweep()
    assert [m.to for m in mail.outbox] == [["visitor7@example.com"]]


def test_a_customer_we_cannot_reach_is_cancelled_not_retried(clock, solve) -> None:
    ticket = solve(channel="phone", value="+31201234567")
    sweep()
    later(clock, days=1)
    sweep()
    survey = survey_of(ticket)
    assert (survey.state, survey.cancel_reason) == ("cancelled", "unreachable")


def test_two_sweepers_never_claim_the_same_row(clock, solve) -> None:
    solve()
    sweep()
    later(clock, days=1)
    from surveys.services import surveys_schedule

    surveys_schedule()
    first = surveys_claim_due()
    second = surveys_claim_due()
    assert len(first) == 1
    assert second == []
    # A claim whose task was lost is claimed again once its lease ran out.
    later(clock, minutes=11)
    assert surveys_claim_due() == first
