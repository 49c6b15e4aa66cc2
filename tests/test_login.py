"""Logging in and out of the dashboard: one generic error, a fresh session, safe `next`, limits."""

from __future__ import annotations

import pytest
from dashboard import HTMX, MODERATOR_PASSWORD, log_in
from support import csrf_from

from blueprints.auth.views import CREATE_COMMAND, LOGIN_FAILED


def test_login_page_names_the_command_while_no_moderator_exists(client, make_moderator):
    html = client.get("/moderation/login").get_data(as_text=True)
    assert CREATE_COMMAND in html
    make_moderator("Morgan")
    assert CREATE_COMMAND not in client.get("/moderation/login").get_data(as_text=True)


def test_login_page_labels_its_fields(client):
    html = client.get("/moderation/login").get_data(as_text=True)
    assert '<label for="login-name">Name</label>' in html
    assert '<label for="login-password">Password</label>' in html
    assert 'autocomplete="current-password"' in html


def test_logging_in_lands_on_the_queue(client, make_moderator):
    make_moderator("Morgan")
    response = log_in(client, "Morgan")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    html = client.get("/moderation/").get_data(as_text=True)
    assert "Moderation queue" in html


def test_names_are_matched_without_regard_to_case_or_spaces(client, make_moderator):
    make_moderator("Morgan Lee")
    assert log_in(client, "  morgan   LEE ").status_code == 303


