"""The reports' CSV writer: text safe to open in a spreadsheet, names with the range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from reports.csv import Table, cell_text, csv_lines, filename, streamed_response, table_response


def test_cells() -> None:
    assert cell_text(None) == ""
    assert cell_text(True) == "yes"
    assert cell_text(3) == "3"
    assert cell_text(-3) == "-3"
    assert cell_text(1.5) == "1.5"
    assert cell_text(2.0) == "2"
    assert cell_text(Decimal("0.25")) == "0.25"
    assert cell_text(dt.date(2026, 11, 1)) == "2026-11-01"
    assert cell_text(dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.UTC)) == "2026-11-01T09:30:00+00:00"
    # A customer's comment a spreadsheet would run as a formula is text.
    assert cell_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell_text("-1 stars") == "'-1 stars"
    assert cell_text("fine") == "fine"


def test_filename_carries_range_and_hours() -> None:
    name = filename(
        name="first-response",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 30),
        hours="business",
    )
    assert name == "helpdesk_first-response_2026-10-01_2026-10-30_business-hours.csv"
    assert filename(name="tickets", start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 2)) == (
        "helpdesk_tickets_2026-01-01_2026-01-02.csv"
    )


def test_table_response() -> None:
    table = Table("volume", "Volume", ["Day", "Email"], [[dt.date(2026, 11, 1), 4]])
    response = table_response(table, name="v.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="v.csv"'
    assert response.content.decode() == "\ufeffDay,Email\r\n2026-11-01,4\r\n"


def test_streamed_response_reads_rows_lazily() -> None:
    read: list[int] = []

    def rows() -> Iterator[list[int | str]]:
        for number in range(3):
            read.append(number)
            yield [number, "a,b"]

    response = streamed_response(["n", "text"], rows(), name="t.csv")
    assert read == []
    body = b"".join(response.streaming_content).decode()  # type: ignore[arg-type]
    assert body == '\ufeffn,text\r\n0,"a,b"\r\n1,"a,b"\r\n2,"a,b"\r\n'
    assert list(csv_lines(["x"], [])) == ["\ufeffx\r\n"]
