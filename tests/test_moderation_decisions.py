"""Decisions on both paths (plain POST and htmx), what readers see after each, conflicts between two
moderators, undo, edit, staff reply, bulk actions, and the audit trail."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import HTMX, comment, decide, events, log_in, post, token

from talkback.extensions import db
from talkback.models import Article, CommentStatus

# action, the status a pending comment starts from (restore needs one that is not pending), the result
DECISIONS = [
    ("approve", CommentStatus.PENDING, CommentStatus.APPROVED),
    ("reject", CommentStatus.PENDING, CommentStatus.REJECTED),
    ("spam", CommentStatus.PENDING, CommentStatus.SPAM),
    ("trash", CommentStatus.PENDING, CommentStatus.TRASH),
    ("restore", CommentStatus.TRASH, CommentStatus.PENDING),
]
STATIC_JS = (Path(__file__).parents[1] / "static" / "js" / "moderation.js").read_text()
PATHS = [pytest.param(False, id="plain"), pytest.param(True, id="htmx")]


def article_html(client, article) -> str:
    return client.get(f"/articles/{article.slug}").get_data(as_text=True)


def comments_version(app, article) -> int:
    with app.app_context():
        return db.session.get(Article, article.id).comments_version


@pytest.mark.parametrize("htmx", PATHS)
@pytest.mark.parametrize(("action", "start", "result"), DECISIONS)
def test_each_decision_on_both_paths(app, moderator_client, add_comment, article, action, start, result,
                                     htmx):
    comment_id = add_comment(status=start, body=f"A comment to {action}", author_name="Pat Reader")
    version = comments_version(app, article)
    back = "/moderation/" if start == CommentStatus.PENDING else f"/moderation/?status={start.value}"
    extra = {"rule": "4", "note": "hateful"} if action == "reject" else {}
    response = decide(moderator_client, comment_id, action, htmx=htmx, back=back, **extra)

    if htmx:
        assert response.status_code == 200
        assert response.headers["HX-Retarget"] == "#moderation-status"
        html = response.get_data(as_text=True)
        assert "the comment by Pat Reader" in html
        # The row, swapped in place out of band: it left the tab, so it is the short "decided" line
        # with its Undo; the counts come out of band too.
        assert re.search(rf'<article id="queue-comment-{comment_id}"[^>]*data-decided[^>]*hx-swap-oob="true"',
                         html)
        assert 'name="event"' in html and ">Undo</button>" in html
        assert f'id="count-{result.value}" class="count" hx-swap-oob="true"' in html
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == f"{back}#moderation-status"
        page = moderator_client.get(back).get_data(as_text=True)
        assert "the comment by Pat Reader" in page
        assert ">Undo</button>" in page
        assert f'id="queue-comment-{comment_id}"' not in page  # it left the tab

    stored = comment(app, comment_id)
    assert stored.status == result
    assert stored.revision == 2
    [event] = events(app, comment_id)
    assert (event.action, event.from_status, event.to_status) == (action, start, result)
    assert event.moderator.name == "Morgan"
    if action == "reject":
        assert (event.rule_number, event.note) == (4, "hateful")
        assert event.rule_text == "promote hatred of any kind"
    assert comments_version(app, article) == version + 1

    public = article_html(app.test_client(), article)
    assert (f"A comment to {action}" in public) == (result == CommentStatus.APPROVED)


def test_every_row_button_is_one_the_keys_can_press(moderator_client, add_comment):
    """moderation.js presses a row's buttons by their names (a, s, t) and opens its Reject… link (r)."""
    comment_id = add_comment()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    for action in ("approve", "spam", "trash"):
        assert f'<button type="submit" form="decide" name="{action}" value="{comment_id}:1">' in html
        assert f'button[name={action}]' in STATIC_JS
    assert f'class="decide-reject" href="/moderation/comments/{comment_id}/reject"' in html
    assert '<form id="decide" method="post" action="/moderation/decide"' in html
    assert 'src="/static/js/moderation.js"' in html
    assert 'id="keyboard-help"' in html and 'aria-live="assertive"' in html


def test_the_status_region_is_a_live_region(moderator_client, add_comment):
    add_comment()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert '<div id="moderation-status" class="moderation-status" role="status"' in html
    assert 'hx-target="#moderation-status" hx-swap="innerHTML"' in html


