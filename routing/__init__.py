"""The POS as code: the rules file, its loader and validator, pure routing, and the deadline calendar.

Public API (pure, no Flask, no database):
    load_pos(path_or_text) -> Pos            raises PosError(issues) listing every error
    check_pos(path_or_text) -> (Pos | None, [PosIssue])
    evaluate(facts, pos, directory_view, now) -> Decision
    next_provider(facts, need, pos, directory_view, now, tried_organisations, tried_services) -> Target | None
    escalation_snapshot(pos, risk) -> dict;  snapshot_deadline(policy, start, duration) -> datetime
"""

from routing.calendar import CLOCK_ALWAYS, CLOCK_WORKING, Duration, WorkingCalendar
from routing.evaluate import (
    Alternative,
    Decision,
    LeftOut,
    Target,
    UnmetNeed,
    escalation_snapshot,
    evaluate,
    next_provider,
    snapshot_deadline,
)
from routing.loader import DEFAULT_POS_PATH, PosError, check_pos, load_pos
from routing.pos import Pos, PosIssue
from routing.view import Contact, DirectoryView, ProviderService, ReferralFacts

__all__ = [
    "CLOCK_ALWAYS", "CLOCK_WORKING", "DEFAULT_POS_PATH", "Alternative", "Contact", "Decision", "DirectoryView",
    "Duration", "LeftOut", "Pos", "PosError", "PosIssue", "ProviderService", "ReferralFacts", "Target",
    "UnmetNeed", "WorkingCalendar", "check_pos", "escalation_snapshot", "evaluate", "load_pos",
    "next_provider", "snapshot_deadline",
]
