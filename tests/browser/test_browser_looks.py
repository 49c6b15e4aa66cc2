"""How the pages look: screenshots at desktop and phone widths (tests/browser/screenshots/, for a
person to open), no sideways scrolling on a phone, and targets of at least 24 by 24 pixels."""

from __future__ import annotations

import pytest
from browserkit import AWAITING, expect, fill_author, screenshot

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}

# Every visible interactive element that is not a link inside running text (WCAG 2.5.8 exempts
# those: their size is set by the line of text around them).
SMALL_TARGETS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (el.getAttribute('aria-hidden') === 'true' && el.tabIndex < 0) continue;
    if (r.right < 0 || r.bottom < 0 || r.left > innerWidth + 1) continue;  // off screen (skip link)
    const inline = el.tagName === 'A' && style.display === 'inline'
      && /\\S/.test((el.parentElement.textContent || '').replace(el.textContent, ''));
    if (inline) continue;
    if (r.width < 24 || r.height < 24) {
      const what = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className}`;
      const text = (el.textContent || el.value || '').trim().slice(0, 20);
      small.push(`${what} "${text}" ${r.width.toFixed(1)}x${r.height.toFixed(1)}`);
    }
  }
  return small;
}"""


def _sideways(page) -> tuple[int, int]:
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")


def _check_layout(page, width: int) -> None:
    scroll, inner = _sideways(page)
    assert scroll <= inner, f"the page scrolls sideways at {width}px: {scroll}px of content"
    if width <= 400:
        small = page.evaluate(SMALL_TARGETS)
        assert not small, "targets smaller than 24x24px: " + "; ".join(small)


@pytest.mark.parametrize("label", list(WIDTHS))
def test_article_page_at(new_context, live_server, article_path, label):
    width = WIDTHS[label]
    page = new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(live_server(article_path))
    _check_layout(page, width)
    screenshot(page, f"article-{label}-{width}")

    # With every smiley shown, a long unbroken word, a long link and an error on every field.
    page.locator(".more-smilies summary").click()
    fill_author(page, name="", email="not an address", website="ftp://" + "w" * 120 + ".example")
    page.get_by_role("textbox", name="Comment", exact=True).fill(
        "Supercalifragilistic" * 8 + "\nhttps://example.org/" + "path/" * 30)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".error-summary")).to_be_visible()
    page.locator(".more-smilies summary").click()
    _check_layout(page, width)
    screenshot(page, f"article-errors-{label}-{width}")

    fill_author(page)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_have_text(AWAITING)
    _check_layout(page, width)
    screenshot(page, f"article-posted-{label}-{width}")


@pytest.mark.parametrize("path", ["/", "/policy"])
def test_other_reader_pages_on_a_phone(new_context, live_server, path):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(live_server(path))
    _check_layout(page, 390)
    screenshot(page, f"page-{path.strip('/') or 'front'}-phone-390")
