"""Issue 12's acceptance, as the product owner checks it: the demo of `make run` (the festival
story of Lotte Visser, assigned to Anna) in headless Chromium on the real ASGI server. Anna
signs in, finds the festival ticket first in Mine, reads every contact of every channel on
one timeline beside all of Lotte's identities, answers by email with a macro, adds a note and
solves; Sam replying on the same ticket is shown live and stops Anna's send until she says
"Send anyway"; the daily path by keyboard alone; axe on the views, ticket and search pages.
Screenshots `story-*` at each checked screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db.models import F
from playwright.sync_api import Browser, Page, expect

from tests.desk.conftest import shot
from tests.desk.story import (  # noqa: F401 (story_fixture: the `story` fixture)
    Story,
    mail_text,
    mails_sent,
    seen,
    story_fixture,
)
from tests.desk.test_desk_browser import serious
from tests.waiting import wait_until
from tickets.models import ACTIVE_STATUSES, DeliveryState, Direction, Message, Status, Ticket

if TYPE_CHECKING:
    from helpdesk.roles import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]

MACRO = "Kaart op een andere naam zetten"


def _open_count(**where: object) -> int:
    return Ticket.objects.filter(
        status__in=ACTIVE_STATUSES, merged_into__isnull=True, **where
    ).count()


def test_anna_answers_the_festival_story_with_a_macro_and_solves_it(
    page: Page, asgi_server: str, story: Story, tmp_path: Path
) -> None:
    festival, anna = story.festival, story.anna
    page.set_viewport_size({"width": 1280, "height": 900})
    _signs_in_and_finds_the_festival_ticket_first(page, asgi_server, story)

    page.locator(f"#row-{festival.pk} a.row-link").click()
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{festival.pk}/")
    expect(page.locator("#customer-panel .c-identities")).to_be_visible()
    seen(page, "story-2-ticket-opened")
    _every_contact_on_one_timeline(page, festival)
    _every_identity_in_the_panel(page)
    shot(page, "story-2-ticket")

    _reply_with_the_macro(page, festival, anna, tmp_path / "uvicorn.log")

    composer = page.locator("form[data-composer]")
    composer.locator('[data-shortcut-action="note"]').click()
    body = composer.get_by_label("Message")
    body.fill("Lotte gebeld en gecondoleerd; Bas krijgt de kaart op zijn naam.")
    composer.get_by_role("button", name="Add note", exact=True).click()
    expect(body).to_have_value("")
    timeline = page.locator("#timeline-entries")
    expect(timeline.locator(".entry.message.note").last).to_contain_text("Bas krijgt de kaart")
    note = Message.objects.get(ticket=festival, direction=Direction.NOTE, author_user=anna)
    assert note.body_text.startswith("Lotte gebeld")

    page.get_by_role("button", name="Solve", exact=True).click()
    expect(page.locator("#t-status")).to_have_value(Status.SOLVED)
    expect(page.get_by_role("button", name="Solve", exact=True)).to_be_disabled()
    festival.refresh_from_db()
    assert festival.status == Status.SOLVED
    assert festival.first_human_reply_at is not None
    shot(page, "story-4-solved")


def _signs_in_and_finds_the_festival_ticket_first(
    page: Page, asgi_server: str, story: Story
) -> None:
    """From the address `make run` prints, through the sign-in form, to Mine: the views with
    their counts, Anna's tickets in promise order, the festival ticket (missed weeks ago)
    first."""
    page.goto(f"{asgi_server}/")
    page.get_by_role("link", name="Sign in to the desk").click()
    expect(page.get_by_role("heading", name="Sign in to the desk")).to_be_visible()
    shot(page, "story-0-signin")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("agent")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{asgi_server}/desk/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mine")
    nav = page.get_by_role("navigation", name="Views")
    counts = {
        "mine": _open_count(assignee=story.anna),
        "unassigned": _open_count(assignee__isnull=True),
        "all": _open_count(),
    }
    for view, count in counts.items():
        expect(nav.locator(f'a[data-view="{view}"] .count')).to_have_text(str(count))
    rows = page.locator("#queue-rows li.row")
    expect(rows).to_have_count(counts["mine"])
    by_promise = Ticket.objects.filter(
        assignee=story.anna, status__in=ACTIVE_STATUSES, merged_into__isnull=True
    ).order_by(F("sla_due_at").asc(nulls_last=True), "pk")
    assert [int(r.get_attribute("data-ticket") or 0) for r in rows.all()] == [
        t.pk for t in by_promise
    ]
    first = rows.first
    expect(first).to_have_attribute("data-ticket", str(story.festival.pk))
    expect(first.locator(".customer")).to_have_text("Lotte Visser")
    expect(first.locator(".chip.chasing")).to_contain_text("contacted you")
    expect(first.locator(".chip.due")).to_have_class("chip due breached")
    shot(page, "story-1-mine")


def _every_contact_on_one_timeline(page: Page, festival: Ticket) -> None:
    """Every message the demo stored on the ticket is on the page, each with its channel:
    the missed calls, the emails, the Facebook message, the automatic acknowledgement (said to
    be no reply) and the manager's note; the chasing that raised the priority as events."""
    timeline = page.locator("#timeline-entries")
    messages = list(festival.messages.order_by("created_at", "pk"))
    expect(timeline.locator(".entry.message")).to_have_count(len(messages))
    channels = {m.channel for m in messages if m.direction == Direction.INBOUND}
    assert channels == {"phone", "email", "facebook"}
    for channel in channels:
        inbound = [m for m in messages if m.direction == Direction.INBOUND and m.channel == channel]
        expect(timeline.locator(f".entry.message.inbound .channel.ch-{channel}")).to_have_count(
            len(inbound)
        )
    for m in messages:
        expect(timeline.locator(f"#message-{m.pk}")).to_be_visible()
    expect(timeline.locator(".entry.message.call .t-missed")).to_have_count(
        sum(1 for m in messages if m.call_direction and not m.call_answered)
    )
    # The acknowledgement and the delay notice (issue 16), each said to be no reply.
    automatic = timeline.locator(".entry.message.automatic")
    expect(automatic).to_have_count(2)
    for i in range(2):
        expect(automatic.nth(i)).to_contain_text("automatic — not a reply")
    expect(timeline.locator(".entry.message.note")).to_contain_text("bel haar vandaag terug")
    expect(timeline.locator(".entry.event.t-kind-chasing").first).to_be_visible()


