"""Writing the help centre in the desk: agents and managers list, write, preview and edit
articles and topics; customers and anonymous sessions get none of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from helpcentre.models import Article, ArticleTranslation, Category
from helpcentre.services import article_vote

pytestmark = pytest.mark.django_db


def _form(topic: Category, **overrides: str) -> dict[str, str]:
    data = {
        "category": str(topic.pk),
        "visibility": "public",
        "position": "0",
        "slug": "",
        "title_en": "Lost your e-ticket?",
        "body_en": "Look in your **spam** folder.",
        "title_nl": "E-ticket kwijt?",
        "body_nl": "Kijk in uw **spammap**.",
        "title_pl": "",
        "body_pl": "",
    }
    data.update(overrides)
    return data


def test_the_list_shows_votes_reads_and_missing_languages(desk_client, customer, write) -> None:
    article = write("returns", en=("Returns", "Within 14 days."), nl=("Retour", "Binnen 14 dagen."))
    article_vote(article_id=article.pk, helpful=True, customer=customer)
    article_vote(article_id=article.pk, helpful=True, reader_key="reader-a")
    article_vote(article_id=article.pk, helpful=False, reader_key="reader-b")
    article_vote(article_id=article.pk, helpful=False, reader_key="reader-b")  # once per reader
    Article.objects.filter(pk=article.pk).update(read_count=42)
    response = desk_client.get(reverse("desk:help_articles"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Returns" in text
    assert '<td class="num">42</td>' in text
    assert '<td class="num">2</td>' in text
    assert '<td class="num">1</td>' in text
    assert "67 %" in text
    assert "missing: PL" in text


def test_the_list_has_a_fixed_number_of_queries(
    desk_client, write, django_assert_max_num_queries
) -> None:
    desk_client.get(reverse("desk:help_articles"))  # warm the session and navigation caches
    for n in range(8):
        write(f"a-{n}", en=(f"A {n}", "Text."))
    with django_assert_max_num_queries(20) as captured:
        desk_client.get(reverse("desk:help_articles"))
    few = len(captured)
    for n in range(8, 16):
        write(f"a-{n}", en=(f"A {n}", "Text."))
    with django_assert_max_num_queries(few):
        desk_client.get(reverse("desk:help_articles"))


def test_an_agent_writes_an_article_in_two_languages(desk_client, topic) -> None:
    response = desk_client.post(reverse("desk:help_article_new"), _form(topic))
    assert response.status_code == 303
    article = Article.objects.get()
    assert article.slug == "lost-your-e-ticket"
    assert article.updated_by.username == "anna"
    versions = {v.language: v for v in article.translations.all()}
    assert set(versions) == {"en", "nl"}
    assert versions["nl"].body_html == "<p>Kijk in uw <strong>spammap</strong>.</p>"
    assert versions["en"].updated_by.username == "anna"


def test_a_manager_may_write_too(client, make_agent, topic) -> None:
    client.force_login(make_agent("maria", manager=True))
    assert client.post(reverse("desk:help_article_new"), _form(topic)).status_code == 303


def test_preview_shows_the_sanitised_html_and_saves_nothing(desk_client, topic) -> None:
    data = _form(topic, body_en="Hi <script>alert(1)</script> [x](javascript:alert(2)) **b**")
    response = desk_client.post(reverse("desk:help_article_new"), {**data, "preview": "1"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Preview: what customers will read" in text
    assert "<strong>b</strong>" in text
    assert "<script>alert(1)" not in text  # only escaped, inside the textarea
    assert 'href="javascript' not in text
    assert Article.objects.count() == 0


def test_editing_changes_only_the_languages_that_changed(desk_client, topic, write) -> None:
    article = write(
        "lost",
        en=("Lost your e-ticket?", "Look in your **spam** folder."),
        nl=("E-ticket kwijt?", "Kijk in uw **spammap**."),
    )
    dutch_before = article.translations.get(language="nl").updated_at
    data = _form(
        topic,
        slug="lost",
        body_en="Look in your spam folder, then ask us.",
        title_pl="Zgubiony e-bilet?",
        body_pl="Sprawdź folder spam.",
    )
    response = desk_client.post(reverse("desk:help_article_edit", args=[article.pk]), data)
    assert response.status_code == 303
    versions = {v.language: v for v in article.translations.all()}
    assert set(versions) == {"en", "nl", "pl"}
    assert versions["en"].body_markdown == "Look in your spam folder, then ask us."
    assert versions["nl"].updated_at == dutch_before
    # Emptying a language removes that version; readers fall back to English.
    data.update(title_pl="", body_pl="")
    desk_client.post(reverse("desk:help_article_edit", args=[article.pk]), data)
    assert not ArticleTranslation.objects.filter(article=article, language="pl").exists()


def test_the_form_refuses_half_a_version_or_no_version(desk_client, topic) -> None:
    url = reverse("desk:help_article_new")
    half = desk_client.post(url, _form(topic, title_nl="", body_nl="Alleen tekst"))
    assert half.status_code == 400
    assert "Give this version a title." in half.content.decode()
    empty = {f"{part}_{code}": "" for part in ("title", "body") for code in ("en", "nl", "pl")}
    none = desk_client.post(url, _form(topic, **empty))
    assert none.status_code == 400
    assert "Write the article in at least one language." in none.content.decode()
    assert Article.objects.count() == 0


def test_the_edit_form_shows_each_language(desk_client, write) -> None:
    article = write("returns", en=("Returns", "Within 14 days."), nl=("Retour", "Binnen 14 dagen."))
    text = desk_client.get(reverse("desk:help_article_edit", args=[article.pk])).content.decode()
    assert "<legend>English</legend>" in text
    assert "<legend>Nederlands</legend>" in text
    assert "Binnen 14 dagen." in text
    assert desk_client.get(reverse("desk:help_article_edit", args=[999999])).status_code == 404


def test_an_agent_makes_and_renames_a_topic(desk_client) -> None:
    data = {
        "slug": "",
        "position": "1",
        "name_en": "Delivery",
        "description_en": "Parcels",
        "name_nl": "Bezorging",
        "description_nl": "",
        "name_pl": "",
        "description_pl": "",
    }
    assert desk_client.post(reverse("desk:help_category_new"), data).status_code == 303
    category = Category.objects.get()
    assert category.slug == "delivery"
    data["name_nl"] = "Levering"
    desk_client.post(
        reverse("desk:help_category_edit", args=[category.pk]), {**data, "slug": "delivery"}
    )
    assert category.translations.get(language="nl").name == "Levering"
    assert (
        desk_client.post(reverse("desk:help_category_new"), {**data, "name_en": ""}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "name",
    ["desk:help_articles", "desk:help_article_new", "desk:help_category_new"],
)
def test_a_customer_or_anonymous_session_gets_no_desk_page(
    client, customer, customer_client, name: str
) -> None:
    anonymous = client.get(reverse(name))
    assert anonymous.status_code == 302
    assert "/desk/signin/" in anonymous["Location"]
    signed_in = customer_client(customer)
    assert signed_in.get(reverse(name)).status_code == 403
    assert signed_in.post(reverse(name), {}).status_code == 403


def test_the_desk_menu_links_to_the_help_centre(desk_client) -> None:
    text = desk_client.get(reverse("desk:help_articles")).content.decode()
    assert f'href="{reverse("desk:help_articles")}"' in text


def test_a_taken_slug_gets_a_number(desk_client, topic, write) -> None:
    write("lost-your-e-ticket", en=("Old", "Text."))
    desk_client.post(reverse("desk:help_article_new"), _form(topic))
    desk_client.post(reverse("desk:help_article_new"), _form(topic))
    slugs = set(Article.objects.values_list("slug", flat=True))
    assert slugs == {"lost-your-e-ticket", "lost-your-e-ticket-2", "lost-your-e-ticket-3"}


def test_saving_an_article_refreshes_the_most_read_list(
    client, topic, write, django_capture_on_commit_callbacks
) -> None:
    from helpcentre import selectors

    article = write("a", en=("Before", "Text."))
    assert [hit.title for hit in selectors.most_read(language="en", signed_in=False)] == ["Before"]
    from helpcentre.services import ArticleText, article_save

    with django_capture_on_commit_callbacks(execute=True):
        article_save(
            article=article,
            category=topic,
            texts={"en": ArticleText("After", "Text.")},
            visibility="public",
            by=None,
            slug="a",
        )
    assert [hit.title for hit in selectors.most_read(language="en", signed_in=False)] == ["After"]
