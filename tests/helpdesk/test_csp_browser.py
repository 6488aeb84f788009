"""The Content-Security-Policy in a real browser: the pages we serve (Swagger UI, the admin
login, the chat demo with its widget and websocket) run with no policy violation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels_inbox.models import ChatWidget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects violations from inside the page (init scripts are not subject to the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright(django_db_setup: Any) -> Iterator[None]:
    """The sync ORM beside Playwright's event loop (STACK.md, trap 2); browser tests run last."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def watched(page: Page) -> tuple[Page, list[str]]:
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    page.add_init_script(WATCH)
    return page, console


def _violations(page: Page, console: list[str]) -> list[str]:
    reported = page.evaluate("window.__csp")
    return reported + [line for line in console if "Content Security Policy" in line]


def test_swagger_ui_renders_under_the_policy(
    asgi_server: str, watched: tuple[Page, list[str]]
) -> None:
    page, console = watched
    response = page.goto(f"{asgi_server}/api/docs/")
    assert response is not None
    assert "script-src" in response.headers["content-security-policy"]
    # Swagger UI rendered the schema: its operations are on the page.
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/tickets/").first).to_be_visible()
    assert _violations(page, console) == []


def test_admin_login_renders_under_the_policy(
    asgi_server: str, watched: tuple[Page, list[str]]
) -> None:
    page, console = watched
    page.goto(f"{asgi_server}/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()
    page.locator("#id_username").fill("nobody")
    page.locator("#id_password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_be_visible()
    assert _violations(page, console) == []


def test_chat_demo_and_its_websocket_under_the_policy(
    asgi_server: str, watched: tuple[Page, list[str]]
) -> None:
    ChatWidget.objects.create(name="Demo website", key="demo", allowed_origins=[asgi_server])
    page, console = watched
    page.goto(f"{asgi_server}/chat/demo/")
    page.get_by_role("button", name="Chat", exact=True).click()
    page.get_by_placeholder("Your name").fill("Eva")
    page.get_by_role("button", name="Start chat").click()
    page.get_by_placeholder("Type a message…").fill("Hello from behind a strict policy")
    page.get_by_role("button", name="Send").click()
    # Acknowledged over the websocket: connect-src allowed ws: to this host.
    bubble = page.locator(".msg.visitor")
    expect(bubble).to_contain_text("strict policy")
    expect(bubble).not_to_have_class("msg visitor pending", timeout=15_000)
    assert _violations(page, console) == []
