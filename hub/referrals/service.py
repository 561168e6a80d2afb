"""The referral service layer: the one place the API, the web and the channel webhooks change or read
referrals. Each function takes `now` and an actor, enforces access, audits, and leaves the commit to the
caller (create_referral and apply_transition commit themselves: they are whole units of work).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from hub.audit import Actor, record
from hub.auth.models import CASEWORKER, COORDINATOR, PROVIDER
from hub.codes import new_code, normalise_code
from hub.extensions import db
from hub.referrals import access, events, lifecycle
from hub.referrals.consent import N_, ConsentProblem, check_consent
from hub.referrals.models import (
    BreakGlassAccess,
    Child,
    IdempotencyRecord,
    Referral,
    ReferralTarget,
    TargetTransition,
    new_step_token,
)
from hub.referrals.routing_port import (
    RoutingPlan,
    RoutingUnavailable,
    decide_due_after_acknowledgement,
    plan_routing,
)

CODE_ATTEMPTS = 20


# --- errors: each says what the edge should answer ------------------------------------------------

class ReferralError(Exception):
    """A refused request. `field` names the input at fault (None for the whole request); `message` is a
    French msgid, translated at the edge."""

    status = 422

    def __init__(self, message: str, field: str | None = None, **params):
        super().__init__(message)
        self.message, self.field, self.params = message, field, params


class NotFound(ReferralError):
    status = 404


class Forbidden(ReferralError):
    status = 403


class Conflict(ReferralError):
    status = 409


# --- actors that are not logged-in users ----------------------------------------------------------

@dataclass(frozen=True)
class ContactActor:
    """A provider's contact answering through a channel (SMS, Telegram, a signed e-mail link): the
    webhook has matched the sender to a contact of `organisation_id`."""

    label: str  # e.g. "sms:+22370…" — no name
    organisation_id: int
    role: str = "contact"
    id: int | None = None


@dataclass(frozen=True)
class SystemActor:
    """Sira itself: delivery receipts, escalation sweeps, retention."""

    what: str
    role: str = "system"
    id: int | None = None
    organisation_id: int | None = None

    @property
    def label(self) -> str:
        return f"system:{self.what}"


def audit_actor(actor) -> Actor:
    if isinstance(actor, ContactActor | SystemActor):
        return Actor(None, actor.label)
    return Actor.user(actor)


# --- creating a referral ---------------------------------------------------------------------------

def routing_facts(child: Child, needs: list[str], declined_by: tuple = ()) -> dict:
    """The routing facts of a child, as `routing.view.ReferralFacts.from_dict` takes them."""
    return {
        "risk": child.risk_level,
        "needs": tuple(needs),
        "age": child.age_years,
        "age_min": child.age_min,
        "age_max": child.age_max,
        "sex": child.sex,
        "unaccompanied": bool(child.unaccompanied),
        "separated": bool(child.separated),
        "status": child.status,
        "nationality": child.nationality,
        "trafficking_suspected": bool(child.trafficking_suspected),
        "quartier": child.quartier,
        "languages": tuple(child.languages or ()),
        "declined_by": tuple(declined_by),
    }


FACT_FIELDS = ("age_years", "age_min", "age_max", "sex", "unaccompanied", "separated", "nationality",
               "status", "quartier", "languages", "risk_level", "needs", "trafficking_suspected")
IDENTITY_FIELDS = ("given_name", "family_name", "date_of_birth", "phone", "family_contacts", "narrative")


def _age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def build_child(actor, payload: dict, now: datetime) -> Child:
    """A Child from a validated payload (see schemas.ReferralCreateSchema); not added to the session."""
    data = payload["child"]
    child = Child(organisation_id=actor.organisation_id, created_by_id=actor.id, created_at=now,
                  risk_level=payload["risk_level"], needs=list(payload.get("needs") or []))
    for name in FACT_FIELDS:
        if name in data:
            setattr(child, name, data[name])
    for name in IDENTITY_FIELDS:
        value = data.get(name)
        if isinstance(value, date):
            value = value.isoformat()
        setattr(child, name, value or None)
    birth = data.get("date_of_birth")
    if child.age_years is None and isinstance(birth, date):
        child.age_years = _age_on(birth, now.date())
    if child.languages is None:
        child.languages = []
    return child


def preview_routing(actor, payload: dict, now: datetime) -> RoutingPlan:
    """Which providers a referral would go to, and why; writes nothing (the web form's live preview)."""
    _require_role(actor, access.REFERRAL_CREATORS + (COORDINATOR,))
    child = build_child(actor, payload, now)
    return _plan(child, now, record=False)


def _plan(child: Child, now: datetime, record: bool) -> RoutingPlan:
    try:
        plan = plan_routing(routing_facts(child, child.needs), now, record=record)
    except RoutingUnavailable as error:
        raise ReferralError(N_("Orientation impossible : %(detail)s"), field="needs", detail=str(error)) from None
    except ValueError as error:  # facts the POS rejects (an unknown risk level, service type ...)
        raise ReferralError(N_("Faits d'orientation invalides : %(detail)s"), field="needs",
                            detail=str(error)) from None
    return plan


def create_referral(actor, payload: dict, now: datetime, channel: str = "api") -> Referral:
    """Consent check -> routing -> referral + targets + audit + event hooks, in one commit."""
    _require_role(actor, access.REFERRAL_CREATORS)
    child = build_child(actor, payload, now)
    consent = payload.get("consent") or None
    try:
        check_consent(consent, unaccompanied=bool(child.unaccompanied), now=now)
    except ConsentProblem as problem:
        raise ReferralError(problem.message, field=problem.field) from None
    child.consent_kind = consent["kind"]
    child.consent_given_by = consent.get("given_by")
    child.consent_method = consent.get("method")
    child.consent_at = consent.get("at") or now
    child.consent_recorded_by_id = actor.id
    child.best_interests_justification = (consent.get("best_interests_justification") or "").strip() or None

    plan = _plan(child, now, record=True)
    if not plan.targets:
        raise ReferralError(N_("Aucun prestataire disponible pour ces besoins : %(detail)s"),
                            field="needs", detail="; ".join(plan.summary_reasons) or "-")

    db.session.add(child)
    referral = Referral(child=child, organisation_id=actor.organisation_id, created_by_id=actor.id,
                        created_at=now, pos_version=plan.pos_version, pos_hash=plan.pos_hash,
                        decision=plan.snapshot, code=_unused_code())
    db.session.add(referral)
    targets = []
    for planned in plan.targets:
        target = ReferralTarget(
            organisation_id=planned.organisation_id, service_id=planned.service_id,
            service_type=planned.service_type, mandatory=planned.mandatory,
            contact_order=list(planned.contact_order), state=lifecycle.SENT,
            acknowledge_due_at=planned.acknowledge_due_at, decide_due_at=planned.decide_due_at,
            escalation=planned.escalation, escalation_step=0,
            next_action_at=planned.first_action_at, step_token=new_step_token(),
            created_at=now, updated_at=now)
        target.transitions.append(TargetTransition(
            action="send", from_state=None, to_state=lifecycle.SENT, at=now, actor_user_id=actor.id,
            actor_label=audit_actor(actor).label, channel=channel))
        referral.targets.append(target)
        targets.append(target)
    db.session.flush()
    record(audit_actor(actor), "referral.create", "referral", referral.code, {
        "channel": channel, "pos_version": plan.pos_version, "risk": child.risk_level,
        "targets": [t.id for t in targets], "consent": child.consent_kind,
    }, at=now)
    events.on_targets_created(referral, targets)
    db.session.commit()
    return referral


def _unused_code() -> str:
    """A fresh keypad code; retried on collision (the unique index is the final guard)."""
    for _ in range(CODE_ATTEMPTS):
        code = new_code()
        pending = {obj.code for obj in db.session.new if isinstance(obj, Referral)}
        if code not in pending and not db.session.scalar(select(exists().where(Referral.code == code))):
            return code
    raise ReferralError(N_("Impossible d'attribuer un code de référence, réessayez."))


# --- idempotency (API) -----------------------------------------------------------------------------

def request_fingerprint(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def idempotent_replay(actor, key: str, fingerprint: str) -> IdempotencyRecord | None:
    stored = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == actor.id, IdempotencyRecord.key == key))
    if stored is not None and stored.request_hash != fingerprint:
        raise Conflict(N_("Cette clé Idempotency-Key a déjà servi pour une autre requête."),
                       field="Idempotency-Key")
    return stored


