"""The reports' charts: valid SVG, no script of any kind, labelled as one image, colours
from the stylesheet's tokens."""

from __future__ import annotations

from xml.etree import ElementTree

from reports.charts import Series, bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(text: str) -> ElementTree.Element:
    # The chart, without the HTML legend that follows it.
    return ElementTree.fromstring(text.split("<ul", 1)[0])  # noqa: S314 (our own SVG)


def test_line_chart_is_svg_without_script_and_labelled() -> None:
    days = [f"2026-11-{day:02d}" for day in range(1, 31)]
    svg = line_chart(
        label="Tickets per day",
        x_labels=days,
        series=[Series("Email", list(range(30))), Series("Chat", [None] * 29 + [3])],
    )
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Tickets per day"
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "<script" not in svg.lower()
    assert "javascript" not in svg.lower()
    assert "var(--accent)" in svg
    # Scales with its box: a viewBox, no fixed pixel size.
    assert root.get("viewBox") == "0 0 640 320"
    assert root.get("width") is None
    bars = _parse(bar_chart(label="b", x_labels=["Email"], series=[Series("Median", [1])]))
    assert bars.get("viewBox") == "0 0 520 300"


def test_bar_chart_escapes_labels() -> None:
    svg = bar_chart(
        label='First response <"median">',
        x_labels=["<b>Email</b>", "Chat"],
        series=[Series("Median", [1.5, 2.0]), Series("90th percentile", [3.0, None])],
        y_title="hours",
    )
    root = _parse(svg)
    assert root.get("aria-label") == 'First response <"median">'
    assert "<b>" not in svg
    texts = [el.text for el in root.iter() if el.text]
    assert "<b>Email</b>" in texts
    assert not [el for el in root.iter() if el.tag.endswith("script")]


def test_chart_of_no_data_still_renders() -> None:
    root = _parse(line_chart(label="Nothing", x_labels=[], series=[Series("Email", [])]))
    assert root.get("role") == "img"


def test_the_legend_is_html_under_the_chart_and_escaped() -> None:
    svg = bar_chart(
        label="x", x_labels=["Email"], series=[Series("<i>Median</i>", [1]), Series("p90", [2])]
    )
    legend = svg.split("</svg>", 1)[1]
    assert legend.startswith('<ul class="chart-legend" aria-hidden="true">')
    assert "&lt;i&gt;Median&lt;/i&gt;" in legend
    assert 'class="swatch swatch-1"' in legend


def test_counts_get_whole_number_guides() -> None:
    root = _parse(line_chart(label="n", x_labels=["a", "b"], series=[Series("Email", [0, 1])]))
    texts = {el.text for el in root.iter() if el.text}
    assert "0.5" not in texts
    assert "1" in texts


def test_a_line_per_channel_draws_for_every_channel() -> None:
    """Seven channels with tickets was a 500 (pygal cannot derive an extra colour from a CSS
    variable): every channel has its own colour."""
    from tickets.models import Channel

    days = ["2026-11-01", "2026-11-02"]
    series = [Series(str(label), [1, 2]) for label in Channel.labels]
    svg = line_chart(label="Tickets per day", x_labels=days, series=series)
    root = _parse(svg)
    assert root.get("role") == "img"
    assert "var(--chart-7)" in svg
    assert svg.count("<li>") == len(Channel.labels)
