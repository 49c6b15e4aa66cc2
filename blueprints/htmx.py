"""htmx conventions in one place: detecting htmx requests, page-or-fragment, redirects."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, redirect, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that is not a history restore (which wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get(
        "HX-History-Restore-Request"
    ) != "true"


def render_page_or_fragment(
    page: str, fragment: str, status: int = 200, **context: Any
) -> Response:
    """The whole page for a browser, the one swapped region for htmx; varies on HX-Request."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_to(location: str) -> Response:
    """Post/Redirect/Get: 303 for a browser, HX-Redirect for htmx (a 302 would be followed
    inside the XHR and swap the target page into the region)."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)
