"""Django admin for the help centre: a fallback for operators. Authors write in the desk
(`/desk/help/`), which renders and sanitises; here the HTML is read-only for that reason."""

from __future__ import annotations

from django.contrib import admin

from helpcentre.models import (
    Article,
    ArticleTranslation,
    ArticleVote,
    Category,
    CategoryTranslation,
)


class CategoryTranslationInline(admin.TabularInline[CategoryTranslation, Category]):
    model = CategoryTranslation
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("slug", "position", "updated_at")
    inlines = (CategoryTranslationInline,)


class ArticleTranslationInline(admin.StackedInline[ArticleTranslation, Article]):
    model = ArticleTranslation
    extra = 0
    # Written through the desk, which renders and sanitises the Markdown; not here.
    readonly_fields = ("title", "body_markdown", "body_html", "excerpt", "updated_at", "updated_by")
    can_delete = False

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin[Article]):
    list_display = ("slug", "category", "visibility", "read_count", "updated_at")
    list_filter = ("visibility", "category")
    search_fields = ("slug", "translations__title")
    readonly_fields = ("read_count", "created_at", "updated_at", "updated_by")
    inlines = (ArticleTranslationInline,)


@admin.register(ArticleVote)
class ArticleVoteAdmin(admin.ModelAdmin[ArticleVote]):
    list_display = ("article", "helpful", "customer", "created_at")
    list_filter = ("helpful",)
    readonly_fields = ("article", "customer", "reader_key", "helpful", "created_at", "updated_at")
