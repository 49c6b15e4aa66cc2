"""Everything under /moderation needs a login (every route, found from the URL map), CSRF guards
every POST, and only admins manage moderators and site settings."""

from __future__ import annotations

import re

import pytest
from dashboard import HTMX
from support import csrf_from

from app import create_app

OPEN = {"auth.login", "auth.logout"}
ADMIN_ONLY = {"moderation.moderators", "moderation.create_moderator", "moderation.set_moderator_password",
              "moderation.set_moderator_role", "moderation.remove_moderator", "moderation.settings",
              "moderation.save_settings", "moderation.edit_rule", "moderation.add_rule",
              "moderation.remove_rule"}


def _routes():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "AUTO_MIGRATE": False})
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/moderation") or rule.endpoint in OPEN:
            continue
        path = re.sub(r"<int:\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append(pytest.param(method, path, rule.endpoint, id=f"{method} {path}"))
    return found


ROUTES = _routes()


def test_the_route_list_is_complete():
    endpoints = {p.values[2] for p in ROUTES}
    expected = {f"moderation.{name}" for name in (
        "queue", "approve", "reject", "spam", "trash", "restore", "edit", "reply", "bulk", "undo", "log",
        "comment", "counts")}
    assert expected | ADMIN_ONLY <= endpoints


def _request(client, method, path, token, headers=None):
    if method == "GET":
        return client.get(path, headers=headers or {})
    return client.post(path, data={"csrf_token": token, "revision": "1"}, headers=headers or {})


@pytest.mark.parametrize(("method", "path", "endpoint"), ROUTES)
def test_logged_out_browser_is_redirected_to_login(client, add_comment, method, path, endpoint):
    add_comment()
    token = csrf_from(client.get("/moderation/login").get_data(as_text=True))
    response = _request(client, method, path, token)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/moderation/login")


@pytest.mark.parametrize(("method", "path", "endpoint"), ROUTES)
def test_logged_out_htmx_request_gets_hx_redirect(client, add_comment, method, path, endpoint):
    add_comment()
    token = csrf_from(client.get("/moderation/login").get_data(as_text=True))
    response = _request(client, method, path, token,
                        headers={**HTMX, "HX-Current-URL": "http://localhost/moderation/"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/moderation/login")
    assert not response.get_data()


@pytest.mark.parametrize(("method", "path", "endpoint"), [p for p in ROUTES if p.values[0] == "POST"])
def test_every_post_needs_the_csrf_token(moderator_client, add_comment, method, path, endpoint):
    add_comment()
    response = moderator_client.post(path, data={"revision": "1"})
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "endpoint"), [p for p in ROUTES if p.values[2] in ADMIN_ONLY])
def test_moderators_cannot_manage_moderators(moderator_client, method, path, endpoint):
    token = csrf_from(moderator_client.get("/moderation/").get_data(as_text=True))
    assert _request(moderator_client, method, path, token).status_code == 403


def test_the_moderators_link_shows_for_admins_only(moderator_client, admin_client):
    assert "/moderation/moderators" not in moderator_client.get("/moderation/").get_data(as_text=True)
    assert "/moderation/moderators" in admin_client.get("/moderation/").get_data(as_text=True)


@pytest.mark.parametrize("page", ["/moderation/", "/moderation/log", "/moderation/comments/1"])
def test_the_pages_open_when_logged_in(moderator_client, add_comment, page):
    add_comment()
    assert moderator_client.get(page).status_code == 200
