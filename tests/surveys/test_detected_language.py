"""The survey goes out in the language the customer wrote in: nothing sets it by hand."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.surveys.conftest import later, sweep

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body_text", "subject", "question"),
    [
        (
            "Goedemiddag, mijn bestelling is nog steeds niet aangekomen. Kunt u nakijken waar "
            "het pakket blijft?",
            "Hoe hebben we het gedaan?",
            "Hoe tevreden bent u",
        ),
        (
            "Dzień dobry, zamówienie miało dotrzeć we wtorek, a nadal go nie ma. Proszę o "
            "informację, co się dzieje.",
            "Jak nam poszło?",
            "Jak bardzo jesteś zadowolony",
        ),
        # Too short to tell: English.
        ("Hoi!", "How did we do?", "How satisfied are you"),
    ],
    ids=["dutch", "polish", "too-short"],
)
def test_survey_in_the_language_the_customer_wrote_in(
    clock, solve, body_text, subject, question
) -> None:
    solve(body_text=body_text)
    sweep()
    later(clock, hours=24)
    sweep()
    (email,) = mail.outbox
    assert email.subject.startswith(subject)
    assert question in email.body
