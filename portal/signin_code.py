"""Sign-in by a 6-digit code sent by WhatsApp to a number the customer wrote to us from.

There is no SMS here: the product's only phone sender logs calls an agent made
(`tickets.senders.LoggedCallSender`), it transmits nothing, so a code goes by WhatsApp or not
at all. The code is never a ticket message: it goes straight to Meta's Graph API through the
channel's own client (`graph_post`), from the WhatsApp number the customer last wrote to.

Inside Meta's 24-hour window (the customer wrote to us on WhatsApp in the last day) a plain
text goes out in the customer's language; outside it Meta refuses free text, so the code
goes as the approved authentication template named in `PORTAL_WHATSAPP_CODE_TEMPLATE`
(its body and copy-code button take the code), or, without one, nothing is sent.

Codes live in Redis (the Django cache), hashed, under the number: 10 minutes, one use,
five wrong tries and the code is void. A new code replaces the last one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from channels_inbox.adapters.meta_graph import graph_post
from channels_inbox.adapters.meta_send import whatsapp_number
from channels_inbox.models import SocialAccount
from customers.models import Customer, Identity, IdentityKind
from helpdesk.roles import is_agent
from portal.signin import account_for, customer_for_identity
from tickets.choices import Channel, Direction
from tickets.models import Message
from tickets.selectors import MESSAGING_WINDOW
from tickets.senders import PermanentSendError, TransientSendError

if TYPE_CHECKING:
    from helpdesk.roles import User

logger = logging.getLogger(__name__)

CODE_SECONDS = 10 * 60
CODE_TRIES = 5
# The identities a code can be sent to: those with a sender (WhatsApp only, see above).
CODE_KINDS: tuple[str, ...] = (IdentityKind.WHATSAPP,)


class CodeCheck(StrEnum):
    OK = "ok"
    WRONG = "wrong"  # tries are left
    VOID = "void"  # the fifth wrong try, or more: the code is gone
    GONE = "gone"  # expired, used, replaced, or never sent


def _key(number: str) -> str:
    return "portal:code:" + hashlib.sha256(number.encode()).hexdigest()[:32]


def _digest(number: str, code: str) -> str:
    """Keyed with SECRET_KEY: a dump of Redis gives no way to try the million codes."""
    return salted_hmac("portal.signin_code", f"{number}:{code}", algorithm="sha256").hexdigest()


def code_issue(*, number: str) -> str:
    """A new code for `number`, replacing any earlier one; returns the code to send."""
    code = f"{secrets.randbelow(10**6):06d}"
    # The expiry is also in the value beside Redis's TTL: the clock check is what the
    # sign-in trusts, and it lets tests travel in time.
    stored = {"digest": _digest(number, code), "expires": timezone.now().timestamp() + CODE_SECONDS}
    cache.set(_key(number), stored, CODE_SECONDS)
    cache.set(_key(number) + ":tries", 0, CODE_SECONDS)
    return code


def code_check(*, number: str, code: str) -> CodeCheck:
    """Spend one try of the code for `number`. OK uses the code up."""
    key = _key(number)
    stored: dict[str, Any] | None = cache.get(key)
    if not stored or float(stored["expires"]) <= timezone.now().timestamp():
        return CodeCheck.GONE
    try:
        tries = cache.incr(key + ":tries")
    except ValueError:
        return CodeCheck.GONE
    right = constant_time_compare(_digest(number, code.strip()), str(stored["digest"]))
    if right and tries <= CODE_TRIES:
        # delete() is atomic: of two presses of the same code, only one signs in.
        used_now = cache.delete(key)
        cache.delete(key + ":tries")
        return CodeCheck.OK if used_now else CodeCheck.GONE
    if tries >= CODE_TRIES:
        cache.delete_many([key, key + ":tries"])
        return CodeCheck.VOID
    return CodeCheck.WRONG


def code_user(*, number: str) -> User | None:
    """The portal user a used-up code for `number` signs in; never staff."""
    found = customer_for_identity(kinds=CODE_KINDS, value=number)
    if found is None:
        return None
    user = account_for(found[0])
    return None if is_agent(user) else user


def code_request(*, number: str) -> None:
    """Send a code if `number` is a customer's WhatsApp and we can reach it; else nothing.
    The caller answers the same either way."""
    found = customer_for_identity(kinds=CODE_KINDS, value=number)
    if found is None:
        return
    customer, identity = found
    if is_agent(account_for(customer)):
        return
    account = _whatsapp_account(identity)
    if account is None:
        logger.info("sign-in code for customer %s: no active WhatsApp number", customer.pk)
        return
    code = code_issue(number=number)
    body = _whatsapp_body(identity=identity, customer=customer, code=code)
    if body is None:
        cache.delete_many([_key(number), _key(number) + ":tries"])
        logger.warning(
            "sign-in code for customer %s not sent: the WhatsApp window is closed and "
            "PORTAL_WHATSAPP_CODE_TEMPLATE is not set",
            customer.pk,
        )
        return
    try:
        graph_post(path=f"{account.external_id}/messages", token=account.access_token, body=body)
    except (TransientSendError, PermanentSendError) as exc:
        logger.warning("sign-in code for customer %s not sent: %s", customer.pk, exc)


def _whatsapp_account(identity: Identity) -> SocialAccount | None:
    """The number the customer last wrote to (as replies go out), else our oldest one."""
    metas = (
        Message.objects.filter(
            identity=identity, direction=Direction.INBOUND, channel=Channel.WHATSAPP
        )
        .order_by("-created_at")
        .values_list("meta", flat=True)[:20]
    )
    active = SocialAccount.objects.filter(platform="whatsapp", active=True)
    for meta in metas:
        if account_id := (meta or {}).get("social_account"):
            account = active.filter(pk=account_id).first()
            if account is not None:
                return account
    return active.order_by("pk").first()


def _window_open(identity: Identity) -> bool:
    """Meta's 24-hour customer-service window with this number (its last own message)."""
    last = Message.objects.filter(
        identity=identity,
        direction=Direction.INBOUND,
        channel=Channel.WHATSAPP,
        is_automatic=False,
    ).aggregate(last=Max(Coalesce("sent_by_customer_at", "created_at")))["last"]
    return last is not None and timezone.now() < last + MESSAGING_WINDOW


def _whatsapp_body(*, identity: Identity, customer: Customer, code: str) -> dict[str, Any] | None:
    language = customer.language or settings.LANGUAGE_CODE
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": whatsapp_number(identity.value),
    }
    if _window_open(identity):
        with translation.override(language):
            text = gettext(
                "Your sign-in code is %(code)s. It is valid for %(minutes)s minutes."
            ) % {"code": code, "minutes": CODE_SECONDS // 60}
        return {**body, "type": "text", "text": {"preview_url": False, "body": text}}
    if not settings.PORTAL_WHATSAPP_CODE_TEMPLATE:
        return None
    # Meta's authentication templates: the code fills the body and the copy-code button.
    parameter = [{"type": "text", "text": code}]
    return {
        **body,
        "type": "template",
        "template": {
            "name": settings.PORTAL_WHATSAPP_CODE_TEMPLATE,
            "language": {"code": language},
            "components": [
                {"type": "body", "parameters": parameter},
                {"type": "button", "sub_type": "url", "index": "0", "parameters": parameter},
            ],
        },
    }
