"""Helpers shared by the browser tests (fixtures live in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from talkback.blueprints.comments.fields import count_body
from talkback.blueprints.comments.text import MORE_SMILIES, PICKER_SMILIES, SMILIES

SCREENSHOTS = Path(__file__).parent / "screenshots"
AWAITING = "Thank you — your comment is awaiting moderation."
PENDING_NOTICE = "Your comment is awaiting moderation."
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

__all__ = ["AWAITING", "MORE_SMILIES", "PENDING_NOTICE", "PICKER_SMILIES", "SMILIES", "WCAG_TAGS",
           "axe_violations", "counter_text", "fill_author", "form", "screenshot", "smiley_button"]


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


__all__ += ["describe", "expect_no_axe_violations", "post_comment", "expect"]
