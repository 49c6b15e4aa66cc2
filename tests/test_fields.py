"""Field rules (fields.py) as plain functions, then through the form on both paths."""

from __future__ import annotations

import pytest
from screen_helpers import HTMX, post_comment, stored

from blueprints.comments.fields import (
    EMAIL_MAX,
    NAME_MAX,
    WEBSITE_MAX,
    FieldError,
    clean_body,
    clean_email,
    clean_name,
    clean_website,
    is_blank,
    strip_controls,
)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


# --- name ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("Ada", "Ada"),
    ("  Ada   Lovelace \n", "Ada Lovelace"),
    ("A", "A"),
    ("x" * NAME_MAX, "x" * NAME_MAX),
    ("Ada\x00\x07 Love\u202elace", "Ada Lovelace"),  # NUL, BEL and a bidi override removed
    ("Zoë 👩🏽‍💻", "Zoë 👩🏽‍💻"),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "\u200b\u200b", "\u3164", BIDI, "\x00\x01", "x" * (NAME_MAX + 1)])
def test_clean_name_refuses(raw):
    with pytest.raises(FieldError):
        clean_name(raw)


# --- email --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("ada@example.org", "ada@example.org"),
    ("  Ada@Example.ORG ", "Ada@example.org"),  # the domain is case-insensitive
    ("ada+news@example.co.uk", "ada+news@example.co.uk"),
    ("zoë@bücher.example.org", "zoë@bücher.example.org"),
])
def test_clean_email(raw, clean):
    assert clean_email(raw) == clean


@pytest.mark.parametrize("raw", [
    "", "ada", "ada@", "@example.org", "ada@@example.org", "ada@example", "ada example@x.org",
    "<script>@example.org", "ada@exa mple.org", "a" * 64 + "@" + "b" * (EMAIL_MAX - 64) + ".org",
    "ada@example.org\nBcc: victim@example.org",
])
def test_clean_email_refuses(raw):
    with pytest.raises(FieldError):
        clean_email(raw)


def test_clean_email_does_not_look_up_dns(monkeypatch):
    import dns.resolver

    def no_dns(*args, **kwargs):
        raise AssertionError("DNS was consulted")

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", no_dns)
    assert clean_email("someone@no-such-domain-talkback.example.com")


# --- website ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "clean"), [
    ("", ""),
    ("   ", ""),
    ("example.org", "https://example.org"),
    ("www.example.org/path?q=1#top", "https://www.example.org/path?q=1#top"),
    ("example.org:8080/x", "https://example.org:8080/x"),
    ("http://example.org", "http://example.org"),
    ("HTTPS://Example.org/", "HTTPS://Example.org/"),
    ("https://bücher.example", "https://bücher.example"),
    ("https://exa\u202emple.org", "https://example.org"),
])
def test_clean_website(raw, clean):
    assert clean_website(raw) == clean


@pytest.mark.parametrize("raw", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\x00script:alert(1)", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>",
    "ftp://example.org", "file:///etc/passwd", "mailto:ada@example.org", "http:example.org",
    "http://", "https://.", "https://a..b", "https://.example.org", "http://[::1", "https://bank.example@evil.example",
    "https://user:pw@example.org", "http://exa mple.org", "example", "https://" + "a" * WEBSITE_MAX + ".org",
])
def test_clean_website_refuses(raw):
    with pytest.raises(FieldError):
        clean_website(raw)


# --- body ---------------------------------------------------------------------------------


def test_clean_body_trims_and_keeps_newlines_and_tabs():
    assert clean_body("  line one\r\n\tline two\r\rend  \n", 100) == "line one\n\tline two\n\nend"


def test_clean_body_removes_controls_and_bidi_overrides():
    assert clean_body("a\x00b\x1bc\x7fd\u202ee\u2066f", 100) == "abcdef"


@pytest.mark.parametrize("raw", ["", " \n\t ", "\u200b\u200d\ufeff", "\u2800\u3164", BIDI, "\x00\x00"])
def test_clean_body_refuses_blank(raw):
    with pytest.raises(FieldError, match="Please write a comment"):
        clean_body(raw, 100)


def test_clean_body_limit_counts_user_perceived_characters():
    family = "👨‍👩‍👧‍👦"  # seven code points, one character
    assert clean_body(family * 10, 10) == family * 10
    with pytest.raises(FieldError, match="1 character too many"):
        clean_body(family * 11, 10)
    # The limit applies after trimming.
    assert clean_body("   " + "x" * 10 + "\n\n", 10) == "x" * 10


def test_strip_controls_and_is_blank():
    assert strip_controls("a\nb\tc\r\n", keep_newlines=False) == "abc"
    assert strip_controls("a\nb\tc\r\n", keep_newlines=True) == "a\nb\tc\n"
    assert strip_controls("\ud800x", keep_newlines=True) == "x"  # a lone surrogate
    assert is_blank("\u00ad\u200b ") and not is_blank("\u200bx")


# --- through the form ---------------------------------------------------------------------

PATHS = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])


@PATHS
@pytest.mark.parametrize(("field", "value", "message"), [
    ("author_name", "   ", "Please enter your name."),
    ("author_email", "not-an-email", "Please enter a valid email address"),
    ("author_website", "javascript:alert(1)", "starting with http:// or https://"),
    ("body", "\u200b \u200b", "Please write a comment."),
])
def test_field_errors_come_back_in_place_with_everything_kept(app, client, article, htmx, field, value,
                                                              message):
    fields = {"author_name": "Ada Kept", "author_email": "kept@example.org",
              "author_website": "kept.example", "body": "Every word kept."}
    fields[field] = value
    response = post_comment(app, client, article.slug, htmx=htmx, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    for name, kept in fields.items():
        if name != field:
            assert kept in html
    assert ("<html" in html) is not htmx
    assert not stored(app, article_id=article.id, status="pending")


def test_the_website_is_stored_normalised(app, client, article):
    assert post_comment(app, client, article.slug, author_website="example.org/me").status_code == 303
    [comment] = stored(app, author_email="ada@example.org")
    assert comment.author_website == "https://example.org/me"


def test_missing_fields_are_a_422_with_messages(app, client, article):
    client.get(f"/articles/{article.slug}")
    response = client.post(f"/articles/{article.slug}/comments", data={}, headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("Please enter your name.", "Please enter your email address.", "Please write a comment."):
        assert message in html
