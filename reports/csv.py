"""The reports as CSV: every table on the page, and one row per ticket of the range.

A `Table` is what the page shows and what the CSV holds — the same object — so the two
can never disagree. The file name carries the table, the range and the hours chosen
(business or calendar), as a manager filing exports will want. Cells a spreadsheet would
run as a formula (a customer's comment starting with "=") are written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse

Cell = str | int | float | Decimal | dt.date | dt.datetime | None

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Table:
    """One table of the page: `name` is its key in the URL (`?format=csv&table=name`)."""

    name: str
    caption: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    # Per row, per cell: where a count leads in the desk ("" for none); page only.
    links: Sequence[Sequence[str]] = field(default_factory=tuple)

    def link(self, row: int, column: int) -> str:
        if row < len(self.links) and column < len(self.links[row]):
            return self.links[row][column]
        return ""

    def cells(self) -> list[list[tuple[Cell, str]]]:
        """Each row as (value, link) pairs, as the page renders it."""
        return [
            [(value, self.link(number, column)) for column, value in enumerate(row)]
            for number, row in enumerate(self.rows)
        ]


def cell_text(value: Cell) -> str:
    """A cell as the CSV writes it: numbers as numbers, dates ISO, text safe to open."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value == value else ""
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def filename(*, name: str, start: dt.date, end: dt.date, hours: str = "") -> str:
    parts = ["helpdesk", name, start.isoformat(), end.isoformat()]
    if hours:
        parts.append(f"{hours}-hours")
    return "_".join(parts) + ".csv"


class _Echo:
    """A file-like object whose write hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> Iterator[str]:
    """The CSV text line by line (a byte-order mark first so Excel reads UTF-8)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([cell_text(h) for h in headers])
    for row in rows:
        yield writer.writerow([cell_text(value) for value in row])


def _disposition(name: str) -> str:
    return f'attachment; filename="{name}"'


def table_response(table: Table, *, name: str) -> HttpResponse:
    response = HttpResponse("".join(csv_lines(table.headers, table.rows)), CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(name)
    return response


def streamed_response(
    headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, name: str
) -> StreamingHttpResponse:
    """For exports as long as the range: rows are written as they are read."""
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(name)
    return response
