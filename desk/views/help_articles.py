"""`/desk/help/`: agents and managers write the help centre. The list shows each article's
votes, reads and missing languages; the form has a section per language with a preview of
the HTML customers will get (rendered and sanitised exactly as saving does)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from helpcentre import selectors, services
from helpcentre.models import Article, Category, Language, Visibility
from helpcentre.rendering import render_markdown

LANGUAGES = [(code, label) for code, label in Language.choices]


class CategoryChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        version = selectors.pick(obj.translations.all(), translation.get_language())
        return version.name if version else str(obj.slug)


class ArticleForm(forms.Form):
    category = CategoryChoice(label=gettext_lazy("Topic"), queryset=Category.objects.none())
    visibility = forms.ChoiceField(label=gettext_lazy("Who can read it"), choices=Visibility)
    position = forms.IntegerField(label=gettext_lazy("Position in its topic"), min_value=0)
    slug = forms.SlugField(
        label=gettext_lazy("Address (slug)"),
        required=False,
        help_text=gettext_lazy("Left empty: made from the English title."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.desk_categories()  # type: ignore[attr-defined]
        for code, label in LANGUAGES:
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title"), required=False, max_length=200
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (Markdown)"), required=False, widget=forms.Textarea, strip=False
            )
            self.fields[f"title_{code}"].language = label  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for code, _label in LANGUAGES:
            title = (data.get(f"title_{code}") or "").strip()
            body = (data.get(f"body_{code}") or "").strip()
            if body and not title:
                self.add_error(f"title_{code}", _("Give this version a title."))
            if title and not body:
                self.add_error(f"body_{code}", _("Write the text of this version."))
        if not any((data.get(f"title_{code}") or "").strip() for code, _label in LANGUAGES):
            raise forms.ValidationError(_("Write the article in at least one language."))
        return data

    def texts(self) -> dict[str, services.ArticleText]:
        data = self.cleaned_data
        return {
            code: services.ArticleText(data[f"title_{code}"], data[f"body_{code}"])
            for code, _label in LANGUAGES
        }

    def sections(self) -> list[dict[str, Any]]:
        """One section per language for the template: its fields and, after "Preview",
        the HTML customers would get."""
        sections = []
        for code, label in LANGUAGES:
            body = self[f"body_{code}"].value() or ""
            sections.append(
                {
                    "code": code,
                    "label": label,
                    "title": self[f"title_{code}"],
                    "body": self[f"body_{code}"],
                    "preview": render_markdown(body) if body.strip() else "",
                }
            )
        return sections


class CategoryForm(forms.Form):
    slug = forms.SlugField(label=gettext_lazy("Address (slug)"), required=False)
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        name, description = _("Name"), _("Description")
        for code, label in LANGUAGES:
            self.fields[f"name_{code}"] = forms.CharField(
                label=f"{name} ({label})", required=code == Language.EN, max_length=120
            )
            self.fields[f"description_{code}"] = forms.CharField(
                label=f"{description} ({label})", required=False, max_length=300
            )

    def texts(self) -> dict[str, services.CategoryText]:
        data = self.cleaned_data
        return {
            code: services.CategoryText(data[f"name_{code}"], data[f"description_{code}"])
            for code, _label in LANGUAGES
        }


@agent_required
def help_articles(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["categories"] = selectors.desk_article_list(language=translation.get_language())
    return render(request, "desk/help/articles.html", context)


def _article_initial(article: Article | None) -> dict[str, Any]:
    if article is None:
        return {"visibility": Visibility.PUBLIC, "position": 0}
    initial: dict[str, Any] = {
        "category": article.category_id,
        "visibility": article.visibility,
        "position": article.position,
        "slug": article.slug,
    }
    for version in article.translations.all():
        initial[f"title_{version.language}"] = version.title
        initial[f"body_{version.language}"] = version.body_markdown
    return initial


def _article_form(request: DeskRequest, article: Article | None) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial=_article_initial(article))
    previewing = "preview" in request.POST
    if request.method == "POST" and not previewing and form.is_valid():
        data = form.cleaned_data
        saved = services.article_save(
            article=article,
            category=data["category"],
            texts=form.texts(),
            visibility=data["visibility"],
            position=data["position"],
            slug=data["slug"],
            by=request.user,
        )
        messages.success(request, _("Article “%(slug)s” saved.") % {"slug": saved.slug})
        return HttpResponseRedirect(reverse("desk:help_articles"), status=303)
    context = desk_context(user=request.user, current=None)
    context.update(form=form, article=article, previewing=previewing)
    status = 400 if form.is_bound and not previewing and form.errors else 200
    return render(request, "desk/help/article_form.html", context, status=status)


@agent_required
def help_article_new(request: DeskRequest) -> HttpResponse:
    return _article_form(request, None)


@agent_required
def help_article_edit(request: DeskRequest, article_id: int) -> HttpResponse:
    article = selectors.desk_article_get(article_id=article_id)
    if article is None:
        raise Http404("No such article")
    return _article_form(request, article)


def _category_initial(category: Category | None) -> dict[str, Any]:
    if category is None:
        return {"position": 0}
    initial: dict[str, Any] = {"slug": category.slug, "position": category.position}
    for version in category.translations.all():
        initial[f"name_{version.language}"] = version.name
        initial[f"description_{version.language}"] = version.description
    return initial


def _category_form(request: DeskRequest, category: Category | None) -> HttpResponse:
    form = CategoryForm(request.POST or None, initial=_category_initial(category))
    if request.method == "POST" and form.is_valid():
        saved = services.category_save(
            category=category,
            texts=form.texts(),
            slug=form.cleaned_data["slug"],
            position=form.cleaned_data["position"],
        )
        messages.success(request, _("Topic “%(slug)s” saved.") % {"slug": saved.slug})
        return HttpResponseRedirect(reverse("desk:help_articles"), status=303)
    context = desk_context(user=request.user, current=None)
    context.update(form=form, category=category)
    status = 400 if form.is_bound else 200
    return render(request, "desk/help/category_form.html", context, status=status)


@agent_required
def help_category_new(request: DeskRequest) -> HttpResponse:
    return _category_form(request, None)


@agent_required
def help_category_edit(request: DeskRequest, category_id: int) -> HttpResponse:
    category = selectors.desk_category_get(category_id=category_id)
    if category is None:
        raise Http404("No such topic")
    return _category_form(request, category)


urlpatterns: list[URLPattern] = [
    path("help/", help_articles, name="help_articles"),
    path("help/articles/new/", help_article_new, name="help_article_new"),
    path("help/articles/<int:article_id>/", help_article_edit, name="help_article_edit"),
    path("help/topics/new/", help_category_new, name="help_category_new"),
    path("help/topics/<int:category_id>/", help_category_edit, name="help_category_edit"),
]
