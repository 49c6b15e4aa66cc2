"""The moderator's flows in a real browser: log in, decide from the keyboard (j/k/a, r then a rule
number, u), bulk actions, the live counts and status region; with JavaScript on and off; then the
reader's page shows what was approved and nothing else. Plus axe and the looks of the dashboard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .browserkit import check_layout, expect, expect_no_axe_violations, focus_visible, screenshot, tab_to

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
AUTHORS = ["Alba", "Bruno", "Chidi", "Dana"]


@pytest.fixture
def jspage(new_context):
    return new_context().new_page()


@pytest.fixture
def dashboard(start_server):
    """A live server with a moderator "Morgan" and four pending comments (Alba's the oldest)."""
    import sqlalchemy as sa

    from blueprints.auth import accounts
    from talkback.extensions import db
    from talkback.models import Article, Comment, CommentStatus, utcnow

    server = start_server()
    with server.app.app_context():
        accounts.create_moderator("Morgan", PASSWORD)
        article = db.session.scalars(sa.select(Article).order_by(Article.id)).first()
        server.article_path = f"/articles/{article.slug}"
        start = utcnow() - timedelta(hours=len(AUTHORS))
        server.comment_ids = {}
        for n, name in enumerate(AUTHORS):
            comment = Comment(
                article_id=article.id, body=f"{name} writes: comment number {n + 1}.", author_name=name,
                author_email=f"{name.lower()}@example.org", author_ip="203.0.113.7",
                user_agent="Mozilla/5.0", submitted_at=start + timedelta(hours=n),
                status_changed_at=start + timedelta(hours=n), status=CommentStatus.PENDING, held_for=[],
            )
            db.session.add(comment)
            db.session.flush()
            server.comment_ids[name] = comment.id
        db.session.commit()
    return server


def log_in(page, server, name="Morgan", password=PASSWORD) -> None:
    page.goto(server("/moderation/"))
    expect(page.get_by_role("heading", name="Log in to moderate")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()


def row(page, server, name):
    return page.locator(f"#queue-comment-{server.comment_ids[name]}")


def count(page, status):
    return page.locator(f"#count-{status}")


def status_region(page):
    return page.locator("#moderation-status")


def said(page, text: str) -> None:
    """The status region announces `text`, and the swap that brought it has settled."""
    expect(status_region(page)).to_contain_text(text)
    settled(page)


def settled(page):
    """Waits until htmx has finished swapping and settling (new buttons are wired up only then:
    a key pressed in the first ~20 ms after a result appears would submit the plain form)."""
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")).to_have_count(0)


def reader_sees(new_context, server, js=True):
    """The public article page in a fresh browser: the bodies of the comments it shows."""
    reader = new_context(java_script_enabled=js).new_page()
    reader.goto(server(server.article_path))
    return reader.locator("#comments .comment-list:not(.own-comments) .comment-body")


def test_login_refuses_a_wrong_password(page, dashboard):
    page.expected_statuses.add(401)
    page.goto(dashboard("/moderation/login"))
    page.get_by_label("Name").fill("Morgan")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_contain_text("do not match")
    expect(page.locator("#login-error")).to_have_attribute("role", "alert")
    expect(page.get_by_label("Name")).to_have_value("Morgan")
    expect(page.get_by_label("Password")).to_have_value("")


def test_decisions_from_the_keyboard(jspage, dashboard, new_context):
    """The shortcut keys (JavaScript; without it the same decisions are buttons, tested below)."""
    page = jspage
    log_in(page, dashboard)
    expect(count(page, "pending")).to_have_text("4")
    expect(count(page, "approved")).to_have_text("1")
    status = status_region(page)
    page.evaluate("document.getElementById('moderation-status').dataset.probe = 'same'")
    page.wait_for_load_state("load")  # moderation.js (deferred) listens for the keys from then on

    page.keyboard.press("j")
    expect(row(page, dashboard, "Alba")).to_be_focused()
    focus_visible(page)
    page.keyboard.press("j")
    expect(row(page, dashboard, "Bruno")).to_be_focused()
    focus_visible(page)
    page.keyboard.press("k")
    expect(row(page, dashboard, "Alba")).to_be_focused()

    # a: approve Alba; focus moves on to Bruno, the counts follow, the status region says so.
    page.keyboard.press("a")
    said(page, "Approved the comment by Alba.")
    expect(count(page, "pending")).to_have_text("3")
    expect(count(page, "approved")).to_have_text("2")
    expect(row(page, dashboard, "Bruno")).to_be_focused()
    focus_visible(page)
    expect(status).to_have_attribute("data-probe", "same")

    # r then 2: reject Bruno under rule 2 (r opens the rules in the row).
    page.keyboard.press("r")
    expect(row(page, dashboard, "Bruno").locator(".reject-form")).to_be_visible()
    page.keyboard.press("2")
    said(page, "Rejected the comment by Bruno under rule 2")
    expect(count(page, "pending")).to_have_text("2")
    expect(count(page, "rejected")).to_have_text("1")

    # s: spam Chidi, then u undoes it.
    expect(row(page, dashboard, "Chidi")).to_be_focused()
    page.keyboard.press("s")
    said(page, "Marked the comment by Chidi as spam.")
    expect(count(page, "pending")).to_have_text("1")
    expect(status).to_have_attribute("data-probe", "same")
    page.keyboard.press("u")
    said(page, "Undone: the comment by Chidi is pending again.")
    expect(count(page, "pending")).to_have_text("2")
    expect(status).to_have_attribute("data-probe", "same")  # the live region was updated in place
    expect(status).to_have_attribute("role", "status")

    # The reader sees Alba's comment and nobody else's.
    bodies = reader_sees(new_context, dashboard)
    expect(bodies).to_have_count(2)
    expect(bodies.nth(1)).to_contain_text("Alba writes")
    for name in ("Bruno", "Chidi", "Dana"):
        expect(bodies.filter(has_text=f"{name} writes")).to_have_count(0)


def test_decisions_with_buttons(page, dashboard, new_context, js):
    """The same decisions by pointer (and, without JS, by plain form posts and redirects)."""
    log_in(page, dashboard)
    status = status_region(page)
    row(page, dashboard, "Alba").get_by_role("button", name="Approve").click()
    said(page, "Approved the comment by Alba.")
    expect(count(page, "pending")).to_have_text("3")

    bruno = row(page, dashboard, "Bruno")
    bruno.get_by_role("link", name="Reject…").click()  # the rules, in the row or on the comment's page
    bruno.get_by_label("3.").check()
    bruno.get_by_role("button", name="Reject", exact=True).click()
    said(page, "Rejected the comment by Bruno under rule 3")
    expect(count(page, "rejected")).to_have_text("1")

    row(page, dashboard, "Chidi").get_by_role("button", name="Trash").click()
    said(page, "Moved the comment by Chidi to the trash.")
    status.get_by_role("button", name="Undo").click()
    said(page, "Undone: the comment by Chidi is pending again.")
    expect(count(page, "pending")).to_have_text("2")

    bodies = reader_sees(new_context, dashboard, js)
    expect(bodies).to_have_count(2)
    expect(bodies.nth(1)).to_contain_text("Alba writes")


def test_bulk_decisions_and_undo(page, dashboard, new_context, js):
    log_in(page, dashboard)
    status = status_region(page)
    for name in ("Alba", "Chidi", "Dana"):
        row(page, dashboard, name).get_by_label(f"Select the comment by {name}").check()
    page.locator("#bulk").get_by_role("button", name="Approve").click()
    said(page, "Approved 3 comments.")
    expect(count(page, "pending")).to_have_text("1")
    expect(count(page, "approved")).to_have_text("4")
    bodies = reader_sees(new_context, dashboard, js)
    expect(bodies).to_have_count(4)
    expect(bodies.filter(has_text="Bruno writes")).to_have_count(0)

    status.get_by_role("button", name="Undo all 3").click()
    said(page, "Undone: 3 decisions.")
    expect(count(page, "pending")).to_have_text("4")
    expect(reader_sees(new_context, dashboard, js)).to_have_count(1)


def test_the_counts_follow_decisions_made_elsewhere(new_context, dashboard):
    """Two moderators: the other one's decision reaches this dashboard's counts by its poll
    (JavaScript only: without it the counts are as fresh as the page)."""
    page = new_context().new_page()
    page.clock.install()  # the poll runs every 30 s: the test moves the page's clock instead of waiting
    log_in(page, dashboard)
    expect(count(page, "pending")).to_have_text("4")
    other = new_context().new_page()
    log_in(other, dashboard)
    row(other, dashboard, "Dana").get_by_role("button", name="Approve").click()
    said(other, "Approved the comment by Dana.")
    expect(count(page, "pending")).to_have_text("4")
    page.clock.run_for("00:31")
    expect(count(page, "pending")).to_have_text("3")
    expect(count(page, "approved")).to_have_text("2")


# --- Keyboard alone (Tab, Enter, Space), accessibility, looks --------------------------------------


def test_log_in_and_decide_with_tab_enter_and_space(page, dashboard, js):
    page.goto(dashboard("/moderation/login"))
    tab_to(page, "input[name=name]")
    page.keyboard.type("Morgan")
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Moderation queue")).to_be_visible()
    tab_to(page, f"#queue-comment-{dashboard.comment_ids['Alba']} button[name=approve]")
    page.keyboard.press("Space")
    said(page, "Approved the comment by Alba.")
    expect(count(page, "pending")).to_have_text("3")
    # Reject Bruno under rule 5: open "Reject…" with Enter, pick the rule with the arrow keys.
    bruno = f"#queue-comment-{dashboard.comment_ids['Bruno']}"
    tab_to(page, f"{bruno} a.decide-reject")
    page.keyboard.press("Enter")
    expect(page.locator(f"{bruno} .reject-form")).to_be_visible()
    settled(page)  # the form's autofocus comes with the settle: Tab before it would race it
    tab_to(page, f"{bruno} input[name=rule]")
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"{bruno} input[name=rule][value='5']")).to_be_checked()
    tab_to(page, f"{bruno} button.decide-reject")
    page.keyboard.press("Enter")
    said(page, "Rejected the comment by Bruno under rule 5")
    # Undo from the status region.
    tab_to(page, "#moderation-status .undo-form button", key="Shift+Tab" if js else "Tab")
    page.keyboard.press("Enter")
    said(page, "Undone: the comment by Bruno is pending again.")
    expect(count(page, "pending")).to_have_text("3")


