"""The first response's business time is recorded on the ticket when a person first replies,
so the reports read it instead of recomputing business hours per ticket at scale (issue 14:
response times took 6.4 s at a million tickets). Driven through the API an agent uses, with
the clock moved by time-machine; the figure then comes out of the metrics API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.models import BusinessCalendar, BusinessHoliday, SlaPolicy, Ticket
from tickets.services import message_ingest, sla_policies_default, sla_policy_save, ticket_merge

pytestmark = pytest.mark.django_db

FRIDAY_16 = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 16:00 in Amsterdam
MONDAY_0930 = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@pytest.fixture
def office_hours() -> BusinessCalendar:
    sla_policies_default()
    calendar = BusinessCalendar.objects.create(
        name="Office NL",
        time_zone="Europe/Amsterdam",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    policy = SlaPolicy.objects.get(name="Standard")
    policy.calendar = calendar
    sla_policy_save(policy=policy)
    return calendar


def _reply(api: APIClient, ticket: Ticket, when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body_text": "Your parcel left today."},
            format="json",
        )
    assert response.status_code == 201, response.content


def _email(when: datetime, *, new_ticket: bool = False) -> Ticket:
    with time_machine.travel(when, tick=False):
        data = inbound("email", value="eva@example.com", new_ticket=new_ticket)
        return message_ingest(data=data).ticket


def test_a_reply_after_the_weekend_records_one_and_a_half_business_hours(
    api: APIClient, django_user_model, office_hours: BusinessCalendar
) -> None:
    ticket = _email(FRIDAY_16)
    assert ticket.first_response_business_seconds is None
    _reply(api, ticket, MONDAY_0930)
    ticket.refresh_from_db()
    # Friday 16:00-17:00 and Monday 09:00-09:30; 65.5 calendar hours.
    assert ticket.first_response_business_seconds == 90 * 60
    assert ticket.first_human_reply_at - ticket.created_at == timedelta(hours=65, minutes=30)
    # A later reply changes nothing.
    _reply(api, ticket, MONDAY_0930 + timedelta(hours=2))
    ticket.refresh_from_db()
    assert ticket.first_response_business_seconds == 90 * 60

    manager = django_user_model.objects.create_user(username="mia", password="pw-mia-1")
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    client = APIClient()
    client.force_authenticate(manager)
    with time_machine.travel(MONDAY_0930 + timedelta(hours=3), tick=False):
        response = client.get(
            "/api/v1/metrics/response-times/", {"from": "2026-11-16", "to": "2026-11-22"}
        )
    assert response.status_code == 200, response.content
    [email] = [
        row for row in response.json()["figures"]["per_channel"] if row["channel"] == "email"
    ]
    assert email["first_response_business_median_seconds"] == 5400
    assert email["first_response_median_seconds"] == 65.5 * 3600


def test_a_holiday_counts_as_closed(api: APIClient, office_hours: BusinessCalendar) -> None:
    BusinessHoliday.objects.create(calendar=office_hours, date=date(2026, 11, 23), name="test")
    ticket = _email(FRIDAY_16)
    _reply(api, ticket, MONDAY_0930 + timedelta(days=1))  # Tuesday 09:30
    ticket.refresh_from_db()
    assert ticket.first_response_business_seconds == 90 * 60


def test_without_a_calendar_business_time_is_calendar_time(api: APIClient) -> None:
    sla_policies_default()
    ticket = _email(FRIDAY_16)
    _reply(api, ticket, MONDAY_0930)
    ticket.refresh_from_db()
    assert ticket.first_response_business_seconds == (65 * 60 + 30) * 60


def test_a_merge_that_brings_an_earlier_reply_recounts_from_the_target(
    api: APIClient, agent, office_hours: BusinessCalendar
) -> None:
    """The target had no reply; the source's Monday reply becomes its first, counted from
    the target's own creation (Friday 16:30: half an hour on Friday, half on Monday)."""
    source = _email(FRIDAY_16)
    target = _email(FRIDAY_16 + timedelta(minutes=30), new_ticket=True)
    assert target.pk != source.pk
    assert target.customer_id == source.customer_id
    _reply(api, source, MONDAY_0930)
    with time_machine.travel(MONDAY_0930 + timedelta(hours=1), tick=False):
        ticket_merge(source=source, target=target, by=agent)
    target.refresh_from_db()
    assert target.first_human_reply_at == MONDAY_0930
    assert target.first_response_business_seconds == 60 * 60