@pytest.mark.parametrize("htmx", PATHS)
def test_reject_needs_a_rule(app, moderator_client, add_comment, htmx):
    comment_id = add_comment()
    response = decide(moderator_client, comment_id, "reject", htmx=htmx)
    if htmx:
        assert response.status_code == 422
        assert "Choose the rule" in response.get_data(as_text=True)
    else:
        assert response.status_code == 303
        assert "Choose the rule" in moderator_client.get("/moderation/").get_data(as_text=True)
    assert comment(app, comment_id).status == CommentStatus.PENDING
    assert events(app) == []


def test_the_reject_form_offers_the_seven_rules(moderator_client, add_comment):
    comment_id = add_comment()
    html = moderator_client.get(f"/moderation/comments/{comment_id}/reject").get_data(as_text=True)
    assert len(re.findall(r'<input type="radio" name="rule" value="\d" required', html)) == 7
    assert "are excessively long and off-topic" in html


@pytest.mark.parametrize("htmx", PATHS)
@pytest.mark.parametrize("action", ["approve", "spam", "trash"])
def test_a_rows_button_decides_through_the_pages_one_form(app, moderator_client, add_comment, htmx, action):
    comment_id = add_comment()
    response = post(moderator_client, "/moderation/decide", htmx=htmx, back="/moderation/",
                    **{action: f"{comment_id}:1"})
    assert response.status_code == (200 if htmx else 303)
    assert comment(app, comment_id).status == CommentStatus(action if action != "approve" else "approved")
    # A stale revision is a conflict, as from any decision form.
    other = add_comment()
    response = post(moderator_client, "/moderation/decide", htmx=True, back="/moderation/",
                    approve=f"{other}:7")
    assert response.status_code == 409
    assert post(moderator_client, "/moderation/decide", back="/moderation/").status_code == 400


def test_the_queue_writes_the_rules_once(moderator_client, add_comment):
    """The rows carry no copy of the policy: the rules are listed once, for the bulk reject."""
    for _ in range(3):
        add_comment()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert html.count("are excessively long and off-topic") == 1
    assert 'type="radio"' not in html


