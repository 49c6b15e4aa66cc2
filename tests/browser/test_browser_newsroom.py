"""The newsroom in a real browser, JavaScript on and off: an editor logs in, writes, previews (live
with htmx, with the Preview button without), schedules one article and publishes another, and a
reader comments on the published one. Plus axe on the newsroom pages, their looks at desktop and
phone widths, and old WordPress #comment-N links to a comment that got a new number."""

from __future__ import annotations

import re

import pytest

from .browserkit import AWAITING, check_layout, expect, expect_no_axe_violations, post_comment, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def newsroom(start_server):
    """A live server with the editor "Edith"."""
    from blueprints.auth import accounts
    from talkback.models import Role

    server = start_server()
    with server.app.app_context():
        accounts.create_moderator("Edith", PASSWORD, Role.EDITOR)
    return server


def log_in(page, server) -> None:
    page.goto(server("/moderation/login"))
    page.get_by_label("Name").fill("Edith")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Articles", exact=True)).to_be_visible()  # an editor's home
    expect(page.get_by_role("link", name="Queue")).to_have_count(0)


def articles_link(page):
    return page.get_by_role("navigation", name="Site").get_by_role("link", name="Articles")


def write(page, title: str, body: str, js: bool) -> None:
    """Opens a new article, types it, and sees the preview (as typed with JS, after Preview without)."""
    articles_link(page).click()
    page.get_by_role("link", name="Write a new article").click()
    expect(page.get_by_role("heading", name="New article")).to_be_visible()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Byline").fill("Edith Editor")
    page.get_by_label("Text", exact=True).fill(body)
    preview = page.locator("#article-preview")
    if not js:
        expect(preview).not_to_contain_text("Budget")
        page.get_by_role("button", name="Preview").click()
    expect(preview.locator("h3")).to_have_text(title)
    expect(preview.locator(".article-body strong")).to_have_text("passed")  # the Markdown, rendered
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)  # everything typed is kept


def test_an_editor_schedules_and_publishes_and_a_reader_comments(new_context, newsroom, js):
    page = new_context(java_script_enabled=js).new_page()
    log_in(page, newsroom)

    write(page, "Budget vote next year", "The budget **passed** its first reading.", js)
    page.get_by_label("Publication time").fill("2030-01-15T09:30")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#newsroom-status")).to_contain_text("Scheduled “Budget vote next year”")
    expect(page.locator(".article-state .badge")).to_have_text("Scheduled")

    write(page, "Budget passes", "The budget **passed** at midnight.\n\n## What changes\n\nTaxes.", js)
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#newsroom-status")).to_contain_text("Published “Budget passes”")
    articles_link(page).click()
    rows = page.locator(".articles-table tbody tr")
    expect(rows.filter(has_text="Budget passes")).to_contain_text("Published")
    expect(rows.filter(has_text="Budget vote next year")).to_contain_text("Scheduled")

    reader = new_context(java_script_enabled=js).new_page()
    reader.goto(newsroom("/"))
    expect(reader.get_by_role("link", name="Budget passes", exact=True)).to_be_visible()
    expect(reader.get_by_text("Budget vote next year")).to_have_count(0)  # appears in 2030
    reader.get_by_role("link", name="Budget passes", exact=True).click()
    expect(reader.get_by_role("heading", name="What changes")).to_be_visible()
    post_comment(reader, "Finally! Thanks for the clear report.", js)
    expect(reader.locator("#comment-status")).to_contain_text(AWAITING)


def test_axe_and_looks_of_the_newsroom(new_context, newsroom):
    for label, width in WIDTHS.items():
        page = new_context(viewport={"width": width, "height": 900}).new_page()
        log_in(page, newsroom)
        screenshot(page, f"newsroom-articles-{label}-{width}")
        check_layout(page, width)
        expect_no_axe_violations(page)
        page.get_by_role("link", name="Write a new article").click()
        expect_no_axe_violations(page)  # empty, no preview yet
        page.get_by_label("Title", exact=True).fill(f"Storm season {label}")
        page.get_by_label("Text", exact=True).fill(
            "A *long* season ahead.\n\n- Shelters open\n- Schools close\n\n"
            "> Be ready, says the office.\n\n" + "More words follow. " * 40)
        expect(page.locator("#article-preview h3")).to_have_text(f"Storm season {label}")
        screenshot(page, f"newsroom-editor-{label}-{width}")
        check_layout(page, width)
        expect_no_axe_violations(page)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator("#newsroom-status")).to_contain_text("Saved the draft")
        expect_no_axe_violations(page)  # with the history and the publication section
        if label == "desktop":  # the editor and its preview side by side
            form = page.locator(".article-form").bounding_box()
            preview = page.locator("#article-preview").bounding_box()
            assert preview["x"] >= form["x"] + form["width"]
        screenshot(page, f"newsroom-saved-{label}-{width}")
        articles_link(page).click()
        expect(page.locator(".articles-table")).to_contain_text(f"Storm season {label}")


def test_an_old_wordpress_comment_link_reaches_a_renumbered_comment(new_context, live_server, article_path):
    """#comment-5 from an old WordPress link, where comment 5 got another number on import."""
    import sqlalchemy as sa

    from talkback.extensions import db
    from talkback.models import Article, Comment, CommentStatus, utcnow

    with live_server.app.app_context():
        slug = article_path.rsplit("/", 1)[1]
        article = db.session.scalar(sa.select(Article).where(Article.slug == slug))
        moved = Comment(id=9005, article_id=article.id, body="An old comment from WordPress.",
                        author_name="Wes", author_email="wes@example.org", submitted_at=utcnow(),
                        status_changed_at=utcnow(), status=CommentStatus.APPROVED, held_for=[],
                        source_key="wordpress:https://old.example:c5")
        db.session.add(moved)
        article.comments_version += 1
        db.session.commit()
    page = new_context().new_page()
    page.goto(live_server(article_path + "#comment-5"))
    expect(page).to_have_url(live_server(article_path + "#comment-9005"))
    expect(page.locator("#comment-9005")).to_be_in_viewport()


def test_a_comment_link_reaches_an_older_comment_page(new_context, start_server):
    """#comment-N of a comment no longer on the newest page (one comment a page here)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from talkback.extensions import db
    from talkback.models import Article, Comment, CommentStatus, utcnow

    server = start_server(COMMENTS_PER_PAGE=1)
    with server.app.app_context():
        article = db.session.scalars(sa.select(Article).order_by(Article.id)).first()
        slug, ids = article.slug, []
        for n in range(3):
            when = utcnow() - timedelta(days=3 - n)
            comment = Comment(article_id=article.id, body=f"Comment {n}.", author_name=f"Reader {n}",
                              author_email="r@example.org", submitted_at=when, status_changed_at=when,
                              status=CommentStatus.APPROVED, held_for=[])
            db.session.add(comment)
            db.session.flush()
            ids.append(comment.id)
        article.comments_version += 1
        db.session.commit()
    page = new_context().new_page()
    page.goto(server(f"/articles/{slug}#comment-{ids[0]}"))
    expect(page).to_have_url(re.compile(rf"/articles/{slug}\?cpage=\d+#comment-{ids[0]}$"))
    expect(page.locator(f"#comment-{ids[0]}")).to_be_in_viewport()
