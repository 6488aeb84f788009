"""Help-centre categories and articles. Each has one version per language (English, Dutch,
Polish); a reader gets their own language, else English, else whatever exists.

Article versions carry a stored full-text document, `search_vector`, built by migration
0002 in the version's own language and weighted (title above body). Like the tickets'
search column it is not on the model, so ordinary reads do not carry it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    EN = "en", "English"
    NL = "nl", "Nederlands"
    PL = "pl", "Polski"


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Everyone")
    CUSTOMERS = "customers", _("Signed-in customers only")


class Category(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.slug


class CategoryTranslation(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=2, choices=Language.choices)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("category", "language"), name="helpcentre_category_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class Article(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    slug = models.SlugField(max_length=120, unique=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    position = models.PositiveIntegerField(default=0)
    # A maintained counter (one UPDATE per read): "most read" sorts on it without counting.
    read_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=("-read_count",), name="helpcentre_article_reads_idx")]

    def __str__(self) -> str:
        return self.slug


class ArticleTranslation(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=2, choices=Language.choices)
    title = models.CharField(max_length=200)
    body_markdown = models.TextField()
    # The Markdown rendered and sanitised (nh3) when saved: readers never render it again.
    body_html = models.TextField()
    # Plain text of the first lines, for lists and suggestions.
    excerpt = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("article", "language"), name="helpcentre_article_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class ArticleVote(models.Model):
    """One "did this help?" answer per reader per article: the customer when signed in, else
    the random id of a signed cookie (`reader_key`). Voting again changes the answer."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="votes")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reader_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("article", "customer"),
                condition=Q(customer__isnull=False),
                name="helpcentre_vote_once_per_customer",
            ),
            models.UniqueConstraint(
                fields=("article", "reader_key"),
                condition=Q(customer__isnull=True),
                name="helpcentre_vote_once_per_reader",
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(reader_key=""),
                name="helpcentre_vote_has_reader",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"