def remember_response(actor, key: str, fingerprint: str, referral: Referral | None, status: int,
                      response: dict, now: datetime) -> IdempotencyRecord:
    """Store the answer for `key`; if a concurrent request stored one first, return theirs."""
    stored = IdempotencyRecord(user_id=actor.id, key=key, request_hash=fingerprint,
                               referral_id=referral.id if referral else None, status_code=status,
                               response=response, created_at=now)
    db.session.add(stored)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return idempotent_replay(actor, key, fingerprint)
    return stored


# --- moving a target -------------------------------------------------------------------------------

def _party(actor, target: ReferralTarget) -> str | None:
    if isinstance(actor, SystemActor):
        return lifecycle.SYSTEM
    if isinstance(actor, ContactActor):
        return lifecycle.PROVIDER if actor.organisation_id == target.organisation_id else None
    return access.party_for(actor, target)


def apply_transition(actor, target: ReferralTarget, action: str, channel: str, now: datetime, *,
                     reason_code: str | None = None, reason_text: str | None = None,
                     outcome: str | None = None, decline_reasons: tuple[str, ...] | None = None,
                     commit: bool = True) -> TargetTransition:
    """Move `target` by `action`, recording who / when / channel / why, audited, hooks called, committed.

    `decline_reasons`: the coded reasons of the referral's POS (checked for a decline); by default
    the codes stored in the referral's decision snapshot.
    """
    # Lock the row and read its current state: a reply racing a sweep's re-route must see the re-route
    # (and be refused) rather than overwrite it. PostgreSQL locks; SQLite serialises its writers.
    db.session.flush()
    db.session.refresh(target, with_for_update=True)
    party = _party(actor, target)
    if party is None:
        referral = target.referral
        if not isinstance(actor, ContactActor) and (
                not access.can_know_referral(actor, referral)
                or target not in access.visible_targets(actor, referral)):
            raise NotFound(N_("Référence introuvable."), field="code")
        raise Forbidden(N_("Votre rôle ne permet pas cette action."), field="action")
    if action == "decline" and reason_code:
        known = decline_reasons if decline_reasons is not None else tuple(
            r.get("code") for r in (target.referral.decision or {}).get("decline_reasons", []))
        if known and reason_code not in known:
            raise ReferralError(N_("Motif de refus inconnu."), field="reason_code")
    try:
        moved = lifecycle.apply(target.state, action, party=party, actor=audit_actor(actor).label,
                                channel=channel, now=now, reason_code=reason_code, reason_text=reason_text,
                                outcome=outcome)
    except lifecycle.IllegalTransition as error:
        raise Conflict(N_("Action « %(action)s » impossible : la cible est « %(state)s »."),
                       field="action", action=action, state=error.state) from None
    except lifecycle.NotAllowed:
        raise Forbidden(N_("Votre rôle ne permet pas cette action."), field="action") from None
    except lifecycle.MissingDetail as missing:
        messages = {"reason": N_("Motif requis."), "reason_text": N_("Précisez le motif."),
                    "outcome": N_("Résultat de la prise en charge requis.")}
        raise ReferralError(messages[missing.field], field=missing.field) from None
    except lifecycle.LifecycleError as error:
        raise ReferralError(N_("Action refusée : %(detail)s"), field="action", detail=str(error)) from None

    target.state = moved.to_state
    target.updated_at = now
    # A new token makes any escalation job scheduled for the old state a no-op.
    target.step_token = new_step_token()
    if moved.to_state not in lifecycle.AWAITING_ANSWER:
        target.next_action_at = None
    if action == "decline":
        target.decline_reason_code = moved.reason_code
    if action == "acknowledge":
        target.decide_due_at = decide_due_after_acknowledgement(target.escalation or {}, now) \
            or target.decide_due_at
    transition = TargetTransition(
        action=action, from_state=moved.from_state, to_state=moved.to_state, at=now,
        actor_user_id=getattr(actor, "id", None),
        actor_label=moved.actor, channel=channel, reason_code=moved.reason_code,
        reason_text=moved.reason_text, outcome=moved.outcome)
    target.transitions.append(transition)
    referral = target.referral
    if all(t.state in lifecycle.CLOSED for t in referral.targets):
        referral.closed_at = referral.closed_at or now
    else:
        referral.closed_at = None
    db.session.flush()
    record(audit_actor(actor), f"target.{action}", "referral_target", target.id, {
        "referral": referral.code, "from": moved.from_state, "to": moved.to_state, "channel": channel,
        "reason_code": moved.reason_code,
    }, at=now)
    events.on_transition(target, transition)
    if commit:
        db.session.commit()
    return transition


