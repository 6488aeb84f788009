"""Raw email → `ParsedEmail`, with byte-level guards before the (slow on hostile input)
modern `email` parser. Pure Python: no ORM, no Django models."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 25 * 1024 * 1024
    max_header_bytes: int = 8 * 1024
    max_total_header_bytes: int = 256 * 1024
    max_addresses: int = 200
    max_parts: int = 200
    max_depth: int = 10
    max_attachment_bytes: int = 15 * 1024 * 1024


class EmailRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EmailParseError(Exception):
    """The message is too broken to read."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str = ""
    is_inline: bool = False


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: datetime | None
    text: str
    text_trimmed: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    is_auto_reply: bool = False
    auto_reply_reason: str = ""
    is_list: bool = False
    is_bounce: bool = False
    bounced_message_id: str = ""
    bounce_reason: str = ""
    forwarded_from: tuple[str, str] | None = None
    # What the parser had to work around (missing boundary, bad base64…): kept, not fatal.
    defects: list[str] = field(default_factory=list)
    ticket_number: int | None = None
    raw_size: int = 0
    # Attachments not stored (over the size limit), as "name (size)": the agent must know the
    # customer sent them, so they can ask for another way.
    omitted_attachments: list[str] = field(default_factory=list)
    # The language the sender's mail program declares (Content-Language, else Outlook's
    # Accept-Language), as written ("nl-NL"); "" when it says none.
    language: str = ""


# --- guards --------------------------------------------------------------------------------

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ADDRESS_HEADERS = re.compile(rb"^(to|cc|bcc|from|reply-to)\s*:", re.IGNORECASE)
_BOUNDARY = re.compile(rb'boundary\s*=\s*"?([^";\r\n]+)', re.IGNORECASE)


def _unfolded_headers(block: bytes) -> list[bytes]:
    headers: list[bytes] = []
    for line in block.splitlines():
        if line[:1] in (b" ", b"\t") and headers:
            headers[-1] += line
        else:
            headers.append(line)
    return headers


def check_guards(raw: bytes, limits: Limits = Limits()) -> None:
    """Cheap byte-level checks that keep hostile input away from the modern parser, which
    burns seconds of CPU on a 20 kB header of semicolons or a To: of 5,000 addresses."""
    if len(raw) > limits.max_bytes:
        raise EmailRejected(f"message of {len(raw)} bytes is over the {limits.max_bytes} limit")
    match = _HEADER_END.search(raw)
    block = raw[: match.start()] if match else raw[: limits.max_total_header_bytes + 1]
    if len(block) > limits.max_total_header_bytes:
        raise EmailRejected("the header block is over the size limit")
    addresses = 0
    for header in _unfolded_headers(block):
        if len(header) > limits.max_header_bytes:
            name = header.split(b":", 1)[0][:40].decode("ascii", "replace")
            raise EmailRejected(f"header {name} is over {limits.max_header_bytes} bytes")
        if _ADDRESS_HEADERS.match(header):
            addresses += header.count(b"@")
    if addresses > limits.max_addresses:
        raise EmailRejected(f"{addresses} addresses in the headers (limit {limits.max_addresses})")
    boundaries = {m.group(1).strip() for m in _BOUNDARY.finditer(raw)}
    if len(boundaries) > limits.max_depth:
        raise EmailRejected(f"MIME nesting of {len(boundaries)} levels (limit {limits.max_depth})")
    # Each part opens with a delimiter line; each multipart's closing line counts one extra.
    parts = sum(raw.count(b"\n--" + boundary) for boundary in boundaries) - len(boundaries)
    if parts > limits.max_parts:
        raise EmailRejected(f"{parts} MIME parts (limit {limits.max_parts})")


# --- parsing -------------------------------------------------------------------------------

_MSGID = re.compile(r"<[^<>\s]+>")
_TOKEN_SUBJECT = re.compile(r"\[#(\d{1,12})\]")
_TOKEN_ADDRESS = re.compile(r"\+t(\d{1,12})@")
_AUTO_SUBJECT = re.compile(
    r"^(out of (the )?office|automatic reply|auto(matic)?[- ]?reply|afwezig|automatisch antwoord|"
    r"automatyczna odpowied[zź]|nieobecno[sś][cć])",
    re.IGNORECASE,
)


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (IndexError, ValueError, TypeError):
        return ""
    return _unescape_8bit(str(value)).strip() if value is not None else ""