@pytest.mark.parametrize("htmx", PATHS)
def test_reject_from_the_form_opened_on_demand(app, moderator_client, add_comment, htmx):
    """Reject… opens the rules in the row (htmx) or on the comment's page (no JavaScript)."""
    comment_id = add_comment()
    headers = {**HTMX, "HX-Current-URL": "http://localhost/moderation/"} if htmx else {
        "Referer": "http://localhost/moderation/?status=pending"}
    response = moderator_client.get(f"/moderation/comments/{comment_id}/reject", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("<!doctype html>" in html) == (not htmx)
    back = "/moderation/" if htmx else "/moderation/?status=pending"
    assert f'name="back" value="{back}"' in html
    assert f'class="form reject-form" method="post" action="/moderation/comments/{comment_id}/reject"' in html
    response = decide(moderator_client, comment_id, "reject", htmx=htmx, back=back, rule="7")
    assert response.status_code == (200 if htmx else 303)
    assert comment(app, comment_id).status == CommentStatus.REJECTED


# --- Two moderators, one comment ----------------------------------------------------------------


@pytest.fixture
def second_client(app, make_moderator):
    make_moderator("Nia")
    client = app.test_client()
    assert log_in(client, "Nia").status_code == 303
    return client


@pytest.mark.parametrize("htmx", PATHS)
def test_a_decision_on_a_changed_comment_is_refused(app, moderator_client, second_client, add_comment, htmx):
    comment_id = add_comment()
    # Both pages showed revision 1. Morgan approves first; Nia's spam arrives second.
    assert decide(moderator_client, comment_id, "approve").status_code == 303
    response = decide(second_client, comment_id, "spam", htmx=htmx)
    if htmx:
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "Already approved by Morgan just now." in html
        assert f'id="queue-comment-{comment_id}"' in html  # the row shows what it is now
    else:
        assert response.status_code == 303
        page = second_client.get("/moderation/").get_data(as_text=True)
        assert "Already approved by Morgan just now." in page
    assert comment(app, comment_id).status == CommentStatus.APPROVED
    assert [e.action for e in events(app, comment_id)] == ["approve"]


def test_the_same_decision_twice_is_applied_once(app, moderator_client, second_client, add_comment):
    comment_id = add_comment()
    assert decide(moderator_client, comment_id, "approve", htmx=True).status_code == 200
    response = decide(second_client, comment_id, "approve", htmx=True)
    assert response.status_code == 409
    assert "Already approved by Morgan" in response.get_data(as_text=True)
    assert decide(moderator_client, comment_id, "approve", htmx=True).status_code == 409
    assert len(events(app, comment_id)) == 1


def test_the_conflict_message_says_how_long_ago(app, moderator_client, second_client, add_comment):
    from datetime import timedelta

    from talkback.models import ModerationEvent

    comment_id = add_comment()
    decide(moderator_client, comment_id, "trash")
    with app.app_context():
        event = db.session.scalars(db.select(ModerationEvent)).one()
        event.created_at = event.created_at - timedelta(seconds=12)
        db.session.commit()
    response = decide(second_client, comment_id, "approve", htmx=True)
    assert "Already moved to the trash by Morgan 12 seconds ago." in response.get_data(as_text=True)


def test_a_decision_without_a_revision_is_refused(app, moderator_client, add_comment):
    comment_id = add_comment()
    response = post(moderator_client, f"/moderation/comments/{comment_id}/approve", htmx=True)
    assert response.status_code == 409
    assert comment(app, comment_id).status == CommentStatus.PENDING


def test_an_unknown_comment_is_404(moderator_client):
    assert decide(moderator_client, 999999, "approve").status_code == 404


# --- Undo -------------------------------------------------------------------------------------


def undo(client, *event_ids, htmx=False, back="/moderation/"):
    return post(client, "/moderation/undo", htmx=htmx, event=[str(i) for i in event_ids], back=back)


@pytest.mark.parametrize("htmx", PATHS)
@pytest.mark.parametrize(("action", "start", "result"), DECISIONS)
def test_undo_right_after_any_decision(app, moderator_client, add_comment, article, action, start, result,
                                       htmx):
    comment_id = add_comment(status=start, body="Undo me")
    decide(moderator_client, comment_id, action, rule="1")
    [event] = events(app, comment_id)
    response = undo(moderator_client, event.id, htmx=htmx)
    if htmx:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f"is {start.value} again" in html
        assert ">Undo</button>" not in html  # an undo is not itself undone
    else:
        assert response.status_code == 303
    assert comment(app, comment_id).status == start
    undo_event = events(app, comment_id)[-1]
    assert (undo_event.action, undo_event.from_status, undo_event.to_status) == ("undo", result, start)
    assert undo_event.undoes_event_id == event.id
    assert ("Undo me" in article_html(app.test_client(), article)) == (start == CommentStatus.APPROVED)


def test_undo_is_refused_once_something_else_happened(app, moderator_client, second_client, add_comment):
    comment_id = add_comment()
    decide(moderator_client, comment_id, "approve")
    decide(second_client, comment_id, "trash", revision=2)
    first = events(app, comment_id)[0]
    response = undo(moderator_client, first.id, htmx=True)
    assert response.status_code == 409
    assert "Already moved to the trash by Nia" in response.get_data(as_text=True)
    assert comment(app, comment_id).status == CommentStatus.TRASH


def test_undo_twice_is_refused(app, moderator_client, add_comment):
    comment_id = add_comment()
    decide(moderator_client, comment_id, "approve")
    [event] = events(app, comment_id)
    assert undo(moderator_client, event.id, htmx=True).status_code == 200
    assert undo(moderator_client, event.id, htmx=True).status_code == 409
    assert comment(app, comment_id).status == CommentStatus.PENDING


def test_only_the_moderator_who_decided_may_undo(app, moderator_client, second_client, admin_client,
                                                 add_comment):
    comment_id = add_comment()
    decide(moderator_client, comment_id, "spam")
    [event] = events(app, comment_id)
    response = undo(second_client, event.id, htmx=True)
    assert response.status_code == 409
    assert "Only the moderator who made a decision can undo it." in response.get_data(as_text=True)
    assert undo(admin_client, event.id, htmx=True).status_code == 200  # admins may


def test_undo_is_offered_for_a_while_only(make_app, make_moderator, add_comment):
    app = make_app(UNDO_SECONDS=0)
    make_moderator("Morgan")
    client = app.test_client()
    log_in(client, "Morgan")
    comment_id = add_comment()
    decide(client, comment_id, "approve")
    [event] = events(app, comment_id)
    response = undo(client, event.id, htmx=True)
    assert "too late to undo" in response.get_data(as_text=True)
    assert comment(app, comment_id).status == CommentStatus.APPROVED


# --- Edit -------------------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", PATHS)
def test_edit_keeps_the_original_in_the_audit_trail(app, moderator_client, add_comment, article, htmx):
    comment_id = add_comment(status=CommentStatus.APPROVED, body="Original words, with a typo")
    form = moderator_client.get(f"/moderation/comments/{comment_id}/edit", headers=HTMX if htmx else {})
    html = form.get_data(as_text=True)
    assert "Original words, with a typo</textarea>" in html
    assert ("<!doctype html>" in html) != htmx  # htmx gets the row alone
    response = post(moderator_client, f"/moderation/comments/{comment_id}/edit", htmx=htmx, revision=1,
                    body="Original words, without a typo", note="typo", back="/moderation/?status=approved")
    assert response.status_code == (200 if htmx else 303)
    assert comment(app, comment_id).body == "Original words, without a typo"
    [event] = events(app, comment_id)
    assert (event.action, event.previous_body, event.new_body, event.note) == (
        "edit", "Original words, with a typo", "Original words, without a typo", "typo")
    assert event.from_status == event.to_status == CommentStatus.APPROVED
    public = article_html(app.test_client(), article)
    assert "without a typo" in public and "with a typo" not in public
    trail = moderator_client.get(f"/moderation/comments/{comment_id}").get_data(as_text=True)
    assert "Original words, with a typo" in trail and "edited it" in trail
    # Undo brings the original back.
    assert undo(moderator_client, event.id).status_code == 303
    assert comment(app, comment_id).body == "Original words, with a typo"


@pytest.mark.parametrize("htmx", PATHS)
def test_an_empty_edit_is_refused_and_keeps_the_text(app, moderator_client, add_comment, htmx):
    comment_id = add_comment(body="Keep me")
    response = post(moderator_client, f"/moderation/comments/{comment_id}/edit", htmx=htmx, revision=1,
                    body="   \u200b  ")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please write a comment." in html
    assert 'aria-invalid="true"' in html
    assert comment(app, comment_id).body == "Keep me"


def test_an_edit_over_the_limit_keeps_what_was_typed(make_app, make_moderator, add_comment):
    app = make_app(COMMENT_MAX_LENGTH=10)
    make_moderator("Morgan")
    client = app.test_client()
    log_in(client, "Morgan")
    comment_id = add_comment(body="short")
    response = post(client, f"/moderation/comments/{comment_id}/edit", revision=1,
                    body="far too long for ten")
    assert response.status_code == 422
    assert "far too long for ten</textarea>" in response.get_data(as_text=True)


# --- Reply as staff ---------------------------------------------------------------------------


@pytest.mark.parametrize("htmx", PATHS)
def test_reply_publishes_a_staff_reply_and_approves_the_comment(app, moderator_client, add_comment, article,
                                                                htmx):
    comment_id = add_comment(body="Is this true?", author_name="Curious Reader")
    response = post(moderator_client, f"/moderation/comments/{comment_id}/reply", htmx=htmx, revision=1,
                    body="Yes: see the report :)")
    assert response.status_code == (200 if htmx else 303)
    assert comment(app, comment_id).status == CommentStatus.APPROVED
    [event] = events(app, comment_id)
    assert (event.action, event.to_status, event.new_body) == ("reply", CommentStatus.APPROVED,
                                                               "Yes: see the report :)")
    public = article_html(app.test_client(), article)
    assert "Is this true?" in public
    staff = public[public.index("Yes: see the report"[:10]) - 1500:]
    assert 'comment-staff' in public and '<span class="badge">Staff</span>' in public
    assert "Morgan" in staff
    # Undo takes the reply down and puts the comment back in the queue.
    undo(moderator_client, event.id)
    public = article_html(app.test_client(), article)
    assert "Is this true?" not in public and "see the report" not in public
    assert comment(app, comment_id).status == CommentStatus.PENDING


def test_reply_to_a_rejected_comment_is_refused(app, moderator_client, add_comment):
    comment_id = add_comment(status=CommentStatus.REJECTED)
    response = post(moderator_client, f"/moderation/comments/{comment_id}/reply", htmx=True, revision=1,
                    body="Hello")
    assert response.status_code == 422
    assert comment(app, comment_id).status == CommentStatus.REJECTED


# --- Bulk -------------------------------------------------------------------------------------


def bulk(client, action, *selection, htmx=False, **extra):
    values = [f"{comment_id}:{revision}" for comment_id, revision in selection]
    return post(client, "/moderation/bulk", htmx=htmx, action=action, comment=values, back="/moderation/",
                **extra)


@pytest.mark.parametrize("htmx", PATHS)
@pytest.mark.parametrize(("action", "result"), [
    ("approve", CommentStatus.APPROVED), ("spam", CommentStatus.SPAM), ("trash", CommentStatus.TRASH),
    ("reject", CommentStatus.REJECTED),
])
def test_bulk_decisions(app, moderator_client, add_comment, article, action, result, htmx):
    ids = [add_comment(body=f"bulk {n}") for n in range(3)]
    untouched = add_comment(body="not selected")
    response = bulk(moderator_client, action, *[(i, 1) for i in ids], htmx=htmx, rule="2")
    verb = {"approve": "Approved", "spam": "Marked", "trash": "Moved", "reject": "Rejected"}[action]
    if htmx:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f"{verb} 3 comments" in html
        for i in ids:
            assert f'<article id="queue-comment-{i}"' in html
        assert "Undo all 3" in html
    else:
        assert response.status_code == 303
        assert f"{verb} 3 comments" in moderator_client.get("/moderation/").get_data(as_text=True)
    assert [comment(app, i).status for i in ids] == [result] * 3
    assert comment(app, untouched).status == CommentStatus.PENDING
    logged = events(app)
    assert len(logged) == 3 and {e.action for e in logged} == {action}
    if action == "reject":
        assert {e.rule_number for e in logged} == {2}
    public = article_html(app.test_client(), article)
    assert ("bulk 1" in public) == (result == CommentStatus.APPROVED)
    # One Undo reverses the lot.
    undo(moderator_client, *[e.id for e in logged])
    assert [comment(app, i).status for i in ids] == [CommentStatus.PENDING] * 3


def test_bulk_reject_needs_a_rule(app, moderator_client, add_comment):
    comment_id = add_comment()
    response = bulk(moderator_client, "reject", (comment_id, 1), htmx=True)
    assert response.status_code == 422
    assert comment(app, comment_id).status == CommentStatus.PENDING


def test_bulk_with_nothing_selected(moderator_client):
    response = bulk(moderator_client, "approve", htmx=True)
    assert response.status_code == 422
    assert "Select at least one comment" in response.get_data(as_text=True)


def test_bulk_skips_comments_that_changed(app, moderator_client, second_client, add_comment):
    fresh, changed = add_comment(), add_comment(author_name="Changed Person")
    decide(second_client, changed, "spam")
    response = bulk(moderator_client, "approve", (fresh, 1), (changed, 1), htmx=True)
    html = response.get_data(as_text=True)
    assert "Approved the comment by" in html
    assert "Skipped the comment by Changed Person: Already marked as spam by Nia" in html
    assert comment(app, fresh).status == CommentStatus.APPROVED
    assert comment(app, changed).status == CommentStatus.SPAM


def test_bulk_checkboxes_carry_the_revision(moderator_client, add_comment):
    comment_id = add_comment()
    html = moderator_client.get("/moderation/").get_data(as_text=True)
    assert f'<input type="checkbox" form="bulk" name="comment" value="{comment_id}:1"' in html


# --- Audit trail and the log ------------------------------------------------------------------


def test_the_trail_shows_under_each_comment(app, moderator_client, add_comment):
    comment_id = add_comment(status=CommentStatus.APPROVED)
    decide(moderator_client, comment_id, "reject", back="/moderation/?status=approved", rule="6",
           note="spam links")
    html = moderator_client.get("/moderation/?status=rejected").get_data(as_text=True)
    row = html[html.index(f'id="queue-comment-{comment_id}"'):]
    assert "Audit trail" in row
    assert "<strong>Morgan</strong> rejected it under rule 6" in row
    assert "(approved → rejected)" in row and "Note: spam links" in row


def test_the_log_filters_by_moderator_and_rule(app, moderator_client, second_client, add_comment):
    a, b, c = (add_comment(author_name=name) for name in ("Alpha", "Beta", "Gamma"))
    decide(moderator_client, a, "reject", rule="1")
    decide(second_client, b, "reject", rule="2")
    decide(second_client, c, "approve")
    html = moderator_client.get("/moderation/log").get_data(as_text=True)
    assert html.index("Gamma") < html.index("Beta") < html.index("Alpha")  # newest first
    nia = [m for m in events(app) if m.moderator.name == "Nia"][0].moderator_id
    by_nia = moderator_client.get(f"/moderation/log?moderator={nia}").get_data(as_text=True)
    assert "Beta" in by_nia and "Gamma" in by_nia and "Alpha" not in by_nia
    rule_two = moderator_client.get("/moderation/log?rule=2").get_data(as_text=True)
    assert "Beta" in rule_two and "Alpha" not in rule_two and "Gamma" not in rule_two
    assert f'href="/moderation/comments/{b}"' in rule_two


def test_the_log_pages(app, moderator_client, add_comment):
    ids = [add_comment() for _ in range(55)]
    for i in ids:
        decide(moderator_client, i, "trash")
    first = moderator_client.get("/moderation/log").get_data(as_text=True)
    assert first.count('class="log-entry"') == 50
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = moderator_client.get(older).get_data(as_text=True)
    assert second.count('class="log-entry"') == 5 and 'rel="next"' not in second


# --- What the author's browser sees -------------------------------------------------------------


def post_as_reader(client, article, body):
    client.get(f"/articles/{article.slug}")
    response = client.post(f"/articles/{article.slug}/comments", data={
        "author_name": "Rae Reader", "author_email": "rae@example.org",
        "author_website": "", "body": body,
    })
    assert response.status_code == 303


def test_the_whole_round_trip(app, moderator_client, article):
    """A reader posts; a moderator approves one comment and rejects another under a rule; the article
    shows the first, the log shows the rule, and the reader's browser shows the notice."""
    reader = app.test_client()
    post_as_reader(reader, article, "A fair point about trafficking.")
    post_as_reader(reader, article, "Something abusive.")
    queue = moderator_client.get("/moderation/").get_data(as_text=True)
    assert "A fair point about trafficking." in queue and "Something abusive." in queue
    first, second = [int(n) for n in re.findall(r'<article id="queue-comment-(\d+)"', queue)]
    assert decide(moderator_client, first, "approve", htmx=True).status_code == 200
    assert decide(moderator_client, second, "reject", htmx=True, rule="2").status_code == 200

    assert "A fair point about trafficking." in article_html(app.test_client(), article)
    assert "Something abusive." not in article_html(app.test_client(), article)
    log = moderator_client.get("/moderation/log?rule=2").get_data(as_text=True)
    assert "rejected it under rule 2" in log and "Rae Reader" in log
    mine = article_html(reader, article)
    assert ("Your comment was not published: it broke rule 2 of our "
            '<a href="/policy#rule-2">comment policy</a>.') in mine
    assert "a reasonable person would consider abusive or profane" in mine
    assert "Your comment is awaiting moderation" not in mine
    # Nobody else sees the rejected comment or the notice.
    assert "not published" not in article_html(app.test_client(), article)


@pytest.mark.parametrize(("action", "shown"), [("spam", "awaiting moderation"), ("trash", None),
                                               ("approve", None)])
def test_what_the_authors_browser_sees_after_other_decisions(app, moderator_client, article, action, shown):
    reader = app.test_client()
    post_as_reader(reader, article, "My own words.")
    comment_id = int(re.findall(r'<article id="queue-comment-(\d+)"',
                                moderator_client.get("/moderation/").get_data(as_text=True))[0])
    decide(moderator_client, comment_id, action)
    mine = article_html(reader, article)
    own = mine[mine.index('id="comments"'):]
    if shown:
        assert shown in own
    else:
        assert "Your comments" not in own
    assert ("My own words." in mine) == (action != "trash")


def test_the_token_helper_reads_a_dashboard_page(moderator_client):
    assert token(moderator_client)
