"""The reader's flows in a real browser, with JavaScript on and again with it off (`js` fixture)."""

from __future__ import annotations

import re

import pytest

from .browserkit import (
    AWAITING,
    MORE_SMILIES,
    PENDING_NOTICE,
    PICKER_SMILIES,
    counter_text,
    expect,
    fill_author,
    post_comment,
    smiley_button,
)

pytestmark = pytest.mark.browser

EMOJI_WITH_SKIN_TONES = "Thanks 👍🏽 and 👋🏿 from the 👩🏾‍💻 desk 🇩🇲"
MULTI_LINE = "First line\nsecond line\n\nA new paragraph."


def _counter(page):
    return page.locator("#comment-counter")


def _body(page):
    return page.get_by_role("textbox", name="Comment", exact=True)


def _show_server_count(page, js: bool) -> None:
    """With JS the counter updates itself; without it the reader gets the server's count when the
    page comes back from a smiley button (the form's only round trip short of posting)."""
    if not js:
        smiley_button(page, ":)").click()


def _expected_after(text: str, js: bool) -> str:
    return text if js else text + " :) "


# --- The counter ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Plain words, nothing more.", EMOJI_WITH_SKIN_TONES, MULTI_LINE],
                         ids=["plain", "emoji-skin-tones", "multi-line"])
def test_counter_shows_the_servers_number_after_typing(page, live_server, article_path, js, text):
    page.goto(live_server(article_path))
    expect(_counter(page)).to_have_text(counter_text(""))
    _body(page).click()
    # Typed key by key (Enter makes the line breaks), as a reader does.
    page.keyboard.type(text)
    _show_server_count(page, js)
    expected = _expected_after(text, js)
    expect(_body(page)).to_have_value(expected)
    expect(_counter(page)).to_have_text(counter_text(expected))


def test_counter_after_pasting(page, new_context, live_server, article_path, js):
    text = "Pasted from elsewhere:\r\nline two 👍🏽\r\nline three"
    # Put the text on the browser's clipboard from a page with JavaScript (the clipboard API
    # needs it, even when the page under test has none), then paste it with the keyboard.
    origin = live_server.url
    writer = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    writer.goto(live_server("/policy"))
    writer.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.goto(live_server(article_path))
    _body(page).click()
    page.keyboard.press("ControlOrMeta+V")
    normalised = text.replace("\r\n", "\n")
    expect(_body(page)).to_have_value(normalised)
    _show_server_count(page, js)
    expected = _expected_after(normalised, js)
    expect(_counter(page)).to_have_text(counter_text(expected))
    assert origin


def test_counter_past_the_limit_marks_the_field(page, start_server, js):
    server = start_server(COMMENT_MAX_LENGTH=20)
    page.goto(server("/"))
    page.get_by_role("link", name="IOM Director General").first.click()
    page.wait_for_load_state()  # the scripts are deferred: htmx listens from here on
    text = "This is more than twenty 👍🏽 characters"
    _body(page).fill(text)
    _show_server_count(page, js)
    expected = _expected_after(text, js)
    expect(_counter(page)).to_have_text(counter_text(expected, limit=20))
    assert "too many" in counter_text(expected, limit=20)
    if js:
        expect(_body(page)).to_have_attribute("aria-invalid", "true")
        # Back under the limit, the mark goes.
        _body(page).fill("Short 👍🏽")
        expect(_counter(page)).to_have_text(counter_text("Short 👍🏽", limit=20))
        expect(_body(page)).not_to_have_attribute("aria-invalid", "true")


# --- Smilies ------------------------------------------------------------------------------------


def test_smiley_inserts_at_the_caret(page, live_server, article_path, js):
    page.goto(live_server(article_path))
    fill_author(page)
    _body(page).click()
    page.keyboard.type("Hello world")
    if js:
        # Caret after "Hello": the smiley goes there, padded so it stands alone.
        for _ in range(len(" world")):
            page.keyboard.press("ArrowLeft")
        smiley_button(page, ":)").click()
        expect(_body(page)).to_have_value("Hello :) world")
        expect(_body(page)).to_be_focused()
        page.keyboard.type("!")
        expect(_body(page)).to_have_value("Hello :)! world")
        expect(_counter(page)).to_have_text(counter_text("Hello :)! world"))
    else:
        # Without JS the button posts the form; the server appends the code and keeps all input.
        smiley_button(page, ":)").click()
        expect(_body(page)).to_have_value("Hello world :) ")
        expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Ana Reader")
        expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("ana@example.org")
        expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value("https://ana.example.org/")
        expect(_counter(page)).to_have_text(counter_text("Hello world :) "))
        assert page.url.split("#")[0].endswith("/comments/smiley")
        # Nothing was posted.
        expect(page.locator("#comment-status")).to_have_text("")


