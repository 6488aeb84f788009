"""Reads of the help centre. The portal and the desk read only through these.

Who may read what is decided here in one place: anonymous readers get public articles,
signed-in customers also the signed-in-only ones (`signed_in=True`). A reader gets each
article in their language, else English, else any version (`preference`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from helpcentre.models import (
    Article,
    ArticleTranslation,
    Category,
    CategoryTranslation,
    Language,
    Visibility,
)

# The text search configuration of each language's documents (migration 0002).
CONFIGS = {"nl": "pg_catalog.dutch", "en": "pg_catalog.english", "pl": "public.helpdesk_simple"}
LANGUAGES = tuple(Language.values)
MOST_READ_SECONDS = 120
MAX_QUERY_WORDS = 8


@dataclass(frozen=True)
class ArticleHit:
    """An article as a list shows it: a link with a title and a line of text."""

    slug: str
    title: str
    excerpt: str
    language: str


@dataclass(frozen=True)
class CategoryView:
    slug: str
    name: str
    description: str
    articles: int = 0


@dataclass(frozen=True)
class ArticleView:
    id: int
    slug: str
    title: str
    body_html: str
    language: str
    updated_at: datetime
    visibility: str
    category: CategoryView


def preference(language: str | None) -> list[str]:
    """The languages to try, best first: the reader's, English, then the others."""
    first = language if language in LANGUAGES else Language.EN
    return list(dict.fromkeys([first, Language.EN, *LANGUAGES]))


def visibilities(*, signed_in: bool) -> list[str]:
    if signed_in:
        return [Visibility.PUBLIC, Visibility.CUSTOMERS]
    return [Visibility.PUBLIC]


def pick[T: (ArticleTranslation, CategoryTranslation)](
    versions: Iterable[T], language: str | None
) -> T | None:
    """The version a reader of `language` gets, by `preference`."""
    by_language = {version.language: version for version in versions}
    for candidate in preference(language):
        if candidate in by_language:
            return by_language[candidate]
    return None


def tsquery_text(query: str, *, match_all: bool) -> str:
    """The reader's words as `to_tsquery` input: only word characters (so nothing in the
    input is tsquery syntax), joined by AND (a search) or OR (suggestions while typing, where
    most words of a subject are not in any article); the last word as a prefix, since it may
    be half typed."""
    words = re.findall(r"\w+", query.lower())[:MAX_QUERY_WORDS]
    if not words:
        return ""
    words[-1] += ":*"
    return (" & " if match_all else " | ").join(words)


def _search_sql(languages: Sequence[str]) -> str:
    """One query: a version matches in its own language's configuration and only if it is the
    version this reader gets (no version in a language they prefer more). Each branch has a
    literal configuration, so the GIN index serves it."""
    branches = []
    for index, language in enumerate(languages):
        better = ", ".join(f"'{code}'" for code in languages[:index])
        branch = (
            f"(t.language = '{language}' AND t.search_vector @@ "
            f"to_tsquery('{CONFIGS[language]}', %(q)s)"
        )
        if better:
            branch += (
                " AND NOT EXISTS (SELECT 1 FROM helpcentre_articletranslation o"  # noqa: S608
                f" WHERE o.article_id = t.article_id AND o.language IN ({better}))"
            )
        branches.append(branch + ")")
    rank_cases = " ".join(
        f"WHEN '{code}' THEN to_tsquery('{CONFIGS[code]}', %(q)s)" for code in languages
    )
    # Fixed language codes and configurations only; the reader's words are a parameter.
    return f"""
        SELECT a.slug, t.title, t.excerpt, t.language
        FROM helpcentre_articletranslation t
        JOIN helpcentre_article a ON a.id = t.article_id
        WHERE a.visibility = ANY(%(visibilities)s) AND ({" OR ".join(branches)})
        ORDER BY ts_rank(t.search_vector, CASE t.language {rank_cases} END) DESC,
                 a.read_count DESC, a.id
        LIMIT %(limit)s
    """  # noqa: S608


