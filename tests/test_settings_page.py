"""The admin's site settings page: every setting on a form (both paths), checked values, the
policy rules editor, the settings history, and that changes reach readers and screening at once."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa
from support import HTMX, csrf_from, log_in, post_comment, stored

from blueprints.moderation import rules, site_settings
from blueprints.moderation.site_settings import SettingError, parse_value
from talkback import settings
from talkback.extensions import db
from talkback.models import CommentStatus, ModerationEvent, PolicyRule, SettingChange

PAGE = "/moderation/settings"


class FormReader(HTMLParser):
    """What a browser would send for the form with id `form_id`: text fields, textareas, checked
    boxes, hidden fields."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.textarea = form_id, False, None
        self.data: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.data.append((a["name"], a.get("value", "")))
        elif tag == "textarea":
            self.textarea = [a["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.data.append((self.textarea[0], self.textarea[1]))
            self.textarea = None
        elif tag == "form":
            self.inside = False


def form_data(html: str, form_id: str = "settings-form") -> dict[str, Any]:
    reader = FormReader(form_id)
    reader.feed(html)
    data: dict[str, Any] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    assert data, f"no form #{form_id} on the page"
    return {name: values if len(values) > 1 else values[0] for name, values in data.items()}


def save(client, *, htmx: bool = False, drop: tuple[str, ...] = (), **changes: Any):
    """Fills in the settings form as shown and sends it (checkboxes: True/False)."""
    data = form_data(client.get(PAGE).get_data(as_text=True))
    for key, value in changes.items():
        if value is True:
            data[key] = "y"
        elif value is False:
            data.pop(key, None)
        else:
            data[key] = value
    for key in drop:
        data.pop(key, None)
    return client.post(PAGE, data=data, headers=HTMX if htmx else {})


def current(app, key: str) -> Any:
    with app.test_request_context():
        return settings.current()[key]


def history_rows(app) -> list[SettingChange]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(SettingChange).order_by(SettingChange.id)).unique())
        db.session.expunge_all()
        return rows


def rule_texts(app) -> dict[int, str]:
    with app.app_context():
        return {r.number: r.text for r in db.session.scalars(sa.select(PolicyRule))}


# --- Access -------------------------------------------------------------------------------------


def test_moderators_get_403_and_no_link(moderator_client):
    assert moderator_client.get(PAGE).status_code == 403
    token = csrf_from(moderator_client.get("/moderation/").get_data(as_text=True))
    response = moderator_client.post(PAGE, data={"csrf_token": token, "COMMENT_MAX_LENGTH": "9"})
    assert response.status_code == 403
    assert 'href="/moderation/settings"' not in moderator_client.get("/moderation/").get_data(as_text=True)


def test_logged_out_is_sent_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/moderation/login")


def test_admins_have_a_link_in_the_dashboard_nav(admin_client):
    assert '<a href="/moderation/settings">Site settings</a>' in admin_client.get("/moderation/").get_data(
        as_text=True)


@pytest.mark.parametrize("path", [PAGE, "/moderation/settings/rules", "/moderation/settings/rules/1",
                                  "/moderation/settings/rules/7/remove"])
def test_every_post_needs_the_csrf_token(app, admin_client, path):
    response = admin_client.post(path, data={"COMMENT_MAX_LENGTH": "9", "text": "A rule."})
    assert response.status_code == 400
    assert current(app, "COMMENT_MAX_LENGTH") == 1500 and len(rule_texts(app)) == 7
    assert history_rows(app) == []


# --- The page -----------------------------------------------------------------------------------


