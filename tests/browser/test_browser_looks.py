"""How the pages look: screenshots at desktop and phone widths (tests/browser/screenshots/, for a
person to open), no sideways scrolling on a phone, and targets of at least 24 by 24 pixels."""

from __future__ import annotations

import pytest

from .browserkit import AWAITING, check_layout, expect, fill_author, screenshot

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.mark.parametrize("label", list(WIDTHS))
def test_article_page_at(new_context, live_server, article_path, label):
    width = WIDTHS[label]
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(live_server(article_path))
    check_layout(page, width)
    screenshot(page, f"article-{label}-{width}")

    # With every smiley shown, a long unbroken word, a long link and an error on every field.
    page.locator(".more-smilies summary").click()
    fill_author(page, name="", email="not an address", website="ftp://" + "w" * 120 + ".example")
    page.get_by_role("textbox", name="Comment", exact=True).fill(
        "Supercalifragilistic" * 8 + "\nhttps://example.org/" + "path/" * 30)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator(".more-smilies summary").click()
    check_layout(page, width)
    screenshot(page, f"article-errors-{label}-{width}")

    fill_author(page)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    check_layout(page, width)
    screenshot(page, f"article-posted-{label}-{width}")


@pytest.mark.parametrize("path", ["/", "/policy"])
def test_other_reader_pages_on_a_phone(new_context, live_server, path):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(live_server(path))
    check_layout(page, 390)
    screenshot(page, f"page-{path.strip('/') or 'front'}-phone-390")
