"""The submission key: the reader's browser names each comment it sends (site.js), so a post sent
again after its answer was lost (a killed worker, a cut connection) is answered as the first was and
stored once. The page itself carries no key: it is the same for every reader."""

from __future__ import annotations

import uuid

from support import post_comment, stored


def test_the_page_carries_an_empty_key(client, article) -> None:
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert '<input type="hidden" name="submission_key" value="">' in page


def test_a_post_sent_again_with_its_key_is_stored_once(app, client, article) -> None:
    key = uuid.uuid4().hex
    first = post_comment(app, client, article.slug, body="Sent twice, stored once.", submission_key=key)
    again = post_comment(app, client, article.slug, body="Sent twice, stored once.", submission_key=key)
    assert first.status_code == again.status_code == 303
    assert [c.submission_key for c in stored(app, body="Sent twice, stored once.")] == [key]


def test_htmx_gets_the_same_answer_again(app, client, article) -> None:
    key = uuid.uuid4().hex
    answers = [post_comment(app, client, article.slug, htmx=True, body="Once by htmx.", submission_key=key)
               for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert all("awaiting moderation" in a.get_data(as_text=True) for a in answers)
    assert len(stored(app, body="Once by htmx.")) == 1


def test_the_same_text_under_another_key_is_still_a_duplicate(app, client, article) -> None:
    assert post_comment(app, client, article.slug, body="Said it.", submission_key=uuid.uuid4().hex
                        ).status_code == 303
    assert post_comment(app, client, article.slug, body="Said it.", submission_key=uuid.uuid4().hex
                        ).status_code == 409
    assert len(stored(app, body="Said it.")) == 1


def test_a_key_not_made_by_our_script_is_ignored(app, client, article) -> None:
    for body in ("First.", "Second."):
        assert post_comment(app, client, article.slug, body=body, submission_key="x").status_code == 303
        assert [c.submission_key for c in stored(app, body=body)] == [None]
