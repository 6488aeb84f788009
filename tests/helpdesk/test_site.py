"""Health, API schema and docs, admin: what an operator and a manager touch first."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client, override_settings


@pytest.mark.django_db
def test_healthz_reports_both_stores() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "postgresql": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_healthz_says_which_store_is_down() -> None:
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["postgresql"] == "ok"
    assert body["redis"].startswith("error")


@pytest.mark.django_db
def test_openapi_schema_and_docs(admin_client) -> None:
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert body["openapi"].startswith("3.")
    for path in (
        "/api/v1/tickets/",
        "/api/v1/tickets/{id}/",
        "/api/v1/tickets/{ticket_pk}/messages/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/merge/",
        "/api/v1/teams/",
    ):
        assert path in body["paths"], path
    docs = Client().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # Swagger UI is served from our own static files (drf-spectacular-sidecar), no CDN.
    assert b"cdn.jsdelivr" not in docs.content


MODELS = [m for m in apps.get_models() if m._meta.app_label in {"customers", "tickets"}]


def test_every_model_has_an_admin() -> None:
    missing = [m.__name__ for m in MODELS if m not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_manager_can_use_admin(model, django_user_model) -> None:
    from django.contrib.auth.models import Group, Permission

    manager = django_user_model.objects.create_user(
        username="m", password="pw-manager-1", is_staff=True
    )
    group = Group.objects.create(name="Managers")
    group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["customers", "tickets"])
    )
    manager.groups.add(group)
    client = Client()
    assert client.login(username="m", password="pw-manager-1")
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    response = client.get(url)
    assert response.status_code == 200, url


@pytest.mark.django_db
def test_home_page_links_to_the_product() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert b"/api/docs/" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "One customer, every channel, one timeline"),
        ("nl", "Eén klant, elk kanaal, één tijdlijn"),
        ("pl", "Jeden klient, każdy kanał, jedna oś czasu"),
    ],
)
def test_home_page_speaks_the_visitors_language(language: str, heading: str) -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert heading in response.content.decode()


@pytest.mark.django_db
def test_admin_ticket_edits_land_on_the_timeline(admin_client, admin_user) -> None:
    from tests.factories import inbound
    from tickets.models import EventKind, Ticket
    from tickets.services import message_ingest

    ticket = message_ingest(data=inbound("email", subject="Broken zipper")).ticket
    url = f"/admin/tickets/ticket/{ticket.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    form = {
        "subject": "Broken zipper on tent",
        "status": "pending",
        "priority": "3",
        "assignee": str(admin_user.pk),
        "team": "",
        "tags": "tent,repair",
    }
    for prefix in ("messages", "events"):
        form.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.subject, ticket.status, ticket.priority, ticket.assignee) == (
        "Broken zipper on tent",
        "pending",
        3,
        admin_user,
    )
    assert ticket.tags == ["repair", "tent"]
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.CREATED,
        EventKind.SLA,
        EventKind.SUBJECT,
        EventKind.ASSIGNMENT,
        EventKind.PRIORITY,
        EventKind.TAGS,
        EventKind.STATUS,
    ]
