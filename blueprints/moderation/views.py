"""The moderation dashboard: the queue, decisions (single, bulk, undo), edit and staff reply, the
moderation log, and the admin's page of moderators. Everything here needs a login.

Each decision is a POST form that works without JavaScript (Post/Redirect/Get back to the page it
came from, with the result and an Undo button flashed into the status region). With htmx the
response fills that status region (an aria-live region) and swaps the affected rows and the tab
counts out of band.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import wraps
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from talkback import settings
from talkback.extensions import client_ip, login_manager
from talkback.models import utcnow

from ..articles.content import policy_rules
from ..auth import accounts
from ..comments import listing
from ..htmx import is_htmx, redirect_to, render_page_or_fragment
from ..navigation import current_page, local_path, page_of_htmx_request
from . import actions, bp
from . import queue as q
from .actions import Refused

FLASH = "moderation"
# The buttons' labels (moderation.js presses a row's buttons by their names).
LABELS = {"approve": "Approve", "reject": "Reject", "spam": "Spam", "trash": "Trash",
          "restore": "Restore to pending"}
# The audit trail's sentences: "<moderator> approved it".
DID = {
    "approve": "approved it",
    "reject": "rejected it",
    "spam": "marked it as spam",
    "trash": "moved it to the trash",
    "restore": "restored it to pending",
    "edit": "edited it",
    "reply": "replied to it as staff",
    "undo": "undid a decision",
}
# What a finished decision says, by action; {name} is the comment's author.
SAID = {
    "approve": "Approved the comment by {name}.",
    "reject": "Rejected the comment by {name} under rule {rule}.",
    "spam": "Marked the comment by {name} as spam.",
    "trash": "Moved the comment by {name} to the trash.",
    "restore": "Restored the comment by {name} to pending.",
    "edit": "Saved your edit of the comment by {name}.",
    "reply": "Published your reply to {name} and approved their comment.",
    "undo": "Undone: the comment by {name} is {status} again.",
}
SAID_MANY = {
    "approve": "Approved {n} comments.",
    "reject": "Rejected {n} comments under rule {rule}.",
    "spam": "Marked {n} comments as spam.",
    "trash": "Moved {n} comments to the trash.",
    "restore": "Restored {n} comments to pending.",
    "undo": "Undone: {n} decisions.",
}


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.can_moderate:  # an editor: articles only
        if request.endpoint == "moderation.queue" and request.method == "GET":
            return redirect_to(url_for("newsroom.articles"))
        abort(403, "Editors work on articles only; comments are for moderators and admins.")
    return None


@bp.after_request
def _not_cached(response):
    # Dashboard pages carry readers' email and IP addresses: no copies in caches or the back button
    # after logging out.
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, "Only an admin can manage moderators and site settings.")
        return view(*args, **kwargs)

    return wrapped


@bp.context_processor
def _dashboard_helpers():
    return {
        "tabs": q.TABS,
        "count_limit": q.COUNT_LIMIT,
        "decisions_for": actions.decisions_for,
        "can_undo": lambda event: actions.undoable(event, current_user),
        "done": actions.DONE,
        "did": DID,
        "labels": LABELS,
        "waiting": waiting,
        "ago": actions.ago,
    }


def waiting(since) -> str:
    """How long a comment has waited, short: "waiting 3 h"."""
    seconds = max(0, int((utcnow() - since).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"waiting {seconds // size} {unit}"
    return "waiting under a minute"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _back() -> str:
    """Where a decision returns to: the dashboard page the form was on. A row's links (edit, reply,
    reject) carry no `back`: the page they were on is the htmx request's page, or the Referer."""
    sent = local_path(request.form.get("back") or request.args.get("back"), under="/moderation")
    if not sent and request.method == "GET":
        sent = page_of_htmx_request(under="/moderation") if is_htmx() else _referring_page()
    return sent or url_for("moderation.queue")


def _referring_page() -> str | None:
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return None
    return local_path(referrer.path + (f"?{referrer.query}" if referrer.query else ""), under="/moderation")


def _queue_of(back: str) -> q.QueueFilter | None:
    """The queue tab `back` shows, or None when it is not the queue (a comment's own page)."""
    path = back.split("?", 1)[0].split("#", 1)[0]
    return q.QueueFilter.from_path(back) if path == url_for("moderation.queue") else None


def _summary(queue: q.QueueFilter) -> dict:
    return {"queue": queue, "counts": q.counts(queue), "oldest": q.oldest_pending(queue)}


# --- Pages ----------------------------------------------------------------------------------------


