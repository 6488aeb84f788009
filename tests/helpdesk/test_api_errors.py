"""The one domain-error hierarchy (`helpdesk.errors`) and the one DRF exception handler
(`helpdesk.api_errors`): each refusal a service makes reaches the API as its status with its
message, and the handler maps every `DomainError` subclass the same way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.exceptions import NotFound

from channels_inbox.services import ChatError, MetaRefused
from customers.services import IdentityTaken, MergeError, customer_resolve
from desk.bulk import BulkInputError
from desk.customer_panel.merge import NoLongerSuggested
from desk.saved_views import SavedViewError
from helpdesk.api_errors import exception_handler
from helpdesk.errors import DomainError
from surveys.models import Survey, SurveyAnswer, SurveyState
from surveys.services import SurveyError, SurveyLinkExpired, survey_token
from tests.factories import inbound
from tickets.services import TicketError, message_ingest

pytestmark = pytest.mark.django_db


# --- through real endpoints ------------------------------------------------------------------


def test_ticket_error_is_a_400_with_its_reason(api) -> None:
    ticket = message_ingest(data=inbound()).ticket

    response = api.post(f"/api/v1/tickets/{ticket.pk}/merge/", {"into": ticket.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "a ticket cannot be merged into itself"}


def test_ticket_error_from_a_message_reply_is_a_400(api) -> None:
    ticket = message_ingest(data=inbound()).ticket

    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "note", "body_text": ""}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "a note needs some text"}


def test_ticket_error_from_a_logged_call_is_a_400(api) -> None:
    response = api.post(
        "/api/v1/calls/",
        {"phone": "12", "direction": "inbound", "answered": True},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["detail"]


def test_merge_error_is_a_400_with_its_reason(api) -> None:
    customer = customer_resolve(kind="email", value="a@example.com").customer

    response = api.post(
        f"/api/v1/customers/{customer.pk}/merge/", {"into": customer.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "a customer cannot be merged into itself"}


def test_identity_taken_is_a_409_naming_the_customer(api) -> None:
    owner = customer_resolve(kind="email", value="eva@example.com").customer

    response = api.post(
        "/api/v1/customers/",
        {"name": "Eva", "identities": [{"kind": "email", "value": "eva@example.com"}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"email eva@example.com already belongs to customer {owner.pk}",
        "customer": owner.pk,
    }


def test_survey_error_is_a_400_with_its_reason(api) -> None:
    survey = _survey()
    now = timezone.now()
    answer = SurveyAnswer.objects.create(
        survey=survey,
        ticket=survey.ticket,
        customer=survey.customer,
        rating=5,
        channel="email",
        answered_at=now,
        updated_at=now,
        final_at=now,
    )

    response = api.post(f"/api/v1/surveys/answers/{answer.pk}/acknowledge/")

    assert response.status_code == 400
    assert response.json() == {"detail": "this answer needs no recovery"}


def test_survey_link_expired_answers_its_status_on_the_survey_page() -> None:
    survey = _survey(expires_at=timezone.now() - timedelta(days=1))

    response = Client().get(f"/survey/r/{survey_token(survey=survey)}/5/")

    assert response.status_code == SurveyLinkExpired.status == 410
    assert b"expired" in response.content


def _survey(**fields: object) -> Survey:
    ticket = message_ingest(data=inbound()).ticket
    now = timezone.now()
    return Survey.objects.create(
        ticket=ticket,
        customer=ticket.customer,
        channel="email",
        state=SurveyState.SENT,
        solved_at=now,
        send_at=now,
        sent_at=now,
        **fields,
    )


# --- the handler itself --------------------------------------------------------------------

ERRORS: list[tuple[DomainError, int, dict[str, object]]] = [
    (DomainError("refused"), 400, {"detail": "refused"}),
    (TicketError("ticket #1 is closed"), 400, {"detail": "ticket #1 is closed"}),
    (MergeError("cannot merge"), 400, {"detail": "cannot merge"}),
    (IdentityTaken("taken", customer_id=7), 409, {"detail": "taken", "customer": 7}),
    (SurveyError("not valid"), 400, {"detail": "not valid"}),
    (SurveyLinkExpired("expired"), 410, {"detail": "expired"}),
    (ChatError("bad_frame", "bad frame"), 400, {"detail": "bad frame"}),
    (MetaRefused("no account"), 403, {"detail": "no account"}),
    # The desk's own refusals (shown on its pages; the handler would answer them the same).
    (BulkInputError("pick a ticket"), 400, {"detail": "pick a ticket"}),
    (NoLongerSuggested("gone"), 400, {"detail": "gone"}),
    (SavedViewError("taken"), 400, {"detail": "taken"}),
]


@pytest.mark.parametrize(("error", "status", "body"), ERRORS, ids=lambda v: type(v).__name__)
def test_handler_maps_each_domain_error(error: DomainError, status: int, body: dict) -> None:
    response = exception_handler(error, {})

    assert response is not None
    assert (response.status_code, response.data) == (status, body)


def test_every_domain_error_subclass_is_mapped_above() -> None:
    def subclasses(cls: type) -> set[type]:
        return {sub for direct in cls.__subclasses__() for sub in {direct, *subclasses(direct)}}

    assert subclasses(DomainError) <= {type(error) for error, _, _ in ERRORS}


def test_service_errors_stay_value_errors() -> None:
    # Callers that caught ValueError before the hierarchy existed still catch these.
    for cls in (TicketError, MergeError, SurveyError):
        assert issubclass(cls, DomainError)
        assert issubclass(cls, ValueError)


def test_handler_marks_the_request_transaction_for_rollback(monkeypatch) -> None:
    # As DRF does for its own errors, under ATOMIC_REQUESTS (off in our settings today).
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    with transaction.atomic():
        exception_handler(TicketError("no"), {})
        assert transaction.get_rollback()


def test_handler_leaves_other_errors_to_drf() -> None:
    response = exception_handler(NotFound("No such ticket"), {})
    assert response is not None
    assert (response.status_code, response.data) == (404, {"detail": "No such ticket"})
    assert exception_handler(RuntimeError("bug"), {}) is None  # still a 500
