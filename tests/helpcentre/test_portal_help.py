"""The help centre at /support/help/ as customers use it: readable without signing in,
suggestions while typing, votes, and signed-in-only articles."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from helpcentre import selectors
from helpcentre.models import Article, ArticleVote

pytestmark = pytest.mark.django_db

RETURNS = {
    "en": ("Returns and exchanges", "You can **return** merchandise within 14 days."),
    "nl": ("Retourneren en ruilen", "U kunt merchandise binnen 14 dagen retourneren."),
}


@pytest.fixture
def returns(write) -> Article:
    return write("returns", **RETURNS)


@pytest.fixture
def private(write) -> Article:
    return write(
        "ticket-name", en=("Change the name on a ticket", "In your account."), signed_in_only=True
    )


def test_the_front_page_shows_search_topics_and_most_read_without_signing_in(
    client, returns
) -> None:
    response = client.get(reverse("portal:help"), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'action="/support/help/search/"' in text
    assert "Retouren" in text  # the topic, in Dutch
    assert "Retourneren en ruilen" in text
    assert 'href="/support/help/category/returns/"' in text


def test_topics_are_in_their_authors_order(client, topic, write) -> None:
    from helpcentre.models import Category
    from helpcentre.services import CategoryText, category_save

    first = category_save(slug="zz-first", position=0, texts={"en": CategoryText("First")})
    Category.objects.filter(pk=topic.pk).update(position=5)
    write("a", en=("A", "Text."))
    write("b", en=("B", "Text."))
    Article.objects.filter(slug="b").update(category=first)
    text = client.get(reverse("portal:help")).content.decode()
    assert text.index(">First<") < text.index(">Returns<")


def test_a_topic_lists_its_articles(client, returns, private) -> None:
    response = client.get(reverse("portal:help_category", args=["returns"]))
    assert response.status_code == 200
    assert "Returns and exchanges" in response.content.decode()
    assert "Change the name on a ticket" not in response.content.decode()
    assert client.get(reverse("portal:help_category", args=["nope"])).status_code == 404


def test_an_article_shows_its_sanitised_html_and_counts_a_read(client, write) -> None:
    article = write("evil", en=("Evil", "Hi <script>alert(1)</script> **there**"))
    response = client.get(reverse("portal:help_article", args=["evil"]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "<strong>there</strong>" in text
    assert "alert(1)" not in text
    assert "Did this help?" in text
    article.refresh_from_db()
    assert article.read_count == 1


def test_the_last_updated_date_is_in_the_readers_language(client, returns) -> None:
    version = returns.translations.get(language="nl")
    response = client.get(
        reverse("portal:help_article", args=["returns"]), HTTP_ACCEPT_LANGUAGE="nl"
    )
    text = response.content.decode()
    assert "Bijgewerkt op" in text or "Last updated" in text  # the msgid until the lead merges
    from django.utils import formats, translation

    with translation.override("nl"):
        # The page shows the organisation's day; near midnight UTC that is another date.
        shown = formats.date_format(timezone.localtime(version.updated_at), "DATE_FORMAT")
        assert shown in text


def test_a_signed_in_only_article_asks_anybody_else_to_sign_in(
    client, customer, customer_client, private
) -> None:
    url = reverse("portal:help_article", args=["ticket-name"])
    anonymous = client.get(url)
    assert anonymous.status_code == 403
    text = anonymous.content.decode()
    assert 'href="/support/signin/"' in text
    assert "Change the name on a ticket" not in text
    assert "In your account." not in text
    assert Article.objects.get(slug="ticket-name").read_count == 0
    assert customer_client(customer).get(url).status_code == 200


def test_an_unknown_article_is_a_404(client) -> None:
    assert client.get(reverse("portal:help_article", args=["nope"])).status_code == 404


def test_search_results_in_dutch(client, returns) -> None:
    response = client.get(
        reverse("portal:help_search"), {"q": "retourneer"}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    assert response.status_code == 200
    assert "Retourneren en ruilen" in response.content.decode()
    empty = client.get(reverse("portal:help_search"), {"q": "zzzzqqq"})
    assert "Returns and exchanges" not in empty.content.decode()


def test_suggest_answers_a_fragment_of_links(client, returns) -> None:
    response = client.get(
        reverse("portal:help_suggest"), {"q": "retour"}, HTTP_ACCEPT_LANGUAGE="nl"
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.startswith("<ul")
    assert text.rstrip().endswith("</ul>")
    assert 'href="/support/help/articles/returns/"' in text
    assert "Retourneren en ruilen" in text
    assert "U kunt merchandise binnen 14 dagen retourneren." in text
    assert "<html" not in text


@pytest.mark.parametrize("query", ["", "re", "  r ", "zzzzqqq"])
def test_suggest_is_empty_for_short_or_unmatched_text(client, returns, query: str) -> None:
    response = client.get(reverse("portal:help_suggest"), {"q": query})
    assert response.status_code == 200
    assert response.content == b""


def test_suggest_offers_signed_in_only_articles_to_customers_only(
    client, customer, customer_client, private
) -> None:
    url = reverse("portal:help_suggest")
    assert client.get(url, {"q": "ticket name"}).content == b""
    signed_in = customer_client(customer).get(url, {"q": "ticket name"})
    assert "Change the name on a ticket" in signed_in.content.decode()


def test_suggest_shows_at_most_five(client, write) -> None:
    for n in range(7):
        write(f"parcel-{n}", en=(f"Parcel question {n}", "About parcels."))
    text = client.get(reverse("portal:help_suggest"), {"q": "parcel"}).content.decode()
    assert text.count("<li>") == 5


def test_suggest_is_one_query_for_an_anonymous_reader(
    client, returns, django_assert_max_num_queries
) -> None:
    with django_assert_max_num_queries(1):
        client.get(reverse("portal:help_suggest"), {"q": "return"})


def test_suggest_query_count_does_not_grow_with_articles(
    client, customer, customer_client, write, django_assert_max_num_queries
) -> None:
    for n in range(12):
        write(f"parcel-{n}", en=(f"Parcel question {n}", "About parcels."))
    signed_in = customer_client(customer)
    # The session, its user, its groups (staff are never customers) and the customer's
    # account; then the one search.
    with django_assert_max_num_queries(5):
        signed_in.get(reverse("portal:help_suggest"), {"q": "parcel"})


def test_pages_have_a_fixed_number_of_queries(client, write, django_assert_max_num_queries) -> None:
    for n in range(10):
        write(
            f"parcel-{n}",
            en=(f"Parcel question {n}", "About parcels."),
            nl=(f"Pakket {n}", "Over pakketten."),
        )
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:help"))
    # The topic, its names, its articles, their versions.
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:help_category", args=["returns"]))
    with django_assert_max_num_queries(4):
        client.get(reverse("portal:help_article", args=["parcel-3"]))


def test_an_anonymous_reader_votes_once_per_article_and_is_thanked(client, returns) -> None:
    url = reverse("portal:help_vote", args=["returns"])
    response = client.post(url, {"helpful": "yes"})
    assert response.status_code == 302
    assert response["Location"] == "/support/help/articles/returns/?voted=yes#vote"
    thanked = client.get(response["Location"])
    assert "Thank you for telling us." in thanked.content.decode()
    client.post(url, {"helpful": "no"})  # changing one's mind replaces the answer
    assert ArticleVote.objects.count() == 1
    assert selectors.article_votes(article_id=returns.pk) == (0, 1)


def test_another_anonymous_reader_is_another_vote(client, returns) -> None:
    from django.test import Client

    url = reverse("portal:help_vote", args=["returns"])
    client.post(url, {"helpful": "yes"})
    Client().post(url, {"helpful": "yes"})
    assert selectors.article_votes(article_id=returns.pk) == (2, 0)


def test_a_tampered_reader_cookie_is_a_new_reader(client, returns) -> None:
    url = reverse("portal:help_vote", args=["returns"])
    client.post(url, {"helpful": "yes"})
    client.cookies["help_reader"] = "forged-value"
    client.post(url, {"helpful": "yes"})
    assert ArticleVote.objects.filter(reader_key="forged-value").count() == 0
    assert ArticleVote.objects.count() == 2


def test_a_customer_votes_once_whatever_the_browser(
    client, customer, customer_client, returns
) -> None:
    url = reverse("portal:help_vote", args=["returns"])
    signed_in = customer_client(customer)
    signed_in.post(url, {"helpful": "yes"})
    signed_in.cookies.pop("help_reader", None)
    signed_in.post(url, {"helpful": "yes"})
    vote = ArticleVote.objects.get()
    assert vote.customer == customer
    assert vote.reader_key == ""


def test_a_vote_needs_an_answer_and_a_readable_article(
    client, customer, customer_client, returns, private
) -> None:
    assert (
        client.post(reverse("portal:help_vote", args=["returns"]), {"helpful": "maybe"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("portal:help_vote", args=["ticket-name"]), {"helpful": "yes"}
        ).status_code
        == 404
    )
    assert client.get(reverse("portal:help_vote", args=["returns"])).status_code == 405
    assert ArticleVote.objects.count() == 0


def test_my_requests_shows_the_help_centre_box(customer, customer_client, returns) -> None:
    response = customer_client(customer).get(reverse("portal:requests"))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'action="/support/help/search/"' in text
    assert 'href="/support/help/articles/returns/"' in text