def article_search(
    *, query: str, language: str | None, signed_in: bool, limit: int = 20, match_all: bool = True
) -> list[ArticleHit]:
    """Articles matching `query`, best first (a word in the title counts more than in the
    body), in the reader's language by `preference`. One indexed query; none for a query
    without words."""
    text = tsquery_text(query, match_all=match_all)
    if not text:
        return []
    # Only our fixed language codes and configurations are in the SQL; the text is a parameter.
    sql = _search_sql(preference(language))
    params: dict[str, str | int | list[str]] = {
        "q": text,
        "visibilities": visibilities(signed_in=signed_in),
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [ArticleHit(*row) for row in cursor.fetchall()]


def article_suggest(
    *, query: str, language: str | None, signed_in: bool, limit: int = 5
) -> list[ArticleHit]:
    """Suggestions while a customer types a request: any of the words, at most `limit`."""
    if len(query.strip()) < 3:
        return []
    return article_search(
        query=query, language=language, signed_in=signed_in, limit=limit, match_all=False
    )


def _hits(articles: Iterable[Article], language: str | None) -> list[ArticleHit]:
    hits = []
    for article in articles:
        version = pick(article.translations.all(), language)
        if version is not None:
            hits.append(ArticleHit(article.slug, version.title, version.excerpt, version.language))
    return hits


def _visible_articles(*, signed_in: bool) -> QuerySet[Article]:
    return Article.objects.filter(visibility__in=visibilities(signed_in=signed_in))


def most_read(*, language: str | None, signed_in: bool, limit: int = 5) -> list[ArticleHit]:
    """The most-read articles, cached for a short while per language and audience: the
    portal's front shows them on every visit, and a list a minute or two old is fine."""
    key = f"helpcentre:most-read:{language}:{int(signed_in)}:{limit}"
    cached: list[ArticleHit] | None = cache.get(key)
    if cached is not None:
        return cached
    articles = (
        _visible_articles(signed_in=signed_in)
        .order_by("-read_count", "position", "id")
        .prefetch_related("translations")[:limit]
    )
    hits = _hits(articles, language)
    cache.set(key, hits, MOST_READ_SECONDS)
    return hits


def _category_view(category: Category, language: str | None, articles: int = 0) -> CategoryView:
    version = pick(category.translations.all(), language)
    if version is None:
        return CategoryView(category.slug, category.slug, "", articles)
    return CategoryView(category.slug, version.name, version.description, articles)


def category_list(*, language: str | None, signed_in: bool) -> list[CategoryView]:
    """Categories that hold at least one article this reader may read, in order."""
    shown = Q(articles__visibility__in=visibilities(signed_in=signed_in))
    categories = (
        Category.objects.annotate(shown=Count("articles", filter=shown))
        .filter(shown__gt=0)
        # Explicit: Meta.ordering does not apply to a GROUP BY query.
        .order_by("position", "id")
        .prefetch_related("translations")
    )
    return [_category_view(c, language, c.shown) for c in categories]


def category_get(
    *, slug: str, language: str | None, signed_in: bool
) -> tuple[CategoryView, list[ArticleHit]] | None:
    """A category and its articles this reader may read; None when there is no such
    category."""
    category = (
        Category.objects.filter(slug=slug)
        .prefetch_related(
            "translations",
            Prefetch(
                "articles",
                queryset=_visible_articles(signed_in=signed_in).prefetch_related("translations"),
            ),
        )
        .first()
    )
    if category is None:
        return None
    hits = _hits(category.articles.all(), language)
    return _category_view(category, language, len(hits)), hits


def article_for_customers_only(*, slug: str) -> bool:
    """Whether `slug` names an article only signed-in customers may read: an anonymous
    reader who follows a link to one is asked to sign in rather than told it is not there.
    Says nothing of its text."""
    return Article.objects.filter(slug=slug, visibility=Visibility.CUSTOMERS).exists()


def article_get(*, slug: str, language: str | None, signed_in: bool) -> ArticleView | None:
    """The article as this reader reads it; None when it does not exist or they may not
    read it (the caller answers 404 either way)."""
    article = (
        _visible_articles(signed_in=signed_in)
        .filter(slug=slug)
        .select_related("category")
        .prefetch_related("translations", "category__translations")
        .first()
    )
    if article is None:
        return None
    version = pick(article.translations.all(), language)
    if version is None:
        return None
    return ArticleView(
        id=article.pk,
        slug=article.slug,
        title=version.title,
        body_html=version.body_html,
        language=version.language,
        updated_at=version.updated_at,
        visibility=article.visibility,
        category=_category_view(article.category, language),
    )


# --- The desk: what authors see -------------------------------------------------------


@dataclass(frozen=True)
class DeskArticleRow:
    """An article as the desk lists it: its votes, reads and which languages it has."""

    article: Article
    title: str
    yes: int
    no: int
    reads: int
    present: list[str]
    missing: list[str]

    @property
    def helpful_percent(self) -> int | None:
        """The share of "yes" answers, or None before anybody answered."""
        total = self.yes + self.no
        return round(100 * self.yes / total) if total else None


@dataclass(frozen=True)
class DeskCategory:
    category: Category
    name: str
    rows: list[DeskArticleRow]


def article_votes(*, article_id: int) -> tuple[int, int]:
    """(yes, no) answers to "did this help?" for one article."""
    counts = Article.objects.filter(pk=article_id).aggregate(
        yes=Count("votes", filter=Q(votes__helpful=True)),
        no=Count("votes", filter=Q(votes__helpful=False)),
    )
    return counts["yes"], counts["no"]


def desk_article_list(*, language: str | None) -> list[DeskCategory]:
    """Every category with every article (any visibility), its votes and reads: three
    queries (categories, their names, articles with their votes counted and versions)."""
    articles = (
        Article.objects.annotate(
            yes=Count("votes", filter=Q(votes__helpful=True)),
            no=Count("votes", filter=Q(votes__helpful=False)),
        )
        .order_by("position", "id")
        .prefetch_related("translations")
    )
    categories = Category.objects.prefetch_related(
        "translations", Prefetch("articles", queryset=articles)
    )
    listed = []
    for category in categories:
        rows = []
        for article in category.articles.all():
            versions = list(article.translations.all())
            present = [v.language for v in versions]
            version = pick(versions, language)
            rows.append(
                DeskArticleRow(
                    article=article,
                    title=version.title if version else article.slug,
                    yes=article.yes,  # type: ignore[attr-defined]
                    no=article.no,  # type: ignore[attr-defined]
                    reads=article.read_count,
                    present=[code for code in LANGUAGES if code in present],
                    missing=[code for code in LANGUAGES if code not in present],
                )
            )
        listed.append(DeskCategory(category, _category_view(category, language).name, rows))
    return listed


def desk_article_get(*, article_id: int) -> Article | None:
    """An article with its versions, for editing (authors see every visibility)."""
    return Article.objects.filter(pk=article_id).prefetch_related("translations").first()


def desk_category_get(*, category_id: int) -> Category | None:
    return Category.objects.filter(pk=category_id).prefetch_related("translations").first()


def desk_categories() -> QuerySet[Category]:
    """Every category with its names, for the article form's choice."""
    return Category.objects.prefetch_related("translations")
