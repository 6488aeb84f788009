"""Passwordless sign-in: who may ask for a link how often, the account behind a customer,
and the link email itself (django-sesame signs the token; `SESAME_ONE_TIME`,
`SESAME_MAX_AGE` in settings make it single-use and short-lived)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from sesame.utils import get_token

from customers.models import Customer, Identity, IdentityKind
from portal.branding import brand
from portal.models import CustomerAccount

if TYPE_CHECKING:
    from helpdesk.roles import User

WINDOW_SECONDS = 3600


def client_ip(request: HttpRequest) -> str:
    """The client's address, read as `helpdesk.auth_api.client_ip` does (that module sits
    above the apps in the import layers, so the portal cannot import it)."""
    if settings.SECURE_TRUSTED_PROXY:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if forwarded:
            return str(forwarded[-1])
    return str(request.META.get("REMOTE_ADDR", ""))


def _hit(key: str, limit: int) -> bool:
    """Count one request under `key` in the hour's window; True while within `limit`."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a fresh window
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count <= limit


def signin_request_allowed(*, identity: str, ip: str) -> bool:
    """Both counters are spent whether or not the address or number is known, so the limit
    says nothing about which exist. Links and codes share them: asking for a code does not
    add to the budget of links. Values are hashed: no emails or numbers in the cache."""
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    by_address = _hit(f"portal:link:addr:{digest}", settings.PORTAL_LINKS_PER_ADDRESS)
    by_ip = _hit(f"portal:link:ip:{ip}", settings.PORTAL_LINKS_PER_IP)
    return by_address and by_ip


def link_request_allowed(*, email: str, ip: str) -> bool:
    return signin_request_allowed(identity=email, ip=ip)


def customer_for_email(email: str) -> tuple[Customer, Identity] | None:
    """The customer with this (normalised) email identity, following merges to the survivor."""
    return customer_for_identity(kinds=(IdentityKind.EMAIL,), value=email)


def customer_for_identity(
    *, kinds: tuple[str, ...], value: str
) -> tuple[Customer, Identity] | None:
    """The customer with an identity of one of `kinds` and this (normalised) value,
    following merges to the survivor."""
    identity = (
        Identity.objects.select_related("customer")
        .filter(kind__in=kinds, value=value)
        .order_by("kind")
        .first()
    )
    if identity is None:
        return None
    customer = identity.customer
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer, identity


@transaction.atomic
def account_for(customer: Customer) -> User:
    """The customer's portal user, made on first use: no password, no groups (not staff)."""
    account = CustomerAccount.objects.select_related("user").filter(customer=customer).first()
    if account is not None:
        return account.user
    user = get_user_model().objects.create_user(username=f"customer-{customer.pk}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    CustomerAccount.objects.create(user=user, customer=customer)
    return user


def link_request(*, email: str, site: str) -> None:
    """Email a sign-in link if `email` is a customer's; nothing otherwise. `site` is the
    scheme and host the customer asked on (the link must lead back there)."""
    found = customer_for_email(email)
    if found is not None:
        link_send(site=site, customer=found[0], identity=found[1])


def link_send(*, site: str, customer: Customer, identity: Identity) -> None:
    """Email a single-use sign-in link in the customer's language."""
    user = account_for(customer)
    url = site.rstrip("/") + reverse("portal:signin_link", args=[get_token(user)])
    minutes = settings.SESAME_MAX_AGE // 60
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        context = {"customer": customer, "url": url, "minutes": minutes, "brand": brand()}
        subject = render_to_string("emails/portal_link_subject.txt", context).strip()
        body = render_to_string("emails/portal_link.txt", context)
    send_mail(subject, body, None, [identity.value])
