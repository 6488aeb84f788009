"""Reading the help centre: the reader's language with fallback, search in that language,
ranking, and who may read what."""

from __future__ import annotations

import pytest

from helpcentre import selectors

pytestmark = pytest.mark.django_db

RETURNS_EN = ("Returns and exchanges", "You can return merchandise within 14 days.")
RETURNS_NL = ("Retourneren en ruilen", "U kunt merchandise binnen veertien dagen retourneren.")


def test_a_reader_gets_their_language_then_english_then_any(write) -> None:
    write("both", en=RETURNS_EN, nl=RETURNS_NL)
    write("english-only", en=("Opening hours", "Monday to Friday."))
    write("polish-only", pl=("Zwroty", "Zwrot w ciągu 14 dni."))

    def title(slug: str, language: str) -> str:
        article = selectors.article_get(slug=slug, language=language, signed_in=False)
        assert article is not None
        return article.title

    assert title("both", "nl") == "Retourneren en ruilen"
    assert title("both", "pl") == "Returns and exchanges"
    assert title("english-only", "nl") == "Opening hours"
    assert title("polish-only", "nl") == "Zwroty"
    assert title("both", "xx") == "Returns and exchanges"


def test_a_dutch_reader_finds_an_article_by_another_form_of_a_dutch_word(write) -> None:
    write("returns", en=RETURNS_EN, nl=RETURNS_NL)
    write("hours", en=("Opening hours", "We are open on weekdays."))
    # "retourneer" and "retourneren" share the stem "retourner"; "retour" is half typed.
    for query in ("retourneer", "retour", "retourneren", "ruilen", "veertien dag"):
        hits = selectors.article_search(query=query, language="nl", signed_in=False)
        assert [hit.slug for hit in hits] == ["returns"], query
        assert hits[0].title == "Retourneren en ruilen"
        assert hits[0].language == "nl"


def test_search_reads_the_english_version_where_the_readers_language_is_missing(write) -> None:
    write("hours", en=("Opening hours", "Monday to Friday from nine."))
    hits = selectors.article_search(query="opening", language="nl", signed_in=False)
    assert [(hit.slug, hit.language) for hit in hits] == [("hours", "en")]


def test_the_english_version_is_not_searched_when_the_readers_language_exists(write) -> None:
    write("returns", en=RETURNS_EN, nl=RETURNS_NL)
    assert selectors.article_search(query="exchanges", language="nl", signed_in=False) == []
    hits = selectors.article_search(query="exchanges", language="en", signed_in=False)
    assert [hit.slug for hit in hits] == ["returns"]


def test_polish_search_ignores_accents_and_reads_a_half_typed_word(write) -> None:
    write("damage", pl=("Uszkodzona paczka", "Wyślij zdjęcie uszkodzonego produktu."))
    for query in ("uszkodzona", "wyslij", "zdjęc"):
        hits = selectors.article_search(query=query, language="pl", signed_in=False)
        assert [hit.slug for hit in hits] == ["damage"], query


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(write) -> None:
    write("body", en=("Delivery times", "A parcel with a refund slip arrives in two days."))
    write("title", en=("Refund", "Money back in five days."))
    hits = selectors.article_search(query="refund", language="en", signed_in=False)
    assert [hit.slug for hit in hits] == ["title", "body"]


def test_signed_in_only_articles_are_searched_for_customers_only(write) -> None:
    write("public", en=("Ticket name public", "Change it."))
    write("private", en=("Ticket name change", "Change it in your account."), signed_in_only=True)
    anonymous = selectors.article_search(query="ticket name", language="en", signed_in=False)
    customer = selectors.article_search(query="ticket name", language="en", signed_in=True)
    assert [hit.slug for hit in anonymous] == ["public"]
    assert {hit.slug for hit in customer} == {"public", "private"}
    assert selectors.article_get(slug="private", language="en", signed_in=False) is None
    assert selectors.article_get(slug="private", language="en", signed_in=True) is not None


def test_query_syntax_in_the_words_is_only_text(write) -> None:
    write("returns", en=RETURNS_EN)
    for query in ("return & | ! ( ) :* '", "')--", "&&&", ""):
        selectors.article_search(query=query, language="en", signed_in=False)
    hits = selectors.article_search(query="!return:*)", language="en", signed_in=False)
    assert [hit.slug for hit in hits] == ["returns"]


def test_suggestions_need_three_characters_and_match_any_word(write) -> None:
    write("returns", en=RETURNS_EN)
    assert selectors.article_suggest(query="re", language="en", signed_in=False) == []
    hits = selectors.article_suggest(
        query="my jacket does not fit, can I return it", language="en", signed_in=False
    )
    assert [hit.slug for hit in hits] == ["returns"]


def test_most_read_is_ordered_by_reads_and_cached(write, django_assert_num_queries) -> None:
    from helpcentre.services import article_read

    low = write("low", en=("Low", "Read once."))
    high = write("high", en=("High", "Read often."))
    write("hidden", en=("Hidden", "Customers only."), signed_in_only=True)
    article_read(article_id=low.pk)
    for _ in range(3):
        article_read(article_id=high.pk)
    hits = selectors.most_read(language="en", signed_in=False)
    assert [hit.slug for hit in hits] == ["high", "low"]
    with django_assert_num_queries(0):
        assert selectors.most_read(language="en", signed_in=False) == hits
