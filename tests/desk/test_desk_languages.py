"""The desk in Dutch and Polish through HTTP (issue 12, item 7): the browser's Accept-Language
decides until the agent picks a language in the user menu (Django's set_language, a cookie
that outlives the session); the list, a ticket with its customer panel, search, the chats,
the notifications and the sign-in page then speak that language: its words are there, and no
text of the page is left as the English render has it (beyond names, keys and words that
read the same); dates and the promise chips ("over 1 d 23 u", "za 1 dn. 23 h") follow."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils import formats, timezone, translation

from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import message_ingest, note_add, sla_policies_default

pytestmark = pytest.mark.django_db

SUBJECT = "Order 7 has not arrived"
LIST = "/desk/?view=unassigned"
BODY = "Hello, where are my festival tickets?"
# What each page must say, per language (the main labels a person reads first).
WORDS = {
    "nl": {
        "list": ["Mijn tickets", "Niet toegewezen", "Weergaven", "Kanalen", "Deze lijst filteren"],
        "ticket": ["Aan mij toewijzen", "Oplossen", "Antwoorden", "Notitie", "Tijdlijn"],
        "panel": ["Contactgegevens", "Recente contacten", "Taal"],
        "search": ["Zoeken", "Alleen tickets", "Tickets en klanten"],
        "signin": ["Inloggen op de desk", "Gebruikersnaam", "Wachtwoord"],
        "menu": ["Taal", "Wachtwoord wijzigen", "Uitloggen"],
    },
    "pl": {
        "list": ["Moje", "Nieprzypisane", "Widoki", "Kanały", "Filtruj tę listę"],
        "ticket": ["Przypisz do mnie", "Rozwiąż", "Odpowiedz", "Notatka", "Oś czasu"],
        "panel": ["Dane kontaktowe", "Ostatnie kontakty", "Język"],
        "search": ["Szukaj", "Tylko zgłoszenia", "Zgłoszenia i klienci"],
        "signin": ["Zaloguj się do desku", "Nazwa użytkownika", "Hasło"],
        "menu": ["Język", "Zmień hasło", "Wyloguj się"],
    },
}
# Texts that read the same in English: names, keys, numbers and words both languages share.
SAME = {"Helpdesk", "English", "Nederlands", "Polski", "Esc", "Enter", "Ctrl", "Desk"}
# A WhatsApp template name as the example in its field: an identifier, not a word.
SAME |= {"order_update"}
SAME_IN = {
    "nl": {"Chat", "Status", "Open", "Team", "Tag", "Tags", "Tickets", "Urgent", "Macro", "min"},
    "pl": {"Status", "Tag", "min"},
}
# Stored in English by tickets.services (event descriptions, SLA reasons): reported, not ours.
STORED_ENGLISH = re.compile(
    r'<li class="entry event[^"]*".*?</li>|<p class="t-clock-why">.*?</p>', re.S
)
# A short date ("28 Nov 2026", "za 28 lis 19:27"): Django's date filter already says it in the
# active language, and some read the same ("Nov" is Dutch too).
DATE = re.compile(r"^(\w{2,3}\.? )?\d{1,2} \w{3}\.?( \d{4})?( \d{1,2}:\d{2})?$")
SHOWN_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt"}


class _Texts(HTMLParser):
    """Every text a person sees or hears: text nodes and the labelling attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if value and (name in SHOWN_ATTRIBUTES or name.startswith(("data-text", "data-label"))):
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(STORED_ENGLISH.sub("", html))
    return parser.texts


def english_left(page: Callable[[str], str], lang: str, *, data: set[str]) -> list[str]:
    """The texts of the page in `lang` that are exactly as in its English render."""
    english = set(texts(page("en")))
    same = SAME | SAME_IN[lang] | data
    return sorted(
        {
            text
            for text in texts(page(lang))
            if text in english and re.search(r"[A-Za-z]{2}", text)
            if text not in same and not DATE.match(text)
        }
    )