# --- reading ---------------------------------------------------------------------------------------

def _require_role(actor, roles) -> None:
    if actor is None:
        raise Forbidden(N_("Authentification requise."))
    if actor.role not in roles:
        raise Forbidden(N_("Votre rôle ne permet pas cette action."))


def get_referral(actor, code: str) -> Referral:
    """The referral `actor` may know of, or NotFound (also when it exists but is not theirs)."""
    _require_role(actor, access.REFERRAL_READERS)
    normalised = normalise_code(code or "")
    referral = None
    if normalised:
        referral = db.session.scalar(select(Referral).where(Referral.code == normalised).options(
            selectinload(Referral.targets).selectinload(ReferralTarget.transitions)))
    if referral is None or not access.can_know_referral(actor, referral):
        raise NotFound(N_("Référence introuvable."), field="code")
    return referral


def get_target(actor, code: str, target_id: int) -> ReferralTarget:
    referral = get_referral(actor, code)
    for target in referral.targets:
        if target.id == target_id:
            return target
    raise NotFound(N_("Cible introuvable."), field="target_id")


@dataclass
class ReferralFilters:
    state: str | None = None
    overdue: bool | None = None
    organisation_id: int | None = None
    risk: str | None = None
    since: datetime | None = None


def _visible_referrals(actor) -> Select:
    query = select(Referral)
    if actor.role == CASEWORKER:
        query = query.where(Referral.organisation_id == actor.organisation_id)
    elif actor.role == PROVIDER:
        query = query.where(Referral.targets.any(ReferralTarget.organisation_id == actor.organisation_id))
    return query


