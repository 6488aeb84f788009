"""Writes of the help centre: authoring (agents and managers, from the desk), reads and
votes (customers, from the portal). Each is atomic and keyword-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from helpcentre.models import (
    Article,
    ArticleTranslation,
    ArticleVote,
    Category,
    CategoryTranslation,
    Language,
)
from helpcentre.rendering import excerpt, render_markdown

if TYPE_CHECKING:
    from customers.models import Customer
    from helpdesk.roles import User


@dataclass(frozen=True)
class ArticleText:
    """One language's version as an author writes it. Both empty: no version in that
    language (an existing one is removed)."""

    title: str
    body: str

    @property
    def empty(self) -> bool:
        return not self.title.strip() and not self.body.strip()


@dataclass(frozen=True)
class CategoryText:
    name: str
    description: str = ""


def _unique_slug(model: type[Article] | type[Category], wanted: str, pk: int | None) -> str:
    """`wanted` as a slug, with -2, -3, … when another row has it already."""
    base = slugify(wanted)[:70] or "item"
    others = model.objects.exclude(pk=pk) if pk else model.objects.all()
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def most_read_forget() -> None:
    """Drop the cached most-read lists (an article's text or visibility changed)."""
    cache.delete_many(
        [
            f"helpcentre:most-read:{language}:{signed_in}:{limit}"
            for language in Language.values
            for signed_in in (0, 1)
            for limit in range(1, 11)
        ]
    )


@transaction.atomic
def category_save(
    *,
    category: Category | None = None,
    texts: dict[str, CategoryText],
    slug: str = "",
    position: int = 0,
) -> Category:
    """Create or change a category with its name per language. A language without a name
    has no version (readers fall back to English)."""
    category = category or Category()
    wanted = slug or (texts.get(Language.EN) or next(iter(texts.values()))).name
    category.slug = _unique_slug(Category, wanted, category.pk)
    category.position = position
    category.save()
    for language in Language.values:
        text = texts.get(language)
        if text is None or not text.name.strip():
            category.translations.filter(language=language).delete()
            continue
        CategoryTranslation.objects.update_or_create(
            category=category,
            language=language,
            defaults={"name": text.name.strip(), "description": text.description.strip()},
        )
    return category


def _version_save(
    article: Article, language: str, text: ArticleText, by: User | None
) -> ArticleTranslation | None:
    """Write one language's version, touching `updated_at` only when its text changed, so
    "last updated" on the portal means the reader's text changed."""
    existing = article.translations.filter(language=language).first()
    if text.empty:
        if existing is not None:
            existing.delete()
        return None
    title, body = text.title.strip(), text.body.strip()
    if existing and existing.title == title and existing.body_markdown == body:
        return existing
    version = existing or ArticleTranslation(article=article, language=language)
    html = render_markdown(body)
    version.title, version.body_markdown, version.body_html = title, body, html
    version.excerpt = excerpt(html)
    version.updated_by = by
    version.save()
    return version


@transaction.atomic
def article_save(
    *,
    article: Article | None = None,
    category: Category,
    texts: dict[str, ArticleText],
    visibility: str,
    by: User | None,
    slug: str = "",
    position: int = 0,
) -> Article:
    """Create or change an article and its versions (Markdown rendered and sanitised here,
    once). At least one version must have a title; the caller's form checks that."""
    article = article or Article()
    english = texts.get(Language.EN)
    titled = [t.title for t in texts.values() if t.title.strip()]
    wanted = slug or (english.title if english and english.title.strip() else titled[0])
    article.slug = _unique_slug(Article, wanted, article.pk)
    article.category = category
    article.visibility = visibility
    article.position = position
    article.updated_by = by
    article.save()
    for language in Language.values:
        _version_save(article, language, texts.get(language, ArticleText("", "")), by)
    transaction.on_commit(most_read_forget)
    return article


def article_read(*, article_id: int) -> None:
    """Count one read (a maintained counter: one UPDATE, no lock held past it)."""
    Article.objects.filter(pk=article_id).update(read_count=F("read_count") + 1)


@transaction.atomic
def article_vote(
    *,
    article_id: int,
    helpful: bool,
    customer: Customer | None = None,
    reader_key: str = "",
) -> ArticleVote:
    """Record "did this help?": one answer per reader per article, the latest one counts.
    The reader is the customer when signed in, else the cookie's random `reader_key`."""
    if customer is not None:
        vote, _created = ArticleVote.objects.update_or_create(
            article_id=article_id, customer=customer, defaults={"helpful": helpful}
        )
        return vote
    if not reader_key:
        raise ValueError("A vote needs a customer or a reader key.")
    vote, _created = ArticleVote.objects.update_or_create(
        article_id=article_id,
        customer=None,
        reader_key=reader_key,
        defaults={"helpful": helpful},
    )
    return vote