def test_every_setting_has_a_labelled_described_field_in_a_group(admin_client):
    html = admin_client.get(PAGE).get_data(as_text=True)
    for spec in settings.EDITABLE:
        field_id = "setting-" + spec.key.lower().replace("_", "-")
        assert f'<label for="{field_id}">{spec.label}</label>' in html
        assert re.search(rf'id="{field_id}"[^>]*aria-describedby="{field_id}-help"', html) or re.search(
            rf'aria-describedby="{field_id}-help"[^>]*>', html), spec.key
        assert f'id="{field_id}-help"' in html
    for title in ("Site", "Comments", "Screening &amp; limits", "Comment policy", "Policy rules",
                  "Settings history"):
        assert title in html
    assert 'name="COMMENT_MAX_LENGTH" value="1500"' in html
    assert re.search(r'<textarea id="setting-disallowed-words"', html)
    assert re.search(r'type="checkbox" id="setting-trust-approved-authors"', html)
    assert re.search(r'<textarea id="setting-policy-full-text"[^>]*>\s*Comments on \{site\}', html)
    assert "Changed from the default" not in html
    assert "No setting has been changed yet" in html


def test_groups_hold_every_setting_once():
    keys = [key for group in site_settings.GROUPS for key in group.keys]
    assert sorted(keys) == sorted(spec.key for spec in settings.EDITABLE)


def test_words_from_config_show_one_per_line_and_changes_are_noted(make_app, make_moderator):
    app = make_app(DISALLOWED_WORDS=["casino", "cheap pills"])
    make_moderator("Ada", admin=True)
    client = app.test_client()
    log_in(client, "Ada")
    html = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'id="setting-disallowed-words"[^>]*>\s*casino\ncheap pills</textarea>', html)
    save(client, COMMENT_MAX_LENGTH="2000")
    html = client.get(PAGE).get_data(as_text=True)
    assert "Changed from the default: 1500." in html
    assert 'aria-describedby="setting-comment-max-length-help setting-comment-max-length-default"' in html


# --- Saving, both paths -------------------------------------------------------------------------

CHANGES = {
    "COMMENT_MAX_LENGTH": ("2,000", 2000),
    "TRUST_APPROVED_AUTHORS": (True, True),
    "COMMENT_RATE_LIMIT": ("  3 per minute;  20 per day ", "3 per minute; 20 per day"),
    "DISALLOWED_WORDS": ("casino\r\n\r\n  cheap   pills \r\nCasino\r\n", ["casino", "cheap pills"]),
    "POLICY_DISCLAIMER": ("Views are the commenters’ own, not {site}’s.\r\n",
                          "Views are the commenters’ own, not {site}’s."),
}


def test_saving_every_kind_plain(app, admin_client):
    response = save(admin_client, **{key: typed for key, (typed, _) in CHANGES.items()})
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/settings#settings-status"
    for key, (_, value) in CHANGES.items():
        assert current(app, key) == value, key
    html = admin_client.get(PAGE).get_data(as_text=True)
    assert "Settings saved: 5 changed." in html
    assert re.search(r'id="settings-status"[^>]*role="status"', html)


def test_saving_every_kind_with_htmx(app, admin_client):
    response = save(admin_client, htmx=True, **{key: typed for key, (typed, _) in CHANGES.items()})
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="settings-form"')
    assert '<div id="settings-status" hx-swap-oob="innerHTML">' in html
    assert "Settings saved: 5 changed." in html
    assert '<section id="settings-history"' in html and 'hx-swap-oob="true"' in html
    assert 'name="COMMENT_MAX_LENGTH" value="2000"' in html
    assert "data-autofocus" in html.split('id="settings-save"')[1].split(">")[0]
    assert "<html" not in html
    for key, (_, value) in CHANGES.items():
        assert current(app, key) == value, key


def test_unchecking_a_box_turns_it_off(app, admin_client):
    save(admin_client, TRUST_APPROVED_AUTHORS=True)
    assert current(app, "TRUST_APPROVED_AUTHORS") is True
    save(admin_client, TRUST_APPROVED_AUTHORS=False)
    assert current(app, "TRUST_APPROVED_AUTHORS") is False


def test_the_form_as_shown_changes_nothing(app, admin_client):
    response = save(admin_client, htmx=True)
    assert "No changes." in response.get_data(as_text=True)
    assert history_rows(app) == []


