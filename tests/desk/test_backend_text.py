# ruff: noqa: RUF001 (the Polish SLA lines put an en dash after the metric, as the UI does)
"""The backend's English sentences (timeline events, service refusals) in the desk's
language: each pattern renders in Dutch and Polish, an unknown sentence is shown as stored
(and escaped in a page), and through HTTP a ticket's chasing line and an empty reply's
refusal read in Dutch while the stored text and the API stay English."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from django.utils.translation import override

from desk.backend_text import error_text, event_text
from tests.factories import inbound
from tickets.models import EventKind, TicketEvent
from tickets.services import message_ingest, sla_policies_default

# stored English → (Dutch, Polish)
EVENTS = {
    "joined: replied to message 12": (
        "gekoppeld: antwoord op bericht 12",
        "dołączono: odpowiedź na wiadomość 12",
    ),
    "joined: ticket token #7": ("gekoppeld: ticketkenmerk #7", "dołączono: znacznik zgłoszenia #7"),
    "joined: same customer's open ticket": (
        "gekoppeld: open ticket van dezelfde klant",
        "dołączono: otwarte zgłoszenie tego samego klienta",
    ),
    "created from email": ("aangemaakt via E-mail", "utworzono z kanału E-mail"),
    "created by an agent (phone)": (
        "aangemaakt door een medewerker (Telefoon)",
        "utworzone przez agenta (Telefon)",
    ),
    "follow-up of closed ticket #3": (
        "vervolg op gesloten ticket #3",
        "kontynuacja zamkniętego zgłoszenia #3",
    ),
    "customer wrote again: follow-up ticket #9 opened": (
        "klant schreef opnieuw: vervolgticket #9 geopend",
        "klient napisał ponownie: otwarto zgłoszenie następcze #9",
    ),
    "reopened: the customer wrote again": (
        "heropend: de klant schreef opnieuw",
        "otwarte ponownie: klient napisał jeszcze raz",
    ),
    "status pending → open: the customer replied": (
        "status in afwachting → open: de klant reageerde",
        "status oczekujące → otwarte: klient odpowiedział",
    ),
    "status solved → closed: aged out": (
        "status opgelost → gesloten: verlopen",
        "status rozwiązane → zamknięte: minął czas",
    ),
    "status on_hold → solved": ("status in de wacht → opgelost", "status wstrzymane → rozwiązane"),
    "customer contacted you 7 times without an answer": (
        "klant heeft je 7 keer benaderd zonder antwoord",
        "klient kontaktował się 7 razy bez odpowiedzi",
    ),
    "customer contacted you 3 times without an answer "
    "(4 repeat contacts counted over the merge with #5)": (
        "klant heeft je 3 keer benaderd zonder antwoord "
        "(4 herhaalde contacten geteld bij het samenvoegen met #5)",
        "klient kontaktował się 3 razy bez odpowiedzi "
        "(4 ponowne kontakty policzone przy scalaniu z #5)",
    ),
    "1 repeat contacts counted over the merge with #5": (
        "1 herhaald contact geteld bij het samenvoegen met #5",
        "1 ponowny kontakt policzony przy scalaniu z #5",
    ),
    "assigned to anna": ("toegewezen aan anna", "przypisano do anna"),
    "unassigned": ("toewijzing opgeheven", "usunięto przypisanie"),
    "team: none": ("team: geen", "zespół: brak"),
    "team: Billing": ("team: Billing", "zespół: Billing"),
    "priority normal → high: the customer is chasing": (
        "prioriteit normaal → hoog: de klant blijft aandringen",
        "priorytet normalny → wysoki: klient ponagla",
    ),
    "priority high → urgent: SLA breached": (
        "prioriteit hoog → urgent: SLA overschreden",
        "priorytet wysoki → pilny: przekroczono SLA",
    ),
    "priority low → normal": ("prioriteit laag → normaal", "priorytet niski → normalny"),
    "tags: none": ("tags: geen", "tagi: brak"),
    "tags: refund, vip": ("tags: refund, vip", "tagi: refund, vip"),
    "subject: Order 7": ("onderwerp: Order 7", "temat: Order 7"),
    "to-do: Call back +31612345678": (
        "taak: +31612345678 terugbellen",
        "zadanie: Oddzwoń do +31612345678",
    ),
    "to-do still open: Call back +31612345678 (3 missed calls)": (
        "taak staat nog open: +31612345678 terugbellen (3 gemiste oproepen)",
        "zadanie wciąż otwarte: Oddzwoń do +31612345678 (3 nieodebrane połączenia)",
    ),
    "to-do done: Send the invoice": (
        "taak afgerond: Send the invoice",
        "zadanie wykonane: Send the invoice",
    ),
    "missed call from the customer": (
        "gemiste oproep van de klant",
        "nieodebrane połączenie od klienta",
    ),
    "missed call from +31612345678": (
        "gemiste oproep van +31612345678",
        "nieodebrane połączenie od +31612345678",
    ),
    "merged into #12": ("samengevoegd met #12", "scalono z #12"),
    "#4 merged in (1 messages)": (
        "#4 hierin samengevoegd (1 bericht)",
        "#4 scalono tutaj (1 wiadomość)",
    ),
    "#4 merged in (5 messages)": (
        "#4 hierin samengevoegd (5 berichten)",
        "#4 scalono tutaj (5 wiadomości)",
    ),
    "split off from #4": ("afgesplitst van #4", "wydzielono z #4"),
    "message 8 moved to #4": ("bericht 8 verplaatst naar #4", "wiadomość 8 przeniesiono do #4"),
    "message 8 moved here from #4": (
        "bericht 8 hierheen verplaatst van #4",
        "wiadomość 8 przeniesiono tutaj z #4",
    ),
    "customer 3 merged into 2": ("klant 3 samengevoegd met 2", "klienta 3 scalono z 2"),
    "SLA: first response due 2026-11-21 10:00 "
    "(4 h (business hours) under Standard v2, from the email contact at 2026-11-21 06:00)": (
        "SLA: eerste reactie uiterlijk 2026-11-21 10:00 (4 h (kantooruren) volgens Standard v2, "
        "vanaf het contact via E-mail om 2026-11-21 06:00)",
        "SLA: pierwsza odpowiedź – termin 2026-11-21 10:00 (4 h (godziny pracy) wg Standard v2, "
        "od kontaktu przez E-mail o 2026-11-21 06:00)",
    ),
    "SLA: resolution now due 2026-11-21 10:00, earlier: "
    "30 min (around the clock) under Chat v1, from the ticket at 2026-11-21 09:30": (
        "SLA: oplossing nu uiterlijk 2026-11-21 10:00, eerder: 30 min (de klok rond) volgens "
        "Chat v1, vanaf het ticket om 2026-11-21 09:30",
        "SLA: rozwiązanie – teraz termin 2026-11-21 10:00, wcześniej: 30 min (całodobowo) wg "
        "Chat v1, od zgłoszenia o 2026-11-21 09:30",
    ),
    "SLA: next response met late": (
        "SLA: volgende reactie te laat gehaald",
        "SLA: kolejna odpowiedź – dotrzymano z opóźnieniem",
    ),
    "SLA: resolution met": ("SLA: oplossing gehaald", "SLA: rozwiązanie – dotrzymano"),
    "SLA: first response breached (was due 2026-11-21 10:00)": (
        "SLA: eerste reactie overschreden (uiterlijk 2026-11-21 10:00)",
        "SLA: pierwsza odpowiedź – przekroczono termin (2026-11-21 10:00)",
    ),
    "SLA: resolution paused while pending": (
        "SLA: oplossing gepauzeerd zolang in afwachting",
        "SLA: rozwiązanie wstrzymane na czas statusu oczekujące",
    ),
    "SLA: resolution resumed, due 2026-11-21 10:00": (
        "SLA: oplossing hervat, uiterlijk 2026-11-21 10:00",
        "SLA: rozwiązanie wznowione, termin 2026-11-21 10:00",
    ),
    "SLA: first response re-timed to 2026-11-21 10:00 (Standard v3)": (
        "SLA: eerste reactie verzet naar 2026-11-21 10:00 (Standard v3)",
        "SLA: pierwsza odpowiedź – termin przesunięto na 2026-11-21 10:00 (Standard v3)",
    ),
    "customer rated 2/5: too slow": ("klant gaf 2/5: too slow", "klient ocenił na 2/5: too slow"),
    "customer rated 5/5": ("klant gaf 5/5", "klient ocenił na 5/5"),
    "customer changed the rating 2/5 → 4/5: better": (
        "klant wijzigde de beoordeling 2/5 → 4/5: better",
        "klient zmienił ocenę 2/5 → 4/5: better",
    ),
    "customer changed the rating 2/5 → 4/5": (
        "klant wijzigde de beoordeling 2/5 → 4/5",
        "klient zmienił ocenę 2/5 → 4/5",
    ),
    "recovery of the 1/5 rating acknowledged": (
        "opvolging van de beoordeling 1/5 afgehandeld",
        "obsługa oceny 1/5 potwierdzona",
    ),
    "survey not sent: customer surveyed recently": (
        "enquête niet verstuurd: klant kreeg onlangs al een enquête",
        "ankieta niewysłana: klient niedawno otrzymał ankietę",
    ),
    "satisfaction survey sent (email with rating links)": (
        "tevredenheidsenquête verstuurd (e-mail met beoordelingslinks)",
        "wysłano ankietę satysfakcji (e-mail z linkami do oceny)",
    ),
}

ERRORS = {
    "a reply needs some text": ("een antwoord heeft tekst nodig", "odpowiedź musi zawierać tekst"),
    "a note needs some text": ("een notitie heeft tekst nodig", "notatka musi zawierać tekst"),
    "a to-do needs some text": ("een taak heeft tekst nodig", "zadanie musi zawierać tekst"),
    "at most 10 files can go on one message": (
        "er kunnen maximaal 10 bestanden bij één bericht",
        "do jednej wiadomości można dołączyć najwyżej 10 plików",
    ),
    "big.pdf is larger than the 25 MB a file may be": (
        "big.pdf is groter dan de toegestane 25 MB per bestand",
        "big.pdf jest większy niż dozwolone 25 MB na plik",
    ),
    "files cannot be sent on Live chat: reply by email or add them to a note": (
        "via Livechat kunnen geen bestanden worden verstuurd: antwoord per e-mail of voeg ze "
        "toe aan een notitie",
        "przez Czat na żywo nie można wysyłać plików: odpowiedz e-mailem albo dodaj je do notatki",
    ),
    "the WhatsApp 24-hour window closed at 2026-11-21 10:00 CET; send an approved template": (
        "het 24-uursvenster van WhatsApp is gesloten op 2026-11-21 10:00 CET; "
        "stuur een goedgekeurd sjabloon",
        "24-godzinne okno WhatsApp zamknęło się 2026-11-21 10:00 CET; wyślij zatwierdzony szablon",
    ),
    "the customer has not written to us on Facebook Messenger, so no free-text reply is "
    "allowed; answer on another channel or wait for the customer to write": (
        "de klant heeft ons nog niet via Messenger geschreven, dus een vrij antwoord is niet "
        "toegestaan; antwoord via een ander kanaal of wacht tot de klant schrijft",
        "klient nie napisał do nas przez Messenger, więc odpowiedź dowolnym tekstem nie jest "
        "dozwolona; odpowiedz innym kanałem albo poczekaj, aż klient napisze",
    ),
    "the customer has no whatsapp identity to reply to": (
        "de klant heeft geen WhatsApp-adres om op te antwoorden",
        "klient nie ma adresu WhatsApp, na który można odpowiedzieć",
    ),
    "a ticket needs a subject": (
        "een ticket heeft een onderwerp nodig",
        "zgłoszenie musi mieć temat",
    ),
    "ticket #12 cannot take messages (merged or closed)": (
        "ticket #12 kan geen berichten meer ontvangen (samengevoegd of gesloten)",
        "zgłoszenie #12 nie może przyjmować wiadomości (scalone lub zamknięte)",
    ),
    "ticket #4 was already merged into #9": (
        "ticket #4 is al samengevoegd met #9",
        "zgłoszenie #4 zostało już scalone z #9",
    ),
    "ticket #4 is closed and read-only": (
        "ticket #4 is gesloten en alleen-lezen",
        "zgłoszenie #4 jest zamknięte i tylko do odczytu",
    ),
    "tickets of different customers cannot be merged; merge the customers first": (
        "tickets van verschillende klanten kunnen niet worden samengevoegd; voeg eerst de "
        "klanten samen",
        "nie można scalić zgłoszeń różnych klientów; najpierw scal klientów",
    ),
    "customer 3 was already merged into 5": (
        "klant 3 is al samengevoegd met 5",
        "klient 3 został już scalony z 5",
    ),
    "email eva@example.com already belongs to customer 7; merge them instead": (
        "E-mail eva@example.com hoort al bij klant 7; voeg ze in plaats daarvan samen",
        "E-mail eva@example.com należy już do klienta 7; zamiast tego scal klientów",
    ),
}


@pytest.mark.parametrize("stored", EVENTS)
@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_an_event_line_reads_in_the_language(stored: str, lang: str) -> None:
    with override(lang):
        assert event_text(stored) == EVENTS[stored][["nl", "pl"].index(lang)]


@pytest.mark.parametrize("stored", ERRORS)
@pytest.mark.parametrize("lang", ["nl", "pl"])
def test_a_refusal_reads_in_the_language(stored: str, lang: str) -> None:
    with override(lang):
        assert error_text(Exception(stored)) == ERRORS[stored][["nl", "pl"].index(lang)]


# English the desk words better than the services store it (a singular, a label).
EN_BETTER = {
    "1 repeat contacts counted over the merge with #5": (
        "1 repeat contact counted over the merge with #5"
    ),
    "#4 merged in (1 messages)": "#4 merged in (1 message)",
}


@pytest.mark.parametrize("stored", [*EVENTS, *ERRORS])
def test_english_stays_as_stored_but_for_the_labels(stored: str) -> None:
    """English shows the same sentence; a status or channel may read as its label."""
    with override("en"):
        shown = event_text(stored) if stored in EVENTS else error_text(stored)
    expected = EN_BETTER.get(stored, stored).replace("Facebook Messenger", "Messenger")
    assert shown.lower().replace("_", " ") == expected.lower().replace("_", " ")


def test_an_unknown_sentence_is_shown_as_stored() -> None:
    odd = "imported from <Legacy> & co"
    with override("nl"):
        assert event_text(odd) == odd
        assert error_text(odd) == odd
        assert event_text("") == ""


@pytest.fixture
def chased(db):
    sla_policies_default()
    first = message_ingest(
        data=inbound(value="mila@example.nl", subject="Waar blijft <b>mijn</b> pakket?")
    )
    for _ in range(3):
        message_ingest(data=inbound(value="mila@example.nl", ticket_number=first.ticket.pk))
    return first.ticket


def test_the_ticket_page_shows_event_lines_in_dutch(desk_client, chased) -> None:
    stored = TicketEvent.objects.filter(ticket=chased, kind=EventKind.CHASING).last()
    assert stored is not None
    assert stored.text.startswith("customer contacted you")
    TicketEvent.objects.create(ticket=chased, kind=EventKind.TAGS, text="tags: <script>x</script>")
    html = desk_client.get(
        f"/desk/tickets/{chased.pk}/", HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()
    count = stored.data["contacts"]
    assert f"klant heeft je {count} keer benaderd zonder antwoord" in html
    assert "customer contacted you" not in html
    # Whatever the customer wrote inside a sentence stays escaped.
    assert escape("tags: <script>x</script>") in html
    stored.refresh_from_db()
    assert stored.text.startswith("customer contacted you")


def test_an_empty_reply_is_refused_in_dutch(desk_client, chased) -> None:
    seen = chased.messages.order_by("-pk").values_list("pk", flat=True)[0]
    response = desk_client.post(
        f"/desk/tickets/{chased.pk}/composer/send/",
        {"kind": "reply", "seen": seen, "body": "   "},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "een antwoord heeft tekst nodig" in html
    assert "a reply needs some text" not in html
