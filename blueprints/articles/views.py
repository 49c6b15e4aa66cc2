"""Reader pages: the front page, an article with its comment section, the comment policy."""

from flask import abort, get_flashed_messages, make_response, render_template, request

from talkback import settings

from ..comments import cache
from ..comments.screening import comments_closed
from ..comments.section import comment_form, section_context
from . import bp
from .content import article_view, latest_articles, policy_text
from .redirects import legacy_query_redirect


@bp.get("/")
def index():
    return legacy_query_redirect() or render_template("articles/index.html", summaries=latest_articles())


@bp.get("/articles/<slug>")
def show(slug: str):
    article = article_view(slug) or abort(404)
    site = settings.current()
    # (Not asked without a query string: a missing key costs MultiDict.get an exception.)
    page = request.args.get("cpage", type=int) if request.query_string else None
    rules = settings.public_rules()
    # What the page depends on: the cache key, and this browser's ETag. None once the session turns
    # out to carry one-shot state.
    state = cache.page_state(article, page, comments_closed(article, site))
    if state.etag and state.etag in request.if_none_match:
        response = make_response("", 304)
        response.vary.add("Cookie")  # as the 200 it stands for (RFC 9110, 15.4.5)
    else:
        state = state if cache.reader_session_only() else None
        html = cache.cached_page(state) if state else None
        if html is None:
            form = comment_form(site)
            # After a plain (no-JS) post, Post/Redirect/Get brings the thank-you message here.
            flashed = get_flashed_messages(category_filter=["comment-status"])
            context = section_context(article, form, site, page=page,
                                      status_message=flashed[0] if flashed else "")
            html = render_template("articles/page.html", rules=rules,
                                   policy_disclaimer=policy_text(site, "POLICY_DISCLAIMER"), **context)
            if state:
                cache.store_page(state, html, form)
        response = make_response(html)
    if state and state.etag:
        response.set_etag(state.etag)
    # The page carries a per-session CSRF token: browsers may keep it, but must revalidate.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/policy")
def policy():
    site = settings.current()
    return render_template(
        "articles/policy.html",
        rules=settings.public_rules(),
        full_text=policy_text(site, "POLICY_FULL_TEXT"),
    )
