"""The reports' charts: SVG drawn on the server by pygal, inlined in the page.

No JavaScript ever reaches the browser: pygal always writes a `<script>` with its config
(even with `js=[]`), so the tree is rendered and every script element removed before it
is serialised. Colours are the stylesheet's custom properties (`var(--accent)` …), so a
chart follows light and dark with the rest of the page. The chart is an image with a
label (`role="img"`, `aria-label`); its numbers are in the table the page puts beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

import pygal
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

# The stylesheet's tokens, in the order series take them: one per channel at least, since
# pygal cannot derive more colours from CSS variables (a ninth series would fail).
PALETTE = (
    "var(--accent)",
    "var(--warn)",
    "var(--ok)",
    "var(--bad)",
    "var(--muted)",
    "var(--ink)",
    "var(--chart-6)",
    "var(--chart-7)",
)
# A viewBox, not a size: the SVG scales to its box (CSS), so these set the proportions and
# how large the text reads — at 768 px a chart is drawn about 640 px wide, text at ~13 px.
WIDTH = 640
HEIGHT = 320
BAR_WIDTH = 520

_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="var(--ink)",
    foreground_strong="var(--ink)",
    foreground_subtle="var(--line)",
    colors=PALETTE,
    font_family="inherit",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=13,
    tooltip_font_size=13,
    no_data_font_size=20,
    opacity=".85",
    opacity_hover=".95",
)


@dataclass(frozen=True)
class Series:
    """One line or one set of bars: a name for the legend and a value per x label (None
    where there is nothing to show, e.g. a median of no tickets)."""

    name: str
    values: Sequence[float | None]


def _config(**extra: Any) -> dict[str, Any]:
    return {
        "style": _STYLE,
        "js": [],
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": False,
        "disable_xml_declaration": True,
        # pygal places a bottom legend outside a viewBox this short: the legend is HTML.
        "show_legend": False,
        "truncate_label": 12,
        "print_values": False,
        "show_y_guides": True,
        "include_x_axis": True,
        "margin": 8,
        "margin_right": 28,
        "spacing": 8,
        **extra,
    }


def _legend(series: Sequence[Series]) -> str:
    """The series' names beside their colours, under the chart (hidden from screen readers:
    the chart is one labelled image and its table says the same)."""
    items = "".join(
        f'<li><span class="swatch swatch-{index % len(PALETTE)}"></span>{escape(one.name)}</li>'
        for index, one in enumerate(series)
    )
    return f'<ul class="chart-legend" aria-hidden="true">{items}</ul>'


def _svg(chart: Any, *, label: str, series: Sequence[Series] = ()) -> SafeString:
    """The chart as inline SVG without any script, labelled as one image."""
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "script":
                parent.remove(child)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    root.set("class", "chart")
    title = ElementTree.Element("title")
    title.text = label
    root.insert(0, title)
    text = ElementTree.tostring(root, encoding="unicode")
    if len(series) > 1:
        text += _legend(series)
    # The strings in it (labels, series names, numbers) were escaped by the serialiser.
    return mark_safe(text)  # noqa: S308


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _add(chart: Any, x_labels: Sequence[str], series: Sequence[Series]) -> None:
    chart.x_labels = list(x_labels)
    for one in series:
        chart.add(one.name, list(one.values))


def _many_labels(count: int) -> int:
    """Show at most about ten x labels: a 90-day range stays readable at 768 px."""
    return max(1, -(-count // 10))


def _whole_numbers(series: Sequence[Series]) -> list[int] | None:
    """Counts get whole-number guides (0, 1, 2 … at most about six), not 0.1 steps."""
    values = [value for one in series for value in one.values if value is not None]
    if not values or any(value != int(value) for value in values):
        return None
    top = max(int(max(values)), 1)
    step = max(1, -(-top // 6))
    return list(range(0, top + step, step))


def line_chart(
    *, label: str, x_labels: Sequence[str], series: Sequence[Series], y_title: str = ""
) -> SafeString:
    """A trend per day (or any ordered x)."""
    chart = pygal.Line(
        **_config(
            y_title=y_title,
            x_label_rotation=0,
            show_minor_x_labels=False,
            dots_size=2.5,
            stroke_style={"width": 2.5},
            min_scale=2,
        )
    )
    _add(chart, x_labels, series)
    chart.y_labels = _whole_numbers(series)
    step = _many_labels(len(x_labels))
    chart.x_labels_major = list(x_labels)[::step]
    return _svg(chart, label=label, series=series)


def bar_chart(
    *, label: str, x_labels: Sequence[str], series: Sequence[Series], y_title: str = ""
) -> SafeString:
    """Bars per category (a channel, a team), one colour per series."""
    # Narrower than a trend: it sits beside its table, so its text must scale up more.
    chart = pygal.Bar(
        **_config(y_title=y_title, print_values=False, rounded_bars=2, width=BAR_WIDTH, height=300)
    )
    _add(chart, x_labels, series)
    return _svg(chart, label=label, series=series)
