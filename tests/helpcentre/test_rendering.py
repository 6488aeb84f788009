"""Markdown becomes HTML customers can safely be shown: nothing that runs or frames."""

from __future__ import annotations

from helpcentre.rendering import excerpt, render_markdown


def test_a_script_tag_is_removed() -> None:
    html = render_markdown("Hello\n\n<script>alert('x')</script>\n\nbye")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html
    assert "bye" in html


def test_an_event_handler_attribute_is_removed() -> None:
    html = render_markdown('<img src="x" onerror="alert(1)"> <a href="/a" onclick="x()">a</a>')
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in html  # images are not part of an article


def test_a_javascript_link_loses_its_address() -> None:
    html = render_markdown("[click](javascript:alert(1)) and <a href='JaVaScRiPt:alert(2)'>b</a>")
    assert "javascript" not in html.lower()
    assert ">click</a>" in html


def test_markdown_keeps_lists_links_and_emphasis() -> None:
    html = render_markdown("# Title\n\n**Bold** [privacy](/support/privacy/)\n\n1. one\n2. two")
    assert "<h2>Title</h2>" in html  # the page's h1 is the article's title
    assert "<strong>Bold</strong>" in html
    assert '<a href="/support/privacy/" rel="noopener noreferrer">privacy</a>' in html
    assert "<ol>" in html
    assert "<li>one</li>" in html


def test_excerpt_is_plain_text_of_the_opening_and_cut_at_a_word() -> None:
    html = render_markdown("## Heading\n\nSend us **a photo** & your order:\n\n- number\n")
    assert excerpt(html) == "Send us a photo & your order: number"
    long = render_markdown("word " * 100)
    cut = excerpt(long, length=30)
    assert cut.endswith("…")
    assert len(cut) <= 31
    assert "wor…" not in cut
