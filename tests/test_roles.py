"""Roles: editors do articles only, moderators comments only, admins both. The nav, the landing page
after login, the Moderators page and `flask moderators` all know the editor."""

from __future__ import annotations

from support import create_moderator, csrf_from, log_in, log_in_as, post

from blueprints.auth import accounts
from talkback.models import Role


def _client(app, name, role):
    client = app.test_client()
    log_in_as(app, client, create_moderator(app, name, role))
    return client


def test_an_editor_lands_on_the_articles_and_sees_only_articles(app):
    create_moderator(app, "Edith", Role.EDITOR)
    client = app.test_client()
    response = log_in(client, "Edith")
    assert response.headers["Location"].endswith("/moderation/articles/")
    html = client.get("/moderation/articles/").get_data(as_text=True)
    assert ">Articles</a>" in html
    assert ">Queue</a>" not in html and ">Moderation log</a>" not in html


def test_an_editor_is_refused_every_comment_page_and_decision(app, add_comment):
    comment_id = add_comment()
    client = _client(app, "Edith", Role.EDITOR)
    assert client.get("/moderation/").headers["Location"].endswith("/moderation/articles/")
    for url in ("/moderation/log", f"/moderation/comments/{comment_id}", "/moderation/counts",
                f"/moderation/on-site/{comment_id}", "/moderation/moderators",
                "/moderation/settings"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Editors work on articles only" in response.get_data(as_text=True)


    csrf = csrf_from(client.get("/moderation/articles/").get_data(as_text=True))
    response = client.post(f"/moderation/comments/{comment_id}/approve",
                           data={"csrf_token": csrf, "revision": 1})
    assert response.status_code == 403


def test_a_moderator_sees_the_queue_not_the_articles(app):
    client = _client(app, "Morgan", Role.MODERATOR)
    html = client.get("/moderation/").get_data(as_text=True)
    assert ">Queue</a>" in html and ">Articles</a>" not in html
    assert client.get("/moderation/articles/").status_code == 403


def test_an_admin_sees_both(app):
    client = _client(app, "Ada", Role.ADMIN)
    html = client.get("/moderation/").get_data(as_text=True)
    assert ">Queue</a>" in html and ">Moderation log</a>" in html and ">Articles</a>" in html
    assert client.get("/moderation/articles/").status_code == 200


def test_the_admin_gives_and_takes_the_editor_role(app, admin_client):
    html = admin_client.get("/moderation/moderators").get_data(as_text=True)
    assert 'value="editor"' in html and "Editor (articles only)" in html
    password = "a long enough passphrase"
    response = post(admin_client, "/moderation/moderators", name="Eve", password=password,
                    password_again=password, role_choice="editor")
    assert response.status_code == 303
    with app.app_context():
        eve = accounts.find("Eve")
        assert eve.role == Role.EDITOR
    response = post(admin_client, f"/moderation/moderators/{eve.id}/role", role="moderator")
    assert "Eve is now a moderator." in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    post(admin_client, f"/moderation/moderators/{eve.id}/role", role="editor")
    with app.app_context():
        assert accounts.find("Eve").role == Role.EDITOR
    assert "Make Eve an admin" in admin_client.get("/moderation/moderators").get_data(as_text=True)


def test_the_last_admin_cannot_become_an_editor(app, admin_client):
    with app.app_context():
        ada = accounts.find("Ada")
    response = post(admin_client, f"/moderation/moderators/{ada.id}/role", role="editor")
    assert response.status_code == 422
    assert "last admin" in response.get_data(as_text=True)
    with app.app_context():
        assert accounts.find("Ada").role == Role.ADMIN


def test_the_cli_creates_an_editor_and_lists_roles(app, runner):
    password = "a long enough passphrase"
    result = runner.invoke(args=["moderators", "create", "Edith", "--editor", "--password-stdin"],
                           input=f"{password}\n")
    assert result.exit_code == 0, result.output
    assert "Created editor 'Edith'" in result.output
    lines = runner.invoke(args=["moderators", "list"]).output.splitlines()
    assert lines[0].split()[:2] == ["Edith", "editor"]
    both = runner.invoke(args=["moderators", "create", "X", "--editor", "--admin", "--password-stdin"],
                         input=f"{password}\n")
    assert both.exit_code == 2 and "not both" in both.output
