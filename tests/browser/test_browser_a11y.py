"""Accessibility in a real browser: axe-core on every reader page, the reader flow from the keyboard
alone with focus always visible, and the live regions that announce the counter and the result."""

from __future__ import annotations

import pytest

from .browserkit import (
    AWAITING,
    MORE_SMILIES,
    PENDING_NOTICE,
    counter_text,
    expect,
    expect_no_axe_violations,
    fill_author,
    focus_visible,
    tab_to,
)

pytestmark = pytest.mark.browser

# --- axe-core -----------------------------------------------------------------------------------


@pytest.fixture
def jspage(new_context):
    return new_context().new_page()


def test_axe_front_page(jspage, live_server):
    jspage.goto(live_server("/"))
    expect_no_axe_violations(jspage)


def test_axe_policy_page(jspage, live_server):
    jspage.goto(live_server("/policy"))
    expect_no_axe_violations(jspage)


def test_axe_article_page_through_a_comment(jspage, live_server, article_path):
    page = jspage
    page.goto(live_server(article_path))
    expect_no_axe_violations(page)  # the empty form
    page.locator(".more-smilies summary").click()
    expect_no_axe_violations(page)  # every smiley shown

    fill_author(page, name="", email="not an address", website="ftp://example.org")
    page.get_by_role("textbox", name="Comment", exact=True).fill("x" * 1501)
    expect(page.locator("#comment-counter")).to_have_text(counter_text("x" * 1501))
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect_no_axe_violations(page)  # the form with errors

    fill_author(page)
    page.get_by_role("textbox", name="Comment", exact=True).fill("Thank you for this 👍🏽\nhttps://example.org/")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    expect_no_axe_violations(page)  # after posting: the status and the pending preview
    page.reload()
    expect(page.get_by_text(PENDING_NOTICE)).to_be_visible()
    expect_no_axe_violations(page)


def test_axe_article_page_without_javascript_errors(new_context, jspage, live_server, article_path):
    """The no-JS error page (422, whole page re-rendered) is checked too: axe runs on its HTML
    loaded into a page with scripts on."""
    nojs = new_context(java_script_enabled=False).new_page()
    nojs.goto(live_server(article_path))
    nojs.get_by_role("button", name="Post Comment").click()
    expect(nojs.locator(".error-summary")).to_be_visible()
    jspage.goto(live_server(article_path))
    jspage.set_content(nojs.content())  # same origin, same stylesheet
    expect(jspage.locator(".error-summary")).to_be_visible()
    expect_no_axe_violations(jspage)


# --- Keyboard only --------------------------------------------------------------------------------


def test_reader_flow_from_the_keyboard(page, live_server, article_path, js):
    page.goto(live_server(article_path))
    # The skip link comes first and works.
    page.keyboard.press("Tab")
    assert focus_visible(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    tab_to(page, "#author_name")
    page.keyboard.type("Kim Keys")
    tab_to(page, "#author_email")
    page.keyboard.type("kim@example.org")
    tab_to(page, "#author_website")
    tab_to(page, "button.smiley-button")  # the first smiley: ":)"
    page.keyboard.press("Enter")
    body = page.get_by_role("textbox", name="Comment", exact=True)
    # With JS the smiley goes in at the caret; without, the button posts the form and the page
    # comes back with the code appended. Either way focus is in the comment, after the smiley.
    expect(body).to_have_value(":) ")
    expect(body).to_be_focused()
    if not js:
        page.keyboard.press("ControlOrMeta+End")  # autofocus leaves the caret at the start
    page.keyboard.type("nice")
    # "more »" opens with the keyboard (Space on its summary).
    tab_to(page, "summary", key="Shift+Tab")
    page.keyboard.press("Space")
    expect(page.locator(".more-smilies")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    info = focus_visible(page)
    assert info["name"] == "smiley" and page.evaluate("document.activeElement.value") == MORE_SMILIES[0].code
    tab_to(page, "#body")
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(" from the keyboard")
    expect(body).to_have_value(":) nice from the keyboard")
    tab_to(page, "#remember")
    page.keyboard.press("Space")
    expect(page.locator("#remember")).to_be_checked()
    tab_to(page, "button.post-comment")
    page.keyboard.press("Enter")
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    expect(page.locator(".own-comments")).to_contain_text("from the keyboard")
    if js:
        # Focus went to the result, which was announced, and Tab carries on from there.
        expect(page.locator("#comment-status")).to_be_focused()
        focus_visible(page)
    page.keyboard.press("Tab")
    focus_visible(page)


def test_the_error_summary_from_the_keyboard(page, live_server, article_path, js):
    page.expected_statuses.add(422)
    page.goto(live_server(article_path))
    tab_to(page, "#author_name")
    page.keyboard.type("Kim Keys")
    tab_to(page, "button.post-comment")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    if js:
        expect(summary).to_be_focused()
    # Every error is a link to its field; Enter on it puts the caret there.
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_be_focused()
    focus_visible(page)
    page.keyboard.type("kim@example.org")
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("Kim Keys")


# --- Live regions ---------------------------------------------------------------------------------


def test_live_regions_stay_and_get_their_text(jspage, live_server, article_path):
    page = jspage
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/comments/counter") else None)
    page.goto(live_server(article_path))
    counter = page.locator("#comment-counter")
    status = page.locator("#comment-status")
    expect(counter).to_have_attribute("aria-live", "polite")
    expect(counter).to_have_text(counter_text(""))
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text("")
    # Tag both elements: a live region that is replaced instead of updated is not announced.
    page.evaluate("""() => {
        document.getElementById('comment-counter').dataset.probe = 'same';
        document.getElementById('comment-status').dataset.probe = 'same';
    }""")

    fill_author(page)
    page.get_by_role("textbox", name="Comment", exact=True).click()
    text = "Typed at a steady pace, one key after another."
    page.keyboard.type(text, delay=15)
    expect(counter).to_have_text(counter_text(text))
    # Politely: the counter waits for a pause; it is not fetched (or announced) per keystroke.
    assert 1 <= len(requests) < len(text) / 4, f"{len(requests)} counter requests for {len(text)} keys"
    expect(counter).to_have_attribute("data-probe", "same")
    expect(page.get_by_role("textbox", name="Comment", exact=True)).to_have_attribute(
        "aria-describedby", "comment-counter")

    page.get_by_role("button", name="Post Comment").click()
    expect(status).to_have_text(AWAITING)
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("data-probe", "same")  # updated in place, never replaced
    # The section (with the form) was swapped: its counter is there again, still polite.
    expect(counter).to_have_attribute("aria-live", "polite")
    expect(counter).to_have_text(counter_text(""))
    expect(page.locator("[aria-live], [role=status], [role=alert]")).to_have_count(3)


def test_axe_does_find_violations(jspage, live_server):
    """The check above can fail: a field without a label and low-contrast text are reported."""
    from .browserkit import axe_violations

    jspage.goto(live_server("/policy"))
    jspage.evaluate("""() => {
        const main = document.getElementById('main');
        main.insertAdjacentHTML('beforeend', '<input type="text" name="unlabelled">');
        const p = document.createElement('p');
        p.textContent = 'Pale text';
        p.style.color = '#eeeeee';  // set from the test through the DOM, not markup: CSP allows it
        main.append(p);
    }""")
    found = {v["id"] for v in axe_violations(jspage)}
    assert {"label", "color-contrast"} <= found, found
