"""The composer in headless Chromium on the real ASGI server: an agent picks a macro by typing,
the customer's first name and the ticket number are in the text, sends and solves, and the
mail goes out filled in; then a note is added and shows as a note. axe-core on the way;
screenshots at 1280 and 768 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from desk.models import Macro
from tests.browser import in_thread
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import DeliveryState, Direction, Message, Status, Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.fixture
def email_ticket() -> Ticket:
    sla_policies_default()
    return in_thread(
        lambda: (
            message_ingest(
                data=inbound(
                    value="lotte@example.nl",
                    customer_name="Lotte Visser",
                    subject="Bachelorette party on 13 August",
                    body_text="Hello, can we come with 12 people on the 13th? Lotte",
                )
            ).ticket
        )
    )


def _outbound(ticket: Ticket) -> Message | None:
    return Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).first()


def test_an_agent_answers_with_a_macro_solves_and_adds_a_note(
    page: Page, asgi_server: str, signed_in, make_agent, email_ticket: Ticket
) -> None:
    anna = make_agent("anna", first_name="Anna")
    Macro.objects.create(
        title="Group booking: confirmed",
        body="Hi {first_name|there},\n\nYour group is booked. Your ticket number is "
        "#{ticket_number}.\n\nBest wishes,\n{agent_name}",
        add_tags=["group"],
    )
    Macro.objects.create(title="Refund issued", body="Hi {first_name}, the refund is on its way.")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/tickets/{email_ticket.pk}/")
    composer = page.locator("form[data-composer]")
    expect(composer.get_by_label("Reply on")).to_have_value(
        str(email_ticket.customer.identities.get().pk)
    )

    # The macro by typing part of its title, the keyboard only.
    picker = composer.get_by_role("combobox", name="Macro")
    picker.press_sequentially("group")
    expect(page.get_by_role("option", name="Group booking: confirmed")).to_be_visible()
    expect(page.get_by_role("option", name="Refund issued")).to_be_hidden()
    shot(page, "composer-macro-list")
    picker.press("ArrowDown")
    picker.press("ArrowUp")
    picker.press("Enter")
    body = composer.get_by_label("Message")
    expect(body).to_have_value(
        f"Hi Lotte,\n\nYour group is booked. Your ticket number is #{email_ticket.pk}."
        "\n\nBest wishes,\nAnna"
    )
    expect(composer.locator(".macro-effects")).to_contain_text("adds the tag group")
    composer.get_by_label("Attach files").set_input_files(
        {"name": "menu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 menu"}
    )
    expect(composer.locator("[data-file-names]")).to_have_text("menu.pdf")
    assert serious(Axe().run(page)) == []
    shot(page, "composer-macro")

    composer.get_by_role("button", name="Send and solve").click()
    expect(body).to_have_value("")
    timeline = page.locator("#timeline-entries")
    expect(timeline.locator(".entry.message.outbound")).to_contain_text("Your group is booked")
    sent = wait_until(
        lambda: (m := _outbound(email_ticket)) and m.delivery_state == DeliveryState.SENT and m,
        timeout=20,
        message="the reply to be sent",
    )
    assert sent.body_text.startswith("Hi Lotte,\n\nYour group is booked.")
    assert f"#{email_ticket.pk}." in sent.body_text
    assert "{" not in sent.body_text
    assert sent.identity.value == "lotte@example.nl"
    assert [a.filename for a in sent.attachments.all()] == ["menu.pdf"]
    email_ticket.refresh_from_db()
    assert email_ticket.status == Status.SOLVED
    assert email_ticket.tags == ["group"]

    # A note, by the `n` shortcut's button, sent with Ctrl+Enter.
    composer.locator('[data-shortcut-action="note"]').click()
    expect(composer).to_have_class("composer is-note")
    expect(composer.get_by_text("Internal note — the customer never sees this")).to_be_visible()
    expect(composer.get_by_label("Reply on")).to_be_hidden()
    expect(body).to_be_focused()
    body.fill("Lotte asked for a quiet table; the manager knows.")
    shot(page, "composer-note")
    body.press("Control+Enter")
    expect(body).to_have_value("")
    expect(timeline.locator(".entry.message.note")).to_contain_text("quiet table")
    note = Message.objects.get(ticket=email_ticket, direction=Direction.NOTE)
    assert note.author_user == anna
    assert Message.objects.filter(ticket=email_ticket, direction=Direction.OUTBOUND).count() == 1
    assert serious(Axe().run(page)) == []

    page.set_viewport_size({"width": 768, "height": 1000})
    composer.get_by_role("button", name="Reply").click()
    page.locator(".call-log summary").click()
    shot(page, "composer-narrow")
    assert serious(Axe().run(page)) == []


def test_a_collision_asks_before_sending_and_typing_is_announced(
    page: Page, asgi_server: str, signed_in, make_agent, email_ticket: Ticket
) -> None:
    anna = make_agent("anna", first_name="Anna")
    sam = make_agent("sam", first_name="Sam")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/tickets/{email_ticket.pk}/")
    page.evaluate(
        "() => { window.composing = [];"
        " document.body.addEventListener('desk:composing', e => window.composing.push(e.detail)); }"
    )
    composer = page.locator("form[data-composer]")
    body = composer.get_by_label("Message")
    body.press_sequentially("Yes, 12 is fine")
    wait_until(
        lambda: page.evaluate("() => window.composing.length") >= 1,
        timeout=5,
        message="desk:composing",
    )
    assert page.evaluate("() => window.composing[0]") == {
        "ticket": email_ticket.pk,
        "composing": True,
    }

    from tickets.services import reply_create

    in_thread(lambda: reply_create(ticket=email_ticket, author=sam, body_text="Booked it, Sam"))
    composer.get_by_role("button", name="Send", exact=True).click()
    alert = composer.locator(".collision")
    expect(alert).to_contain_text("Sam replied")
    expect(alert).to_contain_text("Booked it, Sam")
    expect(body).to_have_value("Yes, 12 is fine")
    expect(composer.get_by_role("button", name="Send anyway")).to_be_focused()
    assert serious(Axe().run(page)) == []
    shot(page, "composer-collision")
    page.emulate_media(color_scheme="dark")
    composer.locator('[data-shortcut-action="note"]').click()
    expect(alert).to_be_hidden()  # a note is never over someone's reply
    shot(page, "composer-note-dark")
    assert serious(Axe().run(page)) == []
    composer.locator('[data-shortcut-action="reply"]').click()
    composer.get_by_role("button", name="Send anyway").click()
    expect(body).to_have_value("")
    wait_until(
        lambda: Message.objects.filter(
            ticket=email_ticket, author_user=anna, direction=Direction.OUTBOUND
        ).exists(),
        timeout=10,
        message="Anna's reply",
    )
    wait_until(
        lambda: (
            {"ticket": email_ticket.pk, "composing": False}
            in page.evaluate("() => window.composing")
        ),
        timeout=5,
        message="desk:composing false after the send",
    )


def test_a_manager_writes_a_macro_in_the_desk(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    signed_in(page, make_agent("mia", manager=True, first_name="Mia"))
    Macro.objects.create(title="Refund issued", body="Hi {first_name}, the refund is sent.")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/macros/")
    page.get_by_role("link", name="New macro").click()
    page.get_by_label("Title").fill("Opening hours")
    page.get_by_label("Text").fill("Hi {first_name|there}, we answer by {answer_by}. {agent_nam}")
    page.get_by_label("Set the status to").select_option("pending")
    page.get_by_label("Add tags").fill("hours, info")
    page.get_by_role("button", name="Save macro").click()
    expect(page.get_by_role("alert")).to_contain_text("Not a placeholder: {agent_nam}")
    assert serious(Axe().run(page)) == []
    shot(page, "macros-form-error")
    page.get_by_label("Text").fill("Hi {first_name|there}, we answer by {answer_by}. {agent_name}")
    page.get_by_role("button", name="Save macro").click()
    expect(page.locator(".notice")).to_have_text("Macro “Opening hours” saved.")
    row = page.get_by_role("row", name="Opening hours")
    expect(row).to_contain_text("status Pending; tags hours, info")
    assert serious(Axe().run(page)) == []
    shot(page, "macros-list")
    page.get_by_role("button", name="Deactivate Refund issued").click()
    expect(page.get_by_role("row", name="Refund issued")).to_contain_text("Deactivated")
    page.set_viewport_size({"width": 768, "height": 900})
    shot(page, "macros-list-narrow")
    assert Macro.objects.get(title="Opening hours").add_tags == ["hours", "info"]