@bp.get("/")
def queue():
    queue = q.QueueFilter.from_args(request.args)
    size = current_app.config["MODERATION_PAGE_SIZE"]
    after, before = q.Cursor.parse(request.args.get("after")), q.Cursor.parse(request.args.get("before"))
    page = q.page(queue, after=after, before=before, size=size)
    if before is not None and page.before is None:
        page = q.page(queue, size=size)  # back at the start: show a full first page
    return render_template(
        "moderation/queue.html", page=page, items=q.items_for(page.comments), tab=queue.status,
        articles=q.articles_for_filter(queue.article_id), rules=policy_rules(), back=current_page(),
        results=get_flashed_messages(category_filter=[FLASH]), **_summary(queue),
    )


@bp.get("/counts")
def counts():
    """The tab counts and the oldest pending age, out of band (the dashboard polls this)."""
    queue = q.QueueFilter.from_args(request.args)
    return render_template("moderation/_counts.html", oob=True, **_summary(queue))


def _comment_or_404(comment_id: int):
    return q.get_comment(comment_id) or abort(404, "There is no comment with that number.")


@bp.get("/comments/<int:comment_id>")
def comment(comment_id: int):
    """One comment with its whole trail (the log links here); htmx gets the row alone."""
    found = _comment_or_404(comment_id)
    back = _back() if is_htmx() else current_page()
    return _render_item(found, "full", back)


@bp.get("/on-site/<int:comment_id>")  # short: every queue row links here
def on_site(comment_id: int):
    """"View on site": the public page that shows the comment. An approved comment's page and anchor
    are worked out when the link is followed (so the queue's rows stay light); any other status
    goes to the article."""
    found = _comment_or_404(comment_id)
    page = listing.page_of(found, settings.current()["COMMENTS_PER_PAGE"])
    if page is None:
        return redirect_to(url_for("articles.show", slug=found.article.slug))
    return redirect_to(url_for("articles.show", slug=found.article.slug, cpage=page,
                               _anchor=f"comment-{found.id}"))


def _render_item(found, mode: str, back: str, status: int = 200, error: str = "", draft: str | None = None):
    """The comment's own page, or (htmx) its row for the page it is on: `back` says which."""
    queue = _queue_of(back)
    return render_page_or_fragment(
        "moderation/comment.html", "moderation/_item.html", status,
        item=q.items_for([found])[0], mode=mode, back=back, tab=queue.status if queue else None,
        rules=policy_rules(),
        error=error, draft=draft, results=get_flashed_messages(category_filter=[FLASH]),
    )


@bp.get("/log")
def log():
    log_filter = q.LogFilter.from_args(request.args)
    log_page = q.log_page(log_filter, before=_int(request.args.get("before")),
                          size=current_app.config["MODERATION_PAGE_SIZE"])
    return render_template("moderation/log.html", log_filter=log_filter, log_page=log_page,
                           moderators=accounts.all_moderators(), rules=policy_rules())


# --- Answering a decision -------------------------------------------------------------------------


@dataclass
class Said:
    """What the status region says after a decision, and which events its Undo button reverses."""

    text: str = ""
    problems: list[str] = field(default_factory=list)
    undo: list[int] = field(default_factory=list)
    # The comment it is about, when one: moderation.js moves focus on from its row.
    row: int | None = None


def _author(comment) -> str:
    return comment.author_name if comment is not None else "someone"


def _said(action: str, result: actions.BulkResult, *, undo: bool = True) -> Said:
    events = result.events
    text = ""
    if len(events) == 1:
        comment = events[0].comment
        text = SAID[action].format(name=comment.author_name, rule=events[0].rule_number,
                                   status=comment.status.value)
    elif events:
        text = SAID_MANY[action].format(n=len(events), rule=events[0].rule_number)
    alone = not events and len(result.skipped) == 1
    problems = [s.message if alone else f"Skipped the comment by {_author(s.comment)}: {s.message}"
                for s in result.skipped]
    single = {e.comment_id for e in events} | {s.comment_id for s in result.skipped}
    return Said(text, problems, [e.id for e in events] if undo else [],
                row=single.pop() if len(single) == 1 else None)


def _respond(said: Said, back: str, comments, *, status: int = 200, mode: str = "full",
             draft: str | None = None):
    """Every decision answers this way. A browser is sent back to its page (303) with the result
    flashed; htmx gets the result for the status region and the affected rows and counts out of band."""
    if not is_htmx():
        flash(asdict(said), FLASH)
        return redirect_to(f"{back}#moderation-status")
    queue = _queue_of(back)
    unique = list({c.id: c for c in comments}.values())
    response = make_response(render_template(
        "moderation/_result.html", results=[said], items=q.items_for(unique), back=back,
        tab=queue.status if queue else None, rules=policy_rules(), mode=mode,
        error=said.problems[0] if mode != "full" and said.problems else "", draft=draft,
        **(_summary(queue) if queue else {}),
    ), status)
    # Errors would otherwise land in #request-error (see HTMX_CONFIG); they belong to the dashboard.
    response.headers["HX-Retarget"] = "#moderation-status"
    response.headers["HX-Reswap"] = "innerHTML"
    response.vary.add("HX-Request")
    return response