def _unescape_8bit(value: str) -> str:
    """Raw 8-bit bytes in a header (against the RFC, but common) come back from the parser
    as surrogate escapes, which PostgreSQL refuses: read them as UTF-8, else windows-1252."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("windows-1252", "replace")


def _ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    values = [_unescape_8bit(str(v)) for v in (message.get_all(name) or [])]
    return [(n, a.lower()) for n, a in getaddresses(values) if "@" in a]


def _decoded_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    for candidate in (charset, "utf-8", "windows-1252"):
        try:
            return payload.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("utf-8", errors="replace")


_ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
# Style properties kept in customer HTML: colour and type only. Nothing that positions, sizes
# or layers an element (position, top, z-index, width, margin…): a mail must not be able to
# lay a full-screen "your session expired" overlay over the agent's desk. `background` is
# left out as well (its url() would fetch a tracker).
_ALLOWED_STYLES = {
    "color", "background-color", "font-weight", "font-style", "font-family",
    "text-decoration", "text-align",
}  # fmt: skip
_REMOTE_SRC = re.compile(r'<img([^>]*?)\ssrc="(https?:[^"]*)"', re.IGNORECASE)


def sanitise_html(html: str) -> str:
    """nh3 keeps safe markup only, and of inline styles only `_ALLOWED_STYLES`; remote images
    are parked in data-remote-src so they are not fetched (tracking pixels) until the agent
    asks."""
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={
            "a": {"href", "title"},
            "img": {"src", "alt", "width", "height"},
            "*": {"style"},
        },
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties=_ALLOWED_STYLES,
    )
    return _REMOTE_SRC.sub(r'<img\1 data-remote-src="\2"', clean)


def text_from_html(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    from html import unescape

    return re.sub(r"\n{3,}", "\n\n", unescape(text)).strip()


_QUOTE_HEADERS = [
    re.compile(r"^On .{4,200}wrote:\s*$", re.MULTILINE | re.DOTALL),
    re.compile(r"^Op .{4,200}schreef .{1,200}:\s*$", re.MULTILINE),
    # Apple Mail in Dutch and Polish.
    re.compile(r"^Op .{4,200}heeft .{1,200}het volgende geschreven:\s*$", re.MULTILINE),
    re.compile(r"^>?\s*Wiadomość napisana przez .{1,200} w dniu .{4,100}:\s*$", re.MULTILINE),
    re.compile(r"^W dniu .{4,200}napisał(\(a\)|a)?:\s*$", re.MULTILINE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^(From|Van|Od):\s.+\n(Sent|Verzonden|Wysłano|Date|Datum|Data):\s", re.MULTILINE),
    re.compile(r"^_{10,}\s*$", re.MULTILINE),
]
_SIGNATURES = re.compile(
    r"^(-- |Sent from my iPhone|Verstuurd vanaf mijn iPhone|Wysłane z iPhone'?a|"
    r"Sent from Outlook|Verzonden vanuit Outlook)\s*$",
    re.MULTILINE,
)


def trim_reply(text: str) -> str:
    """The new part of a reply: cut at the first quote header, trailing '>' lines and a
    signature. Falls back to the full text rather than return nothing."""
    cut = len(text)
    for pattern in _QUOTE_HEADERS:
        match = pattern.search(text)
        if match and match.start() > 0:
            cut = min(cut, match.start())
    trimmed = text[:cut]
    lines = trimmed.rstrip().splitlines()
    while lines and lines[-1].lstrip().startswith(">"):
        lines.pop()
    trimmed = "\n".join(lines)
    signature = _SIGNATURES.search(trimmed)
    if signature and signature.start() > 0:
        trimmed = trimmed[: signature.start()]
    trimmed = trimmed.strip()
    return trimmed or text.strip()


_FORWARD_MARKERS = re.compile(
    r"^(-{5,}\s*(Forwarded message|Doorgestuurd bericht|Przekazana wiadomość)\s*-{5,}|"
    r"Begin forwarded message:|-{2,}\s*Original Message\s*-{2,})\s*$",
    re.MULTILINE | re.IGNORECASE,
)
_FORWARD_FROM = re.compile(r"^\s*(?:From|Van|Od):\s*(.+)$", re.MULTILINE)


def _forwarded_from(text: str) -> tuple[str, str] | None:
    marker = _FORWARD_MARKERS.search(text)
    if marker is None:
        return None
    sender = _FORWARD_FROM.search(text, marker.end())
    if sender is None:
        return None
    value = sender.group(1).replace("*", "").strip()
    name, address = parseaddr(value)
    if "@" not in address:
        found = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", value)
        if not found:
            return None
        address, name = found.group(0), value.split("<")[0].split("[")[0].strip()
    return name.strip().strip('"'), address.lower()


def _walk(message: Message, limits: Limits) -> list[tuple[Message, int]]:
    found: list[tuple[Message, int]] = []

    def visit(part: Message, depth: int) -> None:
        if depth > limits.max_depth:
            raise EmailRejected(f"MIME nesting deeper than {limits.max_depth}")
        if len(found) > limits.max_parts:
            raise EmailRejected(f"more than {limits.max_parts} MIME parts")
        found.append((part, depth))
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                for child in payload:
                    if isinstance(child, Message):
                        visit(child, depth + 1)

    visit(message, 0)
    return found


def _bounce(message: Message, parts: list[tuple[Message, int]]) -> tuple[bool, str, str]:
    report_type = message.get_param("report-type") or ""
    is_report = (
        message.get_content_type() == "multipart/report"
        and isinstance(report_type, str)
        and report_type.lower() == "delivery-status"
    )
    if not is_report:
        return False, "", ""
    reason, original_id = "", ""
    for part, _depth in parts:
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            text = str(part.get_payload()) if not part.is_multipart() else ""
            for sub in part.get_payload() if part.is_multipart() else []:
                text += str(sub)
            found = re.search(r"Diagnostic-Code:\s*(.+)", text) or re.search(
                r"Status:\s*(.+)", text
            )
            reason = found.group(1).strip() if found else reason
        elif kind in ("message/rfc822", "text/rfc822-headers") and not original_id:
            inner = part.get_payload()
            body = str(inner[0]) if isinstance(inner, list) and inner else str(inner)
            ids = re.search(r"(?im)^Message-ID:\s*(<[^>]+>)", body)
            original_id = ids.group(1) if ids else ""
    return True, original_id, reason


def _auto_reply(message: Message, subject: str) -> str:
    auto_submitted = _header(message, "Auto-Submitted").lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if _header(message, name):
            return name
    precedence = _header(message, "Precedence").lower()
    if precedence in ("bulk", "auto_reply", "junk"):
        return f"Precedence: {precedence}"
    suppress = _header(message, "X-Auto-Response-Suppress").lower()
    if suppress in ("all", "oof") and _AUTO_SUBJECT.search(subject):
        return "Exchange automatic reply"
    if _AUTO_SUBJECT.search(subject):
        return "automatic-reply subject"
    return ""


@dataclass
class _Bodies:
    """The readable content of a message: its first text and HTML bodies, the attachments
    kept and those left out for their size."""

    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)


def _attachment_add(bodies: _Bodies, part: Message, limits: Limits) -> None:
    kind = part.get_content_type()
    disposition = (part.get_content_disposition() or "").lower()
    filename = part.get_filename() or ""
    content = part.get_payload(decode=True)
    if not isinstance(content, bytes):
        return
    if len(content) > limits.max_attachment_bytes:
        bodies.omitted.append(f"{filename or 'attachment'} ({len(content) / 1048576:.1f} MB)")
        return
    bodies.attachments.append(
        ParsedAttachment(
            filename=filename or "attachment",
            content_type=kind,
            content=content,
            content_id=_header(part, "Content-ID").strip("<>"),
            # Gmail gives ordinary attachments a Content-ID too: the disposition
            # decides, a Content-ID only when there is none.
            is_inline=disposition == "inline" or (not disposition and bool(part.get("Content-ID"))),
        )
    )


def _bodies(parts: list[tuple[Message, int]], limits: Limits) -> _Bodies:
    """The first plain and HTML body that are not attachments, and every attachment; an
    HTML-only message gets its text from the HTML."""
    bodies = _Bodies()
    for part, _depth in parts:
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        body_part = disposition != "attachment" and not filename
        if kind == "text/plain" and not bodies.text and body_part:
            bodies.text = _decoded_text(part)
        elif kind == "text/html" and not bodies.html and body_part:
            bodies.html = _decoded_text(part)
        elif kind.startswith("message/") or kind == "text/rfc822-headers":
            continue
        elif filename or disposition in ("attachment", "inline") or part.get("Content-ID"):
            _attachment_add(bodies, part, limits)
    if not bodies.text and bodies.html:
        bodies.text = text_from_html(bodies.html)
    bodies.text = bodies.text.replace("\r\n", "\n").strip()
    return bodies


def _date(message: EmailMessage) -> datetime | None:
    """The Date header as an aware datetime; None when missing, unreadable or naive."""
    try:
        date = parsedate_to_datetime(_header(message, "Date")) if _header(message, "Date") else None
    except (TypeError, ValueError):
        return None
    return None if date is not None and date.tzinfo is None else date


def _ticket_number(subject: str, message: EmailMessage) -> int | None:
    """Our ticket number from the subject's token, else from a `+t<number>` recipient."""
    recipients = [a for _, a in _addresses(message, "To") + _addresses(message, "Cc")]
    token = _TOKEN_SUBJECT.search(subject)
    address_token = next((m for r in recipients if (m := _TOKEN_ADDRESS.search(r))), None)
    number = token or address_token
    return int(number.group(1)) if number else None