def _every_identity_in_the_panel(page: Page) -> None:
    panel = page.locator("#customer-panel")
    identities = panel.locator(".c-identities li")
    expect(identities).to_have_count(3)
    expect(identities.filter(has_text="lotte.visser@example.nl")).to_have_count(1)
    expect(identities.filter(has_text="+31 6 12345678")).to_have_count(1)
    expect(identities.filter(has_text="7364829100112233")).to_have_count(1)
    expect(panel.locator(".c-identities .ch-facebook")).to_have_count(1)


def _reply_with_the_macro(page: Page, festival: Ticket, anna: User, server_log: Path) -> None:
    """The macro picked by typing part of its title; the customer's first name and the ticket
    number filled in the composer, in the stored reply, on the timeline and in the mail."""
    composer = page.locator("form[data-composer]")
    channel = composer.get_by_label("Reply on")
    expect(channel.locator("option:checked")).to_contain_text("lotte.visser@example.nl")
    picker = composer.get_by_role("combobox", name="Macro")
    picker.press_sequentially("kaart")
    option = page.get_by_role("option", name=MACRO)
    expect(option).to_be_visible()
    expect(page.get_by_role("option", name="Refund on its way")).to_be_hidden()
    seen(page, "story-3-macro-list")
    picker.press("ArrowDown")
    picker.press("Enter")
    body = composer.get_by_label("Message")
    expect(body).to_have_value(re.compile(rf"^Beste Lotte,\n(.|\n)*#{festival.pk}:"))
    shot(page, "story-3-macro")
    seen(page, "story-3-macro-seen")
    composer.get_by_role("button", name="Send", exact=True).click()
    expect(body).to_have_value("")
    timeline = page.locator("#timeline-entries")
    outbound = timeline.locator(".entry.message.outbound").last
    expect(outbound).to_contain_text("Beste Lotte,")
    expect(outbound).to_contain_text(f"#{festival.pk}")

    sent = wait_until(
        lambda: Message.objects.filter(
            ticket=festival, author_user=anna, direction=Direction.OUTBOUND,
            delivery_state=DeliveryState.SENT,
        ).first(),
        timeout=20,
        message="Anna's reply to be sent",
    )  # fmt: skip
    assert sent is not None
    assert sent.identity is not None
    assert sent.channel == "email"
    assert sent.identity.value == "lotte.visser@example.nl"
    assert sent.body_text.startswith("Beste Lotte,\n\nWe zetten de kaart kosteloos")
    assert f"Je ticketnummer is #{festival.pk}:" in sent.body_text
    assert sent.body_text.endswith("Anna de Vries")
    assert "{" not in sent.body_text
    mail = wait_until(
        lambda: [m for m in mails_sent(server_log) if "lotte.visser@example.nl" in m["To"]],
        timeout=10,
        message="the mail to Lotte in the server's output",
    )[-1]
    text = mail_text(mail)
    assert text.startswith("Beste Lotte,")
    assert f"#{festival.pk}:" in text
    assert "{" not in text


