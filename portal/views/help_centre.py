"""`/support/help/`: the help centre as customers read it. Readable without signing in;
signed-in-only articles show only to a signed-in customer: nowhere in lists, search or
suggestions for anybody else, and their address answers a "sign in to read" page (403)
that shows nothing of the article. Everything is read through `helpcentre.selectors` and
written through `helpcentre.services`."""

from __future__ import annotations

import secrets

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from customers.models import Customer
from helpcentre import selectors, services
from portal.access import signed_in_customer

# A random id for an anonymous reader's "did this help?" answer, in a signed cookie: it
# names nobody, and a reader can vote once per article without an account.
READER_COOKIE = "help_reader"
READER_SALT = "helpcentre.reader"
READER_COOKIE_AGE = 365 * 24 * 3600
MIN_SUGGEST_LENGTH = 3


def _reader(request: HttpRequest) -> tuple[str, Customer | None]:
    """The reader's language and the signed-in customer, if any (read once per request:
    it costs queries)."""
    return translation.get_language() or "en", signed_in_customer(request)


@require_GET
def help_suggest(request: HttpRequest) -> HttpResponse:
    """Articles for what a customer is typing (the new-request form asks while they type):
    an HTML fragment of up to five links, or an empty body when nothing matches."""
    query = request.GET.get("q", "").strip()
    if len(query) < MIN_SUGGEST_LENGTH:
        return HttpResponse("")
    language, customer = _reader(request)
    hits = selectors.article_suggest(query=query, language=language, signed_in=customer is not None)
    if not hits:
        return HttpResponse("")
    return render(request, "portal/help/_suggestions.html", {"hits": hits})


@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    language, customer = _reader(request)
    signed_in = customer is not None
    context = {
        "categories": selectors.category_list(language=language, signed_in=signed_in),
        "most_read": selectors.most_read(language=language, signed_in=signed_in),
        "customer": customer,
    }
    return render(request, "portal/help/home.html", context)


@require_GET
def help_category(request: HttpRequest, slug: str) -> HttpResponse:
    language, customer = _reader(request)
    found = selectors.category_get(slug=slug, language=language, signed_in=customer is not None)
    if found is None:
        raise Http404
    category, hits = found
    context = {"category": category, "hits": hits, "customer": customer}
    return render(request, "portal/help/category.html", context)


@require_GET
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    language, customer = _reader(request)
    article = selectors.article_get(slug=slug, language=language, signed_in=customer is not None)
    if article is None and customer is None and selectors.article_for_customers_only(slug=slug):
        # A link to a customers-only article (an agent may send one): say how to read it.
        return render(request, "portal/help/signin_needed.html", status=403)
    if article is None:
        raise Http404
    voted = request.GET.get("voted") in {"yes", "no"}
    if not voted:
        # The page after a vote is the same reader on the same article: one read, not two.
        services.article_read(article_id=article.id)
    context = {
        "article": article,
        "voted": voted,
        "customer": customer,
    }
    return render(request, "portal/help/article.html", context)


@require_GET
def help_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    language, customer = _reader(request)
    hits = selectors.article_search(query=query, language=language, signed_in=customer is not None)
    context = {"query": query, "hits": hits, "customer": customer}
    return render(request, "portal/help/search.html", context)


@require_POST
def help_vote(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Did this help?": one answer per reader per article (a second one replaces the
    first), then back to the article, which thanks them."""
    language, customer = _reader(request)
    article = selectors.article_get(slug=slug, language=language, signed_in=customer is not None)
    answer = request.POST.get("helpful")
    if article is None or answer not in {"yes", "no"}:
        raise Http404
    reader_key = request.get_signed_cookie(READER_COOKIE, default="", salt=READER_SALT) or ""
    if customer is None and not reader_key:
        reader_key = secrets.token_urlsafe(24)
    services.article_vote(
        article_id=article.id,
        helpful=answer == "yes",
        customer=customer,
        reader_key="" if customer else reader_key,
    )
    url = reverse("portal:help_article", args=[slug])
    response = HttpResponseRedirect(f"{url}?voted={answer}#vote")
    if customer is None:
        response.set_signed_cookie(
            READER_COOKIE,
            reader_key,
            salt=READER_SALT,
            max_age=READER_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


urlpatterns: list[URLPattern] = [
    path("help/", help_home, name="help"),
    path("help/search/", help_search, name="help_search"),
    path("help/suggest/", help_suggest, name="help_suggest"),
    path("help/category/<slug:slug>/", help_category, name="help_category"),
    path("help/articles/<slug:slug>/", help_article, name="help_article"),
    path("help/articles/<slug:slug>/vote/", help_vote, name="help_vote"),
]
