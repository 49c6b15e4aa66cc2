"""Flask's signed-cookie session, opened only when a request actually uses it.

Flask verifies and decodes the session cookie at the start of every request (HMAC, base64, JSON),
whether or not the view reads it. Most requests do (the CSRF check, the article page's token), but
the live counter — a pure function of the posted text — never does, and the check of the cookie
was about a tenth of its time. `LazySession` keeps the cookie's value and decodes it on first use
of the session; a request that never uses it leaves it unread, and no cookie is written back.
Reading and writing behave exactly as Flask's `SecureCookieSession` (accessed, modified).

A first visit to an article is the commonest request of all, and it mints two signed values: the
session cookie and the CSRF token in the page's form. itsdangerous, as Flask and Flask-WTF use it,
builds a serializer and a signer and derives the signing key from the secret for every one of them,
and tries zlib on a forty-byte payload. `SigningSerializer` keeps its signers and derived keys and
skips zlib for short payloads: the same format, read by the stock loaders (tests check both ways),
at about a third of the cost. `csrf_token()` is Flask-WTF's `generate_csrf` on such a serializer.
"""

from __future__ import annotations

import hmac
import json
import os
import zlib
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, current_app, g, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.signer import HMACAlgorithm
from werkzeug.http import dump_cookie


def _loading(name: str) -> Callable[..., Any]:
    method = getattr(SecureCookieSession, name)

    def wrapper(self: LazySession, *args: Any, **kwargs: Any) -> Any:
        if self._loader is not None:
            self._load()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


class LazySession(SecureCookieSession):
    """A session whose contents are read from the cookie on first use."""

    def __init__(self, loader: Callable[[], dict[str, Any]] | None = None) -> None:
        super().__init__()
        self._loader = loader

    @property
    def loaded(self) -> bool:
        return self._loader is None

    def _load(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None:
            dict.update(self, loader())  # not a modification: no on_update callback

    __hash__ = None  # type: ignore[assignment]  (as dict's)


# Every way of reading or changing the contents loads them first.
for _name in ("__getitem__", "__setitem__", "__delitem__", "__contains__", "__iter__", "__len__",
              "__repr__", "__eq__", "__ne__", "__or__", "__ior__", "__reversed__", "get", "setdefault",
              "pop", "popitem", "clear", "update", "keys", "values", "items", "copy"):
    setattr(LazySession, _name, _loading(_name))
del _name


class _OneShotHMAC(HMACAlgorithm):
    """itsdangerous's HMAC, computed by `hmac.digest`. Its default digest is a Python function
    (a lazy sha1), which sends `hmac.new` down the pure-Python path; by name it is one C call."""

    def __init__(self, digest_method: Any) -> None:
        super().__init__(digest_method)
        self.digest_name = digest_method().name

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, self.digest_name)


