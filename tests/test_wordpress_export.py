"""Reading the real WordPress export in shared/data (talkback/wordpress.py). Pure Python, no app."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from talkback.wordpress import ExportError, read_export, to_markdown

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXPORT = SHARED / "data" / "wordpress" / "themeunittestdata.wordpress.xml"
pytestmark = pytest.mark.skipif(not EXPORT.exists(), reason="shared/data/wordpress is beside the checkout")


@pytest.fixture(scope="module")
def export():
    return read_export(EXPORT)


def test_posts_by_status(export):
    posts = export.of_type("post")
    assert len(posts) == 58
    assert Counter(p.status for p in posts) == {"publish": 56, "future": 1, "draft": 1}
    assert len(export.of_type("page")) == 21
    assert sum(1 for p in posts if p.password) == 1


def test_comments_statuses_kinds_and_the_deep_chain(export):
    comments = [c for item in export.items for c in item.comments]
    assert len(comments) == 33
    assert Counter(c.status for c in comments) == {"approved": 30, "pending": 3}
    assert Counter(c.kind for c in comments) == {"comment": 29, "trackback": 2, "pingback": 2}
    by_id = {c.id: c for c in comments}

    def depth(comment):
        return 1 if comment.parent_id is None else 1 + depth(by_id[comment.parent_id])

    assert max(depth(c) for c in comments) == 10
    assert all(c.submitted_at.tzinfo is not None for c in comments)


def test_odd_titles_and_bodies_are_read(export):
    posts = {p.slug: p for p in export.of_type("post")}
    assert posts["edge-case-no-title"].title == ""
    assert posts["edge-case-no-content"].content_html == ""
    assert posts["markup-title-with-markup"].title == "Markup: Title <em>With</em> <b>Mark<sup>up</sup></b>"
    assert max(len(p.content_html) for p in posts.values()) == 38_240


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_data(self, data):
        self.words += re.findall(r"\w+", data)


def test_every_word_and_link_survives_the_conversion(export):
    for item in export.items:
        if item.post_type not in ("post", "page"):
            continue
        for html in [item.content_html, *(c.body_html for c in item.comments)]:
            text = _Text()
            text.feed(re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL))
            markdown = to_markdown(html)
            # Shortcode attributes other than a caption are WordPress's own markup, not words.
            missing = (Counter(text.words) - Counter(re.findall(r"\w+", markdown.replace("\\_", "_")))
                       - Counter(re.findall(r"\w+", " ".join(re.findall(r"\[/?caption[^\]]*\]", html)))))
            assert not missing, (item.slug, list(missing)[:10])
            for link in text.links:
                assert link in markdown, (item.slug, link)


def test_bare_paragraphs_and_line_breaks_are_kept():
    html = ('First paragraph\nsecond line.\n\nSecond <a href="https://example.org/a_b">link</a>.\n\n'
            "<pre>x\n\n  y</pre>")
    assert to_markdown(html) == (
        "First paragraph  \nsecond line.\n\nSecond [link](https://example.org/a_b).\n\n```\nx\n\n  y\n```"
    )


@pytest.mark.parametrize("xml", [
    b"<html/>",
    b"<rss><channel><title>x</title></channel></rss>",
    b"not xml",
    # Entity expansion ("billion laughs") and external entities are refused by defusedxml.
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><rss>&b;</rss>',
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>',
])
def test_what_is_not_an_export_is_refused_clearly(tmp_path, xml):
    path = tmp_path / "export.xml"
    path.write_bytes(xml)
    with pytest.raises((ExportError, ValueError)):
        read_export(path)
