"""Celery tasks: thin interfaces over the survey services. Beat runs both sweeps
(`helpdesk/celery.py`); no survey ever waits in a countdown task."""

from __future__ import annotations

from celery import shared_task

from surveys import services


@shared_task(name="surveys.schedule_sweep", ignore_result=True)
def schedule_sweep() -> None:
    """Write survey rows for solved tickets; safe to run twice at once."""
    services.surveys_schedule()


@shared_task(name="surveys.send_sweep", ignore_result=True)
def send_sweep() -> None:
    """Claim due surveys (SKIP LOCKED, with a lease) and send each in its own task."""
    for survey_id in services.surveys_claim_due():
        send_survey.delay(survey_id)


@shared_task(name="surveys.send", ignore_result=True, acks_late=True)
def send_survey(survey_id: int) -> None:
    """Acts only on a row still claimed (`sending`): a repeated task sends nothing twice."""
    services.survey_send(survey_id=survey_id)
