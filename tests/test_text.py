"""Counting and rendering comment text (talkback/blueprints/comments/text.py). Pure Python, no app."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from blueprints.comments.text import (
    MORE_SMILIES,
    PICKER_SMILIES,
    SMILIES,
    TOO_MANY_MARKS_MESSAGE,
    Count,
    count_characters,
    count_code_points,
    excerpt,
    measure,
    normalise_newlines,
    render_body,
)

THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦
FLAG_JAMAICA = "\U0001f1ef\U0001f1f2"  # 🇯🇲
E_ACUTE = "e\u0301"  # e + combining acute accent


# ------------------------------------------------------------------------------------------------
# Counting
# ------------------------------------------------------------------------------------------------


def test_normalise_newlines():
    assert normalise_newlines("a\r\nb\rc\nd\r\r\n") == "a\nb\nc\nd\n\n"
    assert normalise_newlines("plain") == "plain"


@pytest.mark.parametrize(
    ("text", "characters"),
    [
        ("", 0),
        ("hello", 5),
        ("a\r\nb", 3),  # CRLF is one character
        ("a\rb", 3),  # so is a lone CR
        ("a\nb", 3),
        (THUMBS_UP_MEDIUM, 1),
        (FAMILY, 1),
        (FLAG_JAMAICA, 1),
        (FLAG_JAMAICA * 2, 2),
        (E_ACUTE, 1),
        ("caf" + E_ACUTE, 4),
        ("👍🏽 " + FAMILY + " " + FLAG_JAMAICA, 5),
    ],
)
def test_count_characters(text, characters):
    assert count_characters(text) == characters


def test_count_code_points():
    assert count_code_points("a\r\nb") == 3
    assert count_code_points(FAMILY) == 7
    assert count_code_points(E_ACUTE) == 2


def test_measure_fields():
    count = measure("ab" + FAMILY, 10)
    assert count == Count(used=3, limit=10, code_points=9, code_point_limit=80)
    assert count.remaining == 7
    assert not count.too_long


def test_measure_is_frozen():
    count = measure("x", 5)
    with pytest.raises(AttributeError):
        count.used = 0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "limit", "message", "too_long"),
    [
        ("", 1500, "1500 characters available", False),
        ("a" * 1499, 1500, "1 character available", False),
        ("a" * 1500, 1500, "0 characters available", False),  # exactly at the limit is accepted
        ("a" * 1501, 1500, "1 character too many", True),
        ("a" * 1512, 1500, "12 characters too many", True),
        ("a\r\n" * 750, 1500, "0 characters available", False),  # CRLF counts as one
        (THUMBS_UP_MEDIUM * 1500, 1500, "0 characters available", False),
        (FLAG_JAMAICA * 1501, 1500, "1 character too many", True),
    ],
)
def test_messages(text, limit, message, too_long):
    count = measure(text, limit)
    assert count.message == message
    assert count.too_long is too_long


def test_remaining_goes_negative():
    assert measure("a" * 12, 10).remaining == -2


def test_hidden_code_point_bound():
    # Ten user-perceived characters, but 1010 code points: over the hidden bound of 10 * 8.
    stacked = ("a" + "\u0301" * 100) * 10
    count = measure(stacked, 10)
    assert count.used == 10
    assert count.remaining == 0
    assert count.too_long
    assert count.message == TOO_MANY_MARKS_MESSAGE


def test_hidden_bound_boundary_and_factor():
    text = "a" + "\u0301" * 79  # one character, 80 code points
    assert not measure(text, 10).too_long  # 80 <= 10 * 8
    assert measure(text + "\u0301", 10).too_long  # 81 > 80
    assert not measure(text + "\u0301", 10, code_point_factor=9).too_long


def test_a_comment_of_family_emoji_fits():
    family = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"  # 7 code points
    assert not measure(family * 10, 10).too_long


def test_too_many_characters_wins_over_combining_marks_message():
    count = measure(("a" + "\u0301" * 100) * 12, 10)
    assert count.message == "2 characters too many"


def test_measure_accepts_none():
    assert measure(None, 5).message == "5 characters available"


# ------------------------------------------------------------------------------------------------
# Smilies table
# ------------------------------------------------------------------------------------------------


def test_smilies_table():
    assert len(SMILIES) == 43
    assert [s.picker for s in PICKER_SMILIES] == list(range(1, 17))
    assert [s.code for s in PICKER_SMILIES][:3] == [":)", ":-D", ":wink:"]
    assert PICKER_SMILIES[8].code == "8-)"  # the 9th button inserts 8-) (shown as 8) on the reference)
    assert PICKER_SMILIES[15].code == ":mrgreen:"
    assert PICKER_SMILIES[15].emoji is None
    assert all(s.picker is None for s in MORE_SMILIES)
    assert MORE_SMILIES[0].code == ":neutral:" and MORE_SMILIES[-1].code == ":!:"
    assert len(PICKER_SMILIES) + len(MORE_SMILIES) == len(SMILIES)
    assert "8)" not in {s.code for s in SMILIES}
    by_code = {s.code: s for s in SMILIES}
    assert by_code[":)"].emoji == "\U0001f642"
    assert by_code[":arrow:"].emoji == "\u27a1\ufe0f"  # text-default code point gets VS16


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------


def escape_attr(value):
    return str(Markup.escape(value))


def smiley(code, emoji):
    return f'<span class="smiley" title="{code}">{emoji}</span>'


def link(url, text=None):
    return f'<a href="{url}" rel="nofollow ugc noopener">{text or url}</a>'


def test_render_returns_markup():
    assert isinstance(render_body("hi"), Markup)
    assert render_body("") == ""
    assert render_body("  \r\n \n ") == ""
    assert render_body(None) == ""


def test_render_escapes_everything():
    html = render_body("<script>alert(\"x\")</script> & 'q' <b>bold</b>")
    assert html == (
        "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;q&#39; &lt;b&gt;bold&lt;/b&gt;</p>"
    )


def test_render_paragraphs_and_line_breaks():
    text = "  First line\r\nsecond line\r\n\r\n\r\nSecond para\n \t\nThird  \nend  "
    assert render_body(text) == (
        "<p>First line<br>\nsecond line</p>\n<p>Second para</p>\n<p>Third<br>\nend</p>"
    )


def test_render_lone_cr_is_a_line_break():
    assert render_body("a\rb\r\rc") == "<p>a<br>\nb</p>\n<p>c</p>"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("see http://example.org", "see " + link("http://example.org")),
        ("https://example.org/a?b=1&c=2", link("https://example.org/a?b=1&amp;c=2")),
        ("go to https://example.org.", "go to " + link("https://example.org") + "."),
        ("really? https://example.org/x?!", "really? " + link("https://example.org/x") + "?!"),
        ("a,https://example.org/x, b", "a," + link("https://example.org/x") + ", b"),
        ("(see https://example.org/x)", "(see " + link("https://example.org/x") + ")"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", link("https://en.wikipedia.org/wiki/Foo_(bar)")),
        (
            "(https://en.wikipedia.org/wiki/Foo_(bar)).",
            "(" + link("https://en.wikipedia.org/wiki/Foo_(bar)") + ").",
        ),
        ('"https://example.org/"', "&#34;" + link("https://example.org/") + "&#34;"),
        ("<https://example.org/>", "&lt;" + link("https://example.org/") + "&gt;"),
        ("HTTPS://Example.org/", link("https://Example.org/", "HTTPS://Example.org/")),
        ("https://example.org/it's", link("https://example.org/it&#39;s")),
        ("line\nhttps://example.org/\nline", "line<br>\n" + link("https://example.org/") + "<br>\nline"),
    ],
)
def test_render_links(text, html):
    assert render_body(text) == f"<p>{html}</p>"


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript://example.org/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/file",
        "http://",
        "https:// example.org",
        "xhttps://example.org",
        "www.example.org",
        "http\u017f://example.org/",  # long s case-folds to "s" under re.IGNORECASE
    ],
)
def test_render_does_not_link_other_things(text):
    assert "<a " not in render_body(text)


def test_render_link_stops_at_a_double_quote():
    html = render_body('http://example.org/"onmouseover="alert(1)')
    assert 'onmouseover="' not in html
    assert html.startswith('<p><a href="http://example.org/"')


@pytest.mark.parametrize(
    ("text", "html"),
    [
        (":)", smiley(":)", "🙂")),
        ("Nice :) thanks", "Nice " + smiley(":)", "🙂") + " thanks"),
        (":) :(", smiley(":)", "🙂") + " " + smiley(":(", "🙁")),
        (":-D", smiley(":-D", "😀")),  # longest code, not ":" + "-D"
        (":D", smiley(":D", "😀")),
        (":???:", smiley(":???:", "😕")),  # not ":?" followed by "??:"
        (":?:", smiley(":?:", "❓")),
        (":?", smiley(":?", "😕")),
        ("8-)", smiley("8-)", "😎")),
        ("list 8) item", "list 8) item"),  # plain 8) is never converted
        ("foo:)", "foo:)"),
        (":)bar", ":)bar"),
        (":):)", ":):)"),
        ("(:))", "(:))"),
        ("a\n:wink:\nb", "a<br>\n" + smiley(":wink:", "😉") + "<br>\nb"),
        ("end.\n\n:lol:", "end.</p>\n<p>" + smiley(":lol:", "😆")),
        ("x\t:cry:\u00a0y", "x\t" + smiley(":cry:", "😥") + "\u00a0y"),
        (":arrow:", smiley(":arrow:", "\u27a1\ufe0f")),
    ],
)
def test_render_smilies(text, html):
    assert render_body(text) == f"<p>{html}</p>"


def test_render_smilies_not_inside_links():
    assert render_body("http://example.org/:)") == "<p>" + link("http://example.org/") + ":)</p>"
    assert render_body("https://example.org/8-)x") == "<p>" + link("https://example.org/8-)x") + "</p>"
    html = render_body("https://example.org/ :) ")
    assert html == "<p>" + link("https://example.org/") + " " + smiley(":)", "🙂") + "</p>"


def test_render_mrgreen_image():
    img = ('<img class="smiley" src="/static/img/mrgreen.svg" alt="Mr. Green grinning face" '
           'width="20" height="20">')
    assert render_body("hi :mrgreen:") == f"<p>hi {img}</p>"
    custom = render_body(":mrgreen:", mrgreen_src='/s/mrgreen.svg?v=1&x="')
    assert 'src="/s/mrgreen.svg?v=1&amp;x=&#34;"' in custom


def test_every_smiley_converts_alone():
    for s in SMILIES:
        html = render_body(f"a {s.code} b")
        if s.emoji is None:
            assert "<img" in html, s.code
        else:
            assert html == f"<p>a {smiley(escape_attr(s.code), s.emoji)} b</p>", s.code


# ------------------------------------------------------------------------------------------------
# Excerpts
# ------------------------------------------------------------------------------------------------


def test_excerpt_short_text_is_unchanged_but_flattened():
    assert excerpt("Hello\n\n  world ", 200) == "Hello world"


def test_excerpt_cuts_at_word_boundary():
    text = "The quick brown fox jumps over the lazy dog"
    assert excerpt(text, 20) == "The quick brown fox…"
    assert excerpt(text, 18) == "The quick brown…"
    assert len(excerpt(text, 18)) <= 18


def test_excerpt_long_word_and_graphemes():
    assert excerpt("a" * 50, 10) == "a" * 9 + "…"
    assert excerpt(FAMILY * 20, 5) == FAMILY * 4 + "…"  # never cuts inside a cluster


def test_excerpt_drops_trailing_punctuation():
    assert excerpt("Well, this is it, and more words follow here", 18) == "Well, this is it…"


# ------------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------------

ALLOWED_ATTRIBUTES = {
    "p": set(),
    "br": set(),
    "a": {"href", "rel"},
    "span": {"class", "title"},
    "img": {"class", "src", "alt", "width", "height"},
}
VOID = {"br", "img"}

PIECES = [
    "http://",
    "https://",
    "HTTP://",
    "httP\u017f://",
    "javascript:",
    "example.org",
    "/path?q=1&r=2",
    "<",
    ">",
    "&",
    '"',
    "'",
    "(",
    ")",
    ".",
    " ",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "\t",
    "<script>",
    "<a href=x>",
    "onerror=",
    "8)",
    "\u0301",
    FAMILY,
    *[s.code for s in SMILIES],
]
comment_text = st.lists(st.one_of(st.text(max_size=8), st.sampled_from(PIECES)), max_size=30).map("".join)


class StrictParser(HTMLParser):
    """Records what the rendered HTML says, and fails on anything we did not put there ourselves."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.in_smiley = False

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_ATTRIBUTES, tag
        names = [name for name, _ in attrs]
        assert set(names) <= ALLOWED_ATTRIBUTES[tag], (tag, names)
        assert len(names) == len(set(names))
        values = dict(attrs)
        if tag == "a":
            assert re.match(r"https?://", values["href"]), values["href"]
            assert values["rel"] == "nofollow ugc noopener"
        if tag == "img":
            assert values["src"] == "/static/img/mrgreen.svg"
            assert values["alt"] == "Mr. Green grinning face"
            self.text.append(":mrgreen:")  # the only image: the site's own smiley, back to its code
        if tag == "span":
            assert values["class"] == "smiley"
            self.text.append(values["title"])
            self.in_smiley = True
        if tag not in VOID:
            assert not (tag == "p" and self.stack), "nested paragraph"
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag
        if tag == "span":
            self.in_smiley = False

    def handle_data(self, data):
        assert self.stack or data.isspace(), f"text outside a paragraph: {data!r}"
        if not self.in_smiley:
            self.text.append(data)

    def handle_comment(self, data):
        raise AssertionError("comment")

    def handle_decl(self, decl):
        raise AssertionError("declaration")

    def handle_pi(self, data):
        raise AssertionError("processing instruction")

    def unknown_decl(self, data):
        raise AssertionError("unknown declaration")


