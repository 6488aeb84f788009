"""Survey answers: the rating page, channel buttons, recoveries and NPS."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from customers.models import Identity
from customers.normalise import InvalidIdentity, normalise_identity
from surveys import selectors
from surveys.models import (
    NpsAnswer,
    Survey,
    SurveyAnswer,
    SurveyState,
)
from surveys.services.delivery import (
    SurveyError,
    SurveyLinkExpired,
    survey_from_token,
    survey_url,
)
from tickets import selectors as ticket_selectors
from tickets.answers import Answer
from tickets.models import EventKind, NotificationKind
from tickets.services import (
    TicketError,
    automatic_message_send,
    note_add,
    notifications_add,
    ticket_event_add,
)

if TYPE_CHECKING:
    from helpdesk.roles import User

logger = logging.getLogger(__name__)


# --- answers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerResult:
    answer: SurveyAnswer
    created: bool
    changed: bool


def _team_leads_or_managers(survey: Survey) -> list[User]:
    team = survey.team or survey.ticket.team
    if team is not None and team.lead_id is not None and team.lead is not None:
        return [team.lead]
    # No team lead to tell: the managers hear of it.
    return ticket_selectors.managers()


def _recovery_open(survey: Survey, answer: SurveyAnswer) -> None:
    """A 1-2 rating: an internal note with the comment and a notification to the team lead;
    the answer stays an open recovery until someone acknowledges it."""
    answer.needs_recovery = True
    answer.acknowledged_at = None
    answer.acknowledged_by = None
    answer.save(update_fields=["needs_recovery", "acknowledged_at", "acknowledged_by"])
    comment = answer.comment.strip() or "(no comment)"
    note_add(
        ticket=survey.ticket,
        author=None,
        body_text=(
            f"Recovery: the customer rated this ticket {answer.rating}/5.\n"
            f"Comment: {comment}\nFollow up with the customer, then acknowledge the recovery."
        ),
    )
    notifications_add(
        users=_team_leads_or_managers(survey),
        ticket=survey.ticket,
        kind=NotificationKind.CSAT_LOW,
        text=f"Low satisfaction on #{survey.ticket_id}: {answer.rating}/5 — {comment}"[:500],
    )


def _check_answerable(survey: Survey, now: datetime) -> None:
    if survey.state not in (SurveyState.SENT, SurveyState.ANSWERED):
        raise SurveyError(gettext("This survey link is not valid."))
    if survey.expires_at is not None and now > survey.expires_at:
        raise SurveyLinkExpired(gettext("This survey link has expired."))


@transaction.atomic
def survey_answer(
    *,
    survey: Survey,
    rating: int,
    comment: str | None = None,
    via: str = "web",
    now: datetime | None = None,
) -> AnswerResult:
    """Record (or, within the change window, change) the customer's rating. Idempotent: the
    same rating again changes nothing (a double click records one answer). After the window
    the answer is final and a different rating raises `SurveyError`. A change without a
    comment (`None`, or blank: the survey page posts an empty box) keeps the stored comment."""
    now = now or timezone.now()
    if not 1 <= rating <= 5:
        raise SurveyError(gettext("Choose a rating from 1 to 5."))
    survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    _check_answerable(survey, now)
    config = selectors.survey_settings()
    comment_text = (comment or "").strip()[:5000]
    answer = SurveyAnswer.objects.filter(survey=survey).first()
    if answer is None:
        answer = _answer_record(
            survey=survey,
            rating=rating,
            comment_text=comment_text,
            via=via,
            now=now,
            change_window=timedelta(minutes=config.change_window_minutes),
        )
        return AnswerResult(answer, created=True, changed=False)
    changed = _answer_change(
        survey=survey, answer=answer, rating=rating, comment_text=comment_text, now=now
    )
    return AnswerResult(answer, created=False, changed=changed)


def _answer_record(
    *,
    survey: Survey,
    rating: int,
    comment_text: str,
    via: str,
    now: datetime,
    change_window: timedelta,
) -> SurveyAnswer:
    """The survey's first answer: the row, the survey marked answered, a timeline event, and
    a recovery for a 1-2 rating. Called by `survey_answer` with the survey row locked."""
    answer = SurveyAnswer.objects.create(
        survey=survey,
        ticket=survey.ticket,
        customer_id=survey.customer_id,
        rating=rating,
        comment=comment_text,
        agent_id=survey.agent_id,
        team_id=survey.team_id,
        channel=survey.channel,
        via=via,
        answered_at=now,
        updated_at=now,
        final_at=now + change_window,
    )
    survey.state = SurveyState.ANSWERED
    survey.save(update_fields=["state"])
    ticket_event_add(
        ticket=survey.ticket,
        kind=EventKind.SURVEY,
        text=f"customer rated {rating}/5" + (f": {comment_text}" if comment_text else ""),
        data={"survey": survey.pk, "answer": answer.pk, "rating": rating, "via": via},
    )
    if rating <= 2:
        _recovery_open(survey, answer)
    return answer


def _answer_change(
    *, survey: Survey, answer: SurveyAnswer, rating: int, comment_text: str, now: datetime
) -> bool:
    """A later answer to the same survey: True if it changed the stored one (rating or
    comment), False if it repeats it. Raises `SurveyError` for a change after `final_at`.
    A still-open recovery is not opened twice."""
    # A second click on another rating in the email comes with an empty comment box; it must
    # not erase what the customer wrote the first time.
    new_comment = comment_text or answer.comment
    if answer.rating == rating and answer.comment == new_comment:
        return False
    if now > answer.final_at:
        raise SurveyError(gettext("Your answer is final and can no longer be changed."))
    old = answer.rating
    answer.rating, answer.comment, answer.updated_at = rating, new_comment, now
    answer.save(update_fields=["rating", "comment", "updated_at"])
    ticket_event_add(
        ticket=survey.ticket,
        kind=EventKind.SURVEY,
        text=f"customer changed the rating {old}/5 → {rating}/5"
        + (f": {new_comment}" if new_comment else ""),
        data={"survey": survey.pk, "answer": answer.pk, "rating": rating, "old": old},
    )
    if rating <= 2 and not (answer.needs_recovery and answer.acknowledged_at is None):
        _recovery_open(survey, answer)
    return True


@transaction.atomic
def recovery_acknowledge(*, answer_id: int, by: User, now: datetime | None = None) -> SurveyAnswer:
    """Close a low rating's recovery follow-up (idempotent)."""
    answer = SurveyAnswer.objects.select_for_update().select_related("ticket").get(pk=answer_id)
    if not answer.needs_recovery:
        raise SurveyError("this answer needs no recovery")
    if answer.acknowledged_at is None:
        answer.acknowledged_at = now or timezone.now()
        answer.acknowledged_by = by
        answer.save(update_fields=["acknowledged_at", "acknowledged_by"])
        ticket_event_add(
            ticket=answer.ticket,
            kind=EventKind.SURVEY,
            text=f"recovery of the {answer.rating}/5 rating acknowledged",
            actor=by,
            data={"answer": answer.pk, "state": "acknowledged"},
        )
    return answer


