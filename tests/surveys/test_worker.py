"""Both sweeps through a real Celery worker process: the survey row is written, claimed and
sent by the worker, exactly once, from the rows in PostgreSQL alone."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from surveys.models import Survey, SurveyState
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.services import message_ingest, ticket_set_status


@pytest.mark.django_db(transaction=True)
def test_sweeps_send_a_due_survey_through_a_worker(worker, agent) -> None:
    from helpdesk.celery import app

    queue, log = worker
    app.conf.task_always_eager = False
    # Solved 25 hours ago: its survey is due.
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        ticket = message_ingest(data=inbound(value="wim@example.com")).message.ticket
        ticket_set_status(ticket=ticket, status="solved", by=agent)

    def run(task: str) -> None:
        app.send_task(task, queue=queue)

    def wait_for(state: str) -> Survey:
        def survey_in_state() -> Survey | None:
            survey = Survey.objects.filter(ticket=ticket).first()
            return survey if survey is not None and survey.state == state else None

        return wait_until(
            survey_in_state,
            timeout=30,
            message=lambda: f"a {state} survey; worker log:\n{log.read_text()}",
        )

    run("surveys.schedule_sweep")
    assert wait_for(SurveyState.SCHEDULED) is not None, log.read_text()
    run("surveys.send_sweep")
    run("surveys.send_sweep")
    survey = wait_for(SurveyState.SENT)
    assert survey is not None, log.read_text()
    time.sleep(1)
    output = log.read_text()
    # The console mailer printed the one email in the worker's log.
    assert output.count(f"How did we do? [#{ticket.pk}]") == 1, output
    assert "/survey/r/" in output
