"""Managers edit survey settings in the admin; surveys and answers are read-only there."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_admin_pages_open(admin_client, clock, solve) -> None:
    from tests.surveys.conftest import sweep

    solve()
    sweep()
    for path in (
        "/admin/surveys/surveysettings/1/change/",
        "/admin/surveys/survey/",
        "/admin/surveys/surveyanswer/",
        "/admin/surveys/npsanswer/",
    ):
        assert admin_client.get(path).status_code == 200, path
    page = admin_client.get("/admin/surveys/surveysettings/1/change/").content.decode()
    assert "delay_minutes" in page
    assert admin_client.get("/admin/surveys/survey/add/").status_code == 403
