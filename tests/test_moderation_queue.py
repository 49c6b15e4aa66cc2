"""The queue: tabs with counts, filters, search, keyset pagination at its edges, what each row shows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from dashboard import HTMX

from blueprints.moderation.queue import Cursor
from talkback.extensions import db
from talkback.models import Article, Comment, CommentStatus, ModerationEvent, utcnow

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
                 f'href="/moderation/?article={article.id}"', "0 approved", "0 rejected"):
        assert text in row, text
    # The user agent is folded away; the comment's own page links the article itself.
    folded = '<details class="user-agent"><summary>Browser</summary>Mozilla/5.0 (Pat&#39;s browser)</details>'
    assert folded in row
    own = moderator_client.get(f"/moderation/comments/{comment_id}").get_data(as_text=True)
    assert f'href="/articles/{article.slug}"' in own
    # The body exactly as the public would see it: escaped, paragraphs, links, smilies.
    assert '<a href="https://example.org/x" rel="nofollow ugc noopener">https://example.org/x</a>' in row
    assert "</p>\n<p>" in row and "&lt;b&gt;not bold&lt;/b&gt;" in row and "🙂" in row


def test_why_comments_are_held_is_said_once_a_page(moderator_client, add_comment):
    unmarked = add_comment()
    marked = add_comment(held_for=["3 links"])
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert html.count("Every comment is read before it is published") == 1
    assert html.count("Held because") == 2  # the page's sentence, and the marked comment's row
    assert "<dt>Held because</dt><dd>3 links</dd>" in html
    assert rows(html) == [unmarked, marked]


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
def test_the_rows_links_are_built_by_url_for(moderator_client, add_comment, script_root):
    """Every link of a row comes from url_for: under a script root, and with an odd email escaped."""
    comment_id = add_comment(author_email="o'brien+tag@example.org")
    html = moderator_client.get("/moderation/", base_url=f"http://localhost{script_root}").get_data(as_text=True)
    row = html[html.index(f'id="queue-comment-{comment_id}"'):]
    row = row[:row.index("</article>")]
    hrefs = re.findall(r'(?:href|hx-get)="([^"]+)"', row)
    assert hrefs and all(h.startswith(f"{script_root}/moderation/") for h in hrefs), hrefs
    assert f'href="{script_root}/moderation/?email=o&#39;brien%2Btag@example.org"' in row
    assert f'hx-get="{script_root}/moderation/comments/{comment_id}/edit"' in row


# --- Weight of the page ---------------------------------------------------------------------------

UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
      "Safari/537.36")


def test_a_page_of_fifty_is_light(app, article, moderator_client):
    """The first page of 50 with everything a row can show (website, markers, an audit trail with a
    note, a browser's user agent) stays under 100 KB, each row under 2 KB: the rule list and the
    CSRF token are written once a page, not once a row."""
    from talkback.models import Moderator

    start = utcnow() - timedelta(hours=6)
    with app.app_context():
        morgan = db.session.scalar(sa.select(Moderator.id).where(Moderator.name == "Morgan"))
        for i in range(60):
            comment = Comment(
                article_id=article.id, author_name=f"Reader Name {i}",
                author_email=f"reader.name{i}@example.org",
                body=f"Comment {i}: I read the whole piece and I still think the ministry should publish the "
                     "full report before the vote, not after it. Who decided otherwise?",
                author_website="https://example.org/blog" if i % 3 == 0 else None,
                author_ip=f"203.0.113.{i}", user_agent=UA, status=CommentStatus.PENDING,
                held_for=["2 links", "hold word: crypto"] if i % 2 else [],
                submitted_at=start + timedelta(minutes=i), status_changed_at=start,
            )
            db.session.add(comment)
            db.session.flush()
            if i % 5 == 0:  # spam, then restored to the queue by a moderator
                db.session.add(ModerationEvent(
                    comment_id=comment.id, moderator_id=morgan, action="restore", created_at=start,
                    from_status=CommentStatus.SPAM, to_status=CommentStatus.PENDING, note="a real reader"))
        db.session.commit()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    found = re.findall(r'<article id="queue-comment-\d+".*?</article>', html, re.S)
    assert len(found) == 50
    assert sum("Audit trail" in row for row in found) == 10 and sum("Website" in row for row in found) == 17
    assert len(html.encode()) <= 100_000
    assert max(len(row.encode()) for row in found) <= 2048
