"""Agents' credentials: API tokens with a lifetime, revoked when the password changes or the
account is deactivated.

Sessions need no rows deleted here: Django refuses a session whose stored password hash no
longer matches (`get_user` checks `get_session_auth_hash`), and `ModelBackend.get_user`
refuses an inactive user, so both cases already end every open session on its next request
(`tests/helpdesk/test_tokens.py` proves it). Tokens carry no such check, hence this module.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from rest_framework.authtoken.models import Token

if TYPE_CHECKING:
    from helpdesk.roles import User


def token_ttl() -> timedelta:
    return timedelta(hours=settings.HELPDESK_API_TOKEN_TTL_HOURS)


def token_is_expired(*, token: Token, now: datetime | None = None) -> bool:
    """True once the token is older than `HELPDESK_API_TOKEN_TTL_HOURS` (0: never expires)."""
    if settings.HELPDESK_API_TOKEN_TTL_HOURS <= 0:
        return False
    created: datetime = token.created
    return created <= (now or timezone.now()) - token_ttl()


@transaction.atomic
def token_get_or_create(*, user: User, now: datetime | None = None) -> Token:
    """The user's API token, a new one if they had none or theirs expired (the expired one is
    deleted). One token per user (DRF's model); concurrent sign-ins of one user may race on
    the one-to-one row, so the user row is locked first."""
    type(user).objects.select_for_update().filter(pk=user.pk).first()
    token = Token.objects.filter(user=user).first()
    if token is not None and token_is_expired(token=token, now=now):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


def user_credentials_revoke(*, user: User) -> int:
    """Delete every API token of `user`; returns how many. Called when the password changes or
    the account is deactivated. Idempotent. Sessions end by themselves (module docstring)."""
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    return deleted


# --- Receivers --------------------------------------------------------------------------------
# Signals as infrastructure, not domain glue: a password changes in many places we do not own
# (the admin's password form, `set_password()` + `save()`, `manage.py changepassword`, a
# future reset flow), and each must revoke the tokens. Connected in HelpdeskConfig.ready().

_WATCHED = {"password", "is_active"}


def _remember_credentials_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a user is saved: note whether the password hash changed or the account is being
    deactivated (one indexed read; skipped for saves that touch neither field, such as the
    `last_login` update on every sign-in). Any new hash counts, also Django re-hashing a
    password with more iterations at sign-in: that already ends the user's other sessions
    (the session hash derives from it), and tokens follow sessions."""
    instance._helpdesk_revoke = False
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or kwargs.get("raw"):
        return
    if update_fields is not None and not _WATCHED & set(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    instance._helpdesk_revoke = before["password"] != instance.password or (
        before["is_active"] and not instance.is_active
    )


def _revoke_after_credentials_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_helpdesk_revoke", False):
        instance._helpdesk_revoke = False
        user_credentials_revoke(user=instance)


def connect_receivers() -> None:
    user_model = get_user_model()
    pre_save.connect(
        _remember_credentials_change, sender=user_model, dispatch_uid="helpdesk-creds-pre"
    )
    post_save.connect(
        _revoke_after_credentials_change, sender=user_model, dispatch_uid="helpdesk-creds-post"
    )
