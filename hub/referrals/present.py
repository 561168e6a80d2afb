"""Plain-dict views of referrals for the API and the FHIR export. Never includes identifying data:
that only comes from `service.read_identity`, which audits the read."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.referrals import access, lifecycle

FACTS = ("age_years", "age_min", "age_max", "sex", "unaccompanied", "separated", "nationality", "status",
         "quartier", "languages", "risk_level", "needs", "trafficking_suspected")


def iso(instant: datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant else None


def facts(child) -> dict:
    return {name: getattr(child, name) for name in FACTS}


def transition_dict(transition, *, with_text: bool) -> dict:
    return {
        "action": transition.action, "from": transition.from_state, "to": transition.to_state,
        "at": iso(transition.at), "by": transition.actor_label, "channel": transition.channel,
        "reason_code": transition.reason_code,
        # Free text may name the child: only for readers allowed to see the child.
        "reason_text": transition.reason_text if with_text else None,
        "outcome": transition.outcome if with_text else None,
    }


def target_dict(target, now: datetime, *, party: str | None, with_timeline: bool, with_text: bool) -> dict:
    body = {
        "id": target.id,
        "organisation": {"id": target.organisation_id, "name": target.organisation.display_name},
        "service_id": target.service_id,
        "service_type": target.service_type,
        "mandatory": target.mandatory,
        "state": target.state,
        "fhir_status": target.fhir_status,
        "acknowledge_due_at": iso(target.acknowledge_due_at),
        "decide_due_at": iso(target.decide_due_at),
        "overdue": target.is_overdue(now),
        "decline_reason_code": target.decline_reason_code,
        "actions": list(lifecycle.allowed_actions(target.state, party)) if party else [],
    }
    if with_timeline:
        body["timeline"] = [transition_dict(t, with_text=with_text) for t in target.transitions]
    return body


def referral_dict(referral, actor, now: datetime, *, with_timeline: bool = False) -> dict:
    targets = access.visible_targets(actor, referral)
    with_text = access.identity_access(actor, referral) == "yes"
    return {
        "code": referral.code,
        "created_at": iso(referral.created_at),
        "organisation": {"id": referral.organisation_id, "name": referral.organisation.display_name},
        "state": lifecycle.referral_state([t.state for t in referral.targets]),
        "closed_at": iso(referral.closed_at),
        "anonymised": referral.anonymised_at is not None,
        "pos_version": referral.pos_version,
        "pos_hash": referral.pos_hash,
        "facts": facts(referral.child),
        "consent": {"kind": referral.child.consent_kind, "given_by": referral.child.consent_given_by,
                    "method": referral.child.consent_method, "at": iso(referral.child.consent_at)},
        "targets": [target_dict(t, now, party=access.party_for(actor, t), with_timeline=with_timeline,
                                with_text=with_text) for t in targets],
        "identity_access": access.identity_access(actor, referral),
    }


def created_dict(referral, now: datetime) -> dict:
    """The answer to POST /referrals (also replayed for a repeated Idempotency-Key): no identity."""
    decision = referral.decision or {}
    return {
        "code": referral.code,
        "created_at": iso(referral.created_at),
        "pos_version": referral.pos_version,
        "pos_hash": referral.pos_hash,
        "risk": decision.get("risk"),
        "targets": [{
            "id": t.id, "organisation": {"id": t.organisation_id, "name": t.organisation.display_name},
            "service_type": t.service_type, "mandatory": t.mandatory, "state": t.state,
            "acknowledge_due_at": iso(t.acknowledge_due_at), "decide_due_at": iso(t.decide_due_at),
        } for t in referral.targets],
        "reasons": [t.get("reason") for t in decision.get("targets", [])],
        "unmet": [u.get("explanation") for u in decision.get("unmet", [])],
        "notes": decision.get("notes", []),
    }


def plan_dict(plan) -> dict:
    """The routing preview: which providers and why."""
    return {
        "pos_version": plan.pos_version,
        "risk": plan.risk,
        "targets": [{
            "organisation": t.organisation_name, "organisation_id": t.organisation_id,
            "service_type": t.service_type, "mandatory": t.mandatory, "reason": t.reason,
            "acknowledge_due_at": iso(t.acknowledge_due_at), "decide_due_at": iso(t.decide_due_at),
        } for t in plan.targets],
        "left_out": [{"organisation": x.get("organisation_acronym"), "service_type": x.get("need"),
                      "reason": x.get("explanation")} for x in plan.left_out],
        "notes": list(plan.summary_reasons),
    }


def fhir_task(target, public_url: str) -> dict:
    """A FHIR R4 Task for one target (Gravity SDOH closed-loop referral), without identifying data."""
    referral = target.referral
    task = {
        "resourceType": "Task",
        "id": f"{referral.code}-{target.id}",
        "identifier": [{"system": f"{public_url}/referrals", "value": referral.code}],
        "status": target.fhir_status,
        "businessStatus": {"text": target.state},
        "intent": "order",
        "priority": {"urgence": "stat", "eleve": "asap", "moyen": "urgent"}.get(referral.child.risk_level,
                                                                              "routine"),
        "code": {"coding": [{"system": "http://hl7.org/fhir/CodeSystem/task-code", "code": "fulfill"}]},
        "focus": {"display": f"service:{target.service_type}"},
        "authoredOn": iso(target.created_at),
        "lastModified": iso(target.updated_at),
        "requester": {"display": referral.organisation.display_name},
        "owner": {"display": target.organisation.display_name},
        "restriction": {"period": {"end": iso(target.decide_due_at)}} if target.decide_due_at else None,
    }
    if target.state == lifecycle.DECLINED and target.decline_reason_code:
        task["statusReason"] = {"coding": [{"system": f"{public_url}/fhir/CodeSystem/decline-reason",
                                            "code": target.decline_reason_code}]}
    return {k: v for k, v in task.items() if v is not None}
