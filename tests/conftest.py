from __future__ import annotations

import os

import pytest

os.environ.setdefault("HELPDESK_DEV", "1")


@pytest.fixture(autouse=True)
def _eager_celery(settings):  # type: ignore[no-untyped-def]
    """Unit-level tests run tasks inline; tests through a real worker opt out explicitly."""
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def agent(django_user_model):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="agent1", password="pw-agent-1", first_name="Ada"
    )
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


@pytest.fixture
def api(agent):  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)
    return client
