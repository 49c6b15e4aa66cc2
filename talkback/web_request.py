"""The request class: form bodies must be valid UTF-8, checked while they are parsed.

Werkzeug quietly re-quotes bytes that are not UTF-8 (`errors="werkzeug.url_quote"`), which would
store mangled text; Talkback answers 400 instead. Checking it in the one parse the form needs
anyway (rather than parsing the body a second time before every POST) halves the parsing cost of
the counter's ~6 KB bodies.
"""

from __future__ import annotations

import typing as t
from urllib.parse import unquote_to_bytes

from flask import Request as _Request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

NOT_UTF8_MESSAGE = "The text you sent was not valid UTF-8. Please check it and send it again."


class StrictFormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream: t.IO[bytes], mimetype: str, content_length: int | None,
                          options: dict[str, str]):
        if (self.max_form_memory_size is not None and content_length is not None
                and content_length > self.max_form_memory_size):
            raise RequestEntityTooLarge()
        try:
            items = parse_form(stream.read())
        except UnicodeDecodeError:
            # An HTTPException, not a ValueError: a ValueError would be swallowed (an empty form).
            raise BadRequest(NOT_UTF8_MESSAGE) from None
        return stream, self.cls(items), self.cls()


def _unquote(value: bytes) -> str:
    value = value.replace(b"+", b" ")
    if b"%" in value:
        try:
            # Every %XX made \xXX (backslashes of the text doubled first, so they stay as they are)
            # and decoded by the C unicode_escape codec in one call: a code point per byte, which
            # latin-1 turns back into those bytes. The standard library's unquote_to_bytes takes a
            # step of Python per escape, and an emoji is four of them.
            escaped = value.replace(b"\\", b"\\\\").replace(b"%", b"\\x")
            value = escaped.decode("unicode_escape").encode("latin-1")
        except UnicodeDecodeError:  # a "%" without two hex digits after it: kept, as parse_qsl does
            value = unquote_to_bytes(value)
    return value.decode("utf-8")


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """`urllib.parse.parse_qsl(body, keep_blank_values=True, errors="strict")` (same results), with
    the %XX escapes of a value decoded in one call of C (see `_unquote`). Raises UnicodeDecodeError
    on anything not UTF-8 (and on raw bytes that are not ASCII: browsers escape everything else)."""
    if not body.isascii():
        raise UnicodeDecodeError("ascii", body, 0, len(body), "a form body is sent as ASCII")
    items = []
    for field in body.split(b"&"):
        if field:
            name, _, value = field.partition(b"=")
            items.append((_unquote(name), _unquote(value)))
    return items


class Request(_Request):
    form_data_parser_class = StrictFormDataParser

    def cookie(self, name: str) -> str | None:
        """The cookie's value, or None. (`cookies.get` raises and catches an HTTP exception for a
        missing name, which costs more than the lookup itself; a first visit misses every one.)"""
        cookies = self.cookies
        return cookies[name] if name in cookies else None  # noqa: SIM401  (not .get: see above)
