"""The comment section's context, shared by the article page and the posting view."""

from __future__ import annotations

from typing import Any

from flask import session

from talkback.models import Article, Comment
from talkback.settings import Settings

from . import cookies
from .cache import approved_comments, smiley_bar_html
from .fields import count_body
from .forms import CommentForm, form_stamp
from .listing import own_comments
from .screening import CLOSED_MESSAGE, comments_closed

# Name, email and website carried across the Post/Redirect/Get of a plain form post.
PREFILL_KEY = "comment_author_prefill"


def comment_form(site: Settings, formdata: Any = None, data: dict[str, Any] | None = None) -> CommentForm:
    """A form bound to what was posted, or a blank one (prefilled with `data`)."""
    return CommentForm(formdata=formdata, data=data, max_length=site["COMMENT_MAX_LENGTH"])


def reader_prefill() -> dict[str, Any]:
    """What this browser's blank form starts with: the details of the plain (no-JS) post it just
    made (carried in the session across the redirect), else the remembered ones (a cookie).
    Only for a request that carries a cookie of ours: it opens the session."""
    remembered = cookies.remembered_author()
    carried = session.pop(PREFILL_KEY, None) if PREFILL_KEY in session else None
    return {**(carried or remembered), "remember": bool(remembered)}


def blank_again(form: CommentForm, keep: dict[str, Any]) -> CommentForm:
    """The posted form made blank for the next comment: what `comment_form(site, data=keep)` would
    build (the author's details in `keep`, the remember box, a new stamp, nothing else), made from
    the form at hand instead of a second form."""
    if form.errors:
        raise ValueError("only a form that passed validation is blanked")
    for field in form:
        field.data = keep.get(field.name)
        field.raw_data = None
    form.rendered_at.data = form_stamp()
    return form


def section_context(
    article: Article, form: CommentForm, site: Settings, *, page: int | None = None,
    status_message: str = "", status_kind: str = "info", own_ids: list[int] | None = None,
    focus_body: bool = False, just_posted: Comment | None = None,
) -> dict[str, Any]:
    """What the comment section shows. `own_ids`: the reader's pending comments ([] for the
    anonymous page; None reads them from this browser's cookie)."""
    closed = comments_closed(article, site)
    approved, shown_page = approved_comments(article, page, site["COMMENTS_PER_PAGE"])
    return {
        "article": article,
        # Rendered HTML, cached until the next change to the article's public comments (cache.py).
        "approved_comments": approved,
        "shown_page": shown_page,
        "own_comments": own_comments(article, cookies.pending_ids() if own_ids is None else own_ids,
                                     just_posted),
        "form": form,
        "count": count_body(form.body.data or "", form.max_length),
        "closed": closed,
        "closed_message": CLOSED_MESSAGE,
        "status_message": status_message,
        "status_kind": status_kind,
        "focus_body": focus_body,
        "smiley_bar": smiley_bar_html(article),
    }