def test_a_setting_not_sent_is_left_alone(app, admin_client):
    save(admin_client, TRUST_APPROVED_AUTHORS=True, DISALLOWED_WORDS="casino")
    token = csrf_from(admin_client.get(PAGE).get_data(as_text=True))
    response = admin_client.post(PAGE, data={"csrf_token": token, "COMMENT_MAX_LENGTH": "900"})
    assert response.status_code == 303
    assert current(app, "COMMENT_MAX_LENGTH") == 900
    assert current(app, "TRUST_APPROVED_AUTHORS") is True and current(app, "DISALLOWED_WORDS") == ["casino"]


def test_every_change_is_audited_with_old_and_new_value_and_who(app, admin_client):
    save(admin_client, COMMENT_MAX_LENGTH="2000", HOLD_WORDS="crypto\nforex")
    rows = history_rows(app)
    assert [(r.key, r.old_value, r.new_value) for r in rows] == [
        ("COMMENT_MAX_LENGTH", 1500, 2000), ("HOLD_WORDS", [], ["crypto", "forex"])]
    assert {r.moderator.name for r in rows} == {"Ada"}
    html = admin_client.get(PAGE).get_data(as_text=True)
    history = html.split('id="settings-history"')[1]
    assert "Longest comment (characters)" in history and "by Ada" in history
    assert re.search(r"1500</span>\s*<span aria-hidden=\"true\" class=\"history-arrow\">→</span>", history)
    assert "crypto, forex" in history and "(empty list)" in history


