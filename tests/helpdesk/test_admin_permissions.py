"""Who may do what in the Django admin: the API's roles (Agents, Managers, superusers).

Agents are staff with the demo's group permissions (view and change on customers and
tickets), which used to let them rewrite SLA targets, teams and attachment files. Now the
admin asks the role, not the model permissions: agents read, managers and admins manage.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client

from tests.factories import inbound
from tickets.models import Attachment, Notification, SlaPolicy, Team
from tickets.services import InboundAttachment, message_ingest

pytestmark = pytest.mark.django_db

ADMIN_APPS = {"customers", "tickets", "channels_inbox", "surveys"}
# Settings only managers and admins change (PhoneNumber joins when its admin exists).
SETTINGS_MODELS = [
    "tickets.slapolicy",
    "tickets.businesscalendar",
    "tickets.businessholiday",
    "tickets.team",
    "channels_inbox.mailbox",
    "channels_inbox.imapaccount",
    "channels_inbox.chatwidget",
    "channels_inbox.socialaccount",
    "channels_inbox.phonenumber",
    "surveys.surveysettings",
]


def _registered(label: str) -> bool:
    return any(m._meta.label_lower == label for m in admin.site._registry)


def _demo_groups() -> dict[str, Group]:
    """The groups as `seed_demo` sets them up (agents: view and change on two apps)."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ("Agents", "Managers")}
    perms = Permission.objects.filter(content_type__app_label__in=["customers", "tickets"])
    groups["Managers"].permissions.set(perms)
    groups["Agents"].permissions.set(perms.filter(codename__regex=r"^(view|change)_"))
    return groups


def _staff_client(django_user_model: Any, username: str, group: str | None) -> tuple[Any, Client]:
    user = django_user_model.objects.create_user(
        username=username, password=f"pw-{username}-1", is_staff=True
    )
    if group:
        user.groups.add(_demo_groups()[group])
    client = Client()
    client.force_login(user)
    return user, client


@pytest.fixture
def agent_staff(django_user_model):
    return _staff_client(django_user_model, "anna", "Agents")


@pytest.fixture
def manager_staff(django_user_model):
    return _staff_client(django_user_model, "marieke", "Managers")


def _standard() -> SlaPolicy:
    # Migration 0006 creates it: 48 h first and next response.
    return SlaPolicy.objects.get(name="Standard")


def _policy_form(policy: SlaPolicy, **changes: Any) -> dict[str, Any]:
    form = {
        "name": policy.name,
        "channels": ",".join(policy.channels),
        "priorities": ",".join(str(p) for p in policy.priorities),
        "first_response_minutes": policy.first_response_minutes,
        "next_response_minutes": policy.next_response_minutes,
        "resolution_minutes": policy.resolution_minutes or "",
        "at_risk_percent": policy.at_risk_percent,
        "calendar": policy.calendar_id or "",
        "position": policy.position,
        "active": "on" if policy.active else "",
    }
    form.update(changes)
    return form


def _attachment(tmp_path: Any, settings: Any) -> Attachment:
    settings.MEDIA_ROOT = tmp_path
    data = inbound(
        "email",
        subject="Receipt attached",
        attachments=[InboundAttachment("bon.pdf", b"%PDF-1.4\n", "application/pdf")],
    )
    return message_ingest(data=data).message.attachments.get()


# --- SLA policies -------------------------------------------------------------------------