def _listening(page: Page, *sockets: str) -> None:
    for name in sockets:
        expect(page.locator("body")).to_have_attribute(f"data-socket-{name}", "open")


def test_sam_replies_first_and_annas_send_asks_before_it_goes(
    page: Page, browser: Browser, asgi_server: str, story: Story, signed_in
) -> None:
    festival, anna, sam = story.festival, story.anna, story.sam
    url = f"{asgi_server}/desk/tickets/{festival.pk}/"
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in(page, anna)
    page.goto(url)
    _listening(page, "ticket", "presence")
    anna_body = page.locator("form[data-composer]").get_by_label("Message")
    anna_body.fill("Dag Lotte, wat naar van je vader. Ik bel je vandaag nog terug.")

    sam_context = browser.new_context()
    try:
        sam_page = sam_context.new_page()
        sam_page.set_viewport_size({"width": 1280, "height": 900})
        signed_in(sam_page, sam)
        sam_page.goto(url)
        _listening(sam_page, "ticket", "presence")
        expect(page.locator("#presence")).to_have_text("Sam Taylor is viewing")
        sam_composer = sam_page.locator("form[data-composer]")
        sam_composer.get_by_label("Message").press_sequentially("Hoi Lotte, ik zet de kaart om")
        expect(page.locator("#presence")).to_have_text("Sam Taylor is replying…")
        seen(page, "story-5-sam-replying")

        sam_composer.get_by_label("Message").press_sequentially(" op naam van Bas.")
        sam_composer.get_by_role("button", name="Send", exact=True).click()
        expect(sam_composer.get_by_label("Message")).to_have_value("")
        # Sam's reply reaches Anna's open page by itself.
        expect(page.locator("#timeline-entries .entry.message.outbound").last).to_contain_text(
            "op naam van Bas"
        )
    finally:
        sam_context.close()

    composer = page.locator("form[data-composer]")
    composer.get_by_role("button", name="Send", exact=True).click()
    alert = composer.locator(".collision")
    expect(alert).to_contain_text("Sam Taylor replied just now")
    expect(alert).to_contain_text("op naam van Bas")
    expect(anna_body).to_have_value(re.compile(r"^Dag Lotte, wat naar van je vader"))
    send_anyway = composer.get_by_role("button", name="Send anyway")
    expect(send_anyway).to_be_focused()
    seen(page, "story-6-collision")
    assert not Message.objects.filter(
        ticket=festival, author_user=anna, direction=Direction.OUTBOUND
    ).exists()

    send_anyway.click()
    expect(anna_body).to_have_value("")
    expect(page.locator("#timeline-entries .entry.message.outbound").last).to_contain_text(
        "Ik bel je vandaag nog terug"
    )
    replies = Message.objects.filter(ticket=festival, direction=Direction.OUTBOUND).exclude(
        is_automatic=True
    )
    assert [(m.author_user_id, m.channel) for m in replies.order_by("pk")] == [
        (sam.pk, "email"),
        (anna.pk, "email"),
    ]