def test_more_shows_the_full_set(page, live_server, article_path, js):
    page.goto(live_server(article_path))
    bar = page.get_by_role("group", name="Insert a smiley")
    for smiley in PICKER_SMILIES:
        expect(smiley_button(page, smiley.code)).to_be_visible()
    hidden = [smiley_button(page, s.code) for s in MORE_SMILIES]
    assert hidden
    for button in hidden:
        expect(button).to_be_hidden()
    bar.get_by_text("more »").click()
    for button in hidden:
        expect(button).to_be_visible()
    # And one of them works like the others.
    last = MORE_SMILIES[-1].code
    smiley_button(page, last).click()
    expect(_body(page)).to_have_value(f"{last} ")


# --- Posting ------------------------------------------------------------------------------------


def test_posting_swaps_the_section_without_a_reload(page, live_server, article_path, js):
    page.goto(live_server(article_path))
    if js:
        page.evaluate("window.__marker = 'still here'")
    fill_author(page)
    body = "A fair point 👍🏽\nWell put."
    _body(page).fill(body)
    page.get_by_role("button", name="Post Comment").click()
    status = page.locator("#comment-status")
    expect(status).to_have_text(AWAITING)
    if js:
        assert page.evaluate("window.__marker") == "still here", "the page was reloaded"
        # The Post button was swapped away: focus goes to the result, not to the page's start.
        expect(status).to_be_focused()
    # The comment box is emptied; name, email and website are kept.
    expect(_body(page)).to_have_value("")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Ana Reader")
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("ana@example.org")
    expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value("https://ana.example.org/")
    expect(_counter(page)).to_have_text(counter_text(""))
    own = page.locator(".own-comments .comment")
    expect(own).to_have_count(1)
    expect(own).to_contain_text(PENDING_NOTICE)
    expect(own.locator(".comment-body")).to_contain_text("A fair point 👍🏽")
    expect(own.locator(".comment-body")).to_contain_text("Well put.")
    # Still one public comment: nothing is public until a moderator approves it.
    expect(page.locator("#comments-heading")).to_have_text("1 Comment")


def test_a_validation_error_keeps_everything_typed(page, live_server, article_path, js):
    page.expected_statuses.add(422)  # the browser logs the 422 that carries the errors
    page.goto(live_server(article_path))
    if js:
        page.evaluate("window.__marker = 'still here'")
    fill_author(page, email="not an address", website="https://ana.example.org/")
    page.get_by_label("Save my name").check()
    body = "Kept 👍🏽 across\nthe error"
    _body(page).fill(body)
    page.get_by_role("button", name="Post Comment").click()
    email = page.get_by_role("textbox", name="Email", exact=True)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary")).to_contain_text("Email")
    if js:
        assert page.evaluate("window.__marker") == "still here"
        # The error summary takes focus so the reader hears what went wrong.
        expect(page.locator(".error-summary")).to_be_focused()
    expect(email).to_have_value("not an address")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Ana Reader")
    expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value("https://ana.example.org/")
    expect(page.get_by_label("Save my name")).to_be_checked()
    expect(_body(page)).to_have_value(body)
    expect(_counter(page)).to_have_text(counter_text(body))
    # Following the summary's link lands in the field.
    page.locator(".error-summary a").first.click()
    expect(email).to_be_focused()
    email.fill("ana@example.org")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    expect(page.locator(".own-comments .comment-body")).to_contain_text("Kept 👍🏽 across")


def test_the_pending_preview_is_for_its_author_only(page, new_context, live_server, article_path, js):
    page.goto(live_server(article_path))
    post_comment(page, "Only I can see this until it is approved.", js)
    # A later visit from the same browser still shows it, marked as pending.
    page.goto(live_server(article_path))
    own = page.locator(".own-comments .comment")
    expect(own).to_have_count(1)
    expect(own).to_contain_text(PENDING_NOTICE)
    expect(own).to_contain_text("Only I can see this")
    # Another browser sees neither the comment nor the notice.
    other = new_context(java_script_enabled=js).new_page()
    other.goto(live_server(article_path))
    expect(other.locator("#comments")).to_be_visible()
    expect(other.get_by_text("Only I can see this")).to_have_count(0)
    expect(other.get_by_text(PENDING_NOTICE)).to_have_count(0)
    expect(other.locator(".own-comments")).to_have_count(0)