# --- Checking values ----------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_errors_keep_everything_typed_and_save_nothing(app, admin_client, htmx):
    response = save(admin_client, htmx=htmx, COMMENT_MAX_LENGTH="lots", COMMENT_FLOOD_SECONDS="-3",
                    COMMENT_RATE_LIMIT="5 per fortnight", HOLD_WORDS="crypto", TRUST_APPROVED_AUTHORS=True,
                    POLICY_DISCLAIMER="   ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert ("<html" in html) is not htmx
    assert 'class="error-summary"' in html and "Nothing was saved yet" in html
    assert "Nothing was saved: 4 settings need correcting" in html
    assert 'value="lots"' in html and 'value="-3"' in html and 'value="5 per fortnight"' in html
    assert re.search(r'id="setting-hold-words"[^>]*>\s*crypto</textarea>', html)
    assert re.search(r'id="setting-trust-approved-authors"[^>]* checked', html)
    for field_id, message in [("comment-max-length", "Enter a whole number, like 1500."),
                              ("comment-flood-seconds", "Enter a number of at least 0."),
                              ("comment-rate-limit", "Write limits like"),
                              ("policy-disclaimer", "it cannot be empty")]:
        assert re.search(rf'id="setting-{field_id}-error" class="field-error">.*{re.escape(message)}', html)
        assert re.search(rf'id="setting-{field_id}"[^>]*aria-describedby="setting-{field_id}-error [^"]*"'
                         rf'[^>]*aria-invalid="true"', html, re.S), field_id
        assert f'href="#setting-{field_id}"' in html
    assert current(app, "HOLD_WORDS") == [] and current(app, "TRUST_APPROVED_AUTHORS") is False
    assert history_rows(app) == []


def test_a_number_beyond_its_maximum_is_refused(app, admin_client):
    response = save(admin_client, COMMENTS_CLOSE_AFTER_DAYS="99999999999", COMMENT_MAX_LENGTH="50000")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number no larger than 36,500." in html
    assert "At most 6,300: a longer comment" in html


def test_a_setting_changed_by_another_admin_meanwhile(app, admin_client, make_moderator):
    make_moderator("Bo", admin=True)
    other = app.test_client()
    log_in(other, "Bo")
    stale = form_data(admin_client.get(PAGE).get_data(as_text=True))
    save(other, COMMENT_MAX_LENGTH="1000", COMMENT_MAX_LINKS="5")
    # Ada changes the length too (refused, with who did what), and leaves the links as she saw them
    # (Bo's value stays), and changes the hold words (fine, but nothing is saved while one is refused).
    response = admin_client.post(PAGE, data={**stale, "COMMENT_MAX_LENGTH": "3000", "HOLD_WORDS": "crypto"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bo changed this just now, after this page was shown; it is now “1000”." in html
    assert 'value="3000"' in html and 'name="COMMENT_MAX_LINKS" value="5"' in html
    assert current(app, "COMMENT_MAX_LENGTH") == 1000 and current(app, "HOLD_WORDS") == []
    # Saving the form again (it now knows of Bo's change) replaces his value.
    response = admin_client.post(PAGE, data=form_data(html))
    assert response.status_code == 303
    assert current(app, "COMMENT_MAX_LENGTH") == 3000 and current(app, "COMMENT_MAX_LINKS") == 5
    assert current(app, "HOLD_WORDS") == ["crypto"]


# --- What readers and screening see -------------------------------------------------------------


def test_a_new_comment_limit_applies_at_once_to_the_counter_and_the_validator(app, admin_client, article):
    save(admin_client, COMMENT_MAX_LENGTH="20")
    reader = app.test_client()
    page = reader.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert "20 characters available" in page
    counted = reader.post("/comments/counter", data={"body": "x" * 25})
    assert "5 characters too many" in counted.get_data(as_text=True)
    response = post_comment(app, reader, article.slug, body="x" * 21)
    assert response.status_code == 422
    assert not stored(app, body="x" * 21)
    assert post_comment(app, reader, article.slug, body="y" * 20).status_code == 303
    assert stored(app, body="y" * 20)[0].status == CommentStatus.PENDING


def test_a_disallowed_word_added_on_the_page_makes_a_comment_spam(app, admin_client, article):
    save(admin_client, DISALLOWED_WORDS="miracle cure")
    reader = app.test_client()
    post_comment(app, reader, article.slug, body="Try this MIRACLE   cure today")
    [comment] = stored(app, author_name="Ada Lovelace")
    assert comment.status == CommentStatus.SPAM
    assert comment.held_for == ["disallowed word: miracle cure"]


def test_policy_texts_show_on_the_article_and_policy_pages(app, admin_client, article):
    save(admin_client, POLICY_DISCLAIMER="Opinions are the writers’, not {site}’s.",
         POLICY_FULL_TEXT="First paragraph.\r\n\r\n\r\n\r\nSecond paragraph.")
    assert "Opinions are the writers’, not Talkback News’s." in app.test_client().get(
        f"/articles/{article.slug}").get_data(as_text=True)
    policy = app.test_client().get("/policy").get_data(as_text=True)
    assert "<p>First paragraph.</p>" in policy and "<p>Second paragraph.</p>" in policy


# --- Policy rules -------------------------------------------------------------------------------


def post_rule(client, path: str, *, htmx: bool = False, **data: Any):
    html = client.get(PAGE).get_data(as_text=True)
    fields = {"csrf_token": csrf_from(html), **data}
    if path.endswith(tuple("0123456789")) and "since" not in data:
        fields["since"] = re.search(r'name="since" value="(\d+)"', html).group(1)
    return client.post(PAGE + path, data=fields, headers=HTMX if htmx else {})


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_editing_a_rule_shows_everywhere_at_once(app, admin_client, add_comment, article, htmx):
    add_comment()
    response = post_rule(admin_client, "/rules/3", htmx=htmx, text="  Are off topic,\r\nor spam. ")
    if htmx:
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and html.lstrip().startswith('<section id="policy-rules"')
        assert '<div id="rules-status" hx-swap-oob="innerHTML">' in html and "Saved rule 3." in html
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == "/moderation/settings#rules-status"
        assert "Saved rule 3." in admin_client.get(PAGE).get_data(as_text=True)
    assert rule_texts(app)[3] == "Are off topic, or spam."
    policy = app.test_client().get("/policy").get_data(as_text=True)
    assert '<li id="rule-3">Are off topic, or spam.</li>' in policy
    assert '<li id="rule-3">Are off topic, or spam.</li>' in app.test_client().get(
        f"/articles/{article.slug}").get_data(as_text=True)
    queue = admin_client.get("/moderation/").get_data(as_text=True)
    assert '<option value="3">3. Are off topic, or spam.</option>' in queue  # the bulk reject
    comment_id = add_comment()
    rules = admin_client.get(f"/moderation/comments/{comment_id}/reject").get_data(as_text=True)
    assert re.search(r'<span class="rule-number">3\.</span> Are off topic, or spam\.', rules)
    [row] = history_rows(app)
    assert (row.key, row.new_value, row.moderator.name) == ("POLICY_RULE_3", "Are off topic, or spam.", "Ada")
    assert row.old_value and row.old_value != row.new_value


def test_an_empty_rule_is_refused_with_the_text_kept(app, admin_client):
    response = post_rule(admin_client, "/rules/2", text=" \u200b ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="rule-2-text"[^>]*aria-invalid="true"', html)
    assert "Write the rule; it cannot be empty." in html
    assert "Rule 2 was not saved: Write the rule" in html
    response = post_rule(admin_client, "/rules", htmx=True, text="x" * 501)
    assert response.status_code == 422
    assert "x" * 501 in response.get_data(as_text=True)
    assert len(rule_texts(app)) == 7 and history_rows(app) == []


def test_adding_and_removing_rules_keeps_numbers_contiguous(app, admin_client, add_comment):
    response = post_rule(admin_client, "/rules", text="Impersonate someone else.")
    assert response.status_code == 303
    assert rule_texts(app)[8] == "Impersonate someone else."
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Added rule 8." in page and "Remove rule 8" in page and "Remove rule 7" not in page
    assert "Impersonate someone else." in app.test_client().get("/policy").get_data(as_text=True)
    comment_id = add_comment()
    rules = admin_client.get(f"/moderation/comments/{comment_id}/reject").get_data(as_text=True)
    assert '<span class="rule-number">8.</span> Impersonate someone else.' in rules
    # Only the last rule can go.
    response = post_rule(admin_client, "/rules/5/remove")
    assert response.status_code == 422
    assert "Only the last rule can be removed" in response.get_data(as_text=True)
    # A cited rule can go, with a warning; the decision keeps its number and text.
    token = csrf_from(rules)
    admin_client.post(f"/moderation/comments/{comment_id}/reject",
                      data={"csrf_token": token, "revision": "1", "rule": "8", "back": "/moderation/"})
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Rule 8 was cited in 1 past decision." in page
    response = post_rule(admin_client, "/rules/8/remove", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Removed rule 8. It was cited in 1 past decision; they keep its number and text." in html
    assert sorted(rule_texts(app)) == list(range(1, 8))
    with app.app_context():
        event = db.session.scalars(sa.select(ModerationEvent).where(ModerationEvent.action == "reject")).one()
        assert (event.rule_number, event.rule_text, event.rule_id) == (8, "Impersonate someone else.", None)
    assert "under rule 8 (“Impersonate someone else.”)" in admin_client.get(
        f"/moderation/comments/{comment_id}").get_data(as_text=True)
    rows = history_rows(app)
    assert [(r.key, r.old_value, r.new_value) for r in rows] == [
        ("POLICY_RULE_8", None, "Impersonate someone else."),
        ("POLICY_RULE_8", "Impersonate someone else.", None)]
    history = admin_client.get(PAGE).get_data(as_text=True).split('id="settings-history"')[1]
    assert "Policy rule 8" in history and "(removed)" in history and "(no rule yet)" in history


def test_the_last_rule_cannot_be_removed(app, admin_client):
    with app.app_context():
        db.session.execute(sa.delete(PolicyRule).where(PolicyRule.number > 1))
        db.session.commit()
    assert "Remove rule 1" not in admin_client.get(PAGE).get_data(as_text=True)
    response = post_rule(admin_client, "/rules/1/remove")
    assert response.status_code == 422
    assert "The policy needs at least one rule" in response.get_data(as_text=True)


def test_a_rule_changed_by_another_admin_meanwhile(app, admin_client, make_moderator):
    make_moderator("Bo", admin=True)
    other = app.test_client()
    log_in(other, "Bo")
    since = re.search(r'name="since" value="(\d+)"', admin_client.get(PAGE).get_data(as_text=True)).group(1)
    post_rule(other, "/rules/2", text="Bo’s text.")
    response = post_rule(admin_client, "/rules/2", text="Ada’s text.", since=since)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bo changed this just now" in html and "Ada’s text." in html
    assert rule_texts(app)[2] == "Bo’s text."


# --- Parsing, as plain functions ----------------------------------------------------------------


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def spec(key: str) -> settings.SettingSpec:
    return site_settings.SPECS[key]


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(("key", "raw", "value"), [
    ("COMMENT_MAX_LENGTH", " 2000 ", 2000),
    ("COMMENT_MAX_LENGTH", "1,500", 1500),
    ("COMMENT_MAX_LENGTH", "1 500", 1500),
    ("COMMENT_FLOOD_SECONDS", "0", 0),
    ("COMMENT_MAX_LINKS", "+3", 3),
    ("TRUST_APPROVED_AUTHORS", "y", True),
    ("TRUST_APPROVED_AUTHORS", None, False),
    ("COMMENT_RATE_LIMIT", "", ""),
    ("COMMENT_RATE_LIMIT", " 5 per minute;\t50 per day ", "5 per minute; 50 per day"),
    ("DISALLOWED_WORDS", "", []),
    ("DISALLOWED_WORDS", "Casino\r\n\r\ncasino\n free  money \n\u202eevil", ["Casino", "free money", "evil"]),
    ("POLICY_FULL_TEXT", "One. \r\n\r\n\r\n\r\nTwo.\x00\n", "One.\n\nTwo."),
])
def test_parse_value(key, raw, value):
    assert parse_value(spec(key), raw) == value


@pytest.mark.usefixtures("ctx")
@pytest.mark.parametrize(("key", "raw", "message"), [
    ("COMMENT_MAX_LENGTH", "", "Enter a whole number."),
    ("COMMENT_MAX_LENGTH", "12.5", "Enter a whole number, like 1500."),
    ("COMMENT_MAX_LENGTH", "9" * 40, "Enter a whole number"),
    ("COMMENT_MAX_LENGTH", "0", "at least 1"),
    ("COMMENT_MAX_LENGTH", "7000", "At most 6,300"),
    ("COMMENT_FLOOD_SECONDS", "86401", "no larger than 86,400"),
    ("COMMENT_MIN_FILL_SECONDS", "-1", "at least 0"),
    ("COUNTER_RATE_LIMIT", "lots per minute", "Write limits like"),
    ("COUNTER_RATE_LIMIT", "0 per minute", "at least 1 request"),
    ("COMMENT_RATE_LIMIT", "5 per minute " * 20, "At most 200 characters"),
    ("HOLD_WORDS", "a" * 101, "at most 100 characters"),
    ("HOLD_WORDS", "\n".join(f"w{i}" for i in range(1001)), "At most 1,000 words"),
    ("POLICY_DISCLAIMER", " \n ", "cannot be empty"),
    ("POLICY_FULL_TEXT", "x" * 20_001, "At most 20,000 characters"),
])
def test_parse_value_refuses(key, raw, message):
    with pytest.raises(SettingError, match=re.escape(message)):
        parse_value(spec(key), raw)


@pytest.mark.usefixtures("ctx")
def test_rule_text_is_one_line():
    assert rules.clean_text(" Are\r\n  spam\t") == "Are spam"
    for raw in ("", " \u200b\u00ad ", "x" * 501):
        with pytest.raises(rules.RuleError):
            rules.clean_text(raw)


@pytest.mark.usefixtures("ctx")
def test_history_display():
    assert site_settings.display(True) == "on" and site_settings.display(False) == "off"
    assert site_settings.display(["a", "b c"], list) == "a, b c"
    assert site_settings.display([], list) == "(empty list)" and site_settings.display("") == "(empty)"
    assert site_settings.display("x" * 100, limit=10) == "x" * 9 + "…"
    assert site_settings.label_of("POLICY_RULE_4") == "Policy rule 4"
    assert site_settings.display_change("POLICY_RULE_4", None, "new") == "(removed)"


def test_texts_typed_by_an_admin_are_shown_as_text(app, admin_client, article):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)> {{7*7}} hx-get="/x"'
    save(admin_client, POLICY_DISCLAIMER=payload, HOLD_WORDS=payload)
    post_rule(admin_client, "/rules/1", text=payload)
    for html in (app.test_client().get(f"/articles/{article.slug}").get_data(as_text=True),
                 app.test_client().get("/policy").get_data(as_text=True),
                 admin_client.get(PAGE).get_data(as_text=True)):
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "{{7*7}}" in html


# --- Branding -----------------------------------------------------------------------------------


def test_branding_reaches_every_page_and_the_cached_one_at_once(app, admin_client, article, add_comment):
    from datetime import UTC, datetime

    from talkback.models import Article, CommentStatus

    with app.app_context():
        db.session.get(Article, article.id).copyright_notice = ""  # the site's default line
        db.session.commit()
    # 02:30 UTC on New Year's Day: still December 31 in Dominica, already January 1 in Tokyo.
    add_comment(status=CommentStatus.APPROVED,
                submitted_at=datetime(2026, 1, 1, 2, 30, tzinfo=UTC))
    reader = app.test_client()
    url = f"/articles/{article.slug}"
    before = reader.get(url).get_data(as_text=True)  # now kept in the page and comment caches
    assert "Talkback News" in before and "December 31, 2025" in before

    response = save(admin_client, SITE_NAME="The Roseau Courier", SITE_OWNER="Courier Media Ltd",
                    COPYRIGHT_NOTICE="© {site}, all rights reserved", SITE_TIMEZONE="Asia/Tokyo")
    assert response.status_code == 303
    page = reader.get(url).get_data(as_text=True)
    assert "<title>" in page and "· The Roseau Courier</title>" in page
    assert "Talkback News" not in page
    assert "© Courier Media Ltd, all rights reserved" in page
    assert "January 1, 2026" in page and "December 31, 2025" not in page
    for path in ("/", "/policy", "/moderation/login", "/no-such-page"):
        assert "The Roseau Courier" in reader.get(path).get_data(as_text=True), path
    assert "The Roseau Courier" in admin_client.get("/moderation/").get_data(as_text=True)
    keys = {row.key for row in history_rows(app)}
    assert {"SITE_NAME", "SITE_OWNER", "COPYRIGHT_NOTICE", "SITE_TIMEZONE"} <= keys
    history = admin_client.get(PAGE).get_data(as_text=True).split('id="settings-history"')[1]
    assert "Time zone" in history and "Asia/Tokyo" in history


def test_branding_is_checked(app, admin_client):
    response = save(admin_client, SITE_NAME="  ", SITE_TIMEZONE="Mars/Olympus_Mons")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter a time zone by its IANA name" in html and "cannot be empty" in html
    assert 'value="Mars/Olympus_Mons"' in html
    assert current(app, "SITE_TIMEZONE") == "America/Dominica"
    assert current(app, "SITE_NAME") == "Talkback News"
    assert settings.check_time_zone("Europe/London") is None


def test_editors_type_times_in_the_site_time_zone(app, admin_client):
    from blueprints.newsroom.forms import site_zone

    save(admin_client, SITE_TIMEZONE="Europe/Paris")
    with app.test_request_context():
        assert site_zone().key == "Europe/Paris"
