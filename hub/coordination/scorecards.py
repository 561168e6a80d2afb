"""Provider scorecards from plain rows: pure, `now` passed in, tested against a hand-computed fixture.

Definitions (also shown on the page):
- received: targets addressed to the organisation (or to that service of it) in the period;
- time to acknowledge: from sending to the provider's first answer (acknowledge, accept or decline);
- time to accept: from sending to the acceptance;
- medians are the usual median; the 90th percentile is the nearest-rank one (ceil(0.9 n)-th value);
- acknowledged within deadline: among targets with an acknowledgement deadline that were answered or whose
  deadline has passed, the share answered no later than that deadline;
- decided within deadline: the same for the accept / decline decision and its deadline (a target the
  referrer cancelled without a decision is not judged);
- declines by reason: the coded reasons; escalations: targets with at least one escalation step applied,
  and the number of steps applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hub.coordination.stats import median, nearest_rank, percent

ANSWERS = frozenset({"acknowledge", "accept", "decline"})
DECISIONS = frozenset({"accept", "decline"})


@dataclass(frozen=True)
class TargetFact:
    """One provider's share of a referral, as plain values."""

    target_id: int
    organisation_id: int
    organisation: str
    service_type: str
    sent_at: datetime
    state: str
    acknowledge_due_at: datetime | None = None
    decide_due_at: datetime | None = None
    decline_reason_code: str | None = None
    escalation_step: int = 0


@dataclass(frozen=True)
class MoveFact:
    """One transition of a target's timeline."""

    target_id: int
    action: str
    at: datetime


@dataclass(frozen=True)
class TargetTimes:
    """What the scorecards need from one target's timeline."""

    fact: TargetFact
    answered_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None

    def minutes(self, instant: datetime | None) -> float | None:
        return None if instant is None else (instant - self.fact.sent_at).total_seconds() / 60


@dataclass
class Scorecard:
    organisation_id: int
    organisation: str
    service_type: str | None  # None: the whole organisation
    received: int = 0
    ack_median_min: float | None = None
    ack_p90_min: float | None = None
    accept_median_min: float | None = None
    accept_p90_min: float | None = None
    ack_within_pct: float | None = None
    ack_judged: int = 0
    decision_within_pct: float | None = None
    decision_judged: int = 0
    accepted: int = 0
    declined: int = 0
    declines_by_reason: dict[str, int] = field(default_factory=dict)
    escalated: int = 0
    escalation_steps: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


def timelines(targets: Iterable[TargetFact], moves: Iterable[MoveFact]) -> list[TargetTimes]:
    """Each target with the time of its first answer, acceptance and decision."""
    firsts: dict[tuple[int, str], datetime] = {}
    for move in moves:
        key = (move.target_id, move.action)
        if key not in firsts or move.at < firsts[key]:
            firsts[key] = move.at
    result = []
    for fact in targets:
        answers = [firsts[(fact.target_id, a)] for a in ANSWERS if (fact.target_id, a) in firsts]
        decisions = [firsts[(fact.target_id, a)] for a in DECISIONS if (fact.target_id, a) in firsts]
        result.append(TargetTimes(fact, min(answers, default=None), firsts.get((fact.target_id, "accept")),
                                  min(decisions, default=None)))
    return result


def _within(done_at: datetime | None, due: datetime | None, now: datetime, excluded: bool) -> bool | None:
    """True / False when judged, None when not (no deadline, not yet due, or excluded)."""
    if due is None or excluded:
        return None
    if done_at is not None:
        return done_at <= due
    return False if now > due else None


def summarise(times: list[TargetTimes], now: datetime, card: Scorecard) -> Scorecard:
    """Fill `card` from the targets it covers."""
    ack = [t.minutes(t.answered_at) for t in times if t.answered_at is not None]
    accept = [t.minutes(t.accepted_at) for t in times if t.accepted_at is not None]
    card.received = len(times)
    card.ack_median_min, card.ack_p90_min = median(ack), nearest_rank(ack, 0.9)
    card.accept_median_min, card.accept_p90_min = median(accept), nearest_rank(accept, 0.9)
    ack_judged = [j for t in times if (j := _within(t.answered_at, t.fact.acknowledge_due_at, now,
                                                    t.fact.state == "cancelled" and t.answered_at is None))
                  is not None]
    dec_judged = [j for t in times if (j := _within(t.decided_at, t.fact.decide_due_at, now,
                                                    t.fact.state == "cancelled" and t.decided_at is None))
                  is not None]
    card.ack_judged, card.ack_within_pct = len(ack_judged), percent(sum(ack_judged), len(ack_judged))
    card.decision_judged = len(dec_judged)
    card.decision_within_pct = percent(sum(dec_judged), len(dec_judged))
    card.accepted = sum(1 for t in times if t.accepted_at is not None)
    reasons = Counter(t.fact.decline_reason_code or "other" for t in times if t.fact.state == "declined")
    card.declined = sum(reasons.values())
    card.declines_by_reason = dict(sorted(reasons.items()))
    card.escalated = sum(1 for t in times if t.fact.escalation_step > 0)
    card.escalation_steps = sum(t.fact.escalation_step for t in times)
    return card


def compute_scorecards(targets: Iterable[TargetFact], moves: Iterable[MoveFact], now: datetime
                       ) -> list[Scorecard]:
    """One card per organisation followed by one per service type of it, organisations by name."""
    times = timelines(targets, moves)
    by_org: dict[int, list[TargetTimes]] = {}
    for item in times:
        by_org.setdefault(item.fact.organisation_id, []).append(item)
    cards = []
    for org_id, items in sorted(by_org.items(), key=lambda kv: (kv[1][0].fact.organisation.casefold(), kv[0])):
        name = items[0].fact.organisation
        cards.append(summarise(items, now, Scorecard(org_id, name, None)))
        by_service: dict[str, list[TargetTimes]] = {}
        for item in items:
            by_service.setdefault(item.fact.service_type, []).append(item)
        for service_type in sorted(by_service):
            cards.append(summarise(by_service[service_type], now, Scorecard(org_id, name, service_type)))
    return cards


def overall(targets: Iterable[TargetFact], moves: Iterable[MoveFact], now: datetime) -> Scorecard:
    """All targets together (the reports' response times)."""
    return summarise(timelines(targets, moves), now, Scorecard(0, "", None))
