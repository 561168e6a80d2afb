"""A meeting's agenda, pure: one item per referral from its escalated or flagged targets (codes and facts)."""

from __future__ import annotations

from datetime import datetime

from hub.coordination.board import RISK_ORDER, BoardRow, assess


def build_agenda(rows: list[BoardRow], now: datetime, skip_referrals: set[int] = frozenset()) -> list[dict]:
    """[{"referral_id", "code", "facts"}], flagged first, then by risk, then by delay (largest first)."""
    by_referral: dict[int, list[BoardRow]] = {}
    for row in rows:
        if row.referral_id not in skip_referrals:
            by_referral.setdefault(row.referral_id, []).append(row)
    items = []
    for referral_id, targets in by_referral.items():
        assessed = [assess(t, now) for t in sorted(targets, key=lambda t: t.target_id)]
        facts = {
            "risk": targets[0].risk,
            "commune": targets[0].commune,
            "flagged": any(t.flagged for t in targets),
            "targets": [{
                "organisation": a.row.organisation, "service_type": a.row.service_type, "state": a.row.state,
                "escalation_step": a.row.escalation_step, "flagged": a.row.flagged,
                "overdue_minutes": a.overdue_minutes, "missed": a.missed,
            } for a in assessed],
        }
        delay = max((a.overdue_minutes or 0) for a in assessed)
        items.append(({"referral_id": referral_id, "code": targets[0].code, "facts": facts},
                      (not facts["flagged"], RISK_ORDER.get(facts["risk"], 9), -delay, targets[0].code)))
    return [item for item, _ in sorted(items, key=lambda pair: pair[1])]


def due_followups(actions, now: datetime, escalate_after) -> tuple[list[int], list[int]]:
    """(ids to remind, ids to escalate) among open action points: (id, due_at, reminded_at, escalated_at)."""
    remind, escalate = [], []
    for action_id, due_at, reminded_at, escalated_at in actions:
        if due_at <= now and reminded_at is None:
            remind.append(action_id)
        if due_at + escalate_after <= now and escalated_at is None:
            escalate.append(action_id)
    return remind, escalate
