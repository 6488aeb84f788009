"""Bulk actions from the list through HTTP: each action over picked rows, merging picked
tickets, "all that match this filter" through the Celery task (eager here), tickets the
agent may not see left alone, and refusals answered with their reason."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache

from desk import bulk_jobs
from tests.factories import inbound
from tickets.models import EventKind, Message, Status, Team, Ticket, TicketEvent
from tickets.services import (
    message_ingest,
    sla_policies_default,
    ticket_create,
    ticket_set_status,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def _ticket(n: int, *, who: str = "", **kwargs) -> Ticket:
    value = who or f"c{n}@example.com"
    return message_ingest(data=inbound(value=value, body_text=f"Question {n}", **kwargs)).ticket


def _post(client, *, tickets=(), filter="view=all", htmx=True, **data):
    payload = {"filter": filter, "tickets": [str(t) for t in tickets], **data}
    return client.post("/desk/bulk/", payload, **(HTMX if htmx else {}))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_assign_picked_tickets_to_me_and_the_list_refreshes(desk_client, agent):
    one, two, other = _ticket(1), _ticket(2), _ticket(3)
    response = _post(desk_client, tickets=[one.pk, two.pk], action="assign", assignee="me")
    assert response.status_code == 200
    assert "Assigned to you: 2 tickets changed." in _text(response)
    triggers = json.loads(response["HX-Trigger"])
    assert {"desk:queue-changed", "desk:counts", "desk:bulk-done"} <= set(triggers)
    assert set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }
    assert Ticket.objects.get(pk=other.pk).assignee_id is None
    # Through the service: each change is on its ticket's timeline.
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNMENT, actor=agent).count() == 2
    again = _post(desk_client, tickets=[one.pk], action="assign", assignee="me")
    assert "0 tickets changed, 1 already so." in _text(again)


def test_assign_to_another_agent_and_to_nobody(desk_client, agent, make_agent):
    bea = make_agent("bea", first_name="Bea")
    ticket = _ticket(1)
    page = desk_client.get("/desk/?view=all").content.decode()
    assert f'<option value="{bea.pk}">Bea</option>' in page
    response = _post(desk_client, tickets=[ticket.pk], action="assign", assignee=str(bea.pk))
    assert "Assigned to Bea: 1 ticket changed." in _text(response)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == bea.pk
    response = _post(desk_client, tickets=[ticket.pk], action="assign", assignee="none")
    assert "Unassigned: 1 ticket changed." in _text(response)
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


def test_set_status_reports_what_the_service_refused(desk_client, agent):
    open_one, closed = _ticket(1), _ticket(2)
    ticket_set_status(ticket=closed, status=Status.CLOSED, by=agent)
    response = _post(
        desk_client,
        tickets=[open_one.pk, closed.pk],
        action="status",
        status="pending",
        filter="view=all&status=closed",
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Status set to Pending: 1 ticket changed, 1 failed." in text
    assert f"#{closed.pk}</a>: ticket #{closed.pk} is closed and read-only" in text
    assert Ticket.objects.get(pk=open_one.pk).status == Status.PENDING
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED


def test_add_tag_keeps_the_tags_a_ticket_had(desk_client):
    ticket, plain = _ticket(1), _ticket(2)
    Ticket.objects.filter(pk=ticket.pk).update(tags=["refund"])
    response = _post(desk_client, tickets=[ticket.pk, plain.pk], action="tag", tag=" VIP ")
    assert "Tag “vip” added: 2 tickets changed." in _text(response)
    assert Ticket.objects.get(pk=ticket.pk).tags == ["refund", "vip"]
    assert Ticket.objects.get(pk=plain.pk).tags == ["vip"]


def _same_customer(ticket: Ticket, subject: str, agent) -> Ticket:
    """Another ticket of `ticket`'s customer (a new inbound message would join the open one)."""
    return ticket_create(customer=ticket.customer, subject=subject, channel="phone", by=agent)


def test_merge_asks_which_ticket_stays_then_merges(desk_client, agent):
    first = _ticket(1, who="lotte@example.nl")
    second = _same_customer(first, "Another thing", agent)
    third = _same_customer(first, "Third", agent)
    picked = [third.pk, first.pk, second.pk]
    question = _post(desk_client, tickets=picked, action="merge")
    assert question.status_code == 200
    html = question.content.decode()
    assert "Merge 3 tickets into one" in html
    # The oldest is offered as the survivor; every picked ticket is a choice.
    assert re.search(rf'value="{first.pk}" id="merge-into-{first.pk}" checked', html)
    assert all(f'id="merge-into-{pk}"' in html for pk in picked)
    assert "HX-Trigger" not in question
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0
    done = _post(desk_client, tickets=picked, action="merge", into=str(second.pk))
    assert done.status_code == 200
    assert f"Merged #{first.pk}, #{third.pk} into #{second.pk}." in _text(done)
    assert "desk:queue-changed" in done["HX-Trigger"]
    for source in (first, third):
        source.refresh_from_db()
        assert source.merged_into_id == second.pk
        assert source.status == Status.CLOSED
    assert Message.objects.filter(ticket=second).count() == 1