@transaction.atomic
def nps_answer(
    *, survey: Survey, score: int, comment: str = "", now: datetime | None = None
) -> NpsAnswer:
    """Record the NPS answer asked after this survey's CSAT answer. One per survey (a
    double submit returns the first) and one per customer per `nps_interval_days`."""
    now = now or timezone.now()
    if not 0 <= score <= 10:
        raise SurveyError(gettext("Choose a score from 0 to 10."))
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _check_answerable(survey, now)
    existing = NpsAnswer.objects.filter(survey=survey).first()
    if existing is not None:
        return existing
    if not SurveyAnswer.objects.filter(survey=survey).exists():
        raise SurveyError(gettext("Please rate your request first."))
    config = selectors.survey_settings()
    if not selectors.nps_due(
        customer_id=survey.customer_id, interval_days=config.nps_interval_days, now=now
    ):
        raise SurveyError(gettext("You have answered this question recently. Thank you!"))
    return NpsAnswer.objects.create(
        customer_id=survey.customer_id,
        survey=survey,
        score=score,
        comment=comment.strip()[:5000],
        channel=survey.channel,
        answered_at=now,
    )


def _sender_is_customer(survey: Survey, answer: Answer) -> bool:
    try:
        value = normalise_identity(answer.identity_kind, answer.identity_value)
    except InvalidIdentity:
        return False
    return Identity.objects.filter(
        customer_id=survey.customer_id, kind=answer.identity_kind, value=value
    ).exists()


def answer_from_channel(answer: Answer) -> bool:
    """`tickets.answers` handler for `csat:<token>:<rating>` payloads (Meta quick replies and
    WhatsApp list rows). True — never ingested as a message, so the solved ticket stays
    solved — once the token names a survey of the customer who pressed the button, even if
    the answer is refused as final or expired; False otherwise."""
    _prefix, _sep, rest = answer.payload.partition(":")
    token, _sep, rating_text = rest.rpartition(":")
    if not token or not rating_text.isdigit():
        return False
    try:
        survey = survey_from_token(token=token)
    except SurveyLinkExpired:
        logger.info("survey answer on %s after the link expired", answer.channel)
        return True
    except SurveyError:
        return False
    if not _sender_is_customer(survey, answer):
        logger.warning("survey %s: answer from someone else on %s", survey.pk, answer.channel)
        return False
    try:
        result = survey_answer(survey=survey, rating=int(rating_text), via=answer.channel)
    except SurveyError as exc:
        logger.info("survey %s: answer on %s refused: %s", survey.pk, answer.channel, exc)
        return True
    if result.created:
        _thank_on_channel(result.answer.survey, answer.channel)
    return True


def _thank_on_channel(survey: Survey, channel: str) -> None:
    """Thank the customer where they answered, with the link to add a comment (and the NPS
    question when it is due)."""
    config = selectors.survey_settings()
    text = selectors.wording(config, survey.language)
    with override(survey.language):
        more = gettext("Tell us more (optional):")
    body = f"{text.thanks}\n{more} {survey_url(survey=survey)}"
    try:
        automatic_message_send(ticket=survey.ticket, channel=channel, body_text=body)
    except TicketError as exc:
        logger.info("survey %s: no thank-you on %s: %s", survey.pk, channel, exc)
