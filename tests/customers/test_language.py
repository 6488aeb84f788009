"""The customer's language: detected from what each channel tells and from the text, with
one precedence rule (agent > channel > text > phone country), corrected by agents over the
API. Channel-level tests (email, WhatsApp, chat, surveys) live beside their channels."""

from __future__ import annotations

import pytest

from customers.language import (
    customer_language_observe,
    customer_language_record,
    language_detect,
    language_from_phone,
    language_from_tag,
)
from customers.models import Customer, LanguageSource
from customers.services import customer_merge, customer_resolve

DUTCH = (
    "Goedemiddag, de rits van mijn tent is kapot. Kan ik hem omruilen of krijg ik mijn geld terug?"
)
POLISH = (
    "Dzień dobry, moje zamówienie jeszcze nie dotarło. Czy mogą Państwo sprawdzić, co się dzieje?"
)
ENGLISH = (
    "Hello, my order still has not arrived and the tracking page shows nothing. What should I do?"
)
GERMAN = "Guten Tag, meine Bestellung ist noch nicht angekommen. Was soll ich jetzt tun?"


# --- detection (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (DUTCH, "nl"),
        (POLISH, "pl"),
        (ENGLISH, "en"),
        ("Ik wil graag mijn geld terug voor deze bestelling.", "nl"),
        ("Proszę o zwrot pieniędzy za to zamówienie.", "pl"),
    ],
)
def test_text_in_a_shipped_language_is_recognised(text: str, expected: str) -> None:
    assert language_detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ok",
        "Dank je!",  # Dutch, but too few letters to trust
        "order #48213 ???",
        "12345 67890 !!! ???",
        GERMAN,  # not one of ours: never forced into Dutch
        "Bonjour, ma commande n'est toujours pas arrivée. Pouvez-vous vérifier ?",
    ],
)
def test_short_or_foreign_text_says_nothing(text: str) -> None:
    assert language_detect(text) == ""


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("+31612345678", "nl"),
        ("31612345678", "nl"),  # a WhatsApp wa_id: digits only
        ("48512345678", "pl"),
        ("+44 7700 900123", "en"),
        ("+4915123456789", ""),  # Germany: not a language we ship
        ("not a number", ""),
        ("", ""),
    ],
)
def test_phone_country_hint(number: str, expected: str) -> None:
    assert language_from_phone(number) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("nl", "nl"),
        ("nl-BE", "nl"),
        ("PL-pl", "pl"),
        ("en_GB", "en"),
        ("pl, en;q=0.8", "pl"),
        ("de-DE, nl;q=0.5", ""),  # the first choice counts, and it is not ours
        ("x-klingon", ""),
        ("", ""),
    ],
)
def test_language_tags(tag: str, expected: str) -> None:
    assert language_from_tag(tag) == expected


# --- precedence -----------------------------------------------------------------------------


def _customer() -> Customer:
    return customer_resolve(kind="email", value="anna@example.com").customer


def _stored(customer: Customer) -> tuple[str, str]:
    fresh = Customer.objects.get(pk=customer.pk)
    return fresh.language, fresh.language_source


@pytest.mark.django_db
def test_a_stronger_signal_replaces_a_weaker_one_never_the_reverse() -> None:
    customer = _customer()
    customer_language_record(customer=customer, language="pl", source=LanguageSource.PHONE_COUNTRY)
    assert _stored(customer) == ("pl", "phone_country")
    customer_language_record(customer=customer, language="en", source=LanguageSource.TEXT)
    assert _stored(customer) == ("en", "text")
    customer_language_record(customer=customer, language="pl", source=LanguageSource.PHONE_COUNTRY)
    assert _stored(customer) == ("en", "text")
    customer_language_record(customer=customer, language="nl", source=LanguageSource.CHANNEL)
    assert _stored(customer) == ("nl", "channel")
    customer_language_record(customer=customer, language="en", source=LanguageSource.TEXT)
    assert _stored(customer) == ("nl", "channel")
    # The same kind of signal later: the customer's latest word counts.
    customer_language_record(customer=customer, language="pl", source=LanguageSource.CHANNEL)
    assert _stored(customer) == ("pl", "channel")
    customer_language_record(customer=customer, language="en", source=LanguageSource.AGENT)
    for source in (LanguageSource.CHANNEL, LanguageSource.TEXT, LanguageSource.PHONE_COUNTRY):
        customer_language_record(customer=customer, language="nl", source=source)
    assert _stored(customer) == ("en", "agent")


