"""`python manage.py seed_help_centre`: the demo's help centre, in English, Dutch and
Polish. Idempotent: categories and articles are found by slug and brought back to this
text; running it twice changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from helpcentre.models import Article, Category, Visibility
from helpcentre.seed_content import ARTICLES, CATEGORIES
from helpcentre.services import ArticleText, CategoryText, article_save, category_save


class Command(BaseCommand):
    help = "Seed the demo help centre (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        categories: dict[str, Category] = {}
        for position, (slug, texts) in enumerate(CATEGORIES.items()):
            categories[slug] = category_save(
                category=Category.objects.filter(slug=slug).first(),
                slug=slug,
                position=position,
                texts={lang: CategoryText(name, text) for lang, (name, text) in texts.items()},
            )
        for position, seed in enumerate(ARTICLES):
            article_save(
                article=Article.objects.filter(slug=seed.slug).first(),
                slug=seed.slug,
                category=categories[seed.category],
                visibility=Visibility.CUSTOMERS if seed.signed_in_only else Visibility.PUBLIC,
                position=position,
                texts={
                    lang: ArticleText(title, body) for lang, (title, body) in seed.texts.items()
                },
                by=None,
            )
        self.stdout.write(f"Help centre: {len(CATEGORIES)} topics, {len(ARTICLES)} articles.")
