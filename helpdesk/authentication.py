"""DRF authentication classes (their own module: DRF imports them while its settings load,
before `rest_framework.views` can be imported)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from helpdesk.accounts import token_is_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication with a lifetime: a token older than
    `HELPDESK_API_TOKEN_TTL_HOURS` is deleted and answers 401 "Token expired."; signing in at
    the token endpoint then issues a new one (`helpdesk.accounts.token_get_or_create`)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token=token):
            token.delete()
            raise exceptions.AuthenticationFailed(_("Token expired."))
        return user, token
