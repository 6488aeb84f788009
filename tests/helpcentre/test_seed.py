"""The demo's help centre: the articles customers ask about most, in three languages, and
seeding twice changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from helpcentre import selectors
from helpcentre.models import Article, ArticleTranslation, Category

pytestmark = pytest.mark.django_db


def test_seeding_twice_gives_the_same_help_centre() -> None:
    call_command("seed_help_centre")
    first = list(ArticleTranslation.objects.order_by("pk").values_list("pk", "updated_at"))
    call_command("seed_help_centre")
    assert list(ArticleTranslation.objects.order_by("pk").values_list("pk", "updated_at")) == first
    assert Category.objects.count() == 4
    slugs = set(Article.objects.values_list("slug", flat=True))
    assert {
        "opening-hours",
        "returns-and-exchanges",
        "order-tracking",
        "damaged-product",
        "privacy-your-data",
    } <= slugs
    for article in Article.objects.all():
        assert {v.language for v in article.translations.all()} == {"en", "nl", "pl"}


@pytest.mark.parametrize(
    ("language", "query", "slug"),
    [
        ("en", "opening hours", "opening-hours"),
        ("nl", "retourneren", "returns-and-exchanges"),
        ("nl", "pakket", "order-tracking"),
        ("pl", "uszkodzone", "damaged-product"),
        ("nl", "gegevens wissen", "privacy-your-data"),
    ],
)
def test_the_seeded_articles_are_found_in_each_language(
    language: str, query: str, slug: str
) -> None:
    call_command("seed_help_centre")
    hits = selectors.article_search(query=query, language=language, signed_in=False)
    assert hits
    assert hits[0].slug == slug


def test_the_privacy_article_links_to_the_privacy_page() -> None:
    call_command("seed_help_centre")
    article = selectors.article_get(slug="privacy-your-data", language="nl", signed_in=False)
    assert article is not None
    assert 'href="/support/privacy/"' in article.body_html
