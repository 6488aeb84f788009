"""The help centre on a phone (390 by 844) and a desktop in headless Chromium, in Dutch: a
reader without an account opens /support/help/, searches in Dutch, opens an article and
answers "did this help?"; an agent writes and previews an article in the desk. axe on every
page; screenshots under var/screenshots/."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

from helpcentre import selectors
from helpcentre.models import Article
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 800, "wide")])
def test_a_dutch_reader_searches_reads_and_votes(
    page: Page, asgi_server: str, width: int, height: int, name: str
) -> None:
    call_command("seed_help_centre")
    page.set_viewport_size({"width": width, "height": height})
    page.set_extra_http_headers({"Accept-Language": "nl-NL,nl;q=0.9"})
    axe = Axe()

    page.goto(f"{asgi_server}/support/help/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("link", name="Retour en schade")).to_be_visible()
    expect(page.get_by_role("link", name="Waar is mijn bestelling?")).to_be_visible()
    # A signed-in-only article is not offered to a reader without an account.
    expect(page.get_by_text("De naam op uw ticket wijzigen")).to_have_count(0)
    assert serious(axe.run(page)) == []
    shot(page, f"help-home-nl-{name}")

    page.locator("form.help-search input[name=q]").fill("pakket retourneer")
    page.locator("form.help-search button[type=submit]").click()
    expect(page).to_have_url(f"{asgi_server}/support/help/search/?q=pakket+retourneer")
    expect(page.get_by_role("link", name="Retourneren en ruilen")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"help-search-nl-{name}")

    page.get_by_role("link", name="Retourneren en ruilen").click()
    expect(page.get_by_role("heading", level=1, name="Retourneren en ruilen")).to_be_visible()
    expect(page.get_by_text("gratis retourlabel")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"help-article-nl-{name}")

    page.locator("#vote button[name=helpful][value=yes]").click()
    expect(page.locator(".help-thanks")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"help-voted-nl-{name}")

    # A link to a customers-only article asks to sign in and shows nothing of it.
    page.goto(f"{asgi_server}/support/help/articles/change-ticket-name/")
    expect(page.locator("a.portal-button[href='/support/signin/']")).to_be_visible()
    expect(page.get_by_text("De naam op uw ticket wijzigen")).to_have_count(0)
    assert serious(axe.run(page)) == []
    shot(page, f"help-signin-needed-nl-{name}")

    article = Article.objects.get(slug="returns-and-exchanges")
    assert selectors.article_votes(article_id=article.pk) == (1, 0)
    article.refresh_from_db()
    assert article.read_count == 1  # the page thanking for the vote is not another read


def test_an_agent_previews_and_saves_an_article_in_the_desk(
    page: Page, asgi_server: str, agent, signed_in
) -> None:
    call_command("seed_help_centre")
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in(page, agent)
    axe = Axe()

    page.goto(f"{asgi_server}/desk/help/")
    expect(page.get_by_role("heading", level=1, name="Help centre")).to_be_visible()
    expect(page.get_by_role("link", name="Where is my order?")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, "help-desk-list-wide")

    page.get_by_role("link", name="New article").click()
    page.get_by_label("Topic", exact=True).select_option(label="Orders and delivery")
    page.locator("#id_title_en").fill("Festival wristband lost")
    page.locator("#id_body_en").fill("Go to the **info tent**.\n\n<script>alert(1)</script>")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".help-desk-preview strong")).to_have_text("info tent")
    assert page.locator(".help-desk-preview script").count() == 0
    assert serious(axe.run(page)) == []
    shot(page, "help-desk-preview-wide")

    page.get_by_role("button", name="Save article").click()
    expect(page.get_by_role("link", name="Festival wristband lost")).to_be_visible()
    article = Article.objects.get(slug="festival-wristband-lost")
    assert article.updated_by == agent