class _KeyKeepingSigner(TimestampSigner):
    """itsdangerous derives the key from the secret for every signature; it is the same each time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = _OneShotHMAC(self.digest_method)
        self._derived: dict[bytes | None, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        lookup = None if secret_key is None else want_bytes(secret_key)
        key = self._derived.get(lookup)
        if key is None:
            key = self._derived[lookup] = super().derive_key(secret_key)
        return key


class _SessionJSON(TaggedJSONSerializer):
    """Flask's tagged JSON for the session cookie. A session of plain strings (a reader's, holding
    its CSRF token) needs no tags: it is dumped as Flask would dump it, without walking the tags."""

    def dumps(self, value: Any) -> str:
        if value.__class__ is dict and all(k.__class__ is str and v.__class__ is str and k[:1] != " "
                                           for k, v in value.items()):
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        return super().dumps(value)


class SigningSerializer(URLSafeTimedSerializer):
    """`URLSafeTimedSerializer`, its output read by the stock one, made cheaper to use often: one
    signer per salt, kept with its derived keys, and no zlib attempt on a payload too short to
    shrink (a session holding a CSRF token; the token itself)."""

    default_signer = _KeyKeepingSigner
    COMPRESS_FROM = 128  # bytes of JSON

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[Any, Any] = {}

    def make_signer(self, salt: str | bytes | None = None):
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer

    def dump_payload(self, obj: Any) -> bytes:
        json = want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))
        if len(json) >= self.COMPRESS_FROM:  # as URLSafeSerializerMixin: zlib when it shrinks
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:
                return b"." + base64_encode(compressed)
        return base64_encode(json)


class LazySessionInterface(SecureCookieSessionInterface):
    session_class = LazySession
    serializer = _SessionJSON()

    def __init__(self) -> None:
        self._serializers: dict[tuple, Any] = {}

    def get_signing_serializer(self, app: Flask):
        """Flask's serializer for the cookie, as `SigningSerializer`. Flask builds a new one for every
        request; it is the same while the keys are."""
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)  # current key last
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = SigningSerializer(
                list(keys), salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method})
            self._serializers = {keys: serializer}
        return serializer

    def open_session(self, app: Flask, request: Request) -> LazySession | None:
        if not app.secret_key:
            return None

        def load() -> dict[str, Any]:
            # The Cookie header itself is parsed only now: the counter never needs it.
            value = request.cookie(self.get_cookie_name(app))
            if not value:
                return {}
            serializer = self.get_signing_serializer(app)
            max_age = int(app.permanent_session_lifetime.total_seconds())
            try:
                return serializer.loads(value, max_age=max_age)
            except BadSignature:
                return {}

        return LazySession(load)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, LazySession) and not session.loaded:
            return  # never read nor written in this request: the browser's cookie stands
        super().save_session(app, session, response)


_CSRF_SERIALIZERS = "talkback_csrf_serializer"


def _csrf_signing(app: Flask) -> tuple[str, SigningSerializer] | None:
    """The session key of the raw CSRF token, and the serializer that signs it for forms: Flask-WTF's
    (WTF_CSRF_FIELD_NAME, WTF_CSRF_SECRET_KEY or the secret key, salt "wtf-csrf-token"), made once.
    None when the app has no secret to sign with."""
    config = app.config
    field_name = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    secret = config.get("WTF_CSRF_SECRET_KEY") or app.secret_key
    if not secret:
        return None
    kept = app.extensions.get(_CSRF_SERIALIZERS)
    if kept is None or kept[0] != secret or kept[1] != field_name:
        kept = app.extensions[_CSRF_SERIALIZERS] = (
            secret, field_name, SigningSerializer(secret, salt="wtf-csrf-token"))
    return kept[1], kept[2]


def _new_raw_token() -> str:
    return os.urandom(20).hex()  # 40 hex digits, as Flask-WTF's


def csrf_token() -> str:
    """The signed CSRF token of this session, as Flask-WTF's `generate_csrf` makes it (the same raw
    token in the session, signed with the same secret and salt, kept for the request in `g`) and
    as its `validate_csrf` checks it."""
    app = current_app._get_current_object()
    signing = _csrf_signing(app)
    if signing is None:
        from flask_wtf.csrf import generate_csrf

        return generate_csrf()  # raises Flask-WTF's own error
    field_name, serializer = signing
    token = g.get(field_name)
    if token is None:
        raw = session.get(field_name)
        if raw.__class__ is not str:
            raw = session[field_name] = _new_raw_token()
        token = serializer.dumps(raw)
        setattr(g, field_name, token)
    return token


def _reader_signing(app: Flask) -> tuple[str, SigningSerializer, Any] | None:
    """Outside a request: the CSRF token's session key and serializer, and the session cookie's
    serializer. None when the app has no secret to sign with."""
    signing = _csrf_signing(app)
    serializer = app.session_interface.get_signing_serializer(app)
    if signing is None or serializer is None:
        return None
    return (*signing, serializer)


def reader_csrf_token(app: Flask, cookie: str) -> str | None:
    """The signed CSRF token for the page of a browser whose session cookie holds a CSRF token and
    nothing else, as `csrf_token()` would make it; None for any other cookie (a bad or outdated
    signature, an empty session, one with a login or a message in it)."""
    signing = _reader_signing(app)
    if signing is None:
        return None
    field_name, csrf_serializer, serializer = signing
    try:
        data = serializer.loads(cookie, max_age=int(app.permanent_session_lifetime.total_seconds()))
    except BadSignature:
        return None
    raw = data.get(field_name) if data.__class__ is dict and len(data) == 1 else None
    return csrf_serializer.dumps(raw) if raw.__class__ is str else None


def new_reader_session(app: Flask) -> tuple[str, str] | None:
    """A first visitor's session, made outside a request: the signed CSRF token for the page's form
    and the Set-Cookie value that carries the session — what `csrf_token()` and `save_session` make
    for a browser with no session. None when the app has no secret."""
    signing = _reader_signing(app)
    if signing is None:
        return None
    field_name, csrf_serializer, serializer = signing
    interface = app.session_interface
    raw = _new_raw_token()
    cookie = dump_cookie(
        interface.get_cookie_name(app), serializer.dumps({field_name: raw}),
        domain=interface.get_cookie_domain(app), path=interface.get_cookie_path(app),
        secure=interface.get_cookie_secure(app), httponly=interface.get_cookie_httponly(app),
        samesite=interface.get_cookie_samesite(app), partitioned=interface.get_cookie_partitioned(app),
        max_size=app.config["MAX_COOKIE_SIZE"])
    return csrf_serializer.dumps(raw), cookie
