"""The reader side: article page, posting on both paths, pending previews, counter, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from support import comment_data

from blueprints.comments.cache import bump_comments_version
from talkback.extensions import db
from talkback.models import Comment, CommentStatus

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "reference-page.txt"
SLUG = "iom-director-general-statement-on-world-day-against-trafficking-in-persons-july-30-2022"
ARTICLE_URL = f"/articles/{SLUG}"
POST_URL = f"{ARTICLE_URL}/comments"


def form_data(**overrides: str) -> dict[str, str]:
    return comment_data(**{"author_name": "Marie Joseph", "author_email": "marie@example.org", **overrides})


def stored(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Comment).order_by(Comment.id)))


def approve_latest(app) -> None:
    """Publishes the newest comment straight in the database (moderation has its own tests)."""
    with app.app_context():
        comment = db.session.scalars(sa.select(Comment).order_by(Comment.id.desc())).first()
        comment.status = CommentStatus.APPROVED
        bump_comments_version(comment.article_id)  # as every path that publishes does
        db.session.commit()


# --- The article page ---------------------------------------------------------------------------


def test_article_page_has_everything_on_the_reference_page(client):
    html = client.get(ARTICLE_URL).get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"').replace("&#39;", "'")
    wanted = [
        "IOM Director General Statement on World Day against Trafficking in Persons – July 30, 2022",
        "IOM Director General, António Vitorino",
        "July 30, 2022",
        "Trafficking in Persons is a crime and grave human rights violation.",
        "I am convinced that if we join efforts, we will be able to leverage technology to protect "
        "victims and end trafficking in persons.",
        "Copyright 2012 Dominica News Online, DURAVISION INC. All Rights Reserved.",
        "We will delete comments that:",
        "promote hatred of any kind",
        'contain links to "chain letters", pornographic or obscene movies or graphic images',
        "are excessively long and off-topic",
        "See our full comment/user policy/agreement.",
        "Waiting For Airport",
        "Could you guys investigate the Choksi matter?",
        "Maybe release the findings of your investigation a few days before the next election?",
        "Post a Comment",
        "Your email address will not be published. Required fields are marked *",
        "more »",
        "1500 characters available",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Post Comment",
    ]
    for phrase in wanted:
        assert phrase in text, phrase
    assert "All comments are approved by" in text and "before they are posted" in text
    assert 'href="/policy"' in html
    assert 'start="1"' in html  # numbered comment list


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the checkout")
def test_every_paragraph_of_the_reference_article_is_on_the_page(client):
    html = client.get(ARTICLE_URL).get_data(as_text=True)
    reference = REFERENCE.read_text(encoding="utf-8")
    article_part = reference.split("Copyright 2012")[0]
    paragraphs = [p.strip() for p in article_part.split("\n\n") if p.strip()][2:]  # after title, byline
    assert len(paragraphs) == 12
    for paragraph in paragraphs:
        assert paragraph.replace("’", "’") in html


def test_smiley_bar_in_reference_order_with_the_rest_behind_more(client):
    html = client.get(ARTICLE_URL).get_data(as_text=True)
    bar, more = html.split("<summary>more »</summary>")
    picker = re.findall(r'name="smiley" value="([^"]+)"', bar)
    assert picker == [":)", ":-D", ":wink:", ":(", "8-O", ":lol:", ":-|", ":cry:", "8-)", ":-?", ":-P",
                      ":-x", ":?:", ":oops:", ":twisted:", ":mrgreen:"]
    rest = re.findall(r'name="smiley" value="([^"]+)"', more)
    assert len(rest) == 27 and ":arrow:" in rest


def test_every_field_has_a_real_label(client):
    html = client.get(ARTICLE_URL).get_data(as_text=True)
    for field_id in ("author_name", "author_email", "author_website", "body", "remember"):
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}"' in html
    assert "maxlength" not in html  # HTML maxlength counts UTF-16 units: never block valid text


def test_front_page_lists_articles_with_counts(client):
    html = client.get("/").get_data(as_text=True)
    assert "IOM Director General Statement" in html
    assert "1 comment" in html
    assert "António Vitorino" in html


def test_policy_page_lists_the_seven_rules(client):
    html = client.get("/policy").get_data(as_text=True)
    assert html.count('<li id="rule-') == 7
    assert "refer to people arrested or charged with a crime" in html


def test_unknown_article_is_a_404_page(client, htmx):
    response = client.get("/articles/no-such-thing")
    assert response.status_code == 404
    assert "There is nothing at this address." in response.get_data(as_text=True)
    fragment = client.get("/articles/no-such-thing", headers=htmx)
    assert fragment.status_code == 404
    assert "<html" not in fragment.get_data(as_text=True)


# --- Posting: htmx ------------------------------------------------------------------------------


def test_htmx_post_stores_pending_and_swaps_the_section(app, client, htmx):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, data=form_data(author_website="example.org",
                                                     body="Line one\r\nLine two :)"), headers=htmx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="comments"')
    assert "<html" not in html
    assert 'hx-swap-oob="innerHTML"' in html and "Thank you — your comment is awaiting moderation." in html
    assert "Your comment is awaiting moderation." in html
    assert "Line one<br>" in html and "🙂" in html
    # The comment box is emptied; name, email and website are kept.
    assert re.search(r'<textarea[^>]*>\s*</textarea>', html)
    assert 'value="Marie Joseph"' in html and 'value="marie@example.org"' in html
    assert 'value="https://example.org"' in html
    [comment] = [c for c in stored(app) if c.author_name == "Marie Joseph"]
    assert comment.status == CommentStatus.PENDING
    assert comment.body == "Line one\nLine two :)"
    assert comment.author_website == "https://example.org"
    assert comment.author_ip == "127.0.0.1"
    assert response.vary and "HX-Request" in response.vary


def test_htmx_validation_errors_come_back_in_place_with_input_kept(app, client, htmx):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, headers=htmx, data=form_data(
        author_name="", author_email="not-an-email", author_website="javascript:alert(1)",
        body="Everything I typed <b>stays</b>"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please enter your name." in html
    assert "Please enter a valid email address" in html
    assert "Please enter a web address starting with http:// or https://" in html
    assert 'aria-invalid="true"' in html
    assert 'value="not-an-email"' in html
    assert "Everything I typed &lt;b&gt;stays&lt;/b&gt;" in html
    assert len(stored(app)) == 1  # only the demo comment


def test_too_long_body_is_refused_with_the_counters_words(app, client, htmx):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, headers=htmx, data=form_data(body="x" * 1512))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "12 characters too many" in html
    assert "x" * 1512 in html


# --- Posting: plain form (JavaScript off) -------------------------------------------------------


def test_plain_post_redirects_303_and_shows_the_message(app, client):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, data=form_data())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{ARTICLE_URL}#comment-status")
    page = client.get(ARTICLE_URL).get_data(as_text=True)
    assert "Thank you — your comment is awaiting moderation." in page
    assert "Your comment is awaiting moderation." in page
    assert 'value="Marie Joseph"' in page  # details carried across the redirect
    assert stored(app)[-1].status == CommentStatus.PENDING
    # The message is shown once.
    assert "Thank you" not in client.get(ARTICLE_URL).get_data(as_text=True)


def test_plain_post_with_errors_rerenders_the_page_422(app, client):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, data=form_data(author_email="", body="keep me"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "Please enter your email address." in html
    assert "keep me" in html and 'value="Marie Joseph"' in html
    assert 'class="error-summary"' in html


def test_blank_or_invisible_body_is_refused(client, htmx):
    client.get(ARTICLE_URL)
    for body in ["   ", "\r\n\r\n", "\u200b\u200b", "\u2800"]:
        response = client.post(POST_URL, headers=htmx, data=form_data(body=body))
        assert response.status_code == 422
        assert "Please write a comment." in response.get_data(as_text=True)


# --- Pending comments belong to the browser that posted them ------------------------------------


def test_pending_comment_is_shown_to_its_author_only(app, client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx, data=form_data(body="Only I can see this yet"))
    assert "Only I can see this yet" in client.get(ARTICLE_URL).get_data(as_text=True)

    stranger = app.test_client()
    html = stranger.get(ARTICLE_URL).get_data(as_text=True)
    assert "Only I can see this yet" not in html
    assert "1 Comment" in html


def test_pending_cookie_cannot_be_forged(app, client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx, data=form_data(body="Secret pending"))
    [*_, pending] = stored(app)
    forger = app.test_client()
    forger.set_cookie("talkback_pending", f"[{pending.id}]")
    assert "Secret pending" not in forger.get(ARTICLE_URL).get_data(as_text=True)


def test_email_never_appears_on_public_pages(app, client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx, data=form_data(author_email="hidden.person@example.org"))
    approve_latest(app)
    for url in ("/", ARTICLE_URL, "/policy"):
        assert "hidden.person" not in app.test_client().get(url).get_data(as_text=True)
    # The author's own page prefills it in their form (their browser), and nowhere else.
    assert "waiting.for.airport" not in client.get(ARTICLE_URL).get_data(as_text=True)


def test_approved_comment_shows_numbered_with_nofollow_website(app, client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx, data=form_data(author_website="https://marie.example"))
    approve_latest(app)
    html = app.test_client().get(ARTICLE_URL).get_data(as_text=True)
    assert "2 Comments" in html
    assert '<a href="https://marie.example" rel="nofollow ugc">Marie Joseph</a>' in html


# --- Remembering the reader's details -----------------------------------------------------------


def test_remember_me_prefills_next_time_and_unticking_forgets(app, client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx,
                data=form_data(remember="y", author_website="https://marie.example"))
    fresh_page = client.get(ARTICLE_URL).get_data(as_text=True)
    assert 'value="Marie Joseph"' in fresh_page and 'value="https://marie.example"' in fresh_page
    assert re.search(r'id="remember" name="remember" value="y"\s*checked', fresh_page)

    assert client.get_cookie("talkback_author") is not None
    client.post(POST_URL, headers=htmx, data=form_data(body="Second, not remembered"))
    assert client.get_cookie("talkback_author") is None


def test_unticked_box_sets_no_cookie(client, htmx):
    client.get(ARTICLE_URL)
    client.post(POST_URL, headers=htmx, data=form_data())
    assert client.get_cookie("talkback_author") is None


# --- The counter --------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ("", "1500 characters available"),
    ("hello", "1495 characters available"),
    ("a\r\nb", "1497 characters available"),
    ("👍🏽" * 3, "1497 characters available"),
    ("👨‍👩‍👧‍👦", "1499 characters available"),
    ("x" * 1499, "1 character available"),
    ("x" * 1512, "12 characters too many"),
    ("x" * 1501, "1 character too many"),
])
def test_counter_fragment(client, body, expected, htmx):
    client.get(ARTICLE_URL)
    response = client.post("/comments/counter", data={"body": body}, headers=htmx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert expected in html
    assert "<html" not in html
    assert ("counter-over" in html) == ("too many" in expected)
    assert ('"tooLong": true' in response.headers["HX-Trigger"]) == ("too many" in expected)


def test_counter_and_validator_agree_at_the_boundary(client, htmx):
    client.get(ARTICLE_URL)
    body = "é" * 1500 + "\r\n"  # trailing whitespace is trimmed by both
    counted = client.post("/comments/counter", data={"body": body})
    assert "0 characters available" in counted.get_data(as_text=True)
    response = client.post(POST_URL, headers=htmx, data=form_data(body=body))
    assert response.status_code == 200


def test_counter_leaves_the_session_alone(client):
    """The counter never reads nor rewrites the session, and a forged cookie changes nothing."""
    client.get(ARTICLE_URL)
    response = client.post("/comments/counter", data={"body": "x"})
    assert response.status_code == 200 and "1499 characters available" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    client.set_cookie("talkback_session", "forged")
    response = client.post("/comments/counter", data={"body": "x"})
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


# --- Smileys without JavaScript -----------------------------------------------------------------


def test_smiley_button_without_js_appends_the_code_and_keeps_input(app, client):
    client.get(ARTICLE_URL)
    response = client.post(f"{ARTICLE_URL}/comments/smiley",
                           data=form_data(body="Nice one", smiley=":lol:"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r"<textarea[^>]*autofocus[^>]*>\s*Nice one :lol: </textarea>", html)
    assert 'value="Marie Joseph"' in html
    assert len(stored(app)) == 1  # nothing stored


# --- Errors -------------------------------------------------------------------------------------


def test_the_readers_form_needs_no_token(app, client, htmx):
    """The page is the same for everyone: no CSRF token on it, and none asked (origin.py guards)."""
    html = client.get(ARTICLE_URL).get_data(as_text=True)
    assert "csrf_token" not in html and "X-CSRFToken" not in html
    response = client.post(POST_URL, data=form_data(body="Sent without any token."), headers=htmx)
    assert response.status_code == 200 and "awaiting moderation" in response.get_data(as_text=True)
    assert len(stored(app)) == 2


def test_oversized_request_is_a_413(client):
    client.get(ARTICLE_URL)
    response = client.post(POST_URL, data=form_data(body="x" * 200_000))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_bytes_that_are_not_utf8_are_a_400_not_a_500(app, client):
    client.get(ARTICLE_URL)
    raw = b"author_name=%FF%FE&author_email=a%40b.org&body=hi"
    response = client.post(POST_URL, data=raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    assert client.get(f"{ARTICLE_URL}?cpage=%FF").status_code == 400
    assert len(stored(app)) == 1


def test_get_on_post_endpoint_is_a_405_page(client):
    response = client.get(POST_URL)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


# --- Comment pages ------------------------------------------------------------------------------


def test_comment_pages_of_fifty_newest_page_first(app, client):
    from datetime import timedelta

    from talkback.models import utcnow

    with app.app_context():
        article_id = db.session.scalar(sa.select(Comment.article_id))
        start = utcnow() - timedelta(days=1)
        db.session.add_all(
            Comment(article_id=article_id, body=f"Comment {n}", author_name=f"Reader {n}",
                    author_email=f"r{n}@example.org", status=CommentStatus.APPROVED,
                    submitted_at=start + timedelta(minutes=n), held_for=[])
            for n in range(2, 121)
        )
        db.session.commit()
    newest = client.get(ARTICLE_URL).get_data(as_text=True)
    assert "120 Comments" in newest and 'start="101"' in newest
    assert "Page 3 of 3" in newest and "« Older comments" in newest and "Newer comments" not in newest
    oldest = client.get(f"{ARTICLE_URL}?cpage=1").get_data(as_text=True)
    assert 'start="1"' in oldest and "Waiting For Airport" in oldest and "Newer comments »" in oldest
    assert oldest.count('<li id="comment-') == 50
    assert client.get(f"{ARTICLE_URL}?cpage=99").status_code == 200  # clamped to the last page


def test_counter_and_validator_agree_in_every_process_after_an_admin_changes_the_limit(make_app):
    """Two apps on one database (two workers): an admin lowers the limit on one; the counter and
    the validator of the other apply the new limit from the next request on, and agree."""
    from support import create_moderator, log_in, post_comment
    from test_settings_page import save

    from talkback.models import Role

    worker_a, worker_b = make_app(), make_app()
    reader = worker_b.test_client()
    assert "1500 characters available" in reader.get(ARTICLE_URL).get_data(as_text=True)
    assert "1499 characters available" in reader.post("/comments/counter", data={"body": "x"}).get_data(
        as_text=True)
    admin = worker_a.test_client()
    create_moderator(worker_a, "Ada Admin", Role.ADMIN)
    assert log_in(admin, "Ada Admin").status_code == 303
    assert save(admin, COMMENT_MAX_LENGTH="20").status_code in (200, 303)
    for text, expected in (("x" * 20, "0 characters available"), ("x" * 21, "1 character too many")):
        counted = reader.post("/comments/counter", data={"body": text}).get_data(as_text=True)
        assert expected in counted
        posted = post_comment(worker_b, reader, SLUG, body=text)
        assert posted.status_code == (303 if "available" in expected else 422)
    assert "20 characters available" in worker_b.test_client().get(ARTICLE_URL).get_data(as_text=True)