@pytest.mark.django_db
def test_languages_we_do_not_ship_and_unknown_sources_are_refused() -> None:
    customer = _customer()
    customer_language_record(customer=customer, language="de", source=LanguageSource.CHANNEL)
    assert _stored(customer) == ("", "")
    with pytest.raises(ValueError, match="source"):
        customer_language_record(customer=customer, language="nl", source="guess")


@pytest.mark.django_db
def test_observe_explicit_hint_beats_text_and_text_beats_phone() -> None:
    customer = _customer()
    customer_language_observe(
        customer=customer, hint="pl", hint_source=LanguageSource.PHONE_COUNTRY, text="ok"
    )
    assert _stored(customer) == ("pl", "phone_country")
    customer_language_observe(
        customer=customer, hint="pl", hint_source=LanguageSource.PHONE_COUNTRY, text=ENGLISH
    )
    assert _stored(customer) == ("en", "text")
    customer_language_observe(customer=customer, hint="nl-NL", text=POLISH)
    assert _stored(customer) == ("nl", "channel")
    # No hint, Polish text: text does not replace the channel's word.
    customer_language_observe(customer=customer, text=POLISH)
    assert _stored(customer) == ("nl", "channel")


@pytest.mark.django_db
def test_the_portal_hook_takes_a_browser_language() -> None:
    """What the customer portal will call with the browser's Accept-Language."""
    customer = _customer()
    customer_language_observe(customer=customer, hint="pl-PL,pl;q=0.9,en;q=0.8")
    assert _stored(customer) == ("pl", "channel")


@pytest.mark.django_db
def test_a_merge_keeps_the_stronger_language() -> None:
    agent_set = _customer()
    customer_language_record(customer=agent_set, language="en", source=LanguageSource.AGENT)
    detected = customer_resolve(kind="email", value="anna.private@example.com").customer
    customer_language_record(customer=detected, language="nl", source=LanguageSource.TEXT)
    survivor = customer_merge(source=agent_set, target=detected)
    assert _stored(survivor) == ("en", "agent")


# --- the agent's correction over the API ----------------------------------------------------


@pytest.mark.django_db
def test_agent_corrects_the_language_and_the_api_shows_where_it_came_from(api) -> None:
    customer = _customer()
    customer_language_record(customer=customer, language="nl", source=LanguageSource.TEXT)
    shown = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert (shown["language"], shown["language_source"]) == ("nl", "text")

    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"language": "pl"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["language"], response.json()["language_source"]) == ("pl", "agent")
    assert _stored(customer) == ("pl", "agent")

    # Blank: the agent says "unknown"; detection may then try again.
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"language": ""}, format="json")
    assert (response.json()["language"], response.json()["language_source"]) == ("", "")


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["de", "nederlands", "NL-nl", 7])
def test_agent_gets_a_400_for_a_language_we_do_not_ship(api, value) -> None:
    customer = _customer()
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"language": value}, format="json")
    assert response.status_code == 400
    assert "en, nl or pl" in str(response.json()["language"])
    assert _stored(customer) == ("", "")


@pytest.mark.django_db
def test_agent_created_customer_language_counts_as_the_agents(api) -> None:
    response = api.post(
        "/api/v1/customers/",
        {"name": "Jan", "language": "nl", "identities": [{"kind": "email", "value": "j@x.nl"}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["language"], response.json()["language_source"]) == ("nl", "agent")