@pytest.fixture
def ticket(agent) -> Ticket:
    sla_policies_default()
    ticket = message_ingest(
        data=inbound(value="lotte@example.nl", subject=SUBJECT, body_text=BODY)
    ).ticket
    note_add(ticket=ticket, author=agent, body_text="Checked the scanner log")
    return ticket


def customer_data(ticket: Ticket) -> set[str]:
    return {SUBJECT, BODY, "Checked the scanner log", "lotte@example.nl", "Ada", f"#{ticket.pk}"}


def _get(client: Client, url: str, lang: str) -> str:
    # Fragments (the customer panel, the bell) answer htmx only.
    fragment = url.endswith(("/customer/", "/bell/"))
    response = client.get(
        url, HTTP_ACCEPT_LANGUAGE=lang, HTTP_HX_REQUEST="true" if fragment else ""
    )
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_the_list_speaks_the_browsers_language(desk_client, ticket, lang: str) -> None:
    html = _get(desk_client, LIST, lang)
    assert f'<html lang="{lang}">' in html
    shown = texts(html)
    for word in WORDS[lang]["list"] + WORDS[lang]["menu"]:
        assert word in shown, word
    left = english_left(lambda la: _get(desk_client, LIST, la), lang, data=customer_data(ticket))
    assert left == []


@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_a_ticket_and_its_customer_panel_speak_it(desk_client, ticket, lang: str) -> None:
    page = f"/desk/tickets/{ticket.pk}/"
    panel = f"/desk/tickets/{ticket.pk}/customer/"
    shown = texts(_get(desk_client, page, lang))
    for word in WORDS[lang]["ticket"]:
        assert word in shown, word
    for word in WORDS[lang]["panel"]:
        assert word in texts(_get(desk_client, panel, lang)), word
    data = customer_data(ticket) | {f"#{ticket.pk} {SUBJECT} · Helpdesk"}
    for url in (page, panel, "/desk/notifications/bell/"):
        assert english_left(lambda la, url=url: _get(desk_client, url, la), lang, data=data) == []


@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_search_chats_and_notifications_speak_it(desk_client, ticket, lang: str) -> None:
    shown = texts(_get(desk_client, "/desk/search/?q=order", lang))
    for word in WORDS[lang]["search"]:
        assert word in shown, word
    # The search marks the matched word: the subject comes in two pieces.
    data = customer_data(ticket) | {"Order", "7 has not arrived"}
    for url in ("/desk/search/?q=order", "/desk/chats/", "/desk/notifications/"):
        assert english_left(lambda la, url=url: _get(desk_client, url, la), lang, data=data) == []


@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_the_sign_in_page_speaks_it(client, lang: str) -> None:
    html = _get(client, "/desk/signin/", lang)
    assert f'<html lang="{lang}">' in html
    for word in WORDS[lang]["signin"]:
        assert word in texts(html), word
    assert english_left(lambda la: _get(Client(), "/desk/signin/", la), lang, data=set()) == []


def test_a_refused_sign_in_reads_the_same_in_dutch_for_any_account(
    client, django_user_model, make_agent
) -> None:
    make_agent("anna")
    django_user_model.objects.create_user(username="kim", password="pw-kim-1")
    said = []
    for username, password in (("anna", "wrong"), ("kim", "pw-kim-1")):
        response = client.post(
            "/desk/signin/",
            {"username": username, "password": password},
            HTTP_ACCEPT_LANGUAGE="nl",
        )
        assert response.status_code == 400
        said.append([t for t in texts(response.content.decode()) if "wachtwoord in" in t])
    # Not an agent, right password: the same words, so the page tells no one which exist.
    assert said[0] == said[1]
    assert said[0][0].startswith("Voer een juiste gebruikersnaam en wachtwoord in.")


