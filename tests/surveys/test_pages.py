"""The customer's side of an email survey, through HTTP without logging in: a GET (what a
mail scanner does) records nothing, a POST records; bad links record nothing; one answer
per survey, changeable for a while; a low rating opens a recovery; NPS at most every 90 days."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from surveys.models import NpsAnswer, SurveyAnswer, SurveyState
from tests.surveys.conftest import later, rating_links, survey_of, sweep
from tickets.models import Direction, EventKind, Notification, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(clock, solve):
    """A solved ticket whose survey email went out; returns (ticket, {rating: path})."""

    def make(**kwargs) -> tuple[Ticket, dict[int, str]]:
        before = len(mail.outbox)
        ticket = solve(**kwargs)
        sweep()
        later(clock, hours=24)
        sweep()
        assert len(mail.outbox) == before + 1
        links = rating_links(mail.outbox[-1].body)
        return ticket, {int(path.rstrip("/").rsplit("/", 1)[1]): path for path in links}

    return make


def test_get_records_nothing_and_post_records_without_login(sent) -> None:
    ticket, links = sent()
    client = Client()
    # A scanner opening every link, twice.
    for _ in range(2):
        for path in links.values():
            response = client.get(path)
            assert response.status_code == 200
    assert SurveyAnswer.objects.count() == 0
    assert survey_of(ticket).state == SurveyState.SENT
    page = client.get(links[4]).content.decode()
    assert 'value="4" checked' in page
    assert 'type="submit"' in page

    response = client.post(links[4], {"rating": "4", "comment": "Quick and kind"})
    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment, answer.channel) == (4, "Quick and kind", "email")
    assert answer.agent == ticket.assignee
    assert answer.team == ticket.team
    assert survey_of(ticket).state == SurveyState.ANSWERED
    event = ticket.events.filter(kind=EventKind.SURVEY).last()
    assert event is not None
    assert event.text == "customer rated 4/5: Quick and kind"
    ticket.refresh_from_db()
    assert ticket.status == "solved"


def test_tampered_link_gets_a_clear_page_and_records_nothing(sent) -> None:
    _ticket, links = sent()
    token = links[5].split("/")[3]
    forged = links[5].replace(token, token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb"))
    for method in ("get", "post"):
        response = getattr(Client(), method)(forged, {"rating": "5"})
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert Client().get("/survey/r/not-a-token/5/").status_code == 400
    assert SurveyAnswer.objects.count() == 0


def test_expired_link_gets_a_clear_page_and_records_nothing(sent, clock) -> None:
    _ticket, links = sent()
    later(clock, days=31)
    for method in ("get", "post"):
        response = getattr(Client(), method)(links[5], {"rating": "5"})
        assert response.status_code == 410
        assert b"expired" in response.content
    assert SurveyAnswer.objects.count() == 0


def test_double_submit_records_one_answer(sent) -> None:
    ticket, links = sent()
    client = Client()
    for _ in range(3):
        assert client.post(links[5], {"rating": "5"}).status_code == 302
    assert SurveyAnswer.objects.count() == 1
    assert ticket.events.filter(kind=EventKind.SURVEY, text__startswith="customer").count() == 1


def test_change_within_the_window_then_final(sent, clock) -> None:
    ticket, links = sent()
    client = Client()
    assert client.post(links[3], {"rating": "3"}).status_code == 302
    later(clock, minutes=10)
    assert client.post(links[3], {"rating": "4", "comment": "On second thought"}).status_code == 302
    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.comment) == (4, "On second thought")
    assert ticket.events.filter(text__startswith="customer changed the rating 3/5").exists()

    later(clock, minutes=6)  # 16 minutes after the first answer: final
    response = client.post(links[5], {"rating": "5"})
    assert response.status_code == 409
    assert b"final" in response.content
    answer.refresh_from_db()
    assert answer.rating == 4
    # The page now says so instead of offering the form.
    assert b"final" in client.get(links[5]).content


def test_one_star_opens_a_recovery_until_acknowledged(sent, api, lead) -> None:
    ticket, links = sent()
    response = Client().post(links[1], {"rating": "1", "comment": "Nobody listened"})
    assert response.status_code == 302
    note = ticket.messages.get(direction=Direction.NOTE)
    assert "1/5" in note.body_text
    assert "Nobody listened" in note.body_text
    assert note.author_user is None
    notification = Notification.objects.get(kind="csat_low")
    assert notification.user == lead
    assert notification.ticket == ticket
    assert "Nobody listened" in notification.text

    open_list = api.get(f"/api/v1/surveys/recoveries/?ticket={ticket.pk}").json()
    assert [(row["ticket"], row["rating"]) for row in open_list] == [(ticket.pk, 1)]
    answer_id = open_list[0]["id"]
    acknowledged = api.post(f"/api/v1/surveys/answers/{answer_id}/acknowledge/")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_at"] is not None
    assert api.get("/api/v1/surveys/recoveries/").json() == []
    assert ticket.events.filter(text__contains="acknowledged").count() == 1
    # A second click changes nothing.
    assert api.post(f"/api/v1/surveys/answers/{answer_id}/acknowledge/").status_code == 200
    assert ticket.events.filter(text__contains="acknowledged").count() == 1


def test_recoveries_list_has_constant_queries(sent, api, django_assert_num_queries) -> None:
    for n in range(3):
        _ticket, links = sent(value=f"c{n}@example.com")
        Client().post(links[2], {"rating": "2"})
    # auth groups + the answers with their joins
    with django_assert_num_queries(2):
        rows = api.get("/api/v1/surveys/recoveries/").json()
    assert len(rows) == 3


def test_a_good_rating_opens_no_recovery(sent) -> None:
    ticket, links = sent()
    Client().post(links[5], {"rating": "5"})
    assert not ticket.messages.filter(direction=Direction.NOTE).exists()
    assert not Notification.objects.exists()


def test_nps_follows_a_csat_answer_at_most_every_90_days(sent, clock) -> None:
    _ticket, links = sent()
    client = Client()
    thanks = client.get(client.post(links[5], {"rating": "5"})["Location"])
    assert b'name="score"' in thanks.content
    nps_path = thanks.content.decode().split('action="', 2)[1].split('"')[0]
    response = client.post(nps_path, {"score": "9", "comment": "Tell my friends"})
    assert response.status_code == 200
    assert b'name="score"' not in response.content
    # A double submit keeps one.
    client.post(nps_path, {"score": "3"})
    nps = NpsAnswer.objects.get()
    assert (nps.score, nps.comment) == (9, "Tell my friends")

    # Ten days later, another solved ticket: CSAT yes, NPS not again.
    later(clock, days=10)
    _second, links = sent(subject="Another one")
    thanks = client.get(client.post(links[4], {"rating": "4"})["Location"])
    assert thanks.status_code == 200
    assert b'name="score"' not in thanks.content
    token = links[4].split("/")[3]
    refused = client.post(f"/survey/n/{token}/", {"score": "10"})
    assert refused.status_code == 409
    assert NpsAnswer.objects.count() == 1

    # 91 days after the first NPS answer it is asked again.
    later(clock, days=81)
    _third, links = sent(subject="And another")
    thanks = client.get(client.post(links[5], {"rating": "5"})["Location"])
    assert b'name="score"' in thanks.content
