"""The queue: tabs with counts, filters, search, keyset pagination at its edges, what each row shows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import HTMX

from blueprints.moderation.queue import Cursor
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, utcnow

ROW = re.compile(r'<article id="queue-comment-(\d+)"')


def rows(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


def count(html: str, status: str) -> int:
    return int(re.search(rf'id="count-{status}" class="count"[^>]*>(\d+)<', html).group(1))


def test_pending_is_the_default_tab_oldest_first(moderator_client, add_comment):
    now = utcnow()
    newer = add_comment(submitted_at=now - timedelta(minutes=5))
    older = add_comment(submitted_at=now - timedelta(hours=3, minutes=2))
    add_comment(status=CommentStatus.SPAM)
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert rows(html) == [older, newer]
    assert 'aria-current="page">Pending' in html
    assert "waiting 3 h" in html and "waiting 5 min" in html
    assert "Oldest pending comment:" in html and ">waiting 3 h</time>" in html


def test_tabs_show_live_counts(moderator_client, add_comment):
    for status, n in [(CommentStatus.PENDING, 3), (CommentStatus.REJECTED, 2), (CommentStatus.SPAM, 1)]:
        for _ in range(n):
            add_comment(status=status)
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    # The demo article's one comment is approved.
    assert [count(html, s) for s in ("pending", "approved", "rejected", "spam", "trash")] == [3, 1, 2, 1, 0]
    # The poll answers with the counts out of band only.
    fragment = moderator_client.get("/moderation/counts", headers=HTMX).get_data(as_text=True)
    assert fragment.count('hx-swap-oob="true"') == 6
    assert count(fragment, "rejected") == 2


def test_counts_stop_at_a_limit(moderator_client, add_comment, monkeypatch):
    from blueprints.moderation import queue

    monkeypatch.setattr(queue, "COUNT_LIMIT", 3)
    for _ in range(3):
        add_comment()
    assert count(moderator_client.get("/moderation/").get_data(as_text=True), "pending") == 3
    add_comment()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert '<span id="count-pending" class="count">3+</span>' in html


@pytest.mark.parametrize("status", ["approved", "rejected", "spam", "trash"])
def test_other_tabs_list_newest_first(moderator_client, add_comment, status):
    first = add_comment(status=CommentStatus(status))
    second = add_comment(status=CommentStatus(status))
    html = moderator_client.get(f"/moderation/?status={status}").get_data(as_text=True)
    listed = [n for n in rows(html) if n in (first, second)]
    assert listed == [second, first]
    assert f'aria-current="page">{status.capitalize()}' in html


def test_an_empty_tab_says_so(moderator_client):
    html = moderator_client.get("/moderation/?status=trash").get_data(as_text=True)
    assert "No trash comments." in html
    assert 'id="bulk"' not in html


def test_filter_by_article(app, moderator_client, add_comment, article):
    with app.app_context():
        other = Article(slug="other", title="Another story", body="Text.", published_at=utcnow())
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    mine = add_comment()
    theirs = add_comment(article_id=other_id)
    html = moderator_client.get(f"/moderation/?article={other_id}").get_data(as_text=True)
    assert rows(html) == [theirs]
    assert count(html, "pending") == 1
    assert f'<option value="{other_id}" selected>Another story</option>' in html
    assert rows(moderator_client.get(f"/moderation/?article={article.id}").get_data(as_text=True)) == [mine]


@pytest.mark.parametrize(("q", "field"), [
    ("PINEAPPLE", "body"), ("zanzibar", "author_name"), ("odd-address@", "author_email"),
    ("192.0.2.44", "author_ip"),
])
def test_search_body_name_email_and_ip(moderator_client, add_comment, q, field):
    values = {"body": "I like pineapple pizza", "author_name": "Zanzibar Jones",
              "author_email": "odd-address@example.net", "author_ip": "192.0.2.44"}
    wanted = add_comment(**{field: values[field]})
    add_comment()
    html = moderator_client.get("/moderation/", query_string={"q": q}).get_data(as_text=True)
    assert rows(html) == [wanted]
    assert count(html, "pending") == 1


def test_search_treats_wildcards_literally(moderator_client, add_comment):
    add_comment(body="Nothing special here")
    percent = add_comment(body="A 100% sure thing")
    assert rows(moderator_client.get("/moderation/?q=%25").get_data(as_text=True)) == [percent]
    assert rows(moderator_client.get("/moderation/?q=_").get_data(as_text=True)) == []


def test_filter_by_author_email_across_tabs(moderator_client, add_comment):
    add_comment(author_email="regular@example.org", status=CommentStatus.APPROVED)
    add_comment(author_email="regular@example.org", status=CommentStatus.APPROVED)
    rejected = add_comment(author_email="regular@example.org", status=CommentStatus.REJECTED)
    pending = add_comment(author_email="regular@example.org")
    add_comment()
    html = moderator_client.get("/moderation/?email=regular@example.org").get_data(as_text=True)
    assert rows(html) == [pending]
    assert [count(html, s) for s in ("pending", "approved", "rejected")] == [1, 2, 1]
    # Each row links its author's approved and rejected comments, with the counts.
    assert '2 approved</a>' in html and '1 rejected</a>' in html
    assert 'href="/moderation/?status=rejected&amp;email=regular@example.org"' in html
    linked = moderator_client.get("/moderation/?status=rejected&email=regular%40example.org")
    assert rows(linked.get_data(as_text=True)) == [rejected]


def test_a_row_shows_everything_a_moderator_needs(moderator_client, add_comment, article):
    comment_id = add_comment(
        body="See https://example.org/x :)\n\nA second paragraph <b>not bold</b>",
        author_name="Pat Reader", author_email="pat@example.org", author_website="https://pat.example",
        author_ip="198.51.100.23", user_agent="Mozilla/5.0 (Pat's browser)",
        held_for=["2 links", "hold word: crypto"],
    )
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    row = html[html.index(f'id="queue-comment-{comment_id}"'):]
    row = row[:row.index("</article>")]
    for text in ("Pat Reader", "pat@example.org", "https://pat.example", "198.51.100.23",
                 "Mozilla/5.0 (Pat&#39;s browser)", "2 links", "hold word: crypto", article.title,
                 f'href="/articles/{article.slug}"', "0 approved", "0 rejected"):
        assert text in row, text
    # The body exactly as the public would see it: escaped, paragraphs, links, smilies.
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">https://example.org/x</a>' in row
    assert "</p>\n<p>" in row and "&lt;b&gt;not bold&lt;/b&gt;" in row and "🙂" in row


def test_an_unmarked_comment_says_why_it_is_held(moderator_client, add_comment):
    add_comment()
    assert "every comment is read before it is published" in moderator_client.get("/moderation/").get_data(
        as_text=True)


# --- Pagination (keyset, pages of 50) ------------------------------------------------------------


@pytest.fixture
def many(app, article):
    """many(n) stores n pending comments a minute apart, returns their ids oldest first."""
    def make(n, **fields):
        start = utcnow() - timedelta(days=30)
        with app.app_context():
            status = fields.get("status", CommentStatus.PENDING)
            comments = [Comment(article_id=article.id, body=f"comment {i}", author_name=f"R{i}",
                                author_email=f"r{i}@example.org", status=status, held_for=[],
                                submitted_at=start + timedelta(minutes=i), status_changed_at=start)
                        for i in range(n)]
            db.session.add_all(comments)
            db.session.commit()
            return [c.id for c in comments]

    return make


def _pages(client, url):
    """Follows "Next page" links to the end; returns the ids on each page."""
    seen = []
    while url:
        html = client.get(url).get_data(as_text=True)
        seen.append(rows(html))
        found = re.search(r'rel="next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return seen


@pytest.mark.parametrize(("n", "sizes"), [(0, [0]), (1, [1]), (50, [50]), (51, [50, 1]), (100, [50, 50]),
                                          (101, [50, 50, 1])])
def test_pages_of_fifty_at_the_edges(moderator_client, many, n, sizes):
    ids = many(n)
    pages = _pages(moderator_client, "/moderation/")
    assert [len(p) for p in pages] == sizes
    assert [i for page in pages for i in page] == ids


def test_previous_pages_and_the_first_page(moderator_client, many):
    ids = many(120)
    first = moderator_client.get("/moderation/").get_data(as_text=True)
    assert 'rel="prev"' not in first and "First page" not in first
    after = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = moderator_client.get(after).get_data(as_text=True)
    third_url = re.search(r'rel="next" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    third = moderator_client.get(third_url).get_data(as_text=True)
    assert rows(third) == ids[100:]
    assert 'rel="next"' not in third
    back = re.search(r'rel="prev" href="([^"]+)"', third).group(1).replace("&amp;", "&")
    assert rows(moderator_client.get(back).get_data(as_text=True)) == ids[50:100]
    back_again = re.search(r'rel="prev" href="([^"]+)"', second).group(1).replace("&amp;", "&")
    page_one = moderator_client.get(back_again).get_data(as_text=True)
    assert rows(page_one) == ids[:50]
    assert 'rel="prev"' not in page_one


def test_newest_first_tabs_page_the_other_way(moderator_client, many):
    ids = many(75, status=CommentStatus.TRASH)
    pages = _pages(moderator_client, "/moderation/?status=trash")
    assert [i for page in pages for i in page] == list(reversed(ids))


def test_a_page_stays_put_when_comments_before_it_are_decided(app, moderator_client, many):
    ids = many(60)
    first = moderator_client.get("/moderation/").get_data(as_text=True)
    after = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    with app.app_context():
        db.session.execute(db.update(Comment).where(Comment.id.in_(ids[:10])).values(status="approved"))
        db.session.commit()
    assert rows(moderator_client.get(after).get_data(as_text=True)) == ids[50:]


@pytest.mark.parametrize("cursor", ["nonsense", "12-", "-5", "99999999999999999999-1", "１２-3"])
def test_a_broken_cursor_shows_the_first_page(moderator_client, many, cursor):
    ids = many(3)
    response = moderator_client.get("/moderation/", query_string={"after": cursor})
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == ids


def test_cursor_tokens_round_trip():
    now = utcnow()
    cursor = Cursor(now, 42)
    assert Cursor.parse(cursor.token) == cursor
    late = now.replace(microsecond=999999)
    assert Cursor.parse(Cursor(late, 7).token).at == late


@pytest.mark.parametrize("script_root", ["", "/news"])
def test_the_rows_links_are_what_url_for_builds(app, script_root):
    """moderation.links builds each row's URLs from one url_for per endpoint: the same strings."""
    from flask import url_for

    from blueprints.moderation.links import DashboardLinks

    odd = ["ann@example.org", "o'brien+tag@example.org", "x&y=z@example.org", "ünï@exämple.org",
           "a b/c?d#e%f@example.org", "2001:db8::1", "192.0.2.7", "", "~*!$()"]
    backs = ["/moderation/", "/moderation/?status=approved&after=2026-01-01T00:00:00+00:00,987",
             "/moderation/comments/9876543210123"]
    with app.test_request_context("/moderation/", base_url=f"http://localhost{script_root}"):
        links = DashboardLinks()
        for endpoint in ("moderation.comment", "moderation.approve", "moderation.reject",
                         "moderation.spam", "moderation.trash", "moderation.restore",
                         "moderation.edit", "moderation.reply"):
            for comment_id in (1, 42, 123456):
                assert links.comment_url(endpoint, comment_id) == url_for(endpoint, comment_id=comment_id)
                for back in backs:
                    assert (links.comment_url(endpoint, comment_id, back=back)
                            == url_for(endpoint, comment_id=comment_id, back=back))
        for value in odd:
            assert links.queue_url(email=value) == url_for("moderation.queue", email=value)
            assert links.queue_url(q=value) == url_for("moderation.queue", q=value)
            for status in ("approved", "rejected"):
                assert (links.queue_url(status=status, email=value)
                        == url_for("moderation.queue", status=status, email=value))
        assert links.queue_url() == url_for("moderation.queue")
        assert links.page_url("articles.show", slug="a-b") == url_for("articles.show", slug="a-b")