def test_the_daily_path_by_keyboard_alone(
    page: Page, asgi_server: str, story: Story, signed_in
) -> None:
    festival, anna = story.festival, story.anna
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in(page, anna)
    page.goto(f"{asgi_server}/desk/")
    rows = page.locator("#queue-rows li.row")
    expect(rows.first).to_be_visible()

    page.keyboard.press("j")
    expect(rows.first).to_have_attribute("aria-current", "true")
    expect(rows.first.locator("a.row-link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{festival.pk}/")
    # The page's scripts are running once its live sockets are open: keys reach them.
    _listening(page, "ticket")
    body = page.locator("form[data-composer]").get_by_label("Message")
    expect(body).not_to_be_focused()

    page.keyboard.press("r")
    expect(body).to_be_focused()
    page.keyboard.type("Dag Lotte, de kaart staat vanaf vandaag op naam van Bas.")
    seen(page, "story-7-keyboard-reply")
    page.keyboard.press("Control+Enter")
    expect(body).to_have_value("")
    expect(page.locator("#timeline-entries .entry.message.outbound").last).to_contain_text(
        "op naam van Bas"
    )
    page.keyboard.press("s")
    expect(page.locator("#t-status")).to_have_value(Status.SOLVED)
    # The customer panel follows by itself: the ticket there is solved too.
    expect(page.locator("#customer-panel .c-ticket.is-current .c-status")).to_have_text("Solved")
    seen(page, "story-8-keyboard-solved")

    reply = Message.objects.get(ticket=festival, author_user=anna, direction=Direction.OUTBOUND)
    assert reply.body_text == "Dag Lotte, de kaart staat vanaf vandaag op naam van Bas."
    assert reply.channel == "email"
    festival.refresh_from_db()
    assert festival.status == Status.SOLVED


def test_axe_finds_nothing_serious_on_the_demo(
    page: Page, asgi_server: str, story: Story, signed_in
) -> None:
    signed_in(page, story.anna)
    screens = {
        "views": (f"{asgi_server}/desk/", "#queue-rows li.row"),
        "ticket": (f"{asgi_server}/desk/tickets/{story.festival.pk}/", "#customer-panel .c-head"),
        "search": (f"{asgi_server}/desk/search/?q=factuur", "main h1"),
    }
    found = {}
    variants: list[tuple[str, int, Literal["light", "dark"]]] = [
        ("wide", 1280, "light"), ("narrow", 768, "light"), ("dark", 1280, "dark"),
    ]  # fmt: skip
    for variant, width, scheme in variants:
        page.set_viewport_size({"width": width, "height": 900})
        page.emulate_media(color_scheme=scheme)
        for name, (url, ready) in screens.items():
            page.goto(url)
            expect(page.locator(ready).first, f"{name} {variant}: {url}").to_be_visible()
            found[f"{name} {variant}"] = serious(Axe().run(page))
            seen(page, f"story-9-axe-{name}-{variant}")
    assert {screen: v for screen, v in found.items() if v} == {}


def test_a_missed_promise_is_asked_for_never_promised_again(
    page: Page, asgi_server: str, story: Story, signed_in
) -> None:
    """The festival ticket's promise was missed weeks ago: the demo's "We zoeken het uit"
    macro must not tell Lotte "je hoort uiterlijk <a date in October>"; the composer asks
    Anna for a new time and the reply carries hers."""
    festival, anna = story.festival, story.anna
    page.set_viewport_size({"width": 1280, "height": 900})
    signed_in(page, anna)
    page.goto(f"{asgi_server}/desk/tickets/{festival.pk}/")
    composer = page.locator("form[data-composer]")
    picker = composer.get_by_role("combobox", name="Macro")
    picker.press_sequentially("zoeken")
    expect(page.get_by_role("option", name="We zoeken het uit")).to_be_visible()
    picker.press("Enter")
    body = composer.get_by_label("Message")
    expect(body).to_have_value(re.compile(r"hoort uiterlijk \{answer_by\} van ons"))
    when = composer.get_by_label(re.compile(r"when we will answer at the latest"))
    expect(when).to_be_focused()
    seen(page, "story-10-missed-promise")
    when.fill("maandag 30 november, 12:00")
    composer.get_by_role("button", name="Send", exact=True).click()
    expect(body).to_have_value("")
    reply = Message.objects.get(ticket=festival, author_user=anna, direction=Direction.OUTBOUND)
    assert "je hoort uiterlijk maandag 30 november, 12:00 van ons." in reply.body_text
    assert "{" not in reply.body_text
