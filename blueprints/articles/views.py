"""Reader pages: the front page, an article with its comment section, the comment policy."""

from flask import (
    abort,
    current_app,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from talkback import settings
from talkback.settings import Settings

from ..comments import cache, cookies, listing
from ..comments.screening import comments_closed
from ..comments.section import comment_form, reader_prefill, section_context
from . import bp
from .content import ArticleView, article_view, latest_articles, policy_context, policy_text
from .redirects import legacy_query_redirect, redirect_for


@bp.get("/")
def index():
    front = latest_articles(request.args.get("page", 1, type=int))
    return legacy_query_redirect() or render_template("articles/index.html", front=front)


@bp.get("/articles/<slug>")
def show(slug: str):
    article = article_view(slug)
    if article is None:
        return redirect_for(f"/articles/{slug}") or abort(404)  # an old address, or nothing
    if not article.is_public:
        return _unpublished(article)
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


@bp.get("/articles/<slug>/comments/<int:number>")
def comment_link(slug: str, number: int):
    """Where `#comment-<number>` is when the article's page at hand does not show it (an older
    comment page; an old WordPress number): site.js comes here. The comment's page and anchor for
    an approved comment, else the article."""
    article = article_view(slug)
    if article is None or not article.is_public:
        abort(404)
    found = listing.linked_comment(article.id, number)
    page = listing.page_of(found, settings.current()["COMMENTS_PER_PAGE"]) if found else None
    if page is None:
        return redirect(url_for("articles.show", slug=article.slug))
    return redirect(url_for("articles.show", slug=article.slug, cpage=page, _anchor=f"comment-{found.id}"))


def _unpublished(article: ArticleView):
    """A draft or a scheduled article: 404 for readers, the page with a banner for editors."""
    if not (current_user.is_authenticated and current_user.can_edit_articles):
        abort(404)
    site = settings.current()
    context = section_context(article, comment_form(site), site, own_ids=[])
    html = render_template("articles/page.html", not_published=True, **policy_context(site), **context)
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


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


