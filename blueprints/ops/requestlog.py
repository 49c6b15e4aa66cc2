"""One structured log line per request, with a request id that is also sent back as X-Request-ID.

A WSGI middleware rather than Flask hooks: it sees every request, including those refused before
any view runs, and times the whole of it. Lines go to the "talkback.request" logger as JSON:

    {"ts": "...", "level": "info", "event": "request", "request_id": "9f1c…", "method": "POST",
     "path": "/articles/x/comments", "status": 303, "duration_ms": 12.4, "bytes": 0,
     "ip": "203.0.113.7", "user_agent": "…"}

Successful load-balancer health checks (GET /healthz answered 200) are logged at DEBUG, so they
do not drown the rest. Errors logged by the app carry the same request id.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, has_request_context, request
from flask.logging import default_handler

LOGGER = logging.getLogger("talkback.request")
ENVIRON_KEY = "talkback.request_id"
HEADER = "X-Request-ID"
_HEADER_LOWER = HEADER.lower()
# What we accept from a proxy's X-Request-ID: short, printable, nothing that could forge a log line.
_VALID_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# One encoder for every line: json.dumps with any option builds a new encoder per call.
_JSON = json.JSONEncoder(ensure_ascii=False)
_PLAIN = logging.Formatter("%(message)s")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def current_request_id() -> str | None:
    """This request's id (None outside a request)."""
    if not has_request_context():
        return None
    return request.environ.get(ENVIRON_KEY)


class RequestLogMiddleware:
    def __init__(self, wsgi_app: Callable, trust_header: bool, enabled: bool = True) -> None:
        self.wsgi_app = wsgi_app
        self.trust_header = trust_header
        self.enabled = enabled

    def _request_id(self, environ: dict[str, Any]) -> str:
        if self.trust_header:
            given = environ.get("HTTP_X_REQUEST_ID", "")
            if _VALID_ID.fullmatch(given):
                return given
        return os.urandom(16).hex()

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        request_id = environ[ENVIRON_KEY] = self._request_id(environ)
        seen: dict[str, Any] = {}

        def _start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
            kept = []  # one pass: any X-Request-ID of the app's is replaced; the length noted
            for name, value in headers:
                lowered = name.lower()
                if lowered == "content-length":
                    seen["bytes"] = int(value)
                if lowered != _HEADER_LOWER:
                    kept.append((name, value))
            kept.append((HEADER, request_id))
            seen["status"] = int(status[:3])
            return start_response(status, kept, exc_info)

        try:
            return self.wsgi_app(environ, _start_response)
        finally:
            if self.enabled:
                self._log(environ, request_id, seen, time.perf_counter() - started)

    def _log(self, environ: dict[str, Any], request_id: str, seen: dict[str, Any], seconds: float) -> None:
        status = seen.get("status", 500)
        path = environ.get("PATH_INFO", "")
        if status >= 500:
            level = logging.ERROR
        elif path == "/healthz" and status == 200:
            level = logging.DEBUG
        else:
            level = logging.INFO
        if not LOGGER.isEnabledFor(level):
            return
        line = {
            "ts": _timestamp(time.time()),
            "level": logging.getLevelName(level).lower(),
            "event": "request",
            "request_id": request_id,
            "method": environ.get("REQUEST_METHOD", ""),
            "path": environ.get("SCRIPT_NAME", "") + path,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "bytes": seen.get("bytes"),
            "ip": environ.get("REMOTE_ADDR", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:200],
        }
        text = _JSON.encode(line)
        handlers = LOGGER.handlers
        if (len(handlers) == 1 and type(handlers[0]) is StderrHandler and handlers[0].formatter is _PLAIN
                and not handlers[0].filters and not LOGGER.filters and handlers[0].level <= level):
            # The set-up init_app makes: the line goes to stderr exactly as the handler would write
            # it, without a LogRecord and the handler's formatting (most of the logging's cost).
            handler = handlers[0]
            handler.acquire()
            try:
                handler.stream.write(text + "\n")
            finally:
                handler.release()
            return
        # makeRecord + handle is Logger.log without its search of the call stack for the caller's
        # file and line, which this line never shows.
        LOGGER.handle(LOGGER.makeRecord(LOGGER.name, level, "", 0, text, (), None))


_second: tuple[int, str] = (-1, "")


def _timestamp(now: float) -> str:
    """ISO 8601 in UTC with milliseconds, as datetime.isoformat(timespec="milliseconds") gives
    it; the part up to the second is made once a second."""
    global _second
    whole, micros = divmod(round(now * 1_000_000), 1_000_000)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{micros // 1000:03d}+00:00"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def init_app(app: Flask) -> None:
    enabled = bool(app.config["REQUEST_LOG"])
    if enabled and not LOGGER.handlers:
        handler = StderrHandler()
        handler.setFormatter(_PLAIN)
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    # The app's own error lines name the request they belong to.
    if not any(isinstance(f, _RequestIdFilter) for f in default_handler.filters):
        default_handler.addFilter(_RequestIdFilter())
        default_handler.setFormatter(
            logging.Formatter("[%(asctime)s] %(levelname)s request_id=%(request_id)s %(name)s: %(message)s")
        )
    trust = app.config["TRUST_REQUEST_ID_HEADER"]
    if trust is None:
        trust = bool(app.config["PROXY_FIX_X_FOR"])
    app.wsgi_app = RequestLogMiddleware(app.wsgi_app, trust_header=bool(trust), enabled=enabled)
