"""The Graph API client of the Meta channels: one POST, with Meta's error semantics mapped
onto the sender interface's transient / permanent errors."""

from __future__ import annotations

from typing import Any

import httpx
from django.conf import settings

from channels_inbox.adapters.meta import as_dict
from tickets.senders import PermanentSendError, TransientSendError

# Graph error codes that mean "later, not never": throttling (4, 17, 32, 613, WhatsApp's
# 80007, 130429, 131048, 131056) and temporary outages (1, 2).
TRANSIENT_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 613, 80007, 130429, 131048, 131056})
GRAPH_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def _graph_error(response: httpx.Response) -> tuple[int | None, str]:
    try:
        error = as_dict(as_dict(response.json()).get("error"))
    except ValueError:
        return None, response.text[:300]
    message = str(error.get("message") or response.reason_phrase)
    if details := as_dict(error.get("error_data")).get("details"):
        message = f"{message} ({details})"
    code = error.get("code")
    return (code if isinstance(code, int) else None), message


def graph_post(*, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the Graph API; Transient- or PermanentSendError by Meta's error semantics.
    The token travels in the Authorization header, never in a URL that may be logged."""
    url = f"{settings.META_GRAPH_URL.rstrip('/')}/{path}"
    try:
        response = httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=GRAPH_TIMEOUT
        )
    except httpx.TimeoutException as exc:
        raise TransientSendError(f"the Graph API did not answer in time: {exc!r}") from exc
    except httpx.HTTPError as exc:
        raise TransientSendError(f"could not reach the Graph API: {exc!r}") from exc
    if response.is_success:
        try:
            return as_dict(response.json())
        except ValueError:
            return {}
    code, message = _graph_error(response)
    summary = f"Graph API {response.status_code}" + (f" (code {code})" if code else "")
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientSendError(f"{summary}: {message}")
    if code in TRANSIENT_GRAPH_CODES:
        raise TransientSendError(f"{summary}, rate limited: {message}")
    raise PermanentSendError(f"{summary}: {message}")
