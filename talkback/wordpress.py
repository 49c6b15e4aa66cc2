"""Reading a WordPress export (WXR 1.0–1.2, http or https namespaces) into plain data.

Nothing here touches the database: `read_export()` gives an `Export` of authors, posts/pages and
their comments exactly as the file says, and `to_markdown()` turns WordPress's HTML (classic
editor paragraphs or block markup) into Markdown without losing a word or a link. The importer
decides what to keep.

The XML is parsed with defusedxml: no entity expansion, no external entities or DTDs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element  # noqa: S405  (types only; parsing goes through defusedxml)

from defusedxml import ElementTree
from markdownify import markdownify

# WordPress has used each of these namespace URIs for the same elements.
_WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/$")
_EXCERPT_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/\d+\.\d+/excerpt/$")
CONTENT_NAMESPACE = "http://purl.org/rss/1.0/modules/content/"
DC_NAMESPACE = "http://purl.org/dc/elements/1.1/"

# wp:comment_approved as WordPress writes it.
COMMENT_STATUSES = {"1": "approved", "0": "pending", "spam": "spam", "trash": "trash",
                    "post-trashed": "trash"}


class ExportError(ValueError):
    """The file is not a WordPress export we can read (the message says why)."""


@dataclass(frozen=True)
class Author:
    login: str
    email: str
    display_name: str


@dataclass(frozen=True)
class Comment:
    id: int
    parent_id: int | None  # None for a top-level comment
    author_name: str
    author_email: str
    author_url: str
    author_ip: str
    user_agent: str
    submitted_at: datetime  # aware UTC
    status: str  # approved, pending, spam, trash
    kind: str  # comment, trackback, pingback
    body_html: str
    user_id: int  # 0 for a guest


@dataclass(frozen=True)
class Item:
    """A post or a page (or any other post type the export holds)."""

    id: int
    post_type: str  # post, page, attachment, nav_menu_item, …
    status: str  # publish, draft, future, pending, private, trash, inherit
    title: str
    slug: str
    link: str
    creator: str  # the author's login
    published_at: datetime | None  # aware UTC; None for drafts never dated
    local_date: datetime | None  # naive, in the old site's time zone (for /yyyy/mm/dd/ links)
    password: str
    content_html: str
    excerpt_html: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    comments_open: bool
    comments: tuple[Comment, ...] = field(default=())


@dataclass(frozen=True)
class Export:
    wxr_version: str
    title: str
    base_site_url: str
    base_blog_url: str
    authors: tuple[Author, ...]
    items: tuple[Item, ...]

    def of_type(self, post_type: str) -> list[Item]:
        return [item for item in self.items if item.post_type == post_type]


def read_export(source: str | Path | IO[bytes]) -> Export:
    try:
        root = ElementTree.parse(source).getroot()
    except ElementTree.ParseError as error:
        raise ExportError(f"not well-formed XML: {error}") from None
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise ExportError("not a WordPress export: no <rss><channel>")
    version = _wp_text(channel, "wxr_version")
    if not version:
        raise ExportError("not a WordPress export: no wp:wxr_version")
    return Export(
        wxr_version=version,
        title=_text(channel.find("title")),
        base_site_url=_wp_text(channel, "base_site_url"),
        base_blog_url=_wp_text(channel, "base_blog_url"),
        authors=tuple(_author(el) for el in _wp_children(channel, "author")),
        items=tuple(_item(el) for el in channel.findall("item")),
    )


def _author(el: Element) -> Author:
    return Author(login=_wp_text(el, "author_login"), email=_wp_text(el, "author_email"),
                  display_name=_wp_text(el, "author_display_name"))


def _item(el: Element) -> Item:
    local = _wp_date(_wp_text(el, "post_date"))
    gmt = _wp_date(_wp_text(el, "post_date_gmt"))
    terms = [(c.get("domain"), _text(c)) for c in el.findall("category")]
    return Item(
        id=_int(_wp_text(el, "post_id")),
        post_type=_wp_text(el, "post_type") or "post",
        status=_wp_text(el, "status") or "publish",
        title=_text(el.find("title")),
        slug=_wp_text(el, "post_name"),
        link=_text(el.find("link")),
        creator=_text(el.find(f"{{{DC_NAMESPACE}}}creator")),
        published_at=gmt.replace(tzinfo=UTC) if gmt else None,
        local_date=local,
        password=_wp_text(el, "post_password"),
        content_html=_text(el.find(f"{{{CONTENT_NAMESPACE}}}encoded")),
        excerpt_html=next((_text(child) for child in el if _namespace(child.tag, _EXCERPT_NAMESPACE)
                           and _local(child.tag) == "encoded"), ""),
        categories=tuple(name for domain, name in terms if domain == "category"),
        tags=tuple(name for domain, name in terms if domain == "post_tag"),
        comments_open=_wp_text(el, "comment_status") != "closed",
        comments=tuple(_comment(c) for c in _wp_children(el, "comment")),
    )


def _comment(el: Element) -> Comment:
    gmt = _wp_date(_wp_text(el, "comment_date_gmt")) or _wp_date(_wp_text(el, "comment_date"))
    parent = _int(_wp_text(el, "comment_parent"))
    approved = _wp_text(el, "comment_approved")
    return Comment(
        id=_int(_wp_text(el, "comment_id")),
        parent_id=parent or None,
        author_name=_wp_text(el, "comment_author"),
        author_email=_wp_text(el, "comment_author_email"),
        author_url=_wp_text(el, "comment_author_url"),
        author_ip=_wp_text(el, "comment_author_IP"),
        user_agent=_wp_text(el, "comment_agent"),
        submitted_at=(gmt or datetime(1970, 1, 1)).replace(tzinfo=UTC),
        status=COMMENT_STATUSES.get(approved, "pending"),
        kind=_wp_text(el, "comment_type") or "comment",
        body_html=_wp_text(el, "comment_content"),
        user_id=_int(_wp_text(el, "comment_user_id")),
    )


# ------------------------------------------------------------------------------------------------
# Element helpers: WordPress's namespace URI changes between versions, so wp: elements are found by
# their local name under any of its URIs.


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str, pattern: re.Pattern[str]) -> bool:
    return tag.startswith("{") and bool(pattern.match(tag[1:].split("}", 1)[0]))


def _wp_children(el: Element, name: str) -> Iterator[Element]:
    return (child for child in el if _local(child.tag) == name and _namespace(child.tag, _WP_NAMESPACE))


def _wp_text(el: Element, name: str) -> str:
    return next((_text(child) for child in _wp_children(el, name)), "")


def _text(el: Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _wp_date(value: str) -> datetime | None:
    """WordPress writes "0000-00-00 00:00:00" for a date never set."""
    if not value or value.startswith("0000"):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


# ------------------------------------------------------------------------------------------------
# HTML to Markdown

# Block-level elements, as wpautop knows them: paragraphs never wrap them.
_BLOCKS = ("table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
           "area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|"
           "header|footer|nav|figure|figcaption|details|menu|summary|iframe|video|audio|object")
_BLOCK_OPEN = re.compile(rf"(<(?:{_BLOCKS})[\s/>])", re.IGNORECASE)
_BLOCK_CLOSE = re.compile(rf"(</(?:{_BLOCKS})>)", re.IGNORECASE)
_BLOCK_START = re.compile(rf"^</?(?:{_BLOCKS})[\s/>]", re.IGNORECASE)
_CELL_OPEN = re.compile(r"^<(?:td|th|li|dt|dd|figcaption)[\s>]", re.IGNORECASE)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.DOTALL)
_CAPTION_ATTRIBUTE = re.compile(r'\bcaption="([^"]*)"')


def to_markdown(html: str) -> str:
    """WordPress content as Markdown: every word and every link kept.

    WordPress stores classic-editor posts and comments with bare paragraphs (blank lines between
    them, single line breaks inside), which it turns into <p> and <br> only when showing them
    (`wpautop`); that is done here first, outside <pre>, so no paragraph runs into the next.
    """
    if not html.strip():
        return ""
    html = prepare_html(html)
    # Markdown has no sub- or superscript: those stay as the two HTML tags the sanitizer allows.
    text = markdownify(html, heading_style="ATX", bullets="*", escape_misc=False,
                       sub_symbol="<sub>", sup_symbol="<sup>")
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def prepare_html(html: str) -> str:
    """WordPress's stored HTML as it would show it: captions as figures, paragraphs marked up."""
    pieces = _PRE.split(_CAPTION.sub(_figure, html))
    return "".join(piece if i % 2 else _autop(_COMMENT.sub("", piece)) for i, piece in enumerate(pieces))


def _figure(match: re.Match[str]) -> str:
    """[caption …]<img …> text[/caption], WordPress's shortcode for a captioned image: the caption is
    in its attribute (older posts) or follows the image (newer ones)."""
    attribute = _CAPTION_ATTRIBUTE.search(match.group(1))
    content = match.group(2)
    if attribute:
        media, caption = content, attribute.group(1)
    else:
        cut = content.rfind(">") + 1
        media, caption = content[:cut], content[cut:]
    return f"<figure>{media}<figcaption>{caption.strip()}</figcaption></figure>"


def _autop(html: str) -> str:
    """WordPress's wpautop, in short: blank lines around every block element, then each run of
    inline content between blank lines is a paragraph whose single line breaks are <br>."""
    html = _BLOCK_CLOSE.sub(r"\1\n\n", _BLOCK_OPEN.sub(r"\n\n\1", html.replace("\r\n", "\n")))
    paragraphs = []
    for chunk in _BLANK_LINES.split(html):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            paragraphs.append(chunk if not _CELL_OPEN.match(chunk) else chunk.replace("\n", " "))
        else:
            paragraphs.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    return "\n".join(paragraphs)
