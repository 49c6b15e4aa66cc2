"""Reader pages: the front page, an article with its comment section, the comment policy."""

from flask import abort, get_flashed_messages, render_template, request

from ... import settings
from ..comments.section import comment_form, section_context
from . import bp
from .content import article_by_slug, latest_articles, policy_context, policy_rules, policy_text


@bp.get("/")
def index():
    return render_template("articles/index.html", summaries=latest_articles())


@bp.get("/articles/<slug>")
def show(slug: str):
    article = article_by_slug(slug) or abort(404)
    site = settings.current()
    page = request.args.get("cpage", type=int)
    # After a plain (no-JS) post, Post/Redirect/Get brings the thank-you message here.
    flashed = get_flashed_messages(category_filter=["comment-status"])
    context = section_context(article, comment_form(site), site, page=page,
                              status_message=flashed[0] if flashed else "")
    return render_template("articles/page.html", **policy_context(site), **context)


@bp.get("/policy")
def policy():
    site = settings.current()
    return render_template(
        "articles/policy.html",
        rules=policy_rules(),
        full_text=policy_text(site, "POLICY_FULL_TEXT"),
    )
