"""JSON from outside, read with a bound on nesting.

`json.loads` recurses once per nesting level: a body of 100,000 `[` raises `RecursionError`,
which nothing expects (DRF's `JSONParser` catches only `ValueError`, so it became a 500; the
chat consumer's socket died without a close frame). Everything that reads JSON sent to us
(request bodies, webhook deliveries, websocket frames) goes through `json_loads_bounded`,
which turns "too deep" into a `ValueError` like any other malformed JSON.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

# Nothing we accept nests deeper than about ten levels (a Meta delivery is seven); 64 leaves
# room for JSON fields while keeping every later walk over the data (serializers, the
# renderer, PostgreSQL's jsonb) far from Python's recursion limit of 1,000.
MAX_JSON_DEPTH = 64


class JSONTooDeep(ValueError):
    """The JSON nests deeper than allowed. A `ValueError`, so callers that already refuse
    malformed JSON (`except ValueError`) refuse this too."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def _depth_exceeds(value: object, max_depth: int) -> bool:
    """Whether arrays/objects in `value` nest deeper than `max_depth`; iterative, so the
    check itself cannot hit the recursion limit."""
    stack: list[tuple[Mapping[Any, Any] | list[Any], int]] = []
    if isinstance(value, (Mapping, list)):
        stack.append((value, 1))
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, Mapping) else node
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (Mapping, list)))
    return False


def json_loads_bounded(
    data: str | bytes | bytearray,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """`json.loads` for untrusted input. Raises `JSONTooDeep` (a `ValueError`) when arrays
    and objects nest deeper than `max_depth`, and `ValueError` for anything else that is not
    JSON; never `RecursionError`. Pure: no I/O, safe in async code."""
    try:
        value = json.loads(data, parse_constant=parse_constant)
    except RecursionError:
        raise JSONTooDeep(max_depth) from None
    if _depth_exceeds(value, max_depth):
        raise JSONTooDeep(max_depth)
    return value


class BoundedJSONParser(JSONParser):
    """DRF's `JSONParser` reading through `json_loads_bounded`: too deep is a 400
    (`ParseError`) with the reason, like any other JSON parse error."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_loads_bounded(text, parse_constant=strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
