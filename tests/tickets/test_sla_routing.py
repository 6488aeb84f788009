"""Every SLA warning reaches a person: the assignee, else the ticket's team (members, else its
lead), else the default team's lead, else the managers. Driven through the beat task
`tickets.sla_sweep` with the clock moved by time-machine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction

from tests.factories import inbound
from tickets.models import Notification, NotificationKind, Team, Ticket
from tickets.services import message_ingest
from tickets.tasks import sla_sweep

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AT_RISK = T0 + timedelta(hours=36)  # 75 % of the standard 48 h first response
BREACHED = T0 + timedelta(hours=48, seconds=30)


@pytest.fixture(autouse=True)
def _default_policies(db) -> None:
    from tickets.services import sla_policies_default

    sla_policies_default()


@pytest.fixture
def manager(django_user_model):
    user = django_user_model.objects.create_user("boss", email="boss@helpdesk.example")
    user.groups.add(Group.objects.get_or_create(name="Managers")[0])
    return user


@pytest.fixture
def default_lead(django_user_model):
    lead = django_user_model.objects.create_user("gina", email="gina@helpdesk.example")
    member = django_user_model.objects.create_user("mo", email="mo@helpdesk.example")
    team = Team.objects.create(name="General", lead=lead, is_default=True)
    team.members.add(member)  # members of the default team are not woken for every stray
    Team.objects.create(
        name="Returns", lead=django_user_model.objects.create_user("rex", email="rex@x.example")
    )
    return lead


def _unowned_ticket() -> Ticket:
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(data=inbound("email", value="stray@example.com")).ticket
    assert ticket.assignee_id is None
    assert ticket.team_id is None
    return ticket


def _sweep_at(when: datetime, capture) -> None:
    with time_machine.travel(when, tick=False), capture(execute=True):
        sla_sweep.delay()


def _notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_at_risk_on_an_unowned_ticket_reaches_the_default_teams_lead(
    default_lead, manager, django_capture_on_commit_callbacks
) -> None:
    ticket = _unowned_ticket()

    _sweep_at(AT_RISK, django_capture_on_commit_callbacks)

    [note] = Notification.objects.filter(kind=NotificationKind.SLA_AT_RISK)
    assert note.user == default_lead
    assert note.ticket_id == ticket.pk
    assert [m.to for m in mail.outbox] == [["gina@helpdesk.example"]]


def test_at_risk_without_a_default_team_reaches_the_managers(
    manager, django_capture_on_commit_callbacks
) -> None:
    _unowned_ticket()

    _sweep_at(AT_RISK, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_AT_RISK) == {"boss"}
    assert [m.to for m in mail.outbox] == [["boss@helpdesk.example"]]


def test_a_default_team_without_a_lead_falls_through_to_the_managers(
    manager, django_capture_on_commit_callbacks
) -> None:
    Team.objects.create(name="General", is_default=True)
    _unowned_ticket()

    _sweep_at(AT_RISK, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_AT_RISK) == {"boss"}


def test_an_empty_team_falls_through_to_the_default_lead(
    default_lead, django_user_model, django_capture_on_commit_callbacks
) -> None:
    gone = django_user_model.objects.create_user("gone", email="gone@x.example", is_active=False)
    empty = Team.objects.create(name="Empty", lead=gone)
    empty.members.add(gone)
    with time_machine.travel(T0, tick=False):
        message_ingest(data=inbound("email", value="e@example.com", team_id=empty.pk))

    _sweep_at(AT_RISK, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_AT_RISK) == {"gina"}


def test_at_risk_still_goes_to_the_assignee_or_the_team_first(
    default_lead, agent, django_user_model, django_capture_on_commit_callbacks
) -> None:
    from tickets.services import ticket_assign

    member = django_user_model.objects.create_user("tess", email="tess@x.example")
    team = Team.objects.create(name="Shop", lead=agent)
    team.members.add(member)
    with time_machine.travel(T0, tick=False):
        mine = message_ingest(data=inbound("email", value="a@example.com")).ticket
        ticket_assign(ticket=mine, agent=agent, by=agent)
        message_ingest(data=inbound("email", value="b@example.com", team_id=team.pk))

    _sweep_at(AT_RISK, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_AT_RISK) == {"agent1", "tess"}


def test_breach_on_an_unowned_ticket_reaches_the_default_lead_and_managers(
    default_lead, manager, django_capture_on_commit_callbacks
) -> None:
    _unowned_ticket()

    _sweep_at(BREACHED, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_BREACHED) == {"gina", "boss"}


def test_breach_with_no_lead_and_no_managers_still_reaches_the_assignee(
    agent, django_capture_on_commit_callbacks
) -> None:
    from tickets.services import ticket_assign

    ticket = _unowned_ticket()
    with time_machine.travel(T0, tick=False):
        ticket_assign(ticket=ticket, agent=agent, by=agent)

    _sweep_at(BREACHED, django_capture_on_commit_callbacks)

    assert _notified(NotificationKind.SLA_BREACHED) == {"agent1"}


# --- the default team ---------------------------------------------------------------------


def test_at_most_one_team_is_the_default() -> None:
    Team.objects.create(name="General", is_default=True)
    Team.objects.create(name="Returns")
    Team.objects.create(name="Social", is_default=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="Second", is_default=True)


def test_the_default_team_is_set_in_the_admin_and_shown_by_the_api(admin_client, api) -> None:
    general = Team.objects.create(name="General")
    other = Team.objects.create(name="Returns", is_default=True)
    page = f"/admin/tickets/team/{general.pk}/change/"
    assert "is_default" in admin_client.get(page).content.decode()

    refused = admin_client.post(page, {"name": "General", "is_default": "on"})
    assert refused.status_code == 200  # the form again, with the error
    assert "default" in refused.content.decode().lower()
    general.refresh_from_db()
    assert not general.is_default

    other.is_default = False
    other.save(update_fields=["is_default"])
    saved = admin_client.post(page, {"name": "General", "is_default": "on"})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    general.refresh_from_db()
    assert general.is_default

    teams = {t["name"]: t for t in api.get("/api/v1/teams/").json()["results"]}
    assert teams["General"]["is_default"] is True
    assert teams["Returns"]["is_default"] is False
