"""Admins manage moderators from the dashboard: add, new password, role, remove."""

from __future__ import annotations

from support import MODERATOR_PASSWORD, log_in, post

from blueprints.auth import accounts
from talkback.models import Role

NEW = "another long passphrase"


def find(app, name):
    with app.app_context():
        return accounts.find(name)


def test_the_page_lists_everyone(admin_client, make_moderator):
    make_moderator("Morgan")
    html = admin_client.get("/moderation/moderators").get_data(as_text=True)
    assert "Ada (you)" in html and "Morgan" in html
    assert 'autocomplete="new-password"' in html


def test_add_a_moderator(app, admin_client):
    response = post(admin_client, "/moderation/moderators", name="Nia", password=NEW, password_again=NEW)
    assert response.status_code == 303
    assert "Created the moderator Nia." in admin_client.get("/moderation/moderators").get_data(as_text=True)
    assert find(app, "Nia").role == Role.MODERATOR
    assert log_in(app.test_client(), "Nia", NEW).status_code == 303


def test_add_an_admin(app, admin_client):
    post(admin_client, "/moderation/moderators", name="Ola", password=NEW, password_again=NEW,
         role_choice="admin")
    assert find(app, "Ola").role == Role.ADMIN


def test_adding_refuses_short_or_differing_passwords_and_keeps_the_name(app, admin_client):
    response = post(admin_client, "/moderation/moderators", name="Nia", password="short",
                    password_again="short")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "at least 12 characters" in html and 'value="Nia"' in html
    response = post(admin_client, "/moderation/moderators", name="Nia", password=NEW,
                    password_again=NEW + "!")
    assert "The two passwords differ" in response.get_data(as_text=True)
    assert find(app, "Nia") is None


def test_adding_refuses_a_taken_name(admin_client, make_moderator):
    make_moderator("Morgan")
    response = post(admin_client, "/moderation/moderators", name="morgan", password=NEW, password_again=NEW)
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_new_password_ends_their_sessions(app, admin_client, moderator_client):
    morgan = find(app, "Morgan")
    response = post(admin_client, f"/moderation/moderators/{morgan.id}/password", password=NEW,
                    password_again=NEW)
    assert response.status_code == 303
    assert moderator_client.get("/moderation/").status_code == 303
    assert log_in(app.test_client(), "Morgan", MODERATOR_PASSWORD).status_code == 401
    assert log_in(app.test_client(), "Morgan", NEW).status_code == 303


def test_change_role(app, admin_client, make_moderator):
    morgan = make_moderator("Morgan")
    post(admin_client, f"/moderation/moderators/{morgan}/role", role="admin")
    assert find(app, "Morgan").role == Role.ADMIN
    post(admin_client, f"/moderation/moderators/{morgan}/role", role="moderator")
    assert find(app, "Morgan").role == Role.MODERATOR


def test_the_last_admin_stays_an_admin(app, admin_client):
    ada = find(app, "Ada")
    response = post(admin_client, f"/moderation/moderators/{ada.id}/role", role="moderator")
    assert response.status_code == 422
    assert find(app, "Ada").role == Role.ADMIN


def test_remove_a_moderator(app, admin_client, moderator_client):
    morgan = find(app, "Morgan")
    response = post(admin_client, f"/moderation/moderators/{morgan.id}/remove")
    assert response.status_code == 303
    assert find(app, "Morgan") is None
    assert moderator_client.get("/moderation/").status_code == 303


def test_an_admin_cannot_remove_themselves(app, admin_client):
    ada = find(app, "Ada")
    response = post(admin_client, f"/moderation/moderators/{ada.id}/remove")
    assert response.status_code == 422
    assert find(app, "Ada") is not None


def test_unknown_moderator_is_404(admin_client):
    assert post(admin_client, "/moderation/moderators/9999/remove").status_code == 404


def test_the_forms_refuse_what_they_cannot_read(app, admin_client, make_moderator):
    morgan = make_moderator("Morgan")
    response = post(admin_client, f"/moderation/moderators/{morgan}/password", password=NEW,
                    password_again="something else entirely")
    assert response.status_code == 422
    assert "Morgan: The two passwords differ" in response.get_data(as_text=True)
    response = post(admin_client, f"/moderation/moderators/{morgan}/role", role="owner")
    assert response.status_code == 422
    assert "Choose admin, editor or moderator." in response.get_data(as_text=True)
    assert find(app, "Morgan").role == Role.MODERATOR