def without_whitespace(text):
    return re.sub(r"\s", "", text)


@given(comment_text)
def test_rendered_html_contains_only_our_tags_and_keeps_every_character(text):
    html = render_body(text)
    parser = StrictParser()
    parser.feed(str(html))
    parser.close()
    assert parser.stack == []
    # Nothing the reader wrote is lost or added (whitespace aside): smilies map back to their codes.
    assert without_whitespace("".join(parser.text)) == without_whitespace(text)


@given(comment_text)
def test_render_output_has_no_stray_angle_brackets(text):
    html = str(render_body(text))
    stripped = re.sub(r'<(/?)(p|br|a|span|img)(?: [a-z]+="[^"<>]*")*>', "", html)
    assert "<" not in stripped and ">" not in stripped


@given(comment_text)
def test_counting_is_stable_under_crlf_and_cr(text):
    lf = normalise_newlines(text)
    for variant in (lf, lf.replace("\n", "\r\n"), lf.replace("\n", "\r")):
        assert count_characters(variant) == count_characters(lf)
        assert count_code_points(variant) == count_code_points(lf)
        assert measure(variant, 50) == measure(lf, 50)
        assert render_body(variant) == render_body(lf)


@given(comment_text, st.integers(min_value=0, max_value=60))
def test_count_is_consistent(text, limit):
    count = measure(text, limit)
    assert count.used <= count.code_points
    assert count.remaining == limit - count.used
    assert count.too_long == (count.used > limit or count.code_points > 4 * limit)
    if count.used > limit:
        assert count.message.endswith(("character too many", "characters too many"))
    elif count.too_long:
        assert count.message == TOO_MANY_MARKS_MESSAGE
    else:
        assert count.message.endswith("available")


@given(comment_text, st.integers(min_value=1, max_value=40))
def test_excerpt_is_bounded(text, length):
    result = excerpt(text, length)
    assert count_characters(result) <= length
    assert "\n" not in result


def test_the_counting_shortcut_agrees_with_grapheme_clusters_over_every_code_point():
    """Text with no code point that can join a neighbour is counted by its length; every code
    point, in runs of neighbours and mixed at random, counts as the full segmentation says."""
    import random
    import sys

    from blueprints.comments.text import _GRAPHEME, _graphemes

    points = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(points), 512):
        chunk = "".join(points[start:start + 512])
        assert _graphemes(chunk) == len(_GRAPHEME.findall(chunk)), hex(ord(chunk[0]))
    rng = random.Random(6)
    for _ in range(2000):
        text = "".join(rng.choice(points) for _ in range(rng.randint(1, 12)))
        assert _graphemes(text) == len(_GRAPHEME.findall(text)), [hex(ord(c)) for c in text]
