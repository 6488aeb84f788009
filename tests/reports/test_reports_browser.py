"""The reports in headless Chromium on the real ASGI server, at 1280 and 768 px: a manager
opens the reports, changes the range, filters by channel, clicks the breached count and
lands on exactly those tickets in the desk; axe-core finds nothing serious; no console
error (a chart blocked by the CSP would say so there); screenshots light, dark, Dutch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.desk.conftest import SHOTS, shot
from tests.desk.conftest import signed_in as signed_in  # a fixture
from tests.reports.dataset import build

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def serious(results: Any) -> list[str]:
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _parts(page: Page, name: str) -> None:
    """The page's parts one by one, at a size a person can read in the screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(".page-head").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"reports-{name}-top.png"))
    for part in ("r-first", "r-risk", "r-volume", "r-satisfaction"):
        page.locator(f"#{part}").screenshot(path=str(SHOTS / f"reports-{name}-{part}.png"))


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    # A refused script, style or image (the CSP) says so here; a failed load is reported by
    # the response handler below with its address (the browser's own favicon fetch is not a
    # page response and is left out).
    page.on(
        "console",
        lambda note: (
            errors.append(note.text)
            if note.type == "error" and not note.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda response: (
            errors.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return errors


def test_a_manager_drills_from_the_breached_count_to_the_tickets(
    page: Page, asgi_server: str, signed_in: Any, django_user_model: Any
) -> None:
    ds = build(django_user_model)
    errors = _console_errors(page)
    signed_in(page, ds.manager)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    expect(page.locator("svg.chart")).to_have_count(2)
    assert serious(Axe().run(page)) == []
    shot(page, "reports-1280")
    _parts(page, "1280")

    # The range of the data set, then one channel.
    page.get_by_label("From", exact=True).fill("2026-11-16")
    page.get_by_label("To", exact=True).fill("2026-11-22")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(
        f"{asgi_server}/desk/reports/?from=2026-11-16&to=2026-11-22&channel=&team=&agent=&hours=business"
    )
    risk = page.locator(
        ".report-table", has=page.get_by_text("At risk now and breached in the range")
    )
    expect(risk.get_by_role("row", name="Breached in the range")).to_contain_text("2")
    page.get_by_label("Channel", exact=True).select_option("email")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile("channel=email"))
    breached = risk.get_by_role("row", name="Breached in the range").get_by_role("link")
    expect(breached).to_have_text("1")
    page.set_viewport_size({"width": 768, "height": 1000})
    assert serious(Axe().run(page)) == []
    shot(page, "reports-768")
    _parts(page, "768")
    page.emulate_media(color_scheme="dark")
    shot(page, "reports-768-dark")
    page.emulate_media(color_scheme="light")

    breached.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Breached 16 Nov to 22 Nov 2026")
    rows = page.locator(".row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("t7")
    assert serious(Axe().run(page)) == []
    shot(page, "reports-breached-list-768")
    assert errors == []


def test_the_reports_in_dutch_and_dark(
    page: Page, asgi_server: str, signed_in: Any, django_user_model: Any
) -> None:
    ds = build(django_user_model)
    errors = _console_errors(page)
    signed_in(page, ds.manager)
    page.context.add_cookies([{"name": "django_language", "value": "nl", "url": asgi_server}])
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/reports/?from=2026-11-16&to=2026-11-22&hours=calendar")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.locator("svg.chart")).to_have_count(2)
    assert serious(Axe().run(page)) == []
    shot(page, "reports-1280-nl-dark")
    _parts(page, "1280-nl-dark")
    # An agent, light, at 768: their own figures only, no agent filter to pick another.
    signed_in(page, ds.ann)
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 768, "height": 1000})
    page.goto(f"{asgi_server}/desk/reports/?from=2026-11-16&to=2026-11-22&agent={ds.bob.pk}")
    expect(page.locator(".reports-own")).to_contain_text("ann")
    expect(page.locator("#r-agent")).to_have_count(0)
    assert serious(Axe().run(page)) == []
    shot(page, "reports-768-nl-agent")
    assert errors == []