@pytest.mark.parametrize("remember", [True, False], ids=["ticked", "unticked"])
def test_remembered_name_email_and_website(page, new_context, live_server, article_path, js, remember):
    page.goto(live_server(article_path))
    checkbox = page.get_by_label(
        "Save my name, email, and website in this browser for the next time I comment.")
    expect(checkbox).not_to_be_checked()
    fill_author(page)
    if remember:
        checkbox.check()
    _body(page).fill("Remember me, maybe.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    # Next time, in this browser (twice: not a one-off carried over from posting).
    for _ in range(2):
        page.goto(live_server(article_path))
        if remember:
            expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Ana Reader")
            expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("ana@example.org")
            expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value("https://ana.example.org/")
            expect(checkbox).to_be_checked()
        else:
            expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
            expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("")
            expect(page.get_by_role("textbox", name="Website", exact=True)).to_have_value("")
            expect(checkbox).not_to_be_checked()
        expect(_body(page)).to_have_value("")
    # Never in another browser.
    other = new_context(java_script_enabled=js).new_page()
    other.goto(live_server(article_path))
    expect(other.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
    expect(other.get_by_role("textbox", name="Email", exact=True)).to_have_value("")


def test_enter_in_a_field_posts_the_comment_not_a_smiley(page, live_server, article_path, js):
    page.goto(live_server(article_path))
    _body(page).fill("Sent with Enter from the website field.")
    fill_author(page)
    page.get_by_role("textbox", name="Website", exact=True).press("Enter")
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    expect(page.locator(".own-comments .comment-body")).to_have_text(
        "Sent with Enter from the website field.")


def test_a_kept_anonymous_page_posts(page, live_server, article_path, js):
    """A first visit gets the page another visitor's visit kept (the same bytes, no cookie, no
    token); the browser's own post passes the origin check, with JavaScript and without, and the
    reader then sees their pending comment on a private page."""
    import urllib.request

    from flask import request, request_finished

    url = live_server(article_path)
    kept = urllib.request.urlopen(url).read()  # another visitor
    seen: dict[str, str] = {}

    def record(sender, response, **extra):
        if request.method == "POST" and request.path.endswith("/comments"):
            seen["fetch-site"] = request.headers.get("Sec-Fetch-Site", "")
        elif request.method == "GET" and request.path == article_path:
            seen["cache-control"] = response.headers["Cache-Control"]

    request_finished.connect(record, live_server.app, weak=False)
    response = page.goto(url)
    assert response.body() == kept
    assert page.context.cookies() == []
    fill_author(page)
    _body(page).fill("Posted from a kept page.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    expect(page.locator(".own-comments .comment-body")).to_contain_text("from a kept page")
    assert seen["fetch-site"] == "same-origin"
    page.reload()
    expect(page.locator(".own-comments .comment-body")).to_contain_text("from a kept page")
    assert seen["cache-control"] == "private, no-cache"


def test_a_form_on_another_site_cannot_post(new_context, live_server, article_path):
    """A page of another origin (here a blank page's) posting the comment form is refused (403)
    with the site's error page, and nothing is stored."""
    import sqlalchemy as sa

    from talkback.extensions import db
    from talkback.models import Comment

    target = live_server(article_path) + "/comments"
    page = new_context().new_page()
    page.set_content(f"""<form method="post" action="{target}">
        <input name="author_name" value="Forger"><input name="author_email" value="f@example.org">
        <input name="body" value="Forged from elsewhere."><button>Send</button></form>""")
    with page.expect_response(target) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403
    expect(page.locator(".error-message")).to_contain_text("sent from another site")
    with live_server.app.app_context():
        forged = sa.select(sa.func.count()).where(Comment.body == "Forged from elsewhere.")
        assert db.session.scalar(forged) == 0


def test_each_submission_gets_a_key_of_its_own(page, live_server, article_path, js):
    """site.js names each comment the browser sends (the page itself carries an empty key, the same
    for every reader); without JavaScript there is none."""
    page.goto(live_server(article_path))
    key = page.locator('#comment-form input[name="submission_key"]')
    first = key.input_value()
    if not js:
        assert first == ""
        return
    assert len(first) == 32 and int(first, 16) >= 0
    fill_author(page)
    _body(page).fill("A comment with a key.")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    # The fresh form's key is filled on htmx:load, after the swap settles: wait for it.
    fresh = page.locator('#comment-form input[name="submission_key"]')
    expect(fresh).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    second = fresh.input_value()
    assert second != first
