"""The byte-level guards in front of anymail's own parsers.

Anymail's inbound views build the message with the modern `email` parser (`parse_raw_mime*`)
or set headers one by one (`construct`), both inside `parse_events`, before our code sees
the message, and the modern policy burns seconds on a hostile header. Every inbound view
goes through these four class methods, so checking there covers every ESP at once.
Installed once at app start (`ChannelsInboxConfig.ready`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from anymail.inbound import AnymailInboundMessage

from channels_inbox.email.parse import EmailRejected, Limits, check_guards

_LIMITS = Limits()
_ADDRESS_ARGS = ("from_email", "to", "cc", "bcc")


def _check_constructed(kwargs: dict[str, Any]) -> None:
    """`construct` takes headers as strings: the same limits, applied field by field."""
    addresses = 0
    for name in (*_ADDRESS_ARGS, "subject"):
        value = kwargs.get(name)
        if value is None:
            continue
        encoded = str(value).encode("utf-8", "replace")
        if len(encoded) > _LIMITS.max_header_bytes:
            raise EmailRejected(f"header {name} is over {_LIMITS.max_header_bytes} bytes")
        if name in _ADDRESS_ARGS:
            addresses += encoded.count(b"@")
    if addresses > _LIMITS.max_addresses:
        raise EmailRejected(f"{addresses} addresses in the headers (limit {_LIMITS.max_addresses})")
    if kwargs.get("raw_headers"):
        check_guards(str(kwargs["raw_headers"]).encode("utf-8", "replace") + b"\r\n\r\n")
    attachments = kwargs.get("attachments") or []
    if len(attachments) > _LIMITS.max_parts:
        raise EmailRejected(f"{len(attachments)} attachments (limit {_LIMITS.max_parts})")


def _guarded(
    original: Callable[..., Any], to_bytes: Callable[[Any], bytes]
) -> classmethod[Any, [Any], Any]:
    function = original.__func__  # type: ignore[attr-defined]

    def parse(cls: type, source: Any) -> Any:
        raw = to_bytes(source)
        check_guards(raw)
        return function(cls, raw)

    parse.__anymail_guarded__ = True  # type: ignore[attr-defined]
    return classmethod(parse)


def _text_bytes(source: str | bytes) -> bytes:
    return source.encode("utf-8") if isinstance(source, str) else source


def _chunks_bytes(chunks: Iterable[bytes]) -> bytes:
    # Joined to check them; the request body already holds them all in memory.
    return b"".join(chunk for chunk in chunks if chunk)


def install() -> None:
    """Wrap anymail's parsing class methods with our guards (idempotent)."""
    cls = AnymailInboundMessage
    if getattr(cls.parse_raw_mime_bytes, "__anymail_guarded__", False):
        return
    raw_mime_bytes = _guarded(cls.parse_raw_mime_bytes, _text_bytes)
    cls.parse_raw_mime_bytes = raw_mime_bytes
    # str and chunked input end up as bytes for the same (already guarded) parse.
    cls.parse_raw_mime = classmethod(
        lambda klass, source: klass.parse_raw_mime_bytes(_text_bytes(source))
    )
    cls.parse_raw_mime_chunks = classmethod(
        lambda klass, chunks: klass.parse_raw_mime_bytes(_chunks_bytes(chunks))
    )
    construct = cls.construct.__func__

    def guarded_construct(klass: type, *args: Any, **kwargs: Any) -> Any:
        _check_constructed(kwargs)
        return construct(klass, *args, **kwargs)

    cls.construct = classmethod(guarded_construct)
