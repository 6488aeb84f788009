"""Plain-text mail is not HTML: a customer's apostrophe or ampersand in a subject arrives as
typed in a notification's subject and body, never as `&#x27;` or `&amp;`."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.factories import inbound
from tickets.models import NotificationKind
from tickets.services import message_ingest, notifications_add

pytestmark = pytest.mark.django_db


def test_a_notification_mail_keeps_the_customers_characters(
    django_user_model, django_capture_on_commit_callbacks
) -> None:
    ticket = message_ingest(
        data=inbound(value="eva@example.com", subject='Tom\'s tent & <poles> "broken"')
    ).ticket
    ada = django_user_model.objects.create_user("ada", email="ada@helpdesk.example")
    with django_capture_on_commit_callbacks(execute=True):
        notifications_add(
            users=[ada], ticket=ticket, kind=NotificationKind.SLA_AT_RISK, text="At risk"
        )
    (sent,) = mail.outbox
    assert 'Tom\'s tent & <poles> "broken"' in sent.subject
    assert 'Tom\'s tent & <poles> "broken"' in sent.body
    assert "&#x27;" not in sent.subject + sent.body
    assert "&amp;" not in sent.subject + sent.body
