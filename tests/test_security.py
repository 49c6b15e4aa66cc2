"""Security headers on every response, cookies, request size, and the error pages (page and htmx
fragment) for every status a reader can meet."""

from __future__ import annotations

import pytest
from flask import abort
from screen_helpers import HTMX, collect, post_comment, stored

from blueprints.web import CONTENT_SECURITY_POLICY, ERROR_MESSAGES

ERROR_STATUSES = (400, 403, 404, 405, 409, 413, 422, 429, 500)


@pytest.fixture
def probe_app(make_app):
    """The app with routes that fail on purpose (added before its first request)."""
    app = make_app()

    def fail(code: int):
        abort(code)

    def explode():
        raise RuntimeError("boom: internal detail that must not leak")

    app.add_url_rule("/_probe/abort/<int:code>", "probe_abort", fail)
    app.add_url_rule("/_probe/explode", "probe_explode", explode)
    app.add_url_rule("/_probe/post-only", "probe_post_only", lambda: "ok", methods=["POST"])
    return app


def _responses(app, article_slug):
    client = app.test_client()
    page = client.get(f"/articles/{article_slug}")
    return {
        "page": page,
        "front": client.get("/"),
        "policy": client.get("/policy"),
        "htmx fragment": client.post(f"/articles/{article_slug}/comments", headers=HTMX, data={}),
        "counter": client.post("/comments/counter", data={"body": "x"}, headers=HTMX),
        "static": client.get("/static/css/site.css"),
        "redirect": post_comment(app, client, article_slug, body="a redirect"),
        "404": client.get("/no/such/page"),
        "405": client.get("/_probe/post-only"),
        "cross-site 403": client.post(f"/articles/{article_slug}/comments", data={"body": "x"},
                                      headers={"Sec-Fetch-Site": "cross-site"}),
        "csrf 400": client.post("/moderation/logout", data={}),
        "500": client.get("/_probe/explode"),
        "login": client.get("/moderation/", follow_redirects=False),
    }


def test_security_headers_on_every_response(probe_app, article):
    for name, response in _responses(probe_app, article.slug).items():
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", name
        assert headers["X-Frame-Options"] == "SAMEORIGIN", name
        assert "Strict-Transport-Security" not in headers, name
        response.close()


def test_the_policy_forbids_inline_script_and_eval():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY and "data:" not in directives["script-src"]


def test_hsts_only_over_https(make_app):
    app = make_app(HTTPS=True)
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def _cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


@pytest.mark.parametrize("https", [False, True])
def test_cookies_are_httponly_lax_and_secure_on_https(make_app, https):
    app = make_app(HTTPS=https)
    client = app.test_client()
    with app.app_context():
        from talkback.models import Article

        slug = Article.query.first().slug
    first = client.get(f"/articles/{slug}")
    cookies = _cookies(first)
    assert cookies == {}  # reading sets none
    posted = post_comment(app, client, slug, remember="y", body="remember me")
    assert posted.status_code == 303, posted.get_data(as_text=True)
    cookies.update(_cookies(posted))
    assert {"talkback_session", "talkback_pending", "talkback_author"} <= set(cookies)
    assert all(name.startswith("talkback_") for name in cookies)
    for name, header in cookies.items():
        if "Max-Age=0" in header:
            continue  # a deletion (Flask-Login clears remember_token for anonymous readers)
        assert "HttpOnly" in header, name
        assert "SameSite=Lax" in header, name
        assert ("Secure" in header) is https, name


def test_no_email_address_on_public_pages(app, client, article):
    post_comment(app, client, article.slug, author_email="hidden.person@example.org", body="psst")
    with app.app_context():
        from blueprints.comments.cache import bump_comments_version
        from talkback.extensions import db
        from talkback.models import Comment

        db.session.execute(db.update(Comment).values(status="approved"))
        bump_comments_version(article.id)
        db.session.commit()
    visitor = app.test_client()
    for url in ("/", f"/articles/{article.slug}", "/policy"):
        html = visitor.get(url).get_data(as_text=True)
        assert "psst" in html or url != f"/articles/{article.slug}"
        assert "hidden.person" not in html and "@example" not in html


