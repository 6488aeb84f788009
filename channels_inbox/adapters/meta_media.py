"""Files customers send on Messenger, Instagram and WhatsApp, fetched so agents keep them.

Messenger and Instagram hand us a CDN link that expires within days; WhatsApp hands us a
media id that only our access token can turn into a (five-minute) download link. Either way
the file must be copied into our own storage soon after the message arrives. This module
only talks HTTP; `services.meta.meta_media_fetch` decides what to store.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from channels_inbox.adapters.meta_graph import GRAPH_TIMEOUT

# Meta's CDNs redirect; a few hops are normal, a loop is not.
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class MediaItem:
    """One file of an inbound message. `key` names it stably, so a retry skips what is done."""

    key: str
    kind: str
    url: str = ""  # Messenger / Instagram: a CDN link
    media_id: str = ""  # WhatsApp: resolved through the Graph API with the account's token
    filename: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class Fetched:
    content: bytes
    content_type: str
    filename: str


class MediaGone(Exception):
    """The file will never be fetched (expired link, refused, too large): say why."""


class MediaLater(Exception):
    """The CDN or the Graph API may give the file later (timeout, 5xx, throttled)."""


def human_size(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{size / 1024:.1f} KB"


def media_items(meta: dict[str, Any]) -> list[MediaItem]:
    """The files an inbound message's meta names (as `adapters.meta` parsed them)."""
    items = []
    for index, attachment in enumerate(meta.get("attachments") or []):
        url = str(attachment.get("url") or "")
        kind = str(attachment.get("type") or "file")
        # Stickers, links and locations come as attachments without a file behind them.
        if url and kind in ("image", "video", "audio", "file"):
            items.append(MediaItem(key=f"attachment:{index}", kind=kind, url=url))
    media = meta.get("media") or {}
    if media.get("id"):
        items.append(
            MediaItem(
                key=f"media:{media['id']}",
                kind=str(meta.get("type") or "file"),
                media_id=str(media["id"]),
                filename=str(media.get("filename") or ""),
                content_type=str(media.get("mime_type") or ""),
            )
        )
    return items


def _filename(item: MediaItem, content_type: str, url: str) -> str:
    if item.filename:
        return item.filename
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if name and "." in name:
        return name[:200]
    extension = mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
    return f"{item.kind}{extension}"


def _download(url: str, *, headers: dict[str, str], max_bytes: int) -> tuple[bytes, str]:
    """GET a file, refusing it once it is over `max_bytes` (announced or counted)."""
    try:
        with (
            httpx.Client(
                timeout=GRAPH_TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS
            ) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code >= 500 or response.status_code == 429:
                raise MediaLater(f"the file server answered {response.status_code}")
            if not response.is_success:
                raise MediaGone(f"the file server answered {response.status_code}")
            announced = int(response.headers.get("content-length") or 0)
            if announced > max_bytes:
                raise MediaGone(
                    f"too large: {human_size(announced)} (limit {human_size(max_bytes)})"
                )
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise MediaGone(f"too large: over the {human_size(max_bytes)} limit")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "")
    except httpx.TooManyRedirects as exc:
        raise MediaGone("the file link redirects in a loop") from exc
    except httpx.HTTPError as exc:
        raise MediaLater(f"could not fetch the file: {exc!r}") from exc


def _whatsapp_url(media_id: str, token: str) -> tuple[str, str]:
    """The Graph API's short-lived download link (and type) for a WhatsApp media id."""
    url = f"{settings.META_GRAPH_URL.rstrip('/')}/{media_id}"
    try:
        response = httpx.get(
            url, headers={"Authorization": f"Bearer {token}"}, timeout=GRAPH_TIMEOUT
        )
    except httpx.HTTPError as exc:
        raise MediaLater(f"could not reach the Graph API: {exc!r}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise MediaLater(f"Graph API {response.status_code} for media {media_id}")
    if not response.is_success:
        raise MediaGone(f"Graph API {response.status_code} for media {media_id}")
    try:
        body = response.json()
    except ValueError as exc:
        raise MediaLater("the Graph API answered something that is not JSON") from exc
    if not isinstance(body, dict) or not body.get("url"):
        raise MediaGone(f"the Graph API gave no download link for media {media_id}")
    return str(body["url"]), str(body.get("mime_type") or "")


def media_fetch(item: MediaItem, *, token: str, max_bytes: int) -> Fetched:
    """Download one file. Raises MediaGone (never) or MediaLater (try again)."""
    if item.media_id:
        url, content_type = _whatsapp_url(item.media_id, token)
        # WhatsApp's media host wants the same token; the link itself is worthless without it.
        content, served_type = _download(
            url, headers={"Authorization": f"Bearer {token}"}, max_bytes=max_bytes
        )
    else:
        url, content_type = item.url, ""
        # A CDN link is signed in its query string: no token is sent to a third-party host.
        content, served_type = _download(url, headers={}, max_bytes=max_bytes)
    content_type = item.content_type or content_type or served_type or "application/octet-stream"
    content_type = content_type.split(";")[0].strip()
    return Fetched(content, content_type, _filename(item, content_type, url))
