"""Reader actions: post a comment, the live character counter, inserting a smiley without JS."""

from __future__ import annotations

import time

from flask import abort, flash, make_response, render_template, request, session, url_for
from flask_limiter import RequestLimit
from flask_login import current_user

from talkback import settings
from talkback.database import reads_first
from talkback.extensions import client_ip, csrf, limiter
from talkback.models import CommentStatus

from ..articles.content import article_by_slug, policy_context, public_article_view
from ..htmx import is_htmx, redirect_to
from . import bp, cookies
from .fields import count_body
from .forms import AUTHOR_FIELDS, FORM_FIELDS
from .origin import REFUSED_MESSAGE, cross_origin
from .posting import submit_comment
from .screening import Submission
from .section import PREFILL_KEY, blank_again, comment_form, section_context
from .text import SMILIES, Count

SMILEY_CODES = frozenset(s.code for s in SMILIES)

AWAITING_MODERATION = "Thank you — your comment is awaiting moderation."
PUBLISHED = "Thank you — your comment is published."
REPEATED_FIELD_MESSAGE = ("The form arrived with the field “{}” sent more than once, so we could not "
                          "tell which to keep. Please reload the page and send it again.")
POSTING_LIMIT_MESSAGE = ("You have posted too many comments from this address for now. Please wait "
                         "a while and send it again; everything you typed is still here.")
COUNTER_LIMIT_MESSAGE = "The counter is paused for a moment (too many requests); your text is kept."
COUNTER_TEMPLATE = "comments/_counter.html"


