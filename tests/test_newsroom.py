"""The newsroom: editors write, preview, schedule, publish, unpublish and delete articles; every
change is in the article's history. Through the real forms (CSRF on), without JavaScript and with
htmx's preview."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import HTMX, MODERATOR_PASSWORD, csrf_from, log_in

from blueprints.newsroom import editing
from talkback.extensions import db
from talkback.models import Article, ArticleChange, ArticleStatus, Role, utcnow


@pytest.fixture
def editor_client(app):
    from blueprints.auth import accounts

    with app.app_context():
        accounts.create_moderator("Edith", MODERATOR_PASSWORD, Role.EDITOR)
    client = app.test_client()
    assert log_in(client, "Edith").status_code == 303
    return client


def _form(client, url, **fields):
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "title": "", "slug": "", "byline": "",
            "published_at": "", "body": "", "excerpt": "", "copyright_notice": "", "comments": "site",
            "comments_days": ""}
    data.update(fields)
    return client.post(url, data=data)


def _article(app, title):
    with app.app_context():
        found = db.session.scalar(sa.select(Article).where(Article.title == title))
        db.session.expunge(found)
        return found


def test_an_editor_writes_a_draft_then_publishes_it(app, editor_client):
    response = _form(editor_client, "/moderation/articles/new", title="Budget passes, 2027",
                     byline="Ann Reporter", body="The **budget** passed.\n\nSecond paragraph.", action="save")
    assert response.status_code == 303
    article = _article(app, "Budget passes, 2027")
    assert article.slug == "budget-passes-2027"
    assert article.status == ArticleStatus.DRAFT
    page = editor_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved the draft" in page and "Draft" in page
    assert "<strong>budget</strong>" in page  # the preview

    url = f"/moderation/articles/{article.id}/edit"
    response = _form(editor_client, url, title="Budget passes, 2027", body="The **budget** passed.",
                     action="publish")
    assert response.status_code == 303
    published = _article(app, "Budget passes, 2027")
    assert published.status == ArticleStatus.PUBLISHED
    assert abs(published.published_at - utcnow()) < timedelta(minutes=1)
    with app.app_context():
        actions = [c.action for c in db.session.scalars(
            sa.select(ArticleChange).where(ArticleChange.article_id == article.id)
            .order_by(ArticleChange.id))]
    assert actions == ["create", "edit", "publish"]


def test_a_future_time_schedules_the_article(app, editor_client):
    response = _form(editor_client, "/moderation/articles/new", title="Election night",
                     published_at="2031-05-01T20:00", body="Results.", action="publish")
    assert response.status_code == 303
    article = _article(app, "Election night")
    assert article.status == ArticleStatus.PUBLISHED and article.published_at.year == 2031
    with app.app_context():
        assert editing.state(db.session.get(Article, article.id)) == "scheduled"
    assert "Scheduled" in editor_client.get(response.headers["Location"]).get_data(as_text=True)


def test_errors_come_back_with_everything_typed(editor_client):
    response = _form(editor_client, "/moderation/articles/new", title="", body="My long text",
                     slug="Bad Slug", action="publish")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write a title." in html and "lower-case letters" in html
    assert "My long text" in html


def test_preview_without_javascript_and_with_htmx(editor_client):
    response = _form(editor_client, "/moderation/articles/new", title="T", body="*hello*", action="preview")
    assert response.status_code == 200
    assert "<em>hello</em>" in response.get_data(as_text=True)
    token = csrf_from(editor_client.get("/moderation/articles/new").get_data(as_text=True))
    fragment = editor_client.post("/moderation/articles/preview", headers=HTMX,
                                  data={"csrf_token": token, "title": "T",
                                        "body": "<script>x</script>\n\n**b**"})
    html = fragment.get_data(as_text=True)
    assert 'id="article-preview"' in html
    assert "<strong>b</strong>" in html and "<script>" not in html


def test_unpublish_and_delete(app, editor_client, add_comment, article):
    url = f"/moderation/articles/{article.id}"
    token = csrf_from(editor_client.get(url + "/edit").get_data(as_text=True))
    assert editor_client.post(url + "/unpublish", data={"csrf_token": token}).status_code == 303
    assert _article(app, article.title).status == ArticleStatus.DRAFT
    # The demo article has comments: deleting it is refused, and says why.
    response = editor_client.post(url + "/delete", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot be deleted" in response.get_data(as_text=True)
    assert _article(app, article.title) is not None

    created = _form(editor_client, "/moderation/articles/new", title="Short-lived", body="x", action="save")
    doomed = _article(app, "Short-lived")
    response = editor_client.post(f"/moderation/articles/{doomed.id}/delete", data={"csrf_token": token})
    assert response.status_code == 303 and created.status_code == 303
    with app.app_context():
        assert db.session.get(Article, doomed.id) is None
        kept = db.session.scalars(
            sa.select(ArticleChange).where(ArticleChange.article_title == "Short-lived")).all()
        assert [c.action for c in kept] == ["create", "delete"] and all(c.article_id is None for c in kept)


def test_changing_the_slug_keeps_the_old_address(app, editor_client):
    _form(editor_client, "/moderation/articles/new", title="First title", body="x", action="publish")
    article = _article(app, "First title")
    _form(editor_client, f"/moderation/articles/{article.id}/edit", title="First title", slug="better-title",
          body="x", action="save")
    assert _article(app, "First title").slug == "better-title"
    with app.app_context():
        from talkback.models import ArticleRedirect

        paths = db.session.scalars(
            sa.select(ArticleRedirect.path).where(ArticleRedirect.article_id == article.id))
        assert list(paths) == ["/articles/first-title"]


def test_moderators_and_strangers_cannot_write_articles(app, moderator_client):
    assert moderator_client.get("/moderation/articles/").status_code == 403
    assert app.test_client().get("/moderation/articles/").status_code in (302, 303)


def _set_time(app, title, when):
    with app.app_context():
        db.session.execute(sa.update(Article).where(Article.title == title).values(published_at=when))
        db.session.commit()


def test_drafts_and_scheduled_articles_are_never_public_until_their_time(app, editor_client):
    _form(editor_client, "/moderation/articles/new", title="Embargoed story", body="Secret.", action="save")
    _form(editor_client, "/moderation/articles/new", title="Tomorrow's story", body="Soon.",
          published_at="2031-05-01T20:00", action="publish")
    reader = app.test_client()
    for slug in ("embargoed-story", "tomorrow-s-story"):
        assert reader.get(f"/articles/{slug}").status_code == 404
        assert reader.post(f"/articles/{slug}/comments", data={"author_name": "A", "author_email": "a@b.org",
                                                               "body": "x"}).status_code == 404
        staff = editor_client.get(f"/articles/{slug}")
        assert staff.status_code == 200 and "Not published." in staff.get_data(as_text=True)
        assert "no-store" in staff.headers["Cache-Control"]
    front = reader.get("/").get_data(as_text=True)
    assert "Embargoed story" not in front and "Tomorrow" not in front
    # Time passes (no one acts): the scheduled article is public.
    _set_time(app, "Tomorrow's story", utcnow() - timedelta(seconds=1))
    assert reader.get("/articles/tomorrow-s-story").status_code == 200
    assert "Tomorrow&#39;s story" in reader.get("/").get_data(as_text=True)


def test_an_old_slug_answers_301_to_the_new_address(app, editor_client):
    _form(editor_client, "/moderation/articles/new", title="Old name", body="x", action="publish")
    article = _article(app, "Old name")
    _form(editor_client, f"/moderation/articles/{article.id}/edit", title="Old name", slug="new-name",
          body="x", action="save")
    response = app.test_client().get("/articles/old-name")
    assert response.status_code == 301 and response.headers["Location"] == "/articles/new-name"


def test_the_body_is_markdown_made_safe_and_the_excerpt_shows_on_the_front_page(app, editor_client):
    body = ("Intro with **bold** and [a link](https://example.org).\n\n"
            "<script>alert(1)</script>\n\n## Part two")
    _form(editor_client, "/moderation/articles/new", title="Markdown story", body=body, action="publish")
    html = app.test_client().get("/articles/markdown-story").get_data(as_text=True)
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">' in html
    assert "<script>alert" not in html and "<h2>Part two</h2>" in html
    front = app.test_client().get("/").get_data(as_text=True)
    assert "Intro with bold and a link. Part two" in front


def test_an_article_closes_its_comments_after_its_own_number_of_days(app, editor_client):
    _form(editor_client, "/moderation/articles/new", title="Closing soon", body="x", action="publish",
          comments="after", comments_days="2")
    _set_time(app, "Closing soon", utcnow() - timedelta(days=3))
    page = app.test_client().get("/articles/closing-soon").get_data(as_text=True)
    assert "Comments are closed." in page


def test_the_front_page_has_pages(make_app):
    from talkback.models import ArticleStatus as Status

    app = make_app(DEMO_CONTENT=False)
    with app.app_context():
        for n in range(25):
            db.session.add(Article(slug=f"story-{n}", title=f"Story {n}", body="x", status=Status.PUBLISHED,
                                   published_at=utcnow() - timedelta(hours=n)))
        db.session.commit()
    client = app.test_client()
    first, second = client.get("/").get_data(as_text=True), client.get("/?page=2").get_data(as_text=True)
    assert "Story 0<" in first and "Story 19<" in first and "Story 20<" not in first
    assert "Older articles" in first and "Newer articles" not in first
    assert "Story 24<" in second and "Newer articles" in second and "Older articles" not in second


def test_an_edit_shows_to_anonymous_readers_at_once(app, editor_client):
    _form(editor_client, "/moderation/articles/new", title="Developing story", body="First version.",
          action="publish")
    reader = app.test_client()
    assert "First version." in reader.get("/articles/developing-story").get_data(as_text=True)  # kept
    article = _article(app, "Developing story")
    _form(editor_client, f"/moderation/articles/{article.id}/edit", title="Developing story",
          body="Updated version.", action="save")
    assert "Updated version." in reader.get("/articles/developing-story").get_data(as_text=True)