def test_max_content_length_is_set_and_enforced(app, client, article):
    assert 0 < app.config["MAX_CONTENT_LENGTH"] <= 1024 * 1024
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    for headers in ({}, HTMX):
        response = client.post(f"/articles/{article.slug}/comments", data={"body": big}, headers=headers)
        assert response.status_code == 413
        assert ERROR_MESSAGES[413] in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_error_pages_and_fragments(probe_app, status):
    client = probe_app.test_client()
    page = client.get(f"/_probe/abort/{status}")
    assert page.status_code == status
    html = page.get_data(as_text=True)
    assert html.startswith("<!doctype html>")
    assert 'class="error-message"' in html and f'data-status="{status}"' in html
    assert ERROR_MESSAGES[status] in html
    assert "Go to the latest news" in html  # in the site's own layout, with a way on
    assert "HX-Request" in page.headers["Vary"]

    fragment = client.get(f"/_probe/abort/{status}", headers=HTMX)
    assert fragment.status_code == status
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "<body" not in body
    assert body.lstrip().startswith('<div class="error-message"')
    assert ERROR_MESSAGES[status] in body


def test_an_unexpected_error_is_a_500_page_without_details(probe_app):
    response = probe_app.test_client().get("/_probe/explode")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert ERROR_MESSAGES[500] in html and "boom" not in html and "Traceback" not in html


def test_405_says_what_is_allowed(probe_app):
    response = probe_app.test_client().get("/_probe/post-only")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]


def test_csrf_failure_is_a_friendly_400(app, moderator_client):
    """Staff forms keep Flask-WTF's session token; without it, a page that says what to do."""
    for headers in ({}, HTMX):
        response = moderator_client.post("/moderation/logout", data={}, headers=headers)
        assert response.status_code == 400
        assert "Please reload the page" in response.get_data(as_text=True)


# --- The reader's POSTs: no token, refused when a browser says another site sent them ----------

READER_POSTS = ("comments", "comments/smiley", "counter")


def _reader_post(app, client, slug: str, which: str, headers: dict[str, str]):
    if which == "counter":
        return client.post("/comments/counter", data={"body": "x"}, headers=headers)
    if which == "comments/smiley":
        return client.post(f"/articles/{slug}/comments/smiley", data={"smiley": ":)", "body": "x"},
                           headers=headers)
    return post_comment(app, client, slug, headers=headers, body="Posted from wherever.")


@pytest.mark.parametrize("which", READER_POSTS)
@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
])
def test_a_cross_site_post_is_refused_and_nothing_is_stored(app, article, which, headers):
    client = app.test_client()
    for htmx in (False, True):
        response = _reader_post(app, client, article.slug, which, {**headers, **(HTMX if htmx else {})})
        assert response.status_code == 403
        html = response.get_data(as_text=True)
        assert "sent from another site" in html and 'data-status="403"' in html
        # htmx puts it in the error region: the form, and the reader's text, stay as they are.
        assert ("<html" in html) is not htmx
    assert stored(app, body="Posted from wherever.") == []


@pytest.mark.parametrize("which", READER_POSTS)
@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://localhost"},
    {},  # neither header: not a browser, screened like anyone
])
def test_a_same_origin_or_headerless_post_works(app, article, which, headers):
    response = _reader_post(app, app.test_client(), article.slug, which, headers)
    assert response.status_code in (200, 303), response.get_data(as_text=True)[:300]
    if which == "comments":
        assert len(stored(app, body="Posted from wherever.")) == 1


@pytest.mark.parametrize("url", ["/", "/policy", "/no/such/page", "ARTICLE"])
def test_pages_carry_nothing_the_policy_would_block(client, article, url):
    """No inline script, no inline style, no event-handler attributes, no javascript: URLs."""
    html = client.get(f"/articles/{article.slug}" if url == "ARTICLE" else url).get_data(as_text=True)
    parsed = collect(html)
    assert "style" not in parsed.tags
    for tag, name, value in parsed.attributes:
        assert not name.startswith("on"), (tag, name)
        assert name != "style", tag
        assert not value.strip().lower().startswith("javascript:"), (tag, name)
    scripts = [value for tag, name, value in parsed.attributes if tag == "script" and name == "src"]
    assert len(scripts) == parsed.tags.count("script")  # every script is a file from /static
    assert all(src.startswith("/static/") for src in scripts)


def test_htmx_config_allows_no_eval(client):
    import json

    parsed = collect(client.get("/").get_data(as_text=True))
    [content] = [value for tag, name, value in parsed.attributes
                 if tag == "meta" and name == "content" and value.startswith("{")]
    config = json.loads(content)
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True and config["includeIndicatorStyles"] is False
