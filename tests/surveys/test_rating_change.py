"""Changing a survey rating through the survey page keeps the comment already given when the
change brings none (a second click on another rating in the email has an empty comment box)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from surveys.models import SurveyAnswer
from tests.surveys.conftest import later, rating_links, sweep
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(clock, solve) -> dict[int, str]:
    """The rating links of a solved ticket's survey email, by rating."""
    solve()
    sweep()
    later(clock, hours=24)
    sweep()
    paths = rating_links(mail.outbox[-1].body)
    return {int(path.rstrip("/").rsplit("/", 1)[1]): path for path in paths}


def test_rating_change_without_comment_keeps_the_comment(links, clock) -> None:
    client = Client()
    response = client.post(links[2], {"rating": "2", "comment": "Waited three days"})
    assert response.status_code == 302
    later(clock, minutes=5)

    response = client.post(links[4], {"rating": "4", "comment": ""})

    assert response.status_code == 302
    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment) == (4, "Waited three days")
    event = answer.ticket.events.filter(kind=EventKind.SURVEY).last()
    assert event is not None
    assert event.text == "customer changed the rating 2/5 → 4/5: Waited three days"


def test_rating_change_without_the_comment_field_keeps_the_comment(links, clock) -> None:
    client = Client()
    client.post(links[5], {"rating": "5", "comment": "Lovely"})
    later(clock, minutes=1)

    assert client.post(links[3], {"rating": "3"}).status_code == 302

    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment) == (3, "Lovely")


def test_rating_change_with_a_new_comment_replaces_it(links, clock) -> None:
    client = Client()
    client.post(links[2], {"rating": "2", "comment": "Slow"})
    later(clock, minutes=1)

    client.post(links[4], {"rating": "4", "comment": "Fixed after all"})

    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment) == (4, "Fixed after all")


def test_same_rating_with_empty_comment_changes_nothing(links, clock) -> None:
    client = Client()
    client.post(links[4], {"rating": "4", "comment": "Good"})
    later(clock, minutes=1)

    client.post(links[4], {"rating": "4", "comment": "  "})

    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment) == (4, "Good")
    assert answer.ticket.events.filter(text__startswith="customer changed").count() == 0
