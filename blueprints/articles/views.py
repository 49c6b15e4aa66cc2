"""Reader pages: the front page, an article with its comment section, the comment policy."""

from flask import abort, current_app, get_flashed_messages, make_response, render_template, request

from talkback import settings
from talkback.settings import Settings

from ..comments import cache, cookies
from ..comments.screening import comments_closed
from ..comments.section import comment_form, reader_prefill, section_context
from . import bp
from .content import ArticleView, article_view, latest_articles, policy_context, policy_text


@bp.get("/")
def index():
    return render_template("articles/index.html", summaries=latest_articles())


@bp.get("/articles/<slug>")
def show(slug: str):
    article = article_view(slug) or abort(404)
    site = settings.current()
    page = request.args.get("cpage", type=int)
    if cookies.has_our_cookie():
        # Pending comments, remembered details, a flashed message, a moderator: this browser's own.
        response = make_response(_own_page(article, site, page))
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        # The same bytes for every reader: any HTTP cache may keep them for ARTICLE_MAX_AGE.
        response = make_response(_anonymous_page(article, site, page))
        response.headers["Cache-Control"] = f"public, max-age={current_app.config['ARTICLE_MAX_AGE']}"
    response.vary.add("Cookie")  # which of the two a browser gets depends on its cookies
    response.add_etag()
    return response.make_conditional(request)


def _anonymous_page(article: ArticleView, site: Settings, page: int | None) -> str:
    """Rendered once per key for everyone (cache.page_key); reads neither the session nor the
    login, so it sets no cookie."""
    key = cache.page_key(article, page, comments_closed(article, site))
    html = cache.kept_page(key)
    if html is None:
        context = section_context(article, comment_form(site), site, page=page, own_ids=[])
        html = render_template("articles/page.html", **policy_context(site), **context)
        if page is None or page == context["shown_page"]:  # no entries for pages that do not exist
            cache.keep_page(key, html)
    return html


def _own_page(article: ArticleView, site: Settings, page: int | None) -> str:
    form = comment_form(site, data=reader_prefill())
    # After a plain (no-JS) post, Post/Redirect/Get brings the thank-you message here.
    flashed = get_flashed_messages(category_filter=["comment-status"])
    context = section_context(article, form, site, page=page, status_message=flashed[0] if flashed else "")
    return render_template("articles/page.html", **policy_context(site), **context)


@bp.get("/policy")
def policy():
    site = settings.current()
    return render_template(
        "articles/policy.html",
        rules=settings.public_rules(),
        full_text=policy_text(site, "POLICY_FULL_TEXT"),
    )


