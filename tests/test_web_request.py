"""The form parser: the standard library's results, faster, and strict about UTF-8."""

from __future__ import annotations

import random
import urllib.parse

import pytest

from talkback.web_request import parse_form

PIECES = ["a", "é", "👍🏽", "+", "&", "=", "%", "%2", "%zz", "%41", "%C3", "%A9", "%F0%9F", " ", "\x00",
          "~", "%26", "%3D", "%2b", "%ff", "\\", "\\x41", "%5C", "\\%41", "%5Cx4", "\\N{DASH}", "\\u00e9"]


def reference(body: bytes):
    try:
        return urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return "refused"


def parsed(body: bytes):
    try:
        return parse_form(body)
    except UnicodeDecodeError:
        return "refused"


@pytest.mark.parametrize(("bodies", "longest"), [(20_000, 12), (2_000, 120)], ids=["short", "long"])
def test_same_results_as_parse_qsl_over_random_bodies(bodies, longest):
    rng = random.Random(6)
    refused = 0
    for _ in range(bodies):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, longest)))
        for body in (text.encode(), urllib.parse.urlencode({"body": text, "x": text[:3]}).encode()):
            expected = reference(body)
            refused += expected == "refused"
            assert parsed(body) == expected, body
    assert refused  # the mix does include bodies that are not UTF-8


@pytest.mark.parametrize("body", [b"body=%C3", b"body=%ff", b"body=\xc3\xa9", b"a%F0%9F=1"])
def test_not_utf8_is_refused(body):
    with pytest.raises(UnicodeDecodeError):
        parse_form(body)


def test_a_not_utf8_body_is_answered_400(client):
    response = client.post("/comments/counter", data=b"body=%C3%28",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
