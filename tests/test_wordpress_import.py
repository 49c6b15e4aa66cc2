"""`flask import-wordpress` with the real WordPress export in shared/data, into a site that already
has an article and comments (the demo)."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from test_wordpress_export import EXPORT

from talkback.extensions import db
from talkback.models import Article, ArticleChange, ArticleRedirect, ArticleStatus, Comment, CommentStatus

pytestmark = pytest.mark.skipif(not EXPORT.exists(), reason="shared/data/wordpress is beside the checkout")


def _import(app, *args):
    result = app.test_cli_runner().invoke(args=["import-wordpress", str(EXPORT), *args])
    assert result.exit_code == 0, result.output
    return result.output


def _counts(app):
    with app.app_context():
        imported = Article.source_key.is_not(None)
        articles = Counter(db.session.scalars(sa.select(Article.status).where(imported)))
        comments = Counter(db.session.scalars(sa.select(Comment.status).where(Comment.source_key != None)))  # noqa: E711
        redirects = db.session.scalar(sa.select(sa.func.count()).select_from(ArticleRedirect))
        return articles, comments, redirects


@pytest.fixture
def app(make_app):
    return make_app()


def test_every_post_and_comment_is_accounted_for_and_a_second_import_adds_nothing(app):
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Comment))
    output = _import(app, "--pages")
    assert "Articles: 79" in output
    assert "55  published\n" in output
    assert "1  scheduled\n" in output
    assert "1  draft\n" in output
    assert "1  password-protected: kept as a draft\n" in output
    assert "Comments: 33" in output
    assert "Not imported (not articles): 37 attachments, 70 nav_menu_items" in output
    articles, comments, redirects = _counts(app)
    assert articles == {ArticleStatus.PUBLISHED: 56 + 21 - 0, ArticleStatus.DRAFT: 2}
    assert comments == {CommentStatus.APPROVED: 30, CommentStatus.PENDING: 3}

    again = _import(app, "--pages")
    assert "79  already imported" in again
    assert "33  already imported" in again
    assert _counts(app) == (articles, comments, redirects)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == before + 33
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ArticleChange)) == 79


def test_threads_trackbacks_and_odd_posts(app):
    _import(app, "--pages")
    with app.app_context():
        comments = {c.source_key.rsplit(":c", 1)[1]: c for c in db.session.scalars(
            sa.select(Comment).where(Comment.source_key.is_not(None)))}
        by_id = {c.id: c for c in comments.values()}

        def depth(comment):
            return 1 if comment.parent_id is None else 1 + depth(by_id[comment.parent_id])

        assert max(depth(c) for c in comments.values()) == 10
        assert Counter(c.kind for c in comments.values()) == {"comment": 29, "trackback": 2, "pingback": 2}
        articles = {a.source_key.rsplit(":", 1)[1]: a for a in db.session.scalars(
            sa.select(Article).where(Article.source_key.is_not(None)))}
        titles = {a.slug: a for a in articles.values()}
        assert titles["markup-title-with-markup"].title == "Markup: Title With Markup"
        assert titles["edge-case-no-title"].title == "Untitled"
        assert titles["edge-case-no-content"].body == ""
        assert titles["scheduled"].status == ArticleStatus.PUBLISHED
        assert titles["scheduled"].published_at.year == 2030
        assert max(len(a.body) for a in articles.values()) > 10_000


def test_without_pages_only_posts_come(app):
    output = _import(app)
    assert "Articles: 58" in output
    assert "21 pages" in output


@pytest.mark.parametrize("old", [
    "/2012/01/04/template-password-protected/",  # password-protected: a draft, so no public target
    "/2020/01/01/scheduled/",  # scheduled for 2030: not public yet
])
def test_old_address_of_an_article_not_public_is_404(app, old):
    _import(app)
    assert app.test_client().get(old).status_code == 404


@pytest.mark.parametrize("old", [
    "/2013/01/11/markup-html-tags-and-formatting/",
    "/2013/01/11/markup-html-tags-and-formatting", "/2013/01/markup-html-tags-and-formatting/",
    "/markup-html-tags-and-formatting/", "/markup-html-tags-and-formatting",
])
def test_old_addresses_answer_301_to_the_new_one(app, old):
    _import(app)
    response = app.test_client().get(old)
    assert response.status_code == 301, old
    assert response.headers["Location"].startswith("/articles/")


def test_id_links_answer_301(app):
    _import(app)
    with app.app_context():
        slug = "markup-html-tags-and-formatting"
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        post_id = article.source_key.rsplit(":", 1)[1]
    client = app.test_client()
    for old in (f"/?p={post_id}", f"/archives/{post_id}", f"/archives/{post_id}/"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == "/articles/markup-html-tags-and-formatting"
    assert client.get("/no-such-old-post/").status_code == 404
    assert client.get("/?p=999999").status_code == 200  # the front page, as before


# --- Comment numbers: old #comment-N links ------------------------------------------------------


def _imported_comments(app):
    with app.app_context():
        found = {int(c.source_key.rsplit(":c", 1)[1]): c for c in db.session.scalars(
            sa.select(Comment).where(Comment.source_key.is_not(None)))}
        db.session.expunge_all()
        return found


def test_into_an_empty_site_every_comment_keeps_its_wordpress_number(make_app):
    app = make_app(DEMO_CONTENT=False)
    output = _import(app)
    assert "Comment numbers: 28 kept their WordPress number, 0 got a new one" in output
    imported = _imported_comments(app)
    assert len(imported) == 28 and all(c.id == number for number, c in imported.items())
    page = app.test_client().get("/2012/01/03/template-comments/", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert 'id="comment-881"' in html and 'id="comment-920"' in html  # #comment-881 just works
    assert "data-wp-comment" not in html


def test_a_taken_number_gets_a_new_one_and_the_page_keeps_the_old(app, article, add_comment):
    taken = {add_comment(id=905, status=CommentStatus.APPROVED), add_comment(id=921)}
    with app.app_context():
        demo_ids = set(db.session.scalars(sa.select(Comment.id)))
    output = _import(app)
    imported = _imported_comments(app)
    moved = {number for number, c in imported.items() if c.id != number}
    assert moved == {number for number in imported if number in demo_ids} and taken <= moved
    assert f"{len(imported) - len(moved)} kept their WordPress number, {len(moved)} got a new one" in output
    assert all(imported[number].id > 927 for number in moved)  # above every number of the export

    page = app.test_client().get("/2012/01/03/template-comments/", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert 'id="comment-881"' in html
    assert f'id="comment-{imported[905].id}" class="comment" data-wp-comment="905"' in html
    assert html.count('id="comment-905"') == 0  # the site's own 905 is on its own article
    # The sequence (PostgreSQL) moved past the numbers given by hand: a new comment just works.
    assert add_comment() > max(c.id for c in imported.values())
