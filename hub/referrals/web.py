"""Referral pages (French first): new referral with consent and live routing preview, my referrals,
a referral's timeline, the provider inbox. Each view: authenticate, validate, call one service function."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from directory.taxonomy import LANGUAGES, SERVICE_TYPES, SEXES, STATUSES
from hub.auth.access import current_actor, require_web_roles
from hub.auth.models import CASEWORKER, COORDINATOR, PROVIDER
from hub.extensions import db
from hub.referrals import access, lifecycle, present, service
from hub.referrals.models import CONSENT_GIVERS, CONSENT_KINDS, CONSENT_METHODS
from hub.referrals.routing_port import decline_reasons
from hub.referrals.schemas import RISK_LEVELS, ReferralCreateSchema
from hub.timeutil import utcnow

bp = Blueprint("referrals", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/referrals")

CHILD_TEXT = ("given_name", "family_name", "date_of_birth", "phone", "family_contacts", "narrative",
              "nationality", "quartier", "sex", "status", "age_years", "age_min", "age_max")
CHILD_FLAGS = ("unaccompanied", "separated", "trafficking_suspected")
WEB_ACTIONS = ("acknowledge", "accept", "decline", "start", "complete", "fail", "cancel")


def form_to_payload(form) -> dict:
    """The HTML form's flat fields as the API's nested payload (empty fields left out)."""
    child = {name: form.get(name).strip() for name in CHILD_TEXT if (form.get(name) or "").strip()}
    child.update({name: name in form for name in CHILD_FLAGS})
    child["languages"] = form.getlist("languages")
    payload = {"child": child, "needs": form.getlist("needs")}
    if form.get("risk_level"):
        payload["risk_level"] = form["risk_level"]
    consent = {key: form.get(f"consent_{key}").strip() for key in
               ("kind", "given_by", "method", "best_interests_justification")
               if (form.get(f"consent_{key}") or "").strip()}
    payload["consent"] = consent or None
    return payload


def flatten_errors(messages: dict, prefix: str = "") -> dict[str, str]:
    flat = {}
    for key, value in messages.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten_errors(value, f"{name}."))
        else:
            flat[name] = value[0] if isinstance(value, list) else str(value)
    return flat


def _form_context(errors=None):
    return {
        "errors": errors or {}, "form": request.form, "service_types": SERVICE_TYPES, "risk_levels": RISK_LEVELS,
        "sexes": SEXES, "statuses": STATUSES, "languages": LANGUAGES, "consent_kinds": CONSENT_KINDS,
        "consent_givers": CONSENT_GIVERS, "consent_methods": CONSENT_METHODS,
    }


@bp.route("/references/nouvelle", methods=["GET", "POST"])
@require_web_roles(CASEWORKER)
def new_referral():
    if request.method == "GET":
        return render_template("referrals/new.html", **_form_context())
    try:
        payload = ReferralCreateSchema().load(form_to_payload(request.form))
    except ValidationError as error:
        return render_template("referrals/new.html", **_form_context(flatten_errors(error.messages))), 422
    try:
        referral = service.create_referral(current_actor(), payload, utcnow(), channel="web")
    except service.ReferralError as error:
        db.session.rollback()
        message = _(error.message, **error.params)
        flash(message, "error")
        return render_template("referrals/new.html", **_form_context({error.field or "form": message})), 422
    flash(_("Référence %(code)s envoyée à %(count)s prestataire(s).", code=referral.code,
            count=len(referral.targets)))
    return redirect(url_for("referrals.detail", code=referral.code))


@bp.post("/references/apercu")
@require_web_roles(CASEWORKER, COORDINATOR)
def preview():
    """The live routing preview of the form: which providers, and why. Writes nothing."""
    data = form_to_payload(request.form)
    data["consent"] = None  # not needed to preview
    try:
        payload = ReferralCreateSchema().load(data)
        plan = service.preview_routing(current_actor(), payload, utcnow())
    except ValidationError as error:
        return jsonify({"errors": flatten_errors(error.messages)}), 422
    except service.ReferralError as error:
        return jsonify({"errors": {error.field or "form": _(error.message, **error.params)}}), 422
    return jsonify(present.plan_dict(plan))


@bp.get("/references")
@require_web_roles(CASEWORKER, PROVIDER, COORDINATOR)
def my_referrals():
    actor, now = current_actor(), utcnow()
    filters = service.ReferralFilters(state=request.args.get("etat") or None,
                                      overdue=request.args.get("retard") == "1" or None)
    if filters.state not in (None, "open", "closed", *lifecycle.STATES):
        filters.state = None
    page = max(request.args.get("page", 1, type=int), 1)
    items, total = service.list_referrals(actor, filters, now, page, 50)
    rows = [(r, access.visible_targets(actor, r)) for r in items]
    return render_template("referrals/list.html", rows=rows, total=total, page=page, now=now,
                           filters=filters)


@bp.get("/prestataire/boite")
@require_web_roles(PROVIDER)
def inbox():
    actor, now = current_actor(), utcnow()
    targets = service.provider_inbox(actor, now)
    return render_template("referrals/inbox.html", targets=targets, now=now,
                           reasons={t.id: decline_reasons(t.referral) for t in targets})


def _detail(code: str, reason: str | None = None):
    actor, now = current_actor(), utcnow()
    try:
        referral = service.get_referral(actor, code)
    except service.NotFound:
        abort(404)
    identity = service.read_identity(actor, referral, now, reason=reason, channel="web")
    targets = access.visible_targets(actor, referral)
    actions = {t.id: lifecycle.allowed_actions(t.state, access.party_for(actor, t))
               if access.party_for(actor, t) else () for t in targets}
    return render_template(
        "referrals/detail.html", referral=referral, targets=targets, identity=identity, now=now,
        actions=actions, identity_access=access.identity_access(actor, referral),
        reasons=decline_reasons(referral), show_text=access.identity_access(actor, referral) == "yes",
    )


@bp.get("/references/<code>")
@require_web_roles(CASEWORKER, PROVIDER, COORDINATOR)
def detail(code):
    return _detail(code)


@bp.post("/references/<code>/acces-exceptionnel")
@require_web_roles(COORDINATOR)
def break_glass(code):
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        flash(_("Indiquez la raison de l'accès exceptionnel."), "error")
        return redirect(url_for("referrals.detail", code=code))
    return _detail(code, reason=reason)


@bp.post("/references/<code>/cibles/<int:target_id>/<action>")
@require_web_roles(CASEWORKER, PROVIDER, COORDINATOR)
def move(code, target_id, action):
    if action not in WEB_ACTIONS:
        abort(404)
    actor = current_actor()
    try:
        target = service.get_target(actor, code, target_id)
        service.apply_transition(
            actor, target, action, "web", utcnow(),
            reason_code=request.form.get("reason_code") or None,
            reason_text=request.form.get("reason_text") or None,
            outcome=request.form.get("outcome") or None)
    except service.NotFound:
        abort(404)
    except service.Forbidden:
        abort(403)
    except service.ReferralError as error:
        db.session.rollback()
        flash(_(error.message, **error.params), "error")
    else:
        flash(_("Action enregistrée."))
    back = request.form.get("next")
    if back == "inbox":
        return redirect(url_for("referrals.inbox"))
    return redirect(url_for("referrals.detail", code=code))


@bp.context_processor
def _labels():
    from flask_babel import get_locale

    from directory.taxonomy import label
    from hub.referrals.labels import labels

    locale = str(get_locale() or "fr")
    return {**labels(), "service_label": lambda code: label(SERVICE_TYPES, code, locale)}


@bp.app_template_filter("allowed_for_provider")
def _allowed_for_provider(state: str) -> tuple[str, ...]:
    return lifecycle.allowed_actions(state, lifecycle.PROVIDER)
