"""Article bodies: Markdown (CommonMark) rendered to HTML, then sanitised by an allow-list.

Editors are staff, but bodies also come from imports of other sites: nothing reaches a page without
going through nh3 (the ammonia sanitizer), which keeps only the tags and attributes below, only
http(s)/mailto links, and marks every link `rel="noopener noreferrer"`.
"""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is allowed through the parser (WordPress imports keep <sub>/<sup>, tables, figures) and
# every tag is then judged by the allow-list.
_MARKDOWN = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable("table")
ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s", "del", "ins",
    "sub", "sup", "small", "mark", "abbr", "cite", "q", "code", "pre", "kbd", "samp", "var",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"},
    "ol": {"start", "reversed"}, "th": {"colspan", "rowspan", "scope"}, "td": {"colspan", "rowspan"},
    "q": {"cite"}, "blockquote": {"cite"},
}


def render_markdown(text: str) -> Markup:
    """Safe HTML for an article's body. A level-1 heading becomes level 2: the page's title is
    the only <h1>."""
    rendered = re.sub(r"<(/?)h1\b", r"<\1h2", _MARKDOWN.render(text or ""))
    clean = nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")
    return Markup(clean)  # noqa: S704  (sanitised by nh3 just above)


def plain_text(text: str) -> str:
    """A body's words without markup (for excerpts)."""
    return " ".join(html.unescape(nh3.clean(_MARKDOWN.render(text or ""), tags=set())).split())


def excerpt_of(body: str, limit: int = 300) -> str:
    """The first words of the body, up to `limit` characters, cut at a word."""
    text = plain_text(body)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.—–-") + "…"