def test_the_promise_and_dates_follow_the_language(desk_client, ticket) -> None:
    due = timezone.localtime(Ticket.objects.get(pk=ticket.pk).sla_due_at)
    labels = {"en": "in 1 d 23 h", "nl": "over 1 d 23 u", "pl": "za 1 dn. 23 h"}
    for lang, label in labels.items():
        shown = texts(_get(desk_client, LIST, lang))
        assert label in shown, (lang, shown)
        with translation.override(lang):
            when = formats.date_format(due, "D j M H:i")
        assert (f"Due {when}" if lang == "en" else when) in " ".join(shown)
    # The ticket page's timeline dates too: Polish day and month names.
    with translation.override("pl"):
        created = formats.date_format(timezone.localtime(ticket.created_at), "D j M H:i")
    assert created in texts(_get(desk_client, f"/desk/tickets/{ticket.pk}/", "pl"))


def test_the_menu_switch_sets_a_lasting_language_over_the_browsers(desk_client, ticket) -> None:
    html = _get(desk_client, "/desk/", "nl")
    form = re.search(r'<form class="language-switch" method="post" action="([^"]+)">', html)
    assert form
    assert form[1] == "/i18n/setlang/"
    assert re.search(
        r'<button type="submit" class="link" name="language" value="nl" lang="nl"'
        r' aria-current="true">Nederlands</button>',
        html,
    )
    assert '<input type="hidden" name="next" value="/desk/">' in html

    response = desk_client.post(
        "/i18n/setlang/",
        {"language": "pl", "next": "/desk/?view=unassigned"},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=unassigned"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "pl"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert cookie["samesite"] == "Lax"

    # The browser still asks for Dutch; the agent's choice wins, on every page.
    html = _get(desk_client, "/desk/?view=unassigned", "nl")
    assert '<html lang="pl">' in html
    assert "Nieprzypisane" in texts(html)
    assert 'value="pl" lang="pl" aria-current="true">Polski</button>' in html
    # Each language is named in itself, whatever the page's language ("English", not
    # "angielski"), so an agent finds theirs on a page they cannot read.
    names = re.findall(r'name="language" value="(\w+)" lang="\w+"[^>]*>([^<]+)</button>', html)
    assert names == [("en", "English"), ("nl", "Nederlands"), ("pl", "Polski")]
    assert "Oś czasu" in texts(_get(desk_client, f"/desk/tickets/{ticket.pk}/", "nl"))


def test_the_switch_stays_on_the_site_and_knows_only_our_languages(desk_client) -> None:
    response = desk_client.post(
        "/i18n/setlang/", {"language": "nl", "next": "https://evil.example/desk/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    # German is not one of ours: whatever the cookie says, the browser's language decides.
    desk_client.post("/i18n/setlang/", {"language": "de", "next": "/desk/"})
    assert '<html lang="nl">' in _get(desk_client, "/desk/", "nl")
    assert '<html lang="en">' in _get(desk_client, "/desk/", "de")


def test_the_live_region_texts_follow_the_chosen_language(desk_client) -> None:
    desk_client.post("/i18n/setlang/", {"language": "pl", "next": "/desk/"})
    answer = desk_client.get("/desk/live/texts/?lang=pl", HTTP_ACCEPT_LANGUAGE="en").json()
    assert answer["newMessage"] == "Nowa wiadomość w tym zgłoszeniu."
    assert answer["offline"] == "Aktualizacje na żywo wstrzymane. Ponowne łączenie…"
    assert all(text.strip() for text in answer.values())


def test_a_nearly_due_ticket_reads_in_hours_and_minutes(desk_client, ticket) -> None:
    due = timezone.now() + timedelta(hours=3, minutes=12, seconds=40)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)
    expected = {"en": "in 3 h 12 min", "nl": "over 3 u 12 min", "pl": "za 3 h 12 min"}
    for lang, label in expected.items():
        assert label in texts(_get(desk_client, LIST, lang)), lang
