"""Customer text made storable: what PostgreSQL refuses is cleaned out, never the message.

PostgreSQL refuses NUL (U+0000) in `text` and in `jsonb` strings, and psycopg cannot encode
a lone UTF-16 surrogate (U+D800 to U+DFFF, from `\\ud800` in JSON or `surrogateescape`d bytes)
as UTF-8. One such character in a subject, a profile name or a chat line used to fail the
whole row and lose the message. `text_clean` removes NUL, replaces a lone surrogate by U+FFFD
(so the agent sees something was there) and joins a split surrogate pair into the character
it spells; it reports what it changed so the message can say it was cleaned.

Pure functions, no ORM: `tickets.services.ingest` applies them to every inbound message.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from typing import Any

# Characters PostgreSQL refuses in text and jsonb (NUL) or that cannot be encoded as UTF-8.
_REFUSED = re.compile("[\x00\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
REPLACEMENT = "\ufffd"
ATTACHMENT_NAME_MAX = 255
_SAFE_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")


def _join_pair(match: re.Match[str]) -> str:
    return match.group(0).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def text_clean(value: str) -> tuple[str, Counter[str]]:
    """`value` without the characters PostgreSQL refuses, and what was changed, counted by
    code point ("U+0000": 2). A clean value is returned as is, with an empty counter."""
    if not _REFUSED.search(value):
        return value, Counter()
    value = _PAIR.sub(_join_pair, value)
    removed = Counter(f"U+{ord(char):04X}" for char in _REFUSED.findall(value))
    value = value.replace("\x00", "")
    return _REFUSED.sub(REPLACEMENT, value), removed


def json_clean(value: Any) -> tuple[Any, Counter[str]]:
    """`text_clean` on every string (keys too) in a JSON-like value of dicts and lists."""
    found: Counter[str] = Counter()

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            clean, removed = text_clean(item)
            found.update(removed)
            return clean
        if isinstance(item, dict):
            return {walk(k): walk(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v) for v in item]
        return item

    return walk(value), found


def _printable(value: str) -> str:
    # Control and format characters (bell, escape sequences, right-to-left overrides that
    # make "gnp.exe" read as "exe.png") have no place in a name shown to an agent.
    return "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))


def attachment_display_name(name: str, *, limit: int = ATTACHMENT_NAME_MAX) -> str:
    """The name to show and offer for download: the last path segment of what the sender
    claimed, without control characters or leading/trailing dots and spaces, at most `limit`
    characters with the extension kept. Never empty (`attachment`); never a path."""
    name = _printable(text_clean(name)[0])
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = name.strip().strip(". ").strip()
    if not name:
        return "attachment"
    stem, extension = os.path.splitext(name)
    if len(extension) > 20:
        stem, extension = name, ""
    return stem[: limit - len(extension)].rstrip(". ") + extension if len(name) > limit else name


def attachment_storage_name(display_name: str, *, unique: str) -> str:
    """The name a file is stored under: `unique` (a uuid) plus the display name's extension
    when that is short and plain (letters and digits), so no sender's name reaches a path."""
    extension = os.path.splitext(display_name)[1].lower()
    return unique + (extension if _SAFE_EXTENSION.fullmatch(extension) else "")
