"""The portal header's language switch: Django's own `set_language` (cookie, safe `next`,
redirect back), and for a signed-in customer the choice also becomes their recorded
language, which every portal page (`customer_required`) and every email then follows."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from customers.language import LANGUAGES
from customers.services import customer_update
from portal.access import signed_in_customer


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    code = request.POST.get("language", "")
    customer = signed_in_customer(request)
    if customer is not None and code in LANGUAGES and code != customer.language:
        # The customer's own explicit choice: recorded as the strongest signal there is
        # (customers.LanguageSource has no "customer" source), so no detection undoes it.
        customer_update(customer=customer, language=code)
    return set_language(request)


urlpatterns: list[URLPattern] = [path("language/", language_set, name="language")]