def list_referrals(actor, filters: ReferralFilters, now: datetime, page: int = 1, per_page: int = 25
                   ) -> tuple[list[Referral], int]:
    """The referrals `actor` may know of, newest first, filtered; (page items, total)."""
    _require_role(actor, access.REFERRAL_READERS)
    query = _visible_referrals(actor)
    # Target-level filters look at the targets the actor can see (a provider: its own).
    target_scope = [ReferralTarget.organisation_id == actor.organisation_id] if actor.role == PROVIDER else []
    if filters.state:
        if filters.state in ("open", "closed"):
            query = query.where(Referral.closed_at.is_(None) if filters.state == "open"
                                else Referral.closed_at.is_not(None))
        else:
            query = query.where(Referral.targets.any(ReferralTarget.state == filters.state, *target_scope))
    if filters.overdue:
        late = or_(
            (ReferralTarget.state.in_([lifecycle.SENT, lifecycle.DELIVERED]))
            & (ReferralTarget.acknowledge_due_at < now),
            (ReferralTarget.state.in_(list(lifecycle.AWAITING_ANSWER))) & (ReferralTarget.decide_due_at < now),
        )
        query = query.where(Referral.targets.any(late, *target_scope))
    if filters.organisation_id:
        query = query.where(or_(Referral.organisation_id == filters.organisation_id,
                                Referral.targets.any(ReferralTarget.organisation_id == filters.organisation_id)))
    if filters.risk:
        query = query.where(Referral.child.has(Child.risk_level == filters.risk))
    if filters.since:
        query = query.where(Referral.created_at >= filters.since)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(
        query.options(selectinload(Referral.child),
                      selectinload(Referral.targets).selectinload(ReferralTarget.organisation),
                      selectinload(Referral.targets).selectinload(ReferralTarget.transitions))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return list(items), total


def provider_inbox(actor, now: datetime) -> list[ReferralTarget]:
    """The targets addressed to the provider's organisation that are still open, most urgent first."""
    _require_role(actor, (PROVIDER,))
    query = select(ReferralTarget).where(
        ReferralTarget.organisation_id == actor.organisation_id,
        ReferralTarget.state.in_(list(lifecycle.OPEN)),
    ).options(selectinload(ReferralTarget.referral).selectinload(Referral.child)).order_by(
        ReferralTarget.acknowledge_due_at.asc(), ReferralTarget.id)
    return list(db.session.scalars(query))


def read_identity(actor, referral: Referral, now: datetime, *, reason: str | None = None,
                  channel: str = "api") -> dict | None:
    """The child's identifying details when `actor` may see them (every read audited), else None.

    A coordinator sees them only with a stated `reason` (break-glass: stored encrypted, audited).
    """
    allowed = access.identity_access(actor, referral)
    if allowed == "no":
        return None
    audit_detail = {"referral": referral.code, "channel": channel}
    if allowed == "break_glass":
        if not (reason or "").strip():
            return None
        grant = BreakGlassAccess(user_id=actor.id, referral_id=referral.id, at=now, reason=reason.strip())
        db.session.add(grant)
        db.session.flush()
        audit_detail["break_glass"] = grant.id
    child = referral.child
    record(audit_actor(actor), "child.read", "child", child.id, audit_detail, at=now)
    db.session.commit()
    return {
        "given_name": child.given_name, "family_name": child.family_name,
        "date_of_birth": child.date_of_birth, "phone": child.phone,
        "family_contacts": child.family_contacts, "narrative": child.narrative,
    }


def open_referrals_by_service(session) -> dict[int, int]:
    """{service_id: open targets}: the load routing balances on (directory.view's counter hook)."""
    rows = session.execute(select(ReferralTarget.service_id, func.count()).where(
        ReferralTarget.service_id.is_not(None), ReferralTarget.state.in_(list(lifecycle.OPEN)),
    ).group_by(ReferralTarget.service_id))
    return {service_id: count for service_id, count in rows}
