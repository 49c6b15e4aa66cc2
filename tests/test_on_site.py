"""Moderators' links between the dashboard and the site: "View on site" from every comment to the
page and anchor that show it, and from an article to its comments in the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support import collect

from blueprints.comments import listing
from talkback.extensions import db
from talkback.models import Comment, CommentStatus, utcnow


@pytest.fixture
def app(make_app):
    return make_app(COMMENTS_PER_PAGE=2)


def _approved(add_comment, n):
    start = utcnow() - timedelta(days=1)
    return [add_comment(status=CommentStatus.APPROVED, submitted_at=start + timedelta(minutes=i))
            for i in range(n)]


def test_page_of_follows_the_pages_readers_see(app, article, add_comment):
    ids = _approved(add_comment, 5)
    pending = add_comment()
    with app.app_context():
        pages = [listing.page_of(db.session.get(Comment, i), 2) for i in ids]
        assert pages == sorted(pages) and len(set(pages)) == 3  # five comments over three pages
        assert listing.page_of(db.session.get(Comment, pending), 2) is None
        for i in ids:  # the page it names is the page that shows it
            shown = listing.approved_page(article, listing.page_of(db.session.get(Comment, i), 2), 2)
            assert i in [n.comment.id for n in shown.comments]


def test_view_on_site_goes_to_the_comment_page_and_anchor(app, article, add_comment, moderator_client):
    ids = _approved(add_comment, 5)
    pending = add_comment()
    html = moderator_client.get("/moderation/?status=approved").get_data(as_text=True)
    assert f'href="/moderation/on-site/{ids[2]}"' in html
    html = moderator_client.get(f"/moderation/comments/{pending}").get_data(as_text=True)
    assert f'href="/moderation/on-site/{pending}"' in html

    response = moderator_client.get(f"/moderation/on-site/{ids[2]}")
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    with app.app_context():
        expected = listing.page_of(db.session.get(Comment, ids[2]), 2)
    assert location.endswith(f"/articles/{article.slug}?cpage={expected}#comment-{ids[2]}")
    page = app.test_client().get(location.split("#")[0]).get_data(as_text=True)
    assert f'id="comment-{ids[2]}"' in page

    response = moderator_client.get(f"/moderation/on-site/{pending}")
    assert response.headers["Location"].endswith(f"/articles/{article.slug}")
    assert moderator_client.get("/moderation/on-site/999999").status_code == 404


def test_view_on_site_needs_a_login(app, article, add_comment):
    comment_id = add_comment(status=CommentStatus.APPROVED)
    response = app.test_client().get(f"/moderation/on-site/{comment_id}")
    assert "/moderation/login" in response.headers["Location"]


def test_from_an_article_to_its_comments_in_the_queue(app, article, add_comment, admin_client):
    add_comment()
    add_comment(status=CommentStatus.APPROVED)
    listing_html = admin_client.get("/moderation/articles/").get_data(as_text=True)
    links = [attrs["href"] for tag, attrs in collect(listing_html).elements
             if tag == "a" and f"article={article.id}" in attrs.get("href", "")]
    assert links, "the articles list links to the queue"
    for href in links:
        page = admin_client.get(href).get_data(as_text=True)
        assert "Reader comment number" in page
    editor_html = admin_client.get(f"/moderation/articles/{article.id}/edit").get_data(as_text=True)
    assert f"/moderation/?article={article.id}" in editor_html


# --- Readers: where #comment-N is --------------------------------------------------------------


def test_a_comment_link_finds_the_comment_page(app, article, add_comment):
    ids = _approved(add_comment, 5)
    pending = add_comment()
    with app.app_context():
        db.session.get(Comment, ids[1]).source_key = "wordpress:https://old.example:c77"  # renumbered
        db.session.commit()
        first_page = listing.page_of(db.session.get(Comment, ids[0]), 2)
    client = app.test_client()
    base = f"/articles/{article.slug}"
    response = client.get(f"{base}/comments/{ids[0]}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base}?cpage={first_page}#comment-{ids[0]}"
    assert client.get(f"{base}/comments/77").headers["Location"].endswith(f"#comment-{ids[1]}")
    for hidden in (pending, 999_999):  # not public, or no such comment: the article
        assert client.get(f"{base}/comments/{hidden}").headers["Location"] == base
    assert client.get("/articles/no-such-article/comments/1").status_code == 404
    assert "Set-Cookie" not in response.headers
