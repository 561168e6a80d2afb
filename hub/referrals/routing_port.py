"""The referral module's one door into routing: active POS + directory view + facts -> a plan of targets.

Keeps `service.py` free of routing's value types; the snapshot stored on the referral is the decision's
own JSON plus what the referral needs later (decline reasons, retention), so a running referral never
depends on the POS file as it is today.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.extensions import db


class RoutingUnavailable(RuntimeError):
    """No POS could be loaded."""


@dataclass(frozen=True)
class PlannedTarget:
    organisation_id: int
    organisation_name: str
    service_id: int | None
    service_type: str
    mandatory: bool
    reason: str
    contact_order: tuple
    acknowledge_due_at: datetime
    decide_due_at: datetime | None
    first_action_at: datetime | None
    escalation: dict


@dataclass(frozen=True)
class RoutingPlan:
    pos_version: str
    pos_hash: str
    risk: str
    targets: tuple[PlannedTarget, ...]
    snapshot: dict                      # JSON: the decision with its reasons
    summary_reasons: tuple[str, ...] = ()  # French: unmet needs and notes
    left_out: tuple[dict, ...] = field(default_factory=tuple)


def active_pos(record: bool = False):
    """The POS new referrals are routed with (routing.store reads the configured file). `record` adds
    its version row to the session, so the referral's commit makes the version permanent."""
    from routing.store import active_pos as stored_active_pos

    try:
        return stored_active_pos(record=record)
    except Exception as error:  # a broken or missing POS must say so, not crash a page
        raise RoutingUnavailable(f"POS illisible ({error})") from error


def directory_view():
    from directory.view import build_directory_view
    from hub.referrals.service import open_referrals_by_service

    return build_directory_view(db.session, open_referrals=open_referrals_by_service)


def plan_routing(facts: dict, now: datetime, record: bool = False) -> RoutingPlan:
    from routing import ReferralFacts, evaluate, snapshot_deadline

    pos = active_pos(record=record)
    decision = evaluate(ReferralFacts.from_dict(facts), pos, directory_view(), now)
    policy = decision.escalation
    steps = policy.get("steps") or []
    targets = []
    for target in decision.targets:
        first_action_at = (snapshot_deadline(policy, now, steps[0]["wait"]) if steps else target.ack_deadline)
        targets.append(PlannedTarget(
            organisation_id=target.organisation_id, organisation_name=target.organisation_name,
            service_id=target.service_id, service_type=target.need, mandatory=target.mandatory,
            reason=target.reason, contact_order=tuple(c["contact_id"] for c in target.contacts),
            acknowledge_due_at=target.ack_deadline, decide_due_at=target.decision_deadline,
            first_action_at=first_action_at, escalation=policy,
        ))
    snapshot = decision.to_dict()
    snapshot["decline_reasons"] = [
        {"code": r.code, "number": r.number, "fr": r.fr, "en": r.en} for r in pos.decline_reasons]
    snapshot["retention_days"] = pos.retention_days
    summary = tuple(u.explanation for u in decision.unmet) + tuple(decision.notes)
    return RoutingPlan(pos.version, pos.content_hash, decision.risk, tuple(targets), snapshot, summary,
                       tuple(x.to_dict() for x in decision.left_out))


def decide_due_after_acknowledgement(policy: dict, acknowledged_at: datetime) -> datetime | None:
    """The POS counts the decision deadline from the acknowledgement, on the referral's frozen clock."""
    if not policy.get("decide_within") or not policy.get("calendar"):
        return None
    from routing import snapshot_deadline

    return snapshot_deadline(policy, acknowledged_at, policy["decide_within"])


def decline_reasons(referral) -> list[dict]:
    """The coded decline reasons frozen with the referral (falls back to the active POS)."""
    frozen = (referral.decision or {}).get("decline_reasons")
    if frozen:
        return frozen
    pos = active_pos()
    return [{"code": r.code, "number": r.number, "fr": r.fr, "en": r.en} for r in pos.decline_reasons]
