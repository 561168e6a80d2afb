"""API v1 for referrals: authenticate, validate, call one service function, serialise."""

from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Blueprint
from flask_smorest import abort as api_abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.api import documents_errors
from hub.auth.access import current_actor, require_api_roles
from hub.auth.models import CASEWORKER, COORDINATOR, PROVIDER
from hub.extensions import db
from hub.referrals import present, service
from hub.referrals.models import Referral, ReferralTarget
from hub.referrals.schemas import (
    DetailQuerySchema,
    FhirQuerySchema,
    ReferralCreateSchema,
    ReferralQuerySchema,
    TransitionSchema,
)
from hub.timeutil import utcnow

blp = Blueprint("referrals_api", __name__, url_prefix="/api/v1", description="Références (orientations)")

READERS = (CASEWORKER, PROVIDER, COORDINATOR)
API_ACTIONS = ("acknowledge", "accept", "decline", "start", "complete", "fail", "cancel")


def refuse(error: service.ReferralError):
    message = gettext(error.message, **error.params)
    kwargs = {"message": message}
    if error.field:
        kwargs["errors"] = {"json": {error.field: [message]}}
    api_abort(error.status, **kwargs)


@blp.route("/referrals")
class Referrals(MethodView):
    @require_api_roles(*READERS)
    @blp.arguments(ReferralQuerySchema, location="query")
    @blp.response(200)
    def get(self, args):
        """List the referrals you may see (filters: state, overdue, organisation, risk, since)."""
        actor, now = current_actor(), utcnow()
        filters = service.ReferralFilters(state=args["state"], overdue=args["overdue"],
                                          organisation_id=args["organisation"], risk=args["risk"],
                                          since=args["since"])
        try:
            items, total = service.list_referrals(actor, filters, now, args["page"], args["per_page"])
        except service.ReferralError as error:
            refuse(error)
        return {"items": [present.referral_dict(r, actor, now) for r in items], "total": total,
                "page": args["page"], "per_page": args["per_page"]}

    @require_api_roles(CASEWORKER)
    @documents_errors(400, 409)
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201)
    def post(self, payload):
        """Send a referral: consent check, routing, one target per chosen provider.

        An `Idempotency-Key` header makes a retry safe: the same key from the same user returns the first
        answer and creates nothing.
        """
        actor, now = current_actor(), utcnow()
        key = (request.headers.get("Idempotency-Key") or "").strip()[:200]
        fingerprint = service.request_fingerprint(request.get_json(silent=True))
        try:
            if key:
                stored = service.idempotent_replay(actor, key, fingerprint)
                if stored is not None:
                    return stored.response, stored.status_code
            referral = service.create_referral(actor, payload, now, channel="api")
        except service.ReferralError as error:
            db.session.rollback()
            refuse(error)
        body = present.created_dict(referral, now)
        if key:
            stored = service.remember_response(actor, key, fingerprint, referral, 201, body, now)
            return stored.response, stored.status_code
        return body


@blp.route("/referrals/<code>")
@require_api_roles(*READERS)
@documents_errors(404)
@blp.arguments(DetailQuerySchema, location="query")
@blp.response(200)
def get_referral(args, code):
    """A referral with its timeline; the child's identity when you may see it (every read is audited).
    Coordinators add `?reason=...` to open it (break-glass)."""
    actor, now = current_actor(), utcnow()
    try:
        referral = service.get_referral(actor, code)
    except service.ReferralError as error:
        refuse(error)
    body = present.referral_dict(referral, actor, now, with_timeline=True)
    body["child"] = service.read_identity(actor, referral, now, reason=args["reason"], channel="api")
    return body


@blp.route("/referrals/<code>/targets/<int:target_id>/<action>", methods=["POST"])
@require_api_roles(CASEWORKER, PROVIDER, COORDINATOR)
@documents_errors(400, 404, 409)
@blp.arguments(TransitionSchema)
@blp.response(200)
def move_target(args, code, target_id, action):
    """acknowledge | accept | decline (reason_code, reason_text) | start | complete (outcome) | fail |
    cancel (reason_text)."""
    if action not in API_ACTIONS:
        api_abort(404, message=gettext("Action inconnue."))
    actor, now = current_actor(), utcnow()
    try:
        target = service.get_target(actor, code, target_id)
        service.apply_transition(actor, target, action, "api", now, reason_code=args["reason_code"],
                                 reason_text=args["reason_text"], outcome=args["outcome"])
    except service.ReferralError as error:
        db.session.rollback()
        refuse(error)
    referral = service.get_referral(actor, code)
    return present.referral_dict(referral, actor, now, with_timeline=True)


@blp.route("/fhir/Task")
@require_api_roles(*READERS)
@blp.arguments(FhirQuerySchema, location="query")
@blp.response(200)
def fhir_tasks(args):
    """A FHIR R4 Bundle (searchset) of Task resources, one per target you may see; no identifying data."""
    actor = current_actor()
    query = select(ReferralTarget).join(Referral).options(
        selectinload(ReferralTarget.referral).selectinload(Referral.child),
        selectinload(ReferralTarget.referral).selectinload(Referral.organisation),
        selectinload(ReferralTarget.organisation))
    if actor.role == CASEWORKER:
        query = query.where(Referral.organisation_id == actor.organisation_id)
    elif actor.role == PROVIDER:
        query = query.where(ReferralTarget.organisation_id == actor.organisation_id)
    if args["since"]:
        query = query.where(ReferralTarget.updated_at >= args["since"])
    targets = db.session.scalars(query.order_by(ReferralTarget.id)
                                 .limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])).all()
    public_url = current_app.config["PUBLIC_URL"]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"fullUrl": f"{public_url}/api/v1/fhir/Task/{t.referral.code}-{t.id}",
                   "resource": present.fhir_task(t, public_url)} for t in targets],
    }
