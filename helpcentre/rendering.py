"""Markdown to safe HTML. Authors are trusted staff, but an article is shown to every
customer, so the HTML is sanitised as if anybody wrote it: no scripts, no event handlers, no
`javascript:` links, nothing that could style or frame the page."""

from __future__ import annotations

import html as html_lib
import re

import markdown
import nh3

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
EXCERPT_LENGTH = 160


def render_markdown(text: str) -> str:
    """The Markdown as sanitised HTML. Headings start at h2: the page's title is the h1."""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    html = re.sub(r"<(/?)h1([ >])", r"<\1h2\2", html)
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def excerpt(html: str, length: int = EXCERPT_LENGTH) -> str:
    """The text's opening words, plain, cut at a word boundary. Headings are left out:
    the opening sentence says more about the article than a subheading."""
    body = re.sub(r"<h[2-4]>.*?</h[2-4]>", " ", html, flags=re.DOTALL)
    # Block ends become spaces so "with:</p><ul><li>your order" does not run together.
    body = re.sub(r"</(p|li|h[2-4]|dt|dd|td|th|blockquote|pre)>", " ", body)
    text = nh3.clean(body, tags=set())
    text = re.sub(r"\s+", " ", html_lib.unescape(text)).strip()
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"