@bp.before_request
def _refuse_cross_origin() -> None:
    """The reader's POSTs carry no CSRF token (their page is the same for everyone): one sent by
    another site's page is refused here instead (origin.py). 403, in the error region for htmx, so
    the reader's text stays in the form."""
    if request.method == "POST" and cross_origin(
            request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"), request.host):
        abort(403, REFUSED_MESSAGE)


def _reject_repeated_fields() -> None:
    for name, values in request.form.lists():
        if len(values) > 1 and name in FORM_FIELDS:
            abort(400, REPEATED_FIELD_MESSAGE.format(name))


def _is_moderator() -> bool:
    return bool(current_user.is_authenticated)


def _retry_after(limit: RequestLimit) -> int:
    return max(1, int(limit.reset_at - time.time()) + 1)


def _posting_limit_reached(limit: RequestLimit):
    """Over the per-IP posting limit: the section comes back with the form kept (429)."""
    article = article_by_slug(request.view_args["slug"]) if request.view_args else None
    if article is None:
        return None  # the generic 429 page
    site = settings.current()
    form = comment_form(site, formdata=request.form)
    response = _render_section(article, form, site, 429, status_kind="error",
                               status_message=POSTING_LIMIT_MESSAGE)
    response.headers["Retry-After"] = str(_retry_after(limit))
    return response


def _counter_limit_reached(limit: RequestLimit):
    """Over the counter's limit: the counter says so, in its own live region (429)."""
    response = make_response(render_template(COUNTER_TEMPLATE, paused=COUNTER_LIMIT_MESSAGE), 429)
    response.headers["HX-Retarget"] = "#comment-counter"
    response.headers["HX-Reswap"] = "innerHTML"
    response.headers["Retry-After"] = str(_retry_after(limit))
    return response


def _counter_limit() -> str:
    return settings.rate_limit(settings.current(), "COUNTER_RATE_LIMIT")


def _render_section(article, form, site, status: int, **extra):
    """The article page (plain form) or the comment section alone (htmx)."""
    context = section_context(article, form, site, **extra)
    if is_htmx():
        response = make_response(render_template("comments/_section.html", oob_status=True, **context),
                                 status)
        # Refusals (403, 409, 429) replace the section too, so the reader keeps what they typed.
        response.headers["HX-Retarget"] = "#comments"
        response.headers["HX-Reswap"] = "outerHTML"
        response.vary.add("HX-Request")
        return response
    page = render_template("articles/page.html", **policy_context(site), **context)
    return make_response(page, status)


@csrf.exempt  # guarded by _refuse_cross_origin
@bp.post("/articles/<slug>/comments")
# Reads (the article, the settings, the login) before taking SQLite's write lock for screening
# and the insert (posting.submit_comment).
@reads_first
@limiter.limit(lambda: settings.rate_limit(settings.current(), "COMMENT_RATE_LIMIT"),
               exempt_when=_is_moderator,
               # Form errors (422) do not count: a reader fixing a typo is not a flood.
               deduct_when=lambda response: response.status_code != 422,
               error_message=POSTING_LIMIT_MESSAGE, on_breach=_posting_limit_reached)
def create(slug: str):
    _reject_repeated_fields()
    article = public_article_view(slug) or abort(404)
    site = settings.current()
    form = comment_form(site, formdata=request.form)
    if not form.validate():
        return _render_section(article, form, site, 422, status_kind="error",
                               status_message="Your comment was not posted yet: please correct the "
                                              "marked fields. Everything you typed is still here.")
    submission = Submission(
        **{name: form.cleaned[name] for name in AUTHOR_FIELDS},
        body=form.cleaned["body"],
        ip=client_ip(),
        user_agent=request.user_agent.string,
        moderator_id=current_user.id if current_user.is_authenticated else None,
        honeypot=form.url.data or "",
        form_age=form.stamp.seconds,
        stamp_expired=form.stamp.expired,
        key=form.cleaned.get("submission_key"),
    )
    outcome = submit_comment(article, submission, site)
    if outcome.comment is None:
        return _render_section(article, form, site, outcome.decision.http_status,
                               status_kind="error", status_message=outcome.decision.message)

    if outcome.comment.status == CommentStatus.APPROVED:
        article = public_article_view(slug) or abort(404)  # its comments_version moved: the list changed
    author = {name: form.cleaned[name] for name in AUTHOR_FIELDS}
    own_ids = cookies.pending_ids()
    # Spam is answered exactly like a pending comment: a bot learns nothing.
    message = PUBLISHED if outcome.comment.status == CommentStatus.APPROVED else AWAITING_MODERATION
    if is_htmx():
        fresh = blank_again(form, {**author, "remember": form.remember.data})
        response = _render_section(article, fresh, site, 200, status_message=message,
                                   own_ids=own_ids, just_posted=outcome.comment)
    else:
        flash(message, "comment-status")
        session[PREFILL_KEY] = author
        response = redirect_to(url_for("articles.show", slug=article.slug, _anchor="comment-status"))
    cookies.remember_pending(response, outcome.comment.id, own_ids)
    cookies.remember_author(response, author if form.remember.data else None)
    return response


# The counter changes no state; a forged request could learn nothing (another site's page cannot
# read the answer). It stays a POST because the body can be ~6 KB form-encoded.
@csrf.exempt  # guarded by _refuse_cross_origin
@bp.post("/comments/counter", endpoint="counter")
@limiter.limit(_counter_limit, on_breach=_counter_limit_reached)
def counter_view():
    """The live counter: text in, counter text out, under the limit the validator applies."""
    _reject_repeated_fields()
    count = count_body(request.form.get("body", ""), settings.current()["COMMENT_MAX_LENGTH"])
    response = make_response(render_template(COUNTER_TEMPLATE, count=count))
    response.headers["HX-Trigger"] = hx_trigger(count)
    return response


def hx_trigger(count: Count) -> str:
    """The event the page's script sets aria-invalid on the textarea from."""
    return '{"talkback:counted": {"tooLong": %s}}' % ("true" if count.too_long else "false")


@csrf.exempt  # guarded by _refuse_cross_origin
@bp.post("/articles/<slug>/comments/smiley")
def insert_smiley(slug: str):
    """Without JavaScript a smiley button submits the form here: the code is appended to the
    comment and the form comes back with everything kept (nothing is stored)."""
    _reject_repeated_fields()
    article = public_article_view(slug) or abort(404)
    site = settings.current()
    form = comment_form(site, formdata=request.form)
    code = request.form.get("smiley", "")
    if code in SMILEY_CODES:
        text = form.body.data or ""
        form.body.data = f"{text}{'' if not text or text[-1].isspace() else ' '}{code} "
    return _render_section(article, form, site, 200, focus_body=True)
