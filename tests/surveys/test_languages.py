"""The survey email and pages in the customer's language (Dutch, Polish; English otherwise)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from surveys.services import survey_settings_update
from tests.surveys.conftest import later, rating_links, set_language, sweep

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "subject", "question", "label", "days"),
    [
        ("nl", "Hoe hebben we het gedaan?", "Hoe tevreden bent u", "Zeer tevreden", "30 dagen"),
        ("pl", "Jak nam poszło?", "Jak bardzo jesteś zadowolony", "Bardzo zadowolony", "30 dni"),
        ("", "How did we do?", "How satisfied are you", "Very satisfied", "30 days"),
    ],
)
def test_email_and_page_in_the_customers_language(
    clock, solve, language, subject, question, label, days
) -> None:
    ticket = solve()
    set_language(ticket, language)
    sweep()
    later(clock, hours=24)
    sweep()
    (email,) = mail.outbox
    assert email.subject.startswith(subject)
    assert question in email.body
    assert label in email.body
    assert days in email.body
    assert label in email.alternatives[0].content
    page = Client().get(rating_links(email.body)[0]).content.decode()
    assert question in page
    assert label in page


def test_a_managers_wording_replaces_the_default(clock, solve) -> None:
    survey_settings_update(wordings=[{"language": "nl", "question": "Was u blij met ons?"}])
    ticket = solve()
    set_language(ticket, "nl")
    sweep()
    later(clock, hours=24)
    sweep()
    assert "Was u blij met ons?" in mail.outbox[0].body
    # Fields left blank keep the translation.
    assert "We hebben uw vraag onlangs afgehandeld" in mail.outbox[0].body
