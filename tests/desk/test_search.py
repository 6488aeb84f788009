"""The desk's search through HTTP: stemming per language, Polish as decided (unaccented
prefixes), exact ticket numbers, email addresses and phone numbers in any format, the
restricted-team rule, filters, keyset pages, escaping, and a query count that does not grow
with the number of matches."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from desk.search.terms import polish_stem, search_terms_parse
from tests.factories import inbound
from tickets.models import Team, Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def _ticket(value: str, body: str, *, language: str = "", **kwargs) -> Ticket:
    ticket = message_ingest(
        data=inbound(value=value, body_text=body, language_hint=language, **kwargs)
    ).ticket
    if language:
        # The hint may lose to detection from the text; the test states the language.
        Customer.objects.filter(pk=ticket.customer_id).update(language=language)
    return ticket


def _search(client, q: str, **params) -> str:
    response = client.get("/desk/search/", {"q": q, **params})
    assert response.status_code == 200
    return response.content.decode()


def _ticket_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="row search-row" data-ticket="(\d+)"', html)]


def _customer_names(html: str) -> list[str]:
    return re.findall(r'class="search-customer-name"[^>]*>([^<]*)<', html)


def test_dutch_stems_find_facturen_in_a_message_about_a_factuur(desk_client) -> None:
    dutch = _ticket(
        "lotte@example.nl",
        "Kunnen jullie de factuur opnieuw sturen?",
        language="nl",
        subject="Vraag",
        customer_name="Lotte Visser",
    )
    _ticket("sam@example.com", "Where is my parcel?", language="en")
    html = _search(desk_client, "facturen")
    assert _ticket_ids(html) == [dutch.pk]
    # The snippet marks the matched word, highlighted in the customer's language.
    assert "de <mark>factuur</mark> opnieuw" in html


def test_english_stems_find_invoices_in_a_message_about_an_invoice(desk_client) -> None:
    english = _ticket("sam@example.com", "I still need the invoice for May.", language="en")
    _ticket("lotte@example.nl", "Waar blijft mijn bestelling?", language="nl")
    html = _search(desk_client, "invoices")
    assert _ticket_ids(html) == [english.pk]
    assert "<mark>invoice</mark>" in html


def test_polish_is_matched_unaccented_and_in_its_common_forms(desk_client) -> None:
    """No Polish stemmer ships with PostgreSQL: Polish words are indexed unaccented, and the
    query's light stemmer adds each word's common forms — "faktura" finds "fakturę" and
    "faktury"; "zamowienie" typed without accents finds "zamówienia"."""
    invoice = _ticket("piotr@example.pl", "Czy mogą Państwo wysłać fakturę?", language="pl")
    invoices = _ticket("zofia@example.pl", "Nie mam jeszcze faktury.", language="pl")
    order = _ticket("kacper@example.pl", "Gdzie jest status zamówienia?", language="pl")
    _ticket("emma@example.com", "Hello, a question about my account.", language="en")
    assert sorted(_ticket_ids(_search(desk_client, "faktura"))) == [invoice.pk, invoices.pk]
    assert _ticket_ids(_search(desk_client, "zamowienie")) == [order.pk]
    assert polish_stem("fakturę") == "faktur"
    forms = search_terms_parse(q="faktura").forms
    assert {"faktura", "fakturę", "faktury", "fakturze"} <= set(forms.strip("()").split(" | "))


def test_a_phone_number_in_any_format_finds_the_whatsapp_customer_and_their_tickets(
    desk_client,
) -> None:
    first = _ticket("31612345678", "Hoi, mijn pakket is kapot", channel="whatsapp")
    Ticket.objects.filter(pk=first.pk).update(status="closed")
    second = _ticket("31612345678", "Nog een vraag", channel="whatsapp")
    other = _ticket("31687654321", "Andere klant", channel="whatsapp")
    for q in ("06 12345678", "+31 6 1234 5678", "0031612345678", "06-12345678"):
        html = _search(desk_client, q)
        assert _ticket_ids(html) == [second.pk, first.pk], q
        assert other.pk not in _ticket_ids(html)
        assert "+31612345678" in html
        assert "exact match" in html


def test_an_email_address_finds_the_customer_in_any_case(desk_client) -> None:
    ticket = _ticket("lotte@example.nl", "Hallo", customer_name="Lotte Visser")
    _ticket("lotte.other@example.nl", "Hallo", customer_name="Lotte Jansen")
    html = _search(desk_client, "  Lotte@Example.NL ")
    assert _customer_names(html) == ["Lotte Visser"]
    assert _ticket_ids(html) == [ticket.pk]


def test_a_name_fragment_finds_customers_without_accents(desk_client) -> None:
    _ticket("w@example.pl", "Dzień dobry", customer_name="Łucja Wiśniewska")
    _ticket("j@example.nl", "Hallo", customer_name="Daan Jansen")
    html = _search(desk_client, "wisniew", scope="customers")
    assert _customer_names(html) == ["Łucja Wiśniewska"]
    assert _customer_names(_search(desk_client, "daan jans")) == ["Daan Jansen"]


def test_hash_number_jumps_to_the_ticket_and_a_bare_number_links_it(desk_client) -> None:
    ticket = _ticket("eva@example.com", "Where is my order?")
    response = desk_client.get("/desk/search/", {"q": f"#{ticket.pk}"})
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    html = _search(desk_client, str(ticket.pk))
    assert f'class="search-exact-link"><span class="number">#{ticket.pk}</span>' in html
    # While typing (htmx), the number is a link, not a jump.
    fragment = desk_client.get(
        "/desk/search/", {"q": f"#{ticket.pk}"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert f'href="/desk/tickets/{ticket.pk}/"' in fragment.content.decode()


def test_a_restricted_teams_ticket_never_shows_to_an_outsider(client, agent, make_agent) -> None:
    legal = Team.objects.create(name="Legal", restricted=True)
    member = make_agent("lena")
    legal.members.add(member)
    secret = _ticket("ceo@example.com", "Confidential settlement budget", customer_name="Big Boss")
    Ticket.objects.filter(pk=secret.pk).update(team=legal)
    public = _ticket("eva@example.com", "Our budget for the party")
    client.force_login(agent)
    for q, params in (("budget", {}), ("budget", {"scope": "tickets"}), ("ceo@example.com", {})):
        assert secret.pk not in _ticket_ids(_search(client, q, **params)), q
    assert _ticket_ids(_search(client, "budget")) == [public.pk]
    # The number does not reveal it either: no jump, no link.
    response = client.get("/desk/search/", {"q": f"#{secret.pk}"})
    assert response.status_code == 200
    assert f'/desk/tickets/{secret.pk}/"' not in response.content.decode()
    # The customer still shows (customers are not restricted) but counts no hidden ticket.
    assert "0 tickets" in _search(client, "Big Boss")
    client.force_login(member)
    assert _ticket_ids(_search(client, "budget")) == [public.pk, secret.pk]


def test_filters_narrow_by_status_channel_and_scope(desk_client) -> None:
    mail = _ticket("a@example.com", "Parcel damaged in transit")
    chat = _ticket("b@example.com", "Parcel damaged again", channel="chat", kind="chat")
    Ticket.objects.filter(pk=mail.pk).update(status="solved")
    assert _ticket_ids(_search(desk_client, "damaged")) == [chat.pk, mail.pk]
    assert _ticket_ids(_search(desk_client, "damaged", status="solved")) == [mail.pk]
    assert _ticket_ids(_search(desk_client, "damaged", channel="chat")) == [chat.pk]
    only_customers = _search(desk_client, "damaged", scope="customers")
    assert _ticket_ids(only_customers) == []
    assert 'id="search-tickets-title"' not in only_customers
    assert "Clear filters" in only_customers


def test_tickets_come_newest_first_in_keyset_pages(desk_client) -> None:
    ids = [_ticket(f"c{n}@example.com", f"Refund request number {n}").pk for n in range(25)]
    first = desk_client.get("/desk/search/", {"q": "refund"}).content.decode()
    assert _ticket_ids(first) == sorted(ids, reverse=True)[:20]
    more = re.search(r'hx-get="(/desk/search/\?[^"]+)"', first)
    assert more is not None
    rest = desk_client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert _ticket_ids(rest.content.decode()) == sorted(ids, reverse=True)[20:]
    assert "<h1" not in rest.content.decode()


def test_customer_text_is_escaped_in_snippets(desk_client) -> None:
    _ticket("x@example.com", "Help <script>alert(1)</script> my refund \x02oops\x03")
    html = _search(desk_client, "refund")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>refund</mark>" in html
    assert "<mark>oops</mark>" not in html


def test_typing_in_the_top_bar_gets_the_results_fragment(desk_client) -> None:
    _ticket("eva@example.com", "My parcel never arrived")
    response = desk_client.get("/desk/search/", {"q": "parcel"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="search-filters"' in html
    assert "<html" not in html
    assert len(_ticket_ids(html)) == 1


def test_an_empty_or_unreadable_query_answers_calmly(desk_client) -> None:
    assert "Type a ticket number" in _search(desk_client, "")
    for q in ("&&&", "'\"", "!!! ???", "-", "a" * 600, "#"):
        assert 'class="search-summary"' in _search(desk_client, q), q


def _queries(client, q: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/desk/search/", {"q": q}).status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_matches(desk_client) -> None:
    for n in range(10):
        _ticket(f"few{n}@example.com", f"Wrong size delivered {n}", customer_name=f"Size {n}")
    few = _queries(desk_client, "size")
    for n in range(50):
        ticket = _ticket(f"many{n}@example.com", f"Wrong size again {n}", customer_name=f"Size {n}")
        message_ingest(data=inbound(value=f"many{n}@example.com", body_text="Size still wrong"))
        assert ticket.pk
    many = _queries(desk_client, "size")
    assert few == many
    assert _queries(desk_client, "+31 6 1234 5678") <= few


def test_rows_written_straight_into_the_tables_are_found(desk_client) -> None:
    """seed_scale inserts with INSERT … SELECT, never through the services: the search
    columns are generated by PostgreSQL, so those rows are found like any other."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_scale", tickets=30, stdout=StringIO())
    assert len(_ticket_ids(_search(desk_client, "factuur OR invoice OR fakturę"))) > 0
    assert len(_ticket_ids(_search(desk_client, "bestellingen"))) > 0
