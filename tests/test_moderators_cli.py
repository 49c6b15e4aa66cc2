"""`flask moderators create / list / set-password / remove`."""

from __future__ import annotations

import pytest
from dashboard import MODERATOR_PASSWORD, log_in

from blueprints.auth import accounts
from talkback.models import Role

PASSWORD = "a long enough passphrase"


def find(app, name):
    with app.app_context():
        return accounts.find(name)


def test_create_asks_for_the_password_twice(app, runner):
    result = runner.invoke(args=["moderators", "create", "Morgan"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat the password" in result.output
    moderator = find(app, "Morgan")
    assert moderator.role == Role.MODERATOR
    assert moderator.password_hash.startswith("$argon2id$")
    assert PASSWORD not in moderator.password_hash


def test_create_asks_again_when_the_two_passwords_differ(app, runner):
    result = runner.invoke(args=["moderators", "create", "Morgan"],
                           input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert find(app, "Morgan") is not None


def test_create_reads_the_password_from_stdin(app, runner, client):
    result = runner.invoke(args=["moderators", "create", "Ada", "--admin", "--password-stdin"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output
    assert find(app, "Ada").role == Role.ADMIN
    assert log_in(client, "Ada", PASSWORD).status_code == 303


@pytest.mark.parametrize("password", ["", "short", "eleven char"])
def test_create_refuses_passwords_under_twelve_characters(app, runner, password):
    result = runner.invoke(args=["moderators", "create", "Morgan", "--password-stdin"], input=f"{password}\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    assert find(app, "Morgan") is None


def test_create_accepts_exactly_twelve_characters(app, runner):
    result = runner.invoke(args=["moderators", "create", "Morgan", "--password-stdin"],
                           input="twelve chars\n")
    assert result.exit_code == 0, result.output


def test_create_refuses_a_name_taken_in_any_case(app, runner, make_moderator):
    make_moderator("Morgan")
    result = runner.invoke(args=["moderators", "create", "MORGAN", "--password-stdin"], input=f"{PASSWORD}\n")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_list(runner, make_moderator):
    assert "No moderators yet" in runner.invoke(args=["moderators", "list"]).output
    make_moderator("Morgan")
    make_moderator("Ada", admin=True)
    lines = runner.invoke(args=["moderators", "list"]).output.splitlines()
    assert lines[0].split()[:2] == ["Ada", "admin"]
    assert lines[1].split()[:2] == ["Morgan", "moderator"]


def test_set_password_changes_it_and_ends_open_sessions(app, runner, make_moderator, moderator_client):
    assert moderator_client.get("/moderation/").status_code == 200
    result = runner.invoke(args=["moderators", "set-password", "Morgan", "--password-stdin"],
                           input="a brand new passphrase\n")
    assert result.exit_code == 0, result.output
    # The session signed before the change no longer works.
    assert moderator_client.get("/moderation/").status_code == 303
    fresh = app.test_client()
    assert log_in(fresh, "Morgan", MODERATOR_PASSWORD).status_code == 401
    assert log_in(fresh, "Morgan", "a brand new passphrase").status_code == 303


def test_set_password_refuses_a_short_one_and_keeps_the_old(app, runner, make_moderator, client):
    make_moderator("Morgan")
    result = runner.invoke(args=["moderators", "set-password", "Morgan", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert log_in(client, "Morgan").status_code == 303


def test_set_password_of_nobody(runner):
    result = runner.invoke(args=["moderators", "set-password", "Nobody", "--password-stdin"],
                           input=f"{PASSWORD}\n")
    assert result.exit_code == 1
    assert "no moderator named" in result.output


def test_remove_asks_first(app, runner, make_moderator):
    make_moderator("Morgan")
    result = runner.invoke(args=["moderators", "remove", "Morgan"], input="n\n")
    assert result.exit_code == 1
    assert find(app, "Morgan") is not None
    result = runner.invoke(args=["moderators", "remove", "Morgan"], input="y\n")
    assert result.exit_code == 0, result.output
    assert find(app, "Morgan") is None


def test_remove_ends_the_session_and_keeps_the_decisions(app, runner, moderator_client, add_comment):
    from dashboard import decide, events

    comment_id = add_comment()
    assert decide(moderator_client, comment_id, "approve").status_code == 303
    result = runner.invoke(args=["moderators", "remove", "Morgan", "--yes"])
    assert result.exit_code == 0, result.output
    assert moderator_client.get("/moderation/").status_code == 303
    [event] = events(app, comment_id)
    assert event.moderator_id is None and event.action == "approve"


def test_the_last_admin_stays_while_others_remain(app, runner, make_moderator):
    make_moderator("Ada", admin=True)
    make_moderator("Morgan")
    result = runner.invoke(args=["moderators", "remove", "Ada", "--yes"])
    assert result.exit_code == 1
    assert "last admin" in result.output
