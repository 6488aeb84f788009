""" "How to reach us" on the portal's front: each offered channel's typical first reply over
the last 30 days, checked against medians computed by hand, beside the channel's promise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer
from tickets.models import SlaPolicy, Ticket
from tickets.response_times import CACHE_KEY
from tickets.services import reply_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_cached_figures() -> None:
    """The figures are cached for ten minutes in the shared cache: each test computes its own
    (only this key goes; a cache.clear() would flush the broker and channel layer too)."""
    cache.delete(CACHE_KEY)


def answered_after(
    ask: Callable[..., Customer],
    agent: Any,
    value: str,
    subject: str,
    wait: timedelta,
    channel: str = "email",
) -> Ticket:
    """A ticket created a day ago whose first human reply came `wait` later."""
    customer = ask(value, subject, channel=channel)
    ticket = customer.tickets.get(subject=subject)
    reply_create(ticket=ticket, author=agent, body_text="Here is your answer")
    # The reply happened now; move both ends so the wait is exactly the one we mean.
    created = timezone.now() - timedelta(days=1)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created, first_human_reply_at=created + wait
    )
    return ticket


def reach_us(page: str) -> str:
    """Only the section, so words elsewhere on the page cannot make a test pass."""
    start = page.index('class="portal-reach"')
    return " ".join(page[start : page.index("</section>", start)].split())


def test_each_channel_shows_its_median_and_promise(customer_client, ask, make_agent) -> None:
    anna = make_agent("anna")
    # Email: 10 min, 30 min, 2 h -> the median is 30 minutes.
    for n, wait in enumerate((timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2))):
        answered_after(ask, anna, f"c{n}@example.com", f"Mail {n}", wait)
    # WhatsApp: 2 h and 4 h -> an even count interpolates: 3 hours.
    for n, hours in enumerate((2, 4)):
        answered_after(
            ask, anna, f"+3161234567{n}", f"App {n}", timedelta(hours=hours), channel="whatsapp"
        )
    # Chat: one answer after 3 min 20 s -> "within" rounds up to 4 minutes.
    answered_after(ask, anna, "+31699999999", "Chat 1", timedelta(seconds=200), channel="chat")
    # An answer from before the window does not count.
    old = answered_after(ask, anna, "old@example.com", "Old", timedelta(days=5))
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    eva = ask("eva@example.com", "Mine")
    section = reach_us(customer_client(eva).get("/support/").content.decode())
    assert "How to reach us" in section
    assert "Email</strong> <span" in section
    assert "usually within 30 minutes · we promise 48 hours" in section
    assert "WhatsApp</strong>" in section
    assert "usually within 3 hours · we promise 24 hours" in section
    assert "usually within 4 minutes · we promise 48 hours" in section
    assert "days" not in section


def test_a_channel_without_answers_shows_only_its_promise(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Nobody answered yet")
    section = reach_us(customer_client(eva).get("/support/").content.decode())
    assert "usually" not in section
    assert 'Email</strong> <span class="portal-reach-times">we promise 48 hours</span>' in section
    assert 'WhatsApp</strong> <span class="portal-reach-times">we promise 24 hours</span>' in (
        section
    )


def test_a_channel_without_an_active_policy_is_not_offered(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order")
    SlaPolicy.objects.filter(name="Social").update(active=False)
    section = reach_us(customer_client(eva).get("/support/").content.decode())
    assert "WhatsApp" not in section
    assert "Instagram" not in section
    assert "we promise 48 hours" in section


def test_singular_wording(customer_client, ask, make_agent) -> None:
    answered_after(ask, make_agent("anna"), "a@example.com", "Quick", timedelta(seconds=30))
    eva = ask("eva@example.com", "Mine")
    section = reach_us(customer_client(eva).get("/support/").content.decode())
    assert "usually within 1 minute · we promise 48 hours" in section


def test_dutch_for_a_dutch_customer(customer_client, ask, make_agent) -> None:
    anna = make_agent("anna")
    for n, minutes in enumerate((10, 30, 120)):
        answered_after(ask, anna, f"c{n}@example.com", f"Mail {n}", timedelta(minutes=minutes))
    eva = ask("eva@example.com", "Mijn bestelling")
    eva.language = "nl"
    eva.save()
    section = reach_us(customer_client(eva).get("/support/").content.decode())
    assert "Zo bereikt u ons" in section
    assert "E-mail</strong>" in section
    assert "meestal binnen 30 minuten · wij beloven 48 uur" in section
    assert "wij beloven 24 uur" in section


def test_dutch_from_the_browser_when_the_customer_has_no_language(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order")
    eva.language = ""
    eva.save()
    page = customer_client(eva).get("/support/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "wij beloven 48 uur" in reach_us(page)


def test_the_figures_are_cached_so_the_query_count_stays_fixed(
    customer_client, ask, make_agent
) -> None:
    anna = make_agent("anna")
    eva = ask("eva@example.com", "Order 1")
    client = customer_client(eva)
    with CaptureQueriesContext(connection) as computing:
        client.get("/support/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/support/")
    # The aggregate and the per-channel policies are read once, then come from the cache.
    assert len(cached) < len(computing)
    for n in range(3):
        answered_after(ask, anna, f"c{n}@example.com", f"Mail {n}", timedelta(minutes=5))
    answered_after(ask, anna, "+31612345678", "App", timedelta(hours=1), channel="whatsapp")
    with CaptureQueriesContext(connection) as more_cached:
        client.get("/support/")
    assert len(more_cached) == len(cached)
    cache.delete(CACHE_KEY)
    with CaptureQueriesContext(connection) as recomputing:
        page = client.get("/support/").content.decode()
    # More answered tickets and channels cost no extra query: one grouped aggregate.
    assert len(recomputing) == len(computing) + (len(more_cached) - len(cached))
    assert "usually within 5 minutes" in reach_us(page)
