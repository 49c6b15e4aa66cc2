"""The admin's site settings page: the settings form, the policy rules, the settings history.

Each form works without JavaScript (POST, then 303 back with the result flashed into the status
region; or 422 with the page again, the messages by the fields and everything typed kept). With htmx
the form's own region is swapped in place (moderation/_settings_form.html or _policy_rules.html),
and the result goes out of band into the live region #moderation-status, with the history.
The rules of what may be saved live in site_settings.py and rules.py.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import flash, get_flashed_messages, make_response, render_template, request, url_for
from flask_login import current_user

from talkback import settings

from ..htmx import is_htmx, redirect_to
from . import bp, rules, site_settings
from .views import FLASH, Said, _int, admin_required

# The page's two forms: the region htmx swaps for each, and the live region under it.
REGIONS = {"form": "moderation/_settings_form.html", "rules": "moderation/_policy_rules.html"}
STATUS = {"form": "settings-status", "rules": "rules-status"}


def _context(status: dict[str, list], form: site_settings.FormState | None = None,
             policy: rules.RulesState | None = None) -> dict:
    form = form or site_settings.form_state(settings.current())
    return {
        "settings_form": form,
        "policy": policy or rules.rules_state(form.since),
        "history": site_settings.history(),
        "status": {region: status.get(region, []) for region in REGIONS},
        "regions": REGIONS,
    }


def _answer(region: str, said: Said, *, status: int = 200, form=None, policy=None):
    """A browser: 303 back to the page after a change, the page again (422) after a refusal.
    htmx: the region, with the result and the history out of band."""
    if not is_htmx():
        if status < 400:
            flash({**asdict(said), "region": region}, FLASH)
            return redirect_to(f"{url_for('moderation.settings')}#{STATUS[region]}")
        return make_response(render_template(
            "moderation/settings.html", **_context({region: [said]}, form, policy)), status)
    response = make_response(render_template(
        "moderation/_settings_response.html", region=region, **_context({region: [said]}, form, policy)),
        status)
    response.vary.add("HX-Request")
    return response


@bp.get("/settings", endpoint="settings")
@admin_required
def settings_page():
    status: dict[str, list] = {}
    for said in get_flashed_messages(category_filter=[FLASH]):
        status.setdefault(said.get("region", "form"), []).append(said)
    return render_template("moderation/settings.html", **_context(status))


@bp.post("/settings")
@admin_required
def save_settings():
    site = settings.current()
    submitted = site_settings.parse_form(site_settings.SettingsForm(), site)
    if submitted.errors:
        n = len(submitted.errors)
        said = Said(problems=[f"Nothing was saved: {n} setting{'s' if n != 1 else ''} "
                              f"need{'' if n != 1 else 's'} correcting; each is marked in the form."])
        form = site_settings.form_state(site, submitted, focus="settings-errors")
        return _answer("form", said, status=422, form=form)
    try:
        changed = site_settings.save(submitted.values, current_user.id)
    except site_settings.SettingError as error:
        form = site_settings.form_state(settings.current(), submitted)
        return _answer("form", Said(problems=[str(error)]), status=422, form=form)
    said = Said(f"Settings saved: {len(changed)} changed." if changed else "No changes.")
    return _answer("form", said, form=site_settings.form_state(settings.current(), focus="settings-save"))


def _rule_refused(key: str, error: rules.RuleError, draft: str, focus: str, what: str):
    policy = rules.rules_state(site_settings.latest_change_id(), errors={key: str(error)},
                               drafts={key: draft}, focus=focus)
    return _answer("rules", Said(problems=[f"{what}: {error}"]), status=422, policy=policy)


@bp.post("/settings/rules/<int:number>")
@admin_required
def edit_rule(number: int):
    text = request.form.get("text", "")
    try:
        changed = rules.edit(number, text, current_user.id, _int(request.form.get("since")))
    except rules.RuleError as error:
        return _rule_refused(str(number), error, text, f"rule-{number}-text", f"Rule {number} was not saved")
    said = Said(f"Saved rule {number}." if changed else f"No changes to rule {number}.")
    return _answer("rules", said, policy=rules.rules_state(site_settings.latest_change_id(),
                                                           focus=f"rule-{number}-save"))


@bp.post("/settings/rules")
@admin_required
def add_rule():
    text = request.form.get("text", "")
    try:
        number = rules.add(text, current_user.id)
    except rules.RuleError as error:
        return _rule_refused(rules.NEW, error, text, "rule-new-text", "The rule was not added")
    said = Said(f"Added rule {number}. Moderators can cite it when rejecting a comment.")
    return _answer("rules", said, policy=rules.rules_state(site_settings.latest_change_id(),
                                                           focus=f"rule-{number}-text"))


@bp.post("/settings/rules/<int:number>/remove")
@admin_required
def remove_rule(number: int):
    try:
        removed = rules.remove_last(number, current_user.id)
    except rules.RuleError as error:
        return _rule_refused(f"remove-{number}", error, "", "rule-new-text", f"Rule {number} was not removed")
    cited = (f" It was cited in {removed.cited} past decision{'s' if removed.cited != 1 else ''}; "
             "they keep its number and text." if removed.cited else "")
    said = Said(f"Removed rule {removed.number}.{cited}")
    return _answer("rules", said, policy=rules.rules_state(site_settings.latest_change_id(),
                                                           focus="rule-new-text"))