def _refused(refusal: Refused, found, back: str, *, mode: str = "full", draft: str | None = None):
    status = 409 if isinstance(refusal, actions.Conflict) else 422
    if mode != "full" and not is_htmx():  # the edit or reply page again, with the text kept
        return _render_item(found, mode, back, status, error=refusal.message, draft=draft)
    return _respond(Said(problems=[refusal.message], row=found.id), back, [found], status=status, mode=mode,
                    draft=draft)


def _decision(action: str):
    def view(comment_id: int, revision: int | None = None):
        found = _comment_or_404(comment_id)
        back = _back()
        if revision is None:
            revision = _int(request.form.get("revision"))
        try:
            event = actions.decide(found, revision, action, current_user,
                                   rule_number=_int(request.form.get("rule")),
                                   note=request.form.get("note", ""))
        except Refused as refusal:
            return _refused(refusal, found, back)
        return _respond(_said(action, actions.BulkResult([event])), back, [found])

    view.__name__ = action
    view.__doc__ = f"{action.capitalize()} one comment."
    return view


@bp.post("/decide")
def decide():
    """A decision button of a row: the page's one #decide form sends `<action>=<comment id>:<revision>`."""
    for action in actions.STATUS_OF:
        comment_id, _, revision = request.form.get(action, "").partition(":")
        if comment_id.isdigit():
            return _decision(action)(int(comment_id), _int(revision))
    abort(400, "Choose what to do with the comment.")


for _action in actions.STATUS_OF:
    bp.add_url_rule(f"/comments/<int:comment_id>/{_action}", endpoint=_action,
                    view_func=_decision(_action), methods=["POST"])


def _text_action(mode: str, comment_id: int):
    """Edit and reply: GET shows the form in the row (htmx) or on the comment's page; POST saves."""
    found = _comment_or_404(comment_id)
    back = _back()
    if request.method == "GET":
        return _render_item(found, mode, back)
    text = request.form.get("body", "")
    revision = _int(request.form.get("revision"))
    try:
        if mode == "edit":
            event = actions.edit(found, revision, text, current_user, note=request.form.get("note", ""))
        else:
            event, _ = actions.reply(found, revision, text, current_user, ip=client_ip(),
                                     user_agent=request.user_agent.string)
    except Refused as refusal:
        return _refused(refusal, found, back, mode=mode, draft=text)
    return _respond(_said(mode, actions.BulkResult([event])), back, [found])


@bp.get("/comments/<int:comment_id>/reject", endpoint="reject_form")
def reject_form(comment_id: int):
    """The rules to reject under, opened on demand: in the row (htmx) or on the comment's page. The
    queue's rows leave them out (a page of 50 carried 50 copies of the policy)."""
    return _render_item(_comment_or_404(comment_id), "reject", _back())


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    return _text_action("edit", comment_id)


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
def reply(comment_id: int):
    return _text_action("reply", comment_id)


@bp.post("/bulk")
def bulk():
    action = request.form.get("action", "")
    if action not in actions.STATUS_OF:
        abort(400, "Choose what to do with the selected comments.")
    selection = []
    for value in request.form.getlist("comment"):
        comment_id, _, revision = value.partition(":")
        if comment_id.isdigit() and revision.isdigit():
            selection.append((int(comment_id), int(revision)))
    back = _back()
    if not selection:
        return _respond(Said(problems=["Select at least one comment first."]), back, [], status=422)
    try:
        result = actions.decide_many(selection, action, current_user,
                                     rule_number=_int(request.form.get("rule")),
                                     note=request.form.get("note", ""))
    except Refused as refusal:
        return _respond(Said(problems=[refusal.message]), back, [], status=422)
    comments = [e.comment for e in result.events] + [s.comment for s in result.skipped if s.comment]
    return _respond(_said(action, result), back, comments)


@bp.post("/undo")
def undo():
    ids = [int(v) for v in request.form.getlist("event") if v.isdigit()]
    back = _back()
    result = actions.undo(ids, current_user)
    if not result.events and not result.skipped:
        return _respond(Said(problems=["There is nothing to undo."]), back, [], status=422)
    comments = [e.comment for e in result.events] + [s.comment for s in result.skipped if s.comment]
    status = 200 if result.events else 409
    return _respond(_said("undo", result, undo=False), back, comments, status=status)
