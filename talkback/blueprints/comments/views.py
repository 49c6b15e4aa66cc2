"""Reader actions: post a comment, the live character counter, inserting a smiley without JS."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, request, session, url_for
from flask_login import current_user

from ... import settings
from ...extensions import client_ip
from ..articles.content import article_by_slug, policy_context
from ..htmx import is_htmx, redirect_to
from . import bp, cookies
from .fields import count_body
from .posting import submit_comment
from .screening import Submission
from .section import PREFILL_KEY, comment_form, section_context
from .text import SMILIES

SMILEY_CODES = frozenset(s.code for s in SMILIES)

AWAITING_MODERATION = "Thank you — your comment is awaiting moderation."
AUTHOR_FIELDS = ("author_name", "author_email", "author_website")


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


@bp.post("/articles/<slug>/comments")
def create(slug: str):
    article = article_by_slug(slug) or abort(404)
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
    )
    outcome = submit_comment(article, submission, site)
    if outcome.comment is None:
        return _render_section(article, form, site, outcome.decision.http_status,
                               status_kind="error", status_message=outcome.decision.message)

    author = {name: form.cleaned[name] for name in AUTHOR_FIELDS}
    own_ids = cookies.pending_ids()
    if is_htmx():
        fresh = comment_form(site, keep={**author, "remember": form.remember.data})
        response = _render_section(article, fresh, site, 200, status_message=AWAITING_MODERATION,
                                   own_ids=[*own_ids, outcome.comment.id])
    else:
        flash(AWAITING_MODERATION, "comment-status")
        session[PREFILL_KEY] = author
        response = redirect_to(url_for("articles.show", slug=article.slug, _anchor="comment-status"))
    cookies.remember_pending(response, outcome.comment.id, own_ids)
    cookies.remember_author(response, author if form.remember.data else None)
    return response


@bp.post("/comments/counter")
def counter():
    """The live counter: text in, counter text out. Touches no database (settings snapshot)."""
    count = count_body(request.form.get("body", ""), settings.snapshot()["COMMENT_MAX_LENGTH"])
    response = make_response(render_template("comments/_counter.html", count=count))
    # The page's script sets aria-invalid on the textarea from this.
    response.headers["HX-Trigger"] = '{"talkback:counted": {"tooLong": %s}}' % (
        "true" if count.too_long else "false"
    )
    return response


@bp.post("/articles/<slug>/comments/smiley")
def insert_smiley(slug: str):
    """Without JavaScript a smiley button submits the form here: the code is appended to the
    comment and the form comes back with everything kept (nothing is stored)."""
    article = article_by_slug(slug) or abort(404)
    site = settings.current()
    form = comment_form(site, formdata=request.form)
    code = request.form.get("smiley", "")
    if code in SMILEY_CODES:
        text = form.body.data or ""
        form.body.data = f"{text}{'' if not text or text[-1].isspace() else ' '}{code} "
    return _render_section(article, form, site, 200, focus_body=True)