@pytest.mark.parametrize(("name", "password"), [
    ("Morgan", "the wrong password"),
    ("Nobody", MODERATOR_PASSWORD),
    ("", ""),
    ("Morgan", ""),
])
def test_one_generic_message_whatever_was_wrong(client, make_moderator, name, password):
    make_moderator("Morgan")
    response = log_in(client, name, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert LOGIN_FAILED in html
    assert MODERATOR_PASSWORD not in html  # the password is never sent back
    assert client.get("/moderation/").status_code == 303


def test_the_name_typed_is_kept_after_a_failure(client, make_moderator):
    make_moderator("Morgan")
    html = log_in(client, "Morgan", "the wrong password").get_data(as_text=True)
    assert 'value="Morgan"' in html


def test_login_needs_the_csrf_token(client, make_moderator):
    make_moderator("Morgan")
    response = client.post("/moderation/login", data={"name": "Morgan", "password": MODERATOR_PASSWORD})
    assert response.status_code == 400
    assert client.get("/moderation/").status_code == 303


def test_a_fresh_session_on_login(app, client, make_moderator):
    make_moderator("Morgan")
    client.get("/moderation/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = session["csrf_token"]
    assert log_in(client, "Morgan").status_code == 303
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != before
        assert "_user_id" in session


@pytest.mark.parametrize("next_value", ["/moderation/?status=spam", "/moderation/log"])
def test_next_is_honoured_for_local_paths(client, make_moderator, next_value):
    make_moderator("Morgan")
    response = log_in(client, "Morgan", next=next_value)
    assert response.headers["Location"] == next_value


@pytest.mark.parametrize("next_value", [
    "https://evil.example/", "//evil.example/moderation/", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "/moderation/\r\nSet-Cookie: x=1", "http://localhost/moderation/",
    "/articles/elsewhere", "moderation/",
])
def test_next_is_ignored_unless_a_local_dashboard_path(client, make_moderator, next_value):
    make_moderator("Morgan")
    response = log_in(client, "Morgan", next=next_value)
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"


def test_next_from_the_query_string_survives_the_form(client, make_moderator):
    make_moderator("Morgan")
    html = client.get("/moderation/login?next=/moderation/log").get_data(as_text=True)
    assert 'name="next" value="/moderation/log"' in html
    token = csrf_from(html)
    form = {"csrf_token": token, "name": "Morgan", "password": MODERATOR_PASSWORD, "next": "/moderation/log"}
    response = client.post("/moderation/login", data=form)
    assert response.headers["Location"] == "/moderation/log"


def test_a_logged_in_moderator_visiting_login_goes_to_the_queue(moderator_client):
    response = moderator_client.get("/moderation/login")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"


def test_logout_is_a_post(moderator_client):
    assert moderator_client.get("/moderation/logout").status_code == 405
    assert moderator_client.get("/moderation/").status_code == 200
    token = csrf_from(moderator_client.get("/moderation/").get_data(as_text=True))
    response = moderator_client.post("/moderation/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/login"
    assert "You have logged out." in moderator_client.get("/moderation/login").get_data(as_text=True)
    assert moderator_client.get("/moderation/").status_code == 303


def test_logout_needs_the_csrf_token(moderator_client):
    assert moderator_client.post("/moderation/logout").status_code == 400
    assert moderator_client.get("/moderation/").status_code == 200


def test_logged_out_browser_is_sent_to_login_and_back(client):
    response = client.get("/moderation/?status=spam")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/login?next=/moderation/?status%3Dspam"
    assert "Please log in to moderate." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_logged_out_htmx_request_gets_hx_redirect(client):
    response = client.get("/moderation/counts", headers={**HTMX, "HX-Current-URL": "http://localhost/moderation/?status=trash"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/moderation/login?next=/moderation/?status%3Dtrash"
    assert "Location" not in response.headers


# --- Failed logins are limited per IP and per account -------------------------------------------


@pytest.fixture
def limited(make_app, make_moderator):
    from talkback.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per 15 minutes")
    limiter.reset()
    with app.app_context():
        from blueprints.auth import accounts

        accounts.create_moderator("Morgan", MODERATOR_PASSWORD)
        accounts.create_moderator("Ada", MODERATOR_PASSWORD)
    return app


def _from(ip):
    return {"REMOTE_ADDR": ip}


def _attempt(client, name, password, ip):
    token = csrf_from(client.get("/moderation/login", environ_base=_from(ip)).get_data(as_text=True))
    return client.post("/moderation/login", data={"csrf_token": token, "name": name, "password": password},
                       environ_base=_from(ip))


def test_failed_logins_are_limited_per_account(limited):
    for n in range(3):
        client = limited.test_client()
        assert _attempt(client, "Morgan", "wrong guess", f"198.51.100.{n}").status_code == 401
    # From yet another address, even the right password is refused while the account is limited.
    client = limited.test_client()
    response = _attempt(client, "morgan", MODERATOR_PASSWORD, "198.51.100.99")
    assert response.status_code == 429
    assert "Too many attempts; try again in 15 minutes." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 800
    # Other accounts are not affected.
    assert _attempt(limited.test_client(), "Ada", MODERATOR_PASSWORD, "198.51.100.98").status_code == 303


def test_failed_logins_are_limited_per_ip(limited):
    client = limited.test_client()
    for name in ("Morgan", "Ada", "Nobody"):
        assert _attempt(client, name, "wrong guess", "198.51.100.7").status_code == 401
    response = _attempt(client, "Ada", MODERATOR_PASSWORD, "198.51.100.7")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another address may still log in to the same account.
    assert _attempt(limited.test_client(), "Ada", MODERATOR_PASSWORD, "198.51.100.8").status_code == 303


def test_successful_logins_do_not_count(limited):
    for _ in range(5):
        client = limited.test_client()
        assert _attempt(client, "Morgan", MODERATOR_PASSWORD, "198.51.100.7").status_code == 303


def test_unknown_names_are_limited_like_real_ones(limited):
    for n in range(3):
        _attempt(limited.test_client(), "Nobody", "guess", f"198.51.100.{n}")
    response = _attempt(limited.test_client(), "Nobody", "guess", "198.51.100.50")
    assert response.status_code == 429


def test_showing_the_login_page_is_never_limited(limited):
    """Only POSTs that fail are counted: reloading the page, or a spent limit, still shows the form."""
    client = limited.test_client()
    for _ in range(3):
        assert _attempt(client, "Morgan", "wrong guess", "198.51.100.7").status_code == 401
    for _ in range(5):
        assert client.get("/moderation/login", environ_base=_from("198.51.100.7")).status_code == 200
    response = _attempt(client, "Morgan", "wrong guess", "198.51.100.7")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 800