def test_axe_login_page(jspage, dashboard):
    page = jspage
    page.goto(dashboard("/moderation/login"))
    expect_no_axe_violations(page)
    page.get_by_label("Name").fill("Morgan")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_be_visible()
    expect_no_axe_violations(page)


def test_axe_dashboard(jspage, dashboard):
    page = jspage
    log_in(page, dashboard)
    expect_no_axe_violations(page)  # the queue
    row(page, dashboard, "Alba").get_by_role("button", name="Approve").click()
    said(page, "Approved")
    expect_no_axe_violations(page)  # a decision, its Undo, a decided row
    row(page, dashboard, "Bruno").get_by_role("link", name="Reject…").click()
    expect(row(page, dashboard, "Bruno").locator(".reject-form")).to_be_visible()
    expect_no_axe_violations(page)  # the rules to reject under
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.locator("#keyboard-help")).to_be_visible()
    expect_no_axe_violations(page)  # the shortcuts dialog
    page.keyboard.press("Escape")
    for path in ("/moderation/?status=approved", "/moderation/log"):
        page.goto(dashboard(path))
        expect_no_axe_violations(page)


@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_looks(new_context, dashboard, width):
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    log_in(page, dashboard)
    check_layout(page, width)
    screenshot(page, f"dashboard-{width}")
    row(page, dashboard, "Alba").get_by_role("button", name="Approve").click()
    said(page, "Approved")
    row(page, dashboard, "Bruno").get_by_role("link", name="Reject…").click()
    expect(row(page, dashboard, "Bruno").locator(".reject-form")).to_be_visible()
    check_layout(page, width)
    screenshot(page, f"dashboard-decided-{width}")


def test_axe_admin_pages(jspage, dashboard):
    """The admin's pages: moderators and site settings (and the comment page, edit and reply)."""
    from blueprints.auth import accounts
    from talkback.models import Role

    with dashboard.app.app_context():
        accounts.create_moderator("Ada", PASSWORD, Role.ADMIN)
    page = jspage
    log_in(page, dashboard, name="Ada")
    alba = dashboard.comment_ids["Alba"]
    for path in ("/moderation/moderators", "/moderation/settings", f"/moderation/comments/{alba}",
                 f"/moderation/comments/{alba}/edit", f"/moderation/comments/{alba}/reply"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(dashboard(path))
        expect_no_axe_violations(page)
        check_layout(page, 1280)
        page.set_viewport_size({"width": 390, "height": 844})
        check_layout(page, 390)
