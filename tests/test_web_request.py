"""Form bodies and query strings must be UTF-8 (blueprints/web.py's is_utf8, checked before
Werkzeug's own parser reads them): the standard library's strict parse is the reference."""

from __future__ import annotations

import random
import urllib.parse

import pytest

from blueprints.web import is_utf8

PIECES = ["a", "é", "👍🏽", "+", "&", "=", "%", "%2", "%zz", "%41", "%C3", "%A9", "%F0%9F", " ", "\x00",
          "~", "%26", "%3D", "%2b", "%ff", "\\", "\\x41", "%5C", "\\%41", "%5Cx4", "\\N{DASH}", "\\u00e9"]


def strict_parse_works(body: bytes) -> bool:
    try:
        urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize(("bodies", "longest"), [(20_000, 12), (2_000, 120)], ids=["short", "long"])
def test_the_same_verdict_as_a_strict_parse_over_random_bodies(bodies, longest):
    rng = random.Random(6)
    refused = 0
    for _ in range(bodies):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, longest)))
        for body in (text.encode(), urllib.parse.urlencode({"body": text, "x": text[:3]}).encode()):
            expected = strict_parse_works(body)
            refused += not expected
            assert is_utf8(body) is expected, body
    assert refused  # the mix does include bodies that are not UTF-8


@pytest.mark.parametrize("body", [b"body=%C3", b"body=%ff", b"body=\xc3(", b"a%F0%9F=1", b"b=%ED%A0%80"])
def test_not_utf8_is_refused(body):
    assert not is_utf8(body)


def test_a_not_utf8_body_or_query_is_answered_400_before_any_view(client):
    response = client.post("/comments/counter", data=b"body=%C3%28",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    assert client.get("/policy?q=%FF").status_code == 400
    fine = client.post("/comments/counter", data=b"body=caf%C3%A9",
                       content_type="application/x-www-form-urlencoded")
    assert fine.status_code == 200 and "1496 characters available" in fine.get_data(as_text=True)
