"""Old addresses of articles (WordPress permalinks, renamed slugs) answer 301 to the new one.

Stored by the WordPress import (`talkback/wordpress_import.py`) as `ArticleRedirect` rows. A
`#comment-N` fragment stays with the browser across the redirect: an imported comment keeps its
WordPress number as its id where it could (the anchor just works); one renumbered carries the old
number as data-wp-comment (`comments/_comment.html`) and static/js/site.js moves there.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, request, url_for
from werkzeug.exceptions import NotFound

from talkback.extensions import db
from talkback.models import Article, ArticleRedirect
from talkback.wordpress_import import normalise_path

from . import bp


def redirect_for(path: str, query: str = ""):
    """The 301 to the article an old address names, or None (also while it is not public: a draft's
    new address is nobody's business yet)."""
    key = normalise_path(path, query)
    if key is None:
        return None
    slug = db.session.scalar(
        sa.select(Article.slug).join(ArticleRedirect, ArticleRedirect.article_id == Article.id)
        .where(ArticleRedirect.path == key, Article.public())
    )
    return redirect(url_for("articles.show", slug=slug), 301) if slug else None


@bp.app_errorhandler(NotFound)
def old_address(error: NotFound):
    """An address no route knows (not a view's own 404): an old permalink's 301, or the site's 404
    page. Done here rather than by a catch-all route, which would turn every 405 into a 404."""
    if request.method in ("GET", "HEAD") and request.url_rule is None:
        found = redirect_for(request.path)
        if found is not None:
            return found
    from ..web import http_error  # (web.py imports the blueprints)

    return http_error(error)


def legacy_query_redirect():
    """The front page with WordPress's `?p=123` / `?page_id=7`: the article it named."""
    if request.args.get("p") or request.args.get("page_id"):
        return redirect_for("/", request.query_string.decode("ascii", "replace"))
    return None