def test_merge_of_different_customers_is_refused_with_the_services_reason(desk_client, agent):
    mine = _ticket(1, who="lotte@example.nl")
    theirs = _ticket(2, who="sam@example.com")
    also_mine = _same_customer(mine, "Also Lotte", agent)
    question = _post(desk_client, tickets=[mine.pk, theirs.pk], action="merge")
    assert "belong to different customers" in _text(question)
    assert 'name="into"' not in question.content.decode()
    # Asked anyway: the service refuses, and nothing is half done.
    response = _post(
        desk_client,
        tickets=[mine.pk, also_mine.pk, theirs.pk],
        action="merge",
        into=str(mine.pk),
    )
    assert response.status_code == 400
    assert "tickets of different customers cannot be merged" in _text(response)
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 0


def test_a_ticket_the_agent_may_not_see_is_never_touched(desk_client, agent):
    secret = Team.objects.create(name="Legal", restricted=True)
    hidden, shown = _ticket(1), _ticket(2)
    Ticket.objects.filter(pk=hidden.pk).update(team=secret)
    response = _post(desk_client, tickets=[hidden.pk, shown.pk], action="assign", assignee="me")
    text = _text(response)
    assert "1 ticket changed, 1 failed." in text
    assert f"#{hidden.pk}</a>: not found" in text
    assert Ticket.objects.get(pk=hidden.pk).assignee_id is None
    assert not TicketEvent.objects.filter(ticket=hidden, kind=EventKind.ASSIGNMENT).exists()
    merge = _post(desk_client, tickets=[hidden.pk, shown.pk], action="merge")
    assert merge.status_code == 400
    assert "no longer available" in _text(merge)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"action": "assign", "assignee": "me"}, "Pick at least one ticket first."),
        ({"action": "status", "status": "", "tickets": ["1"]}, "Choose a status to set."),
        ({"action": "status", "status": "lost", "tickets": ["1"]}, "Choose a status to set."),
        ({"action": "assign", "assignee": "99999", "tickets": ["1"]}, "Choose an agent"),
        ({"action": "tag", "tag": "   ", "tickets": ["1"]}, "Write a tag"),
        ({"action": "explode", "tickets": ["1"]}, "Choose what to do"),
        ({"action": "assign", "assignee": "me", "tickets": ["1;drop"]}, "could not be read"),
        ({"action": "merge", "tickets": ["1"]}, "Pick at least two tickets to merge."),
        ({"action": "merge", "scope": "all"}, "Merging works on picked tickets only."),
        (
            {"action": "assign", "assignee": "me", "tickets": [str(n) for n in range(1, 202)]},
            "Pick at most 200 tickets",
        ),
    ],
)
def test_bad_input_is_a_clear_400(desk_client, data, reason):
    _ticket(1)
    response = desk_client.post("/desk/bulk/", {"filter": "view=all", **data}, **HTMX)
    assert response.status_code == 400
    assert 'class="form-error"' in response.content.decode()
    assert reason in _text(response)
    assert "HX-Trigger" not in response
    assert not Ticket.objects.filter(assignee__isnull=False).exists()


