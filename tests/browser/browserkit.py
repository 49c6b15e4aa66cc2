"""Helpers shared by the browser tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from blueprints.comments.fields import count_body
from blueprints.comments.text import MORE_SMILIES, PICKER_SMILIES, SMILIES

SCREENSHOTS = Path(__file__).parent / "screenshots"
AWAITING = "Thank you — your comment is awaiting moderation."
PENDING_NOTICE = "Your comment is awaiting moderation."
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]



def counter_text(text: str, limit: int = 1500) -> str:
    """What the server says about `text` (the function its counter and validator share)."""
    return count_body(text, limit).message


def form(page: Page):
    return page.locator("#comment-form")


def fill_author(page: Page, name="Ana Reader", email="ana@example.org", website="https://ana.example.org/"):
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_role("textbox", name="Website", exact=True).fill(website)


def smiley_button(page: Page, code: str):
    return page.locator(f'#comment-form button.smiley-button[value="{code}"]')


def axe_violations(page: Page) -> list[dict]:
    """Runs axe-core (shipped inside axe-playwright-python; nothing is downloaded) on the page
    for the WCAG 2.0/2.1/2.2 A and AA rules; returns the violations at any impact level."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def expect_no_axe_violations(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "axe found:\n" + describe(violations)


_SAFE = re.compile(r"[^a-z0-9_-]+")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{_SAFE.sub('-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def post_comment(page: Page, body: str, js: bool, **author) -> None:
    """Fills the form and posts it; returns when the result is on the page."""
    fill_author(page, **author)
    page.get_by_role("textbox", name="Comment", exact=True).fill(body)
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment-status")).to_contain_text(AWAITING)



# Focus is visible when the focused element draws an outline or a focus ring (box-shadow).
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name"),
    text: el.textContent.trim().slice(0, 30),
    outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0,
    ring: s.boxShadow !== "none",
    onScreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0,
  };
}"""


def focus_visible(page) -> dict:
    info = page.evaluate(FOCUS_STYLE)
    assert info is not None, "focus fell back to the page"
    assert info["outline"] or info["ring"], f"focus is not visible on {info}"
    assert info["onScreen"], f"the focused element is not on screen: {info}"
    return info


def tab_to(page, selector: str, limit: int = 60, key: str = "Tab") -> None:
    """Presses Tab until the element matching `selector` has focus, checking focus at each stop."""
    if page.evaluate("s => document.activeElement.matches(s)", selector):
        return  # already there (autofocus)
    entered = False
    for _ in range(limit):
        page.keyboard.press(key)
        if not entered and page.evaluate("() => document.activeElement === document.body"):
            # A page that has only just loaded may not have keyboard focus yet (seen in full CI
            # runs): the first presses then only give the document focus. Once an element has had
            # focus, every later stop must be a visible one.
            continue
        entered = True
        focus_visible(page)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


# Every visible interactive element that is not a link inside running text (WCAG 2.5.8 exempts
# those: their size is set by the line of text around them).
SMALL_TARGETS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    let r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    // A checkbox or radio button is also pressed through its label: the target is both.
    if (/^(checkbox|radio)$/.test(el.type) && el.labels && r.width > 0) {
      for (const label of el.labels) {
        const l = label.getBoundingClientRect();
        if (l.width === 0) continue;
        const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
        r = {left, top, width: Math.max(r.right, l.right) - left, height: Math.max(r.bottom, l.bottom) - top,
             right: Math.max(r.right, l.right), bottom: Math.max(r.bottom, l.bottom)};
      }
    }
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


def sideways(page) -> tuple[int, int]:
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")


def check_layout(page, width: int) -> None:
    scroll, inner = sideways(page)
    assert scroll <= inner, f"the page scrolls sideways at {width}px: {scroll}px of content"
    if width <= 400:
        small = page.evaluate(SMALL_TARGETS)
        assert not small, "targets smaller than 24x24px: " + "; ".join(small)


__all__ = [
    "AWAITING", "MORE_SMILIES", "PENDING_NOTICE", "PICKER_SMILIES", "SMILIES", "WCAG_TAGS",
    "axe_violations", "check_layout", "counter_text", "describe", "expect", "expect_no_axe_violations",
    "fill_author", "focus_visible", "form", "post_comment", "screenshot", "sideways", "smiley_button",
    "tab_to",
]