def test_agent_sees_an_sla_policy_read_only(agent_staff) -> None:
    _, client = agent_staff
    page = client.get(f"/admin/tickets/slapolicy/{_standard().pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "2880" in html
    assert 'name="_save"' not in html
    assert 'name="first_response_minutes"' not in html


def test_agent_cannot_change_an_sla_target(agent_staff) -> None:
    _, client = agent_staff
    policy = _standard()
    url = f"/admin/tickets/slapolicy/{policy.pk}/change/"
    response = client.post(url, _policy_form(policy, first_response_minutes=9))
    assert response.status_code == 403
    policy.refresh_from_db()
    assert (policy.first_response_minutes, policy.version) == (48 * 60, 1)
    assert client.get("/admin/tickets/slapolicy/add/").status_code == 403
    assert (
        client.post(f"/admin/tickets/slapolicy/{policy.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_manager_changes_an_sla_target_through_the_service(manager_staff) -> None:
    _, client = manager_staff
    policy = _standard()
    url = f"/admin/tickets/slapolicy/{policy.pk}/change/"
    assert 'name="_save"' in client.get(url).content.decode()
    response = client.post(url, _policy_form(policy, first_response_minutes=24 * 60))
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    # sla_policy_save bumped the version, as every change through the API does.
    assert (policy.first_response_minutes, policy.version) == (24 * 60, 2)


# --- teams and other settings -------------------------------------------------------------


def test_agent_cannot_add_or_change_a_team(agent_staff, manager_staff) -> None:
    manager, _ = manager_staff
    _, client = agent_staff
    team = Team.objects.create(name="Support", lead=manager)
    assert client.get("/admin/tickets/team/add/").status_code == 403
    assert client.post("/admin/tickets/team/add/", {"name": "Agents only"}).status_code == 403
    url = f"/admin/tickets/team/{team.pk}/change/"
    response = client.post(url, {"name": "Renamed", "lead": "", "members": []})
    assert response.status_code == 403
    assert list(Team.objects.values_list("name", "lead")) == [("Support", manager.pk)]
    # Reading is fine: the API shows agents the teams too.
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("label", SETTINGS_MODELS)
def test_settings_are_for_managers_only(label, agent_staff, manager_staff) -> None:
    if not _registered(label):
        pytest.skip(f"{label} has no admin yet")
    app, model = label.split(".")
    _, agent = agent_staff
    _, manager = manager_staff
    add = f"/admin/{app}/{model}/add/"
    assert agent.get(add).status_code == 403
    assert agent.post(add, {}).status_code == 403
    assert manager.get(f"/admin/{app}/{model}/").status_code == 200
    if label != "surveys.surveysettings":  # one row, created by migration 0002
        assert manager.get(add).status_code == 200


def test_agent_cannot_change_survey_settings(agent_staff, manager_staff) -> None:
    from surveys.models import SurveySettings

    _, agent = agent_staff
    _, manager = manager_staff
    url = "/admin/surveys/surveysettings/1/change/"
    before = SurveySettings.objects.get(pk=1).throttle_days
    assert agent.post(url, {"throttle_days": before + 5}).status_code == 403
    assert SurveySettings.objects.get(pk=1).throttle_days == before
    assert 'name="_save"' in manager.get(url).content.decode()


def test_agents_do_not_see_channel_secrets(agent_staff) -> None:
    """A read-only admin page prints every field: the IMAP password and the page token
    would be on it. Agents do not get these pages at all."""
    _, client = agent_staff
    for model in ("imapaccount", "socialaccount"):
        assert client.get(f"/admin/channels_inbox/{model}/").status_code == 403, model


def test_agent_reads_tickets_customers_and_messages(agent_staff) -> None:
    _, client = agent_staff
    message = message_ingest(data=inbound("email", subject="Where is it")).message
    for path in (
        "/admin/",
        "/admin/tickets/ticket/",
        f"/admin/tickets/ticket/{message.ticket_id}/change/",
        "/admin/customers/customer/",
        f"/admin/customers/customer/{message.ticket.customer_id}/change/",
        f"/admin/tickets/message/{message.pk}/change/",
    ):
        assert client.get(path).status_code == 200, path
    page = client.get(f"/admin/tickets/ticket/{message.ticket_id}/change/").content.decode()
    assert 'name="_save"' not in page
    response = client.post(
        f"/admin/tickets/ticket/{message.ticket_id}/change/",
        {"subject": "Rewritten", "status": "open", "priority": "2", "tags": ""},
    )
    assert response.status_code == 403
    message.ticket.refresh_from_db()
    assert message.ticket.subject == "Where is it"


def test_staff_without_a_role_gets_nothing(django_user_model) -> None:
    _, client = _staff_client(django_user_model, "temp", None)
    assert client.get("/admin/tickets/ticket/").status_code == 403
    assert client.get("/admin/tickets/slapolicy/").status_code == 403


def test_managers_manage_every_helpdesk_model(manager_staff) -> None:
    """What the README promises: every registered model of the four apps, model permissions
    or not (the demo's Managers group only had them for customers and tickets)."""
    manager, client = manager_staff
    manager.groups.get().permissions.clear()
    index = client.get("/admin/").content.decode()
    for model in admin.site._registry:
        if model._meta.app_label not in ADMIN_APPS:
            continue
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        assert url in index, url


# --- attachments --------------------------------------------------------------------------


def test_agent_cannot_replace_an_attachment_file(agent_staff, tmp_path, settings) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, client = agent_staff
    attachment = _attachment(tmp_path, settings)
    url = f"/admin/tickets/attachment/{attachment.pk}/change/"
    response = client.post(
        url,
        {
            "message": attachment.message_id,
            "file": SimpleUploadedFile("bon.pdf", b"<script>evil()</script>", "text/html"),
            "filename": "bon.pdf",
            "content_type": "text/html",
            "size": "23",
        },
    )
    assert response.status_code == 403
    attachment.refresh_from_db()
    assert attachment.content_type == "application/pdf"
    with attachment.file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4\n"


def test_admin_links_attachments_to_the_authorised_download(
    manager_staff, tmp_path, settings
) -> None:
    """`/media/` is not served; the download endpoint checks the role and sandboxes."""
    _, client = manager_staff
    attachment = _attachment(tmp_path, settings)
    download = f"/api/v1/attachments/{attachment.pk}/"
    for path in (
        f"/admin/tickets/attachment/{attachment.pk}/change/",
        f"/admin/tickets/message/{attachment.message_id}/change/",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert f'href="{download}"' in html, path
        assert "/media/" not in html, path
    assert client.get(download).status_code == 200


# --- notifications ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "manager", "superuser"])
def test_notifications_list_only_ones_own(who, agent_staff, manager_staff, admin_user) -> None:
    agent, agent_client = agent_staff
    manager, manager_client = manager_staff
    admin_client = Client()
    admin_client.force_login(admin_user)
    users = {"agent": agent, "manager": manager, "superuser": admin_user}
    notes = {
        name: Notification.objects.create(user=user, kind="sla_at_risk", text=f"for-{name}-xyz")
        for name, user in users.items()
    }
    client = {"agent": agent_client, "manager": manager_client, "superuser": admin_client}[who]
    page = client.get("/admin/tickets/notification/")
    assert page.status_code == 200
    html = page.content.decode()
    assert [name for name in users if f"for-{name}-xyz" in html] == [who]
    other = next(n for name, n in notes.items() if name != who)
    detail = client.get(f"/admin/tickets/notification/{other.pk}/change/", follow=True)
    assert other.text not in detail.content.decode()


def test_every_helpdesk_admin_and_inline_asks_the_role() -> None:
    """A ModelAdmin added later without the mixin would fall back to model permissions."""
    from helpdesk.admin_access import RoleAdminMixin

    missing = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ADMIN_APPS:
            continue
        for candidate in [type(model_admin), *model_admin.inlines]:
            if not issubclass(candidate, RoleAdminMixin):
                missing.append(candidate.__name__)
    assert missing == []