def _is_list(message: EmailMessage) -> bool:
    return (
        bool(_header(message, "List-Id") or _header(message, "List-Unsubscribe"))
        or _header(message, "Precedence").lower() == "list"
    )


def parse_email(raw: bytes, limits: Limits = Limits()) -> ParsedEmail:
    """Read one raw email into what ingestion needs. Raises EmailRejected when a guard
    refuses it (`check_guards`) and EmailParseError when it cannot be read at all or names
    no sender; anything merely malformed is worked around and listed in `defects`."""
    check_guards(raw, limits)
    try:
        message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:
        raise EmailParseError(f"unreadable MIME: {exc!r}") from exc
    parts = _walk(message, limits)
    senders = _addresses(message, "From")
    if not senders:
        raise EmailParseError("the message has no sender address")
    from_name, from_address = senders[0]
    subject = _header(message, "Subject")
    bodies = _bodies(parts, limits)
    is_bounce, bounced_id, bounce_reason = _bounce(message, parts)
    auto_reason = "" if is_bounce else _auto_reply(message, subject)
    return ParsedEmail(
        message_id=(_ids(_header(message, "Message-ID")) or [""])[0],
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        subject=subject,
        from_address=from_address,
        from_name=from_name,
        to=[a for _, a in _addresses(message, "To")],
        cc=[a for _, a in _addresses(message, "Cc")],
        date=_date(message),
        text=bodies.text,
        text_trimmed=trim_reply(bodies.text) if bodies.text else "",
        html=sanitise_html(bodies.html) if bodies.html else "",
        attachments=bodies.attachments,
        is_auto_reply=bool(auto_reason),
        auto_reply_reason=auto_reason,
        is_list=_is_list(message),
        is_bounce=is_bounce,
        bounced_message_id=bounced_id,
        bounce_reason=bounce_reason,
        forwarded_from=_forwarded_from(bodies.text),
        ticket_number=_ticket_number(subject, message),
        raw_size=len(raw),
        defects=_defects(parts),
        omitted_attachments=bodies.omitted,
        language=_header(message, "Content-Language") or _header(message, "Accept-Language"),
    )


def _defects(parts: list[tuple[Message, int]]) -> list[str]:
    found = []
    for part, _depth in parts:
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            if name not in found:
                found.append(name)
    return found


# Source headers written back as they arrived: the default policy refolds long ones, which
# parses them, and that is where a hostile header costs seconds.
_AS_RECEIVED = policy.default.clone(refold_source="none")


def raw_bytes(message: Message) -> bytes:
    """The bytes of a message an ESP's parser built, without re-parsing its headers."""
    return message.as_bytes(policy=_AS_RECEIVED)