def test_without_javascript_the_result_comes_back_on_the_list(desk_client, agent):
    ticket = _ticket(1)
    response = _post(
        desk_client,
        tickets=[ticket.pk],
        action="assign",
        assignee="me",
        htmx=False,
        filter="view=unassigned&sort=newest",
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=unassigned&sort=newest"
    page = desk_client.get(response["Location"]).content.decode()
    assert "Assigned to you: 1 ticket changed." in page
    refused = _post(desk_client, action="assign", assignee="me", htmx=False)
    assert (
        "Pick at least one ticket first." in desk_client.get(refused["Location"]).content.decode()
    )


def test_all_that_match_the_filter_runs_in_batches_through_the_task(
    desk_client, agent, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk_jobs, "BATCH_SIZE", 3)
    secret = Team.objects.create(name="Legal", restricted=True)
    phones = [
        message_ingest(data=inbound(channel="phone", value=f"+3161200{n:04d}")).ticket
        for n in range(8)
    ]
    Ticket.objects.filter(pk=phones[0].pk).update(team=secret)
    email = _ticket(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            desk_client,
            scope="all",
            action="assign",
            assignee="me",
            filter="view=unassigned&channel=phone",
        )
        # Created after the agent asked: not part of "all that match" then.
        late = message_ingest(data=inbound(channel="phone", value="+31612999999")).ticket
    assert response.status_code == 200
    assert "working through every ticket that matches" in _text(response)
    job_url = re.search(r'hx-get="(/desk/bulk/jobs/\w+/)"', response.content.decode()).group(1)
    assert 'hx-trigger="every 2s"' in response.content.decode()
    done = desk_client.get(job_url, **HTMX)
    assert done.status_code == 200
    assert "Assigned to you: 7 tickets changed." in _text(done)
    assert "desk:queue-changed" in done["HX-Trigger"]
    assigned = set(Ticket.objects.filter(assignee=agent).values_list("pk", flat=True))
    assert assigned == {t.pk for t in phones[1:]}
    for untouched in (phones[0], email, late):
        assert Ticket.objects.get(pk=untouched.pk).assignee_id is None


def test_a_running_job_answers_204_and_is_only_its_owners(desk_client, agent, make_agent):
    from desk.queues import QueueFilter

    job_id, _until = bulk_jobs.bulk_job_start(user=agent, spec=QueueFilter(), label="Assign")
    running = desk_client.get(f"/desk/bulk/jobs/{job_id}/", **HTMX)
    assert running.status_code == 204
    from django.test import Client

    other = Client()
    other.force_login(make_agent("bea"))
    assert other.get(f"/desk/bulk/jobs/{job_id}/", **HTMX).status_code == 404
    assert desk_client.get("/desk/bulk/jobs/nope/", **HTMX).status_code == 404


def test_a_job_that_stopped_says_so_instead_of_running_forever(desk_client, agent):
    from desk.queues import QueueFilter

    job_id, _until = bulk_jobs.bulk_job_start(user=agent, spec=QueueFilter(), label="Assign")
    key = f"desk:bulk:{job_id}"
    record = cache.get(key)
    record["updated_at"] = "2020-01-01T00:00:00+00:00"
    record["outcome"]["changed"] = 4
    cache.set(key, record)
    response = desk_client.get(f"/desk/bulk/jobs/{job_id}/", **HTMX)
    assert response.status_code == 200
    assert "Assign stopped before the end: 4 tickets changed. Run it again to finish." in _text(
        response
    )


def test_a_customer_account_cannot_use_bulk(client, django_user_model):
    ticket = _ticket(1)
    customer = django_user_model.objects.create_user(username="cust", password="pw-cust-1")
    client.force_login(customer)
    response = _post(client, tickets=[ticket.pk], action="assign", assignee="me")
    assert response.status_code == 403
    assert client.get("/desk/bulk/jobs/x/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_all_that_match_through_a_real_worker_and_again_changes_nothing(worker, agent) -> None:
    """The task through a real Celery worker and Redis; a second run (a duplicate or a
    re-asked job) finds every ticket already so."""
    from desk.queues import QueueFilter
    from helpdesk.celery import app
    from tests.waiting import wait_until

    sla_policies_default()
    queue, log = worker
    app.conf.task_always_eager = False
    tickets = [_ticket(n) for n in range(5)]
    spec = QueueFilter(view="unassigned")

    def run() -> bulk_jobs.BulkJob:
        job_id, until_id = bulk_jobs.bulk_job_start(user=agent, spec=spec, label="Tag")
        action = {"kind": "tag", "assignee": None, "status": "", "tag": "festival"}
        app.send_task(
            "desk.bulk_over_filter",
            args=[job_id, agent.pk, spec.query(), action, until_id],
            queue=queue,
        )
        return wait_until(
            lambda: (
                (job := bulk_jobs.bulk_job_get(job_id=job_id, user=agent))
                and job.state == "done"
                and job
            ),
            timeout=30,
            message=lambda: f"the bulk job to finish; worker log:\n{log.read_text()}",
        )

    first = run()
    assert (first.outcome.changed, first.outcome.unchanged, first.outcome.failed) == (5, 0, [])
    assert all(Ticket.objects.get(pk=t.pk).tags == ["festival"] for t in tickets)
    second = run()
    assert (second.outcome.changed, second.outcome.unchanged) == (0, 5)
    assert TicketEvent.objects.filter(kind=EventKind.TAGS).count() == 5
