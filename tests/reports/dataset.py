"""One constructed data set for the reports' tests (figures, page, CSV, email): every
timestamp fixed, so each figure can be worked out by hand. All times UTC; Amsterdam is
UTC+1 in November. The range is Monday 16 - Sunday 22 November 2026 (a weekend inside),
`NOW` is Monday 23 November 10:00 UTC (11:00 in Amsterdam).

Tickets (created, Amsterdam day):
- t1 email, Support, ann: created Mon 16 08:00; automatic acknowledgement 08:01; ann
  replies 10:00 (2 h, 2 business h); solved 14:00 (6 h). First-response timer due Mon
  15:00, met 10:00: in time. CSAT 5 "Quick and kind" (Tue 17 09:00), NPS 10 "Love it".
- t2 email, Support, bob: created Fri 20 15:00 (16:00 local); acknowledgement 15:02; the
  customer writes again Sat 21 10:00 (a chase); bob replies Mon 23 08:30: 65.5 h, 1.5
  business h (Fri 16-17, Mon 09:00-09:30). Pending. First-response timer due Mon 23 15:00
  (outside the range), met in time.
- t3 chat, Support, ann: created Tue 17 12:00; no acknowledgement; ann replies Wed 18
  12:00 (24 h; the chat policy runs around the clock, so 24 business h too; the reply is
  also the first message we sent: acknowledged after 24 h). First-response timer due Tue
  17 13:00, breached then, met late. The customer writes again Wed 12:30 (after a reply:
  no chase); next-response timer due 13:30, met 12:50 in time. Solved Wed 13:00 (25 h).
  CSAT 2 "Too slow" (Thu 19 10:00), NPS 3 "Meh" (Thu 19 10:05).
- t4 whatsapp, Legal (restricted), bob (not a Legal member): created Wed 18 10:00;
  acknowledgement 10:01; bob replies 11:00 (1 h, 1 business h); first-response timer due
  15:00, met in time; the customer writes 11:30, next-response timer due 15:30 cancelled
  by the solve at 12:00 (2 h). CSAT 4, NPS 8, no comments (Thu 19 08:00).
- t5 email, Support, bob: created Sat 21 23:30 UTC = Sun 22 00:30 in Amsterdam (counts
  on Sunday); acknowledgement 23:31; chased Sun 22 10:00; open, no reply. First-response
  timer running, due Mon 23 16:00 (at risk from 14:00): in the 24-hour forecast.
- t6 web, Legal, nobody: created Mon 23 06:00 (after the range); new; first-response
  timer running, at risk since 09:00, due 12:00: at risk now, in the 4-hour forecast.
- t7 email, Support, ann: created Sun 8 Nov 10:00 (before the range); replied Mon 9 Nov;
  open; next-response timer running, due Thu 19 10:00, breached then.
- t8 phone, Support, nobody: created Wed 18 09:00; on hold; first-response timer paused,
  due Thu 19 09:00 (still open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group

from customers.models import Customer
from reports.filters import ReportFilter
from surveys.models import NpsAnswer, Survey, SurveyAnswer, SurveyState
from tickets.models import (
    BusinessCalendar,
    Direction,
    Message,
    SlaMetric,
    SlaPolicy,
    SlaTimer,
    Team,
    Ticket,
    TimerState,
)
from tickets.services.sla import first_response_business_seconds

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
RANGE = ReportFilter(start=date(2026, 11, 16), end=date(2026, 11, 22))
WEEKDAYS_9_TO_5 = {str(day): [["09:00", "17:00"]] for day in range(5)}


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Dataset:
    manager: Any
    ann: Any
    bob: Any
    support: Team
    legal: Team
    calendar: BusinessCalendar
    tickets: dict[str, Ticket]


def _user(django_user_model: Any, name: str, group: str) -> Any:
    user = django_user_model.objects.create_user(username=name, password="pw-1-report")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _ticket(customer: Customer, **fields: Any) -> Ticket:
    created = fields.pop("created_at")
    ticket = Ticket.objects.create(customer=customer, subject=fields.pop("subject"), **fields)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=created)
    ticket.refresh_from_db()
    return ticket


def _message(ticket: Ticket, when: datetime, direction: str, **fields: Any) -> Message:
    message = Message.objects.create(
        ticket=ticket, channel=ticket.channel, direction=direction, body_text="…", **fields
    )
    Message.objects.filter(pk=message.pk).update(created_at=when)
    return message


def _timer(ticket: Ticket, policy: SlaPolicy, metric: str, **fields: Any) -> SlaTimer:
    due = fields["due_at"]
    fields.setdefault("at_risk_at", due - timedelta(hours=1))
    return SlaTimer.objects.create(
        ticket=ticket,
        metric=metric,
        policy=policy,
        policy_version=1,
        target_minutes=60 if policy.calendar is None else 480,
        reason="test",
        **fields,
    )


def _survey(
    ticket: Ticket, agent: Any, rating: int, score: int, when: datetime, comments: tuple[str, str]
) -> None:
    survey = Survey.objects.create(
        ticket=ticket,
        customer=ticket.customer,
        channel=ticket.channel,
        state=SurveyState.ANSWERED,
        solved_at=ticket.solved_at,
        send_at=ticket.solved_at,
        sent_at=ticket.solved_at,
        agent=agent,
        team=ticket.team,
    )
    SurveyAnswer.objects.create(
        survey=survey,
        ticket=ticket,
        customer=ticket.customer,
        rating=rating,
        comment=comments[0],
        agent=agent,
        team=ticket.team,
        channel=ticket.channel,
        answered_at=when,
        updated_at=when,
        final_at=when + timedelta(minutes=15),
    )
    NpsAnswer.objects.create(
        customer=ticket.customer,
        survey=survey,
        score=score,
        comment=comments[1],
        channel=ticket.channel,
        answered_at=when + timedelta(minutes=5),
    )


def _answered_tickets(
    customer: Customer, ds: Dataset, standard: SlaPolicy, chat: SlaPolicy
) -> None:
    ann, bob, support, legal = ds.ann, ds.bob, ds.support, ds.legal
    t1 = _ticket(
        customer,
        subject="t1",
        channel="email",
        team=support,
        assignee=ann,
        created_at=at(16, 8),
        first_ack_at=at(16, 8, 1),
        status="solved",
        first_human_reply_at=at(16, 10),
        last_human_reply_at=at(16, 10),
        solved_at=at(16, 14),
    )
    _message(t1, at(16, 8), Direction.INBOUND, author_customer=customer)
    _message(t1, at(16, 8, 1), Direction.OUTBOUND, is_automatic=True)
    _message(t1, at(16, 10), Direction.OUTBOUND, author_user=ann)
    _timer(
        t1,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(16, 8),
        due_at=at(16, 15),
        state=TimerState.MET,
        met_at=at(16, 10),
    )
    t3 = _ticket(
        customer,
        subject="t3",
        channel="chat",
        team=support,
        assignee=ann,
        created_at=at(17, 12),
        first_ack_at=at(18, 12),
        status="solved",
        first_human_reply_at=at(18, 12),
        last_human_reply_at=at(18, 12, 50),
        solved_at=at(18, 13),
    )
    _message(t3, at(17, 12), Direction.INBOUND, author_customer=customer)
    _message(t3, at(18, 12), Direction.OUTBOUND, author_user=ann)
    _message(t3, at(18, 12, 30), Direction.INBOUND, author_customer=customer)
    _message(t3, at(18, 12, 50), Direction.OUTBOUND, author_user=ann)
    _timer(
        t3,
        chat,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(17, 12),
        due_at=at(17, 13),
        state=TimerState.MET,
        met_at=at(18, 12),
        breached_at=at(17, 13),
    )
    _timer(
        t3,
        chat,
        SlaMetric.NEXT_RESPONSE,
        started_at=at(18, 12, 30),
        due_at=at(18, 13, 30),
        state=TimerState.MET,
        met_at=at(18, 12, 50),
    )
    t4 = _ticket(
        customer,
        subject="t4",
        channel="whatsapp",
        team=legal,
        assignee=bob,
        created_at=at(18, 10),
        first_ack_at=at(18, 10, 1),
        status="solved",
        first_human_reply_at=at(18, 11),
        last_human_reply_at=at(18, 11),
        solved_at=at(18, 12),
    )
    _message(t4, at(18, 10, 1), Direction.OUTBOUND, is_automatic=True)
    _message(t4, at(18, 11), Direction.OUTBOUND, author_user=bob)
    _timer(
        t4,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(18, 10),
        due_at=at(18, 15),
        state=TimerState.MET,
        met_at=at(18, 11),
    )
    _timer(
        t4,
        standard,
        SlaMetric.NEXT_RESPONSE,
        started_at=at(18, 11, 30),
        due_at=at(18, 15, 30),
        state=TimerState.CANCELLED,
    )
    _survey(t1, ann, 5, 10, at(17, 9), ("Quick and kind", "Love it"))
    _survey(t3, ann, 2, 3, at(19, 10), ("Too slow", "Meh"))
    _survey(t4, bob, 4, 8, at(19, 8), ("", ""))
    ds.tickets.update(t1=t1, t3=t3, t4=t4)


def _waiting_tickets(customer: Customer, ds: Dataset, standard: SlaPolicy) -> None:
    ann, bob, support, legal = ds.ann, ds.bob, ds.support, ds.legal
    t2 = _ticket(
        customer,
        subject="t2",
        channel="email",
        team=support,
        assignee=bob,
        created_at=at(20, 15),
        first_ack_at=at(20, 15, 2),
        status="pending",
        first_human_reply_at=at(23, 8, 30),
        last_human_reply_at=at(23, 8, 30),
        repeat_contacts=1,
    )
    _message(t2, at(20, 15, 2), Direction.OUTBOUND, is_automatic=True)
    _message(t2, at(21, 10), Direction.INBOUND, author_customer=customer)
    _message(t2, at(23, 8, 30), Direction.OUTBOUND, author_user=bob)
    _timer(
        t2,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(20, 15),
        due_at=at(23, 15),
        state=TimerState.MET,
        met_at=at(23, 8, 30),
    )
    t5 = _ticket(
        customer,
        subject="t5",
        channel="email",
        team=support,
        assignee=bob,
        created_at=at(21, 23, 30),
        first_ack_at=at(21, 23, 31),
        status="open",
        repeat_contacts=1,
        unanswered_contacts=2,
    )
    _message(t5, at(21, 23, 31), Direction.OUTBOUND, is_automatic=True)
    _message(t5, at(22, 10), Direction.INBOUND, author_customer=customer)
    _timer(
        t5,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(21, 23, 30),
        due_at=at(23, 16),
        at_risk_at=at(23, 14),
    )
    t6 = _ticket(customer, subject="t6", channel="web", team=legal, created_at=at(23, 6))
    _timer(
        t6,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(23, 6),
        due_at=at(23, 12),
        at_risk_at=at(23, 9),
    )
    t7 = _ticket(
        customer,
        subject="t7",
        channel="email",
        team=support,
        assignee=ann,
        created_at=at(8, 10),
        first_ack_at=at(9, 9),
        status="open",
        first_human_reply_at=at(9, 9),
        last_human_reply_at=at(9, 9),
    )
    _timer(
        t7,
        standard,
        SlaMetric.NEXT_RESPONSE,
        started_at=at(18, 10),
        due_at=at(19, 10),
        breached_at=at(19, 10),
    )
    t8 = _ticket(
        customer,
        subject="t8",
        channel="phone",
        team=support,
        created_at=at(18, 9),
        status="on_hold",
    )
    _timer(
        t8,
        standard,
        SlaMetric.FIRST_RESPONSE,
        started_at=at(18, 9),
        due_at=at(19, 9),
        state=TimerState.PAUSED,
        paused_at=at(18, 9, 30),
    )
    ds.tickets.update(t2=t2, t5=t5, t6=t6, t7=t7, t8=t8)


def build(django_user_model: Any) -> Dataset:
    """The data set above, in the test database (call inside a django_db test)."""
    calendar = BusinessCalendar.objects.create(
        name="Reports office hours", time_zone="Europe/Amsterdam", weekly_hours=WEEKDAYS_9_TO_5
    )
    standard = SlaPolicy.objects.create(
        name="Reports standard",
        channels=["email", "web", "whatsapp", "phone"],
        calendar=calendar,
        first_response_minutes=480,
        next_response_minutes=480,
        position=10,
    )
    chat = SlaPolicy.objects.create(
        name="Reports chat",
        channels=["chat"],
        first_response_minutes=60,
        next_response_minutes=60,
        position=5,
    )
    ann = _user(django_user_model, "ann", "Agents")
    bob = _user(django_user_model, "bob", "Agents")
    support = Team.objects.create(name="Support")
    support.members.add(ann, bob)
    legal = Team.objects.create(name="Legal", restricted=True)
    ds = Dataset(
        manager=_user(django_user_model, "mia", "Managers"),
        ann=ann,
        bob=bob,
        support=support,
        legal=legal,
        calendar=calendar,
        tickets={},
    )
    customer = Customer.objects.create(name="Carla")
    _answered_tickets(customer, ds, standard, chat)
    _waiting_tickets(customer, ds, standard)
    _business_seconds_record()
    return ds


def _business_seconds_record() -> None:
    """What the reply service records with a first human reply (the rows above are written
    directly, with their timers after them)."""
    for ticket in Ticket.objects.filter(first_human_reply_at__isnull=False):
        Ticket.objects.filter(pk=ticket.pk).update(
            first_response_business_seconds=first_response_business_seconds(ticket)
        )
