"""The newsroom's pages: the list of articles, the editor (write, preview, save, publish or schedule),
unpublish and delete. Editors and admins only. Every form works without JavaScript (Post/Redirect/
Get); with htmx the preview follows the text as it is typed."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, get_flashed_messages, render_template, request, url_for
from flask_login import current_user

from talkback.extensions import db, login_manager
from talkback.models import Article, Comment, CommentStatus, utcnow

from ..articles.markdown import excerpt_of, render_markdown
from ..htmx import is_htmx, redirect_to
from ..web import localtime
from . import bp, editing
from .forms import ArticleForm

FLASH = "newsroom"
PAGE_SIZE = 50
SAID = {
    "create": "Saved the draft “{title}”.",
    "publish": "Published “{title}”.",
    "schedule": "Scheduled “{title}” for {when}.",
    "save": "Saved “{title}”.",
    "unpublish": "Unpublished “{title}”: readers no longer see it.",
    "delete": "Deleted “{title}”.",
}


@bp.before_request
def _editors_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.can_edit_articles:
        abort(403, "Only editors and admins write articles.")
    return None


@bp.after_request
def _not_cached(response):
    response.headers["Cache-Control"] = "no-store"  # drafts are nobody else's business
    return response


@bp.get("/")
def articles():
    before = request.args.get("before", type=int)
    query = sa.select(Article).order_by(Article.id.desc()).limit(PAGE_SIZE + 1)
    if before:
        query = query.where(Article.id < before)
    found = list(db.session.scalars(query))
    page, more = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    counts = _comment_counts([a.id for a in page])
    return render_template("newsroom/articles.html", articles=page, counts=counts, state=editing.state,
                           next_before=page[-1].id if more else None,
                           messages=get_flashed_messages(category_filter=[FLASH]))


def _comment_counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Approved and pending comments of each article, in one query."""
    rows = db.session.execute(
        sa.select(Comment.article_id, Comment.status, sa.func.count())
        .where(Comment.article_id.in_(ids),
               Comment.status.in_([CommentStatus.APPROVED, CommentStatus.PENDING]))
        .group_by(Comment.article_id, Comment.status)
    ) if ids else []
    counts: dict[int, dict[str, int]] = {i: {"approved": 0, "pending": 0} for i in ids}
    for article_id, status, n in rows:
        counts[article_id][status.value] = n
    return counts


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = ArticleForm()
    if request.method == "POST" and request.form.get("action") != "preview" and form.validate():
        publishing = request.form.get("action") == "publish"
        article = editing.create(form.draft(), current_user, published=publishing)
        db.session.commit()
        return _done(article, "create" if not publishing else _publish_word(article))
    return _editor(None, form)


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
def edit(article_id: int):
    article = _article(article_id)
    form = ArticleForm() if request.method == "POST" else ArticleForm.for_article(article)
    if request.method == "POST" and request.form.get("action") != "preview" and form.validate():
        draft = form.draft()
        editing.update(article, draft, current_user)
        action = "save"
        if request.form.get("action") == "publish":
            editing.publish(article, current_user, draft.published_at)
            action = _publish_word(article)
        db.session.commit()
        return _done(article, action)
    return _editor(article, form)


@bp.post("/preview")
def preview():
    """The preview region alone (htmx, as the editor types)."""
    form = ArticleForm()
    return render_template("newsroom/_preview.html", preview=_preview(form))


@bp.post("/<int:article_id>/publish")
def publish(article_id: int):
    article = _article(article_id)
    editing.publish(article, current_user)
    db.session.commit()
    return _done(article, _publish_word(article))


@bp.post("/<int:article_id>/unpublish")
def unpublish(article_id: int):
    article = _article(article_id)
    try:
        editing.unpublish(article, current_user)
    except editing.EditingError as error:
        abort(409, str(error))
    db.session.commit()
    return _done(article, "unpublish")


@bp.post("/<int:article_id>/delete")
def delete(article_id: int):
    article = _article(article_id)
    title = article.title
    try:
        editing.delete(article, current_user)
    except editing.EditingError as error:
        flash(str(error), FLASH)
        return redirect_to(url_for("newsroom.edit", article_id=article_id, _anchor="newsroom-status"))
    db.session.commit()
    flash(SAID["delete"].format(title=title), FLASH)
    return redirect_to(url_for("newsroom.articles"))


def _article(article_id: int) -> Article:
    return db.session.get(Article, article_id) or abort(404)


def _publish_word(article: Article) -> str:
    return "schedule" if article.published_at and article.published_at > utcnow() else "publish"


def _done(article: Article, action: str):
    when = article.published_at
    flash(SAID[action].format(title=article.title, when=when and localtime(when)), FLASH)  # site time zone
    return redirect_to(url_for("newsroom.edit", article_id=article.id, _anchor="newsroom-status"))


def _preview(form: ArticleForm) -> dict[str, object]:
    body = (form.body.data or "").replace("\r\n", "\n")
    return {"title": form.title.data or "", "byline": form.byline.data or "",
            "body": render_markdown(body), "excerpt": form.excerpt.data or excerpt_of(body)}


def _editor(article: Article | None, form: ArticleForm):
    status = 422 if request.method == "POST" and form.errors else 200
    previewing = request.method == "POST" or article is not None
    html = render_template(
        "newsroom/edit.html", article=article, form=form, state=editing.state(article) if article else "new",
        preview=_preview(form) if previewing else None,
        history=editing.history(article) if article else [], changed_fields=editing.changed_fields,
        messages=get_flashed_messages(category_filter=[FLASH]),
        partial=is_htmx(),
    )
    return html, status
