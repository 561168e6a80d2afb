"""The referral target's state machine: plain Python, an explicit transition table, `now` passed in.

A target is one provider's share of a referral. Every move is looked up in `MOVES`; a move that is not in
the table raises `IllegalTransition` and nothing changes. `apply()` does not mutate anything: it returns
the `Transition` the caller records (who, when, through which channel, why), so the service layer writes
the new state and its history in one transaction and the core never touches a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# States -------------------------------------------------------------------------------------------
SENT, DELIVERED, ACKNOWLEDGED = "sent", "delivered", "acknowledged"
ACCEPTED, DECLINED, IN_SERVICE = "accepted", "declined", "in_service"
COMPLETED, FAILED, CANCELLED, EXPIRED, REROUTED = "completed", "failed", "cancelled", "expired", "rerouted"

STATES = (SENT, DELIVERED, ACKNOWLEDGED, ACCEPTED, DECLINED, IN_SERVICE, COMPLETED, FAILED, CANCELLED,
          EXPIRED, REROUTED)
# Waiting for the provider's answer: what acknowledgement / decision deadlines and escalation apply to.
AWAITING_ANSWER = frozenset({SENT, DELIVERED, ACKNOWLEDGED})
# The provider took the child on: from here the provider may see the child's identifying details.
TAKEN_ON = frozenset({ACCEPTED, IN_SERVICE, COMPLETED, FAILED})
CLOSED = frozenset({DECLINED, COMPLETED, FAILED, CANCELLED, EXPIRED, REROUTED})
OPEN = frozenset(STATES) - CLOSED

# Who may make a move: the addressed provider, the referring side (caseworker), or Sira itself
# (delivery receipts, escalation sweeps).
PROVIDER, REFERRER, SYSTEM = "provider", "referrer", "system"

CHANNELS = ("web", "api", "sms", "telegram", "email", "system")


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    by: frozenset[str]
    needs_reason: bool = False
    needs_outcome: bool = False


def _move(action, sources, target, by, **flags) -> Move:
    return Move(action, frozenset(sources), target, frozenset(by), **flags)


# The transition table. A provider may answer before the delivery receipt arrives (an SMS "OUI K7Q2"
# can overtake the carrier's callback), so acknowledge / accept / decline start from any waiting state.
MOVES: dict[str, Move] = {m.action: m for m in (
    _move("deliver", {SENT}, DELIVERED, {SYSTEM}),
    _move("acknowledge", {SENT, DELIVERED}, ACKNOWLEDGED, {PROVIDER}),
    _move("accept", AWAITING_ANSWER, ACCEPTED, {PROVIDER}),
    _move("decline", AWAITING_ANSWER, DECLINED, {PROVIDER}, needs_reason=True),
    _move("start", {ACCEPTED}, IN_SERVICE, {PROVIDER}),
    _move("complete", {IN_SERVICE}, COMPLETED, {PROVIDER}, needs_outcome=True),
    _move("fail", {ACCEPTED, IN_SERVICE}, FAILED, {PROVIDER}, needs_reason=True),
    _move("cancel", OPEN, CANCELLED, {REFERRER}, needs_reason=True),
    _move("expire", AWAITING_ANSWER, EXPIRED, {SYSTEM}),
    _move("reroute", AWAITING_ANSWER | {EXPIRED}, REROUTED, {SYSTEM}),
)}
ACTIONS = tuple(MOVES)

# HL7 FHIR R4 Task.status (Gravity SDOH closed-loop referral); Sira's own state goes to businessStatus.
FHIR_TASK_STATUS = {
    SENT: "requested",
    DELIVERED: "requested",
    ACKNOWLEDGED: "received",
    ACCEPTED: "accepted",
    DECLINED: "rejected",
    IN_SERVICE: "in-progress",
    COMPLETED: "completed",
    FAILED: "failed",
    CANCELLED: "cancelled",
    EXPIRED: "failed",      # nobody answered in time
    REROUTED: "cancelled",  # withdrawn from this provider and sent to another
}


class LifecycleError(ValueError):
    """A move that must not be applied; `field` names what is wrong for API errors."""

    field = "action"


class IllegalTransition(LifecycleError):
    def __init__(self, state: str, action: str):
        super().__init__(f"cannot {action} a target that is {state}")
        self.state, self.action = state, action


class NotAllowed(LifecycleError):
    def __init__(self, action: str, party: str):
        super().__init__(f"the {party} may not {action} a target")
        self.action, self.party = action, party


class MissingDetail(LifecycleError):
    def __init__(self, field: str, action: str):
        super().__init__(f"{action} needs a {field}")
        self.field, self.action = field, action


@dataclass(frozen=True)
class Transition:
    """One applied move: the history row of a target."""

    action: str
    from_state: str
    to_state: str
    at: datetime
    actor: str           # audit-style label: "user:12", "sms:+22370…", "system:escalation"
    channel: str
    reason_code: str | None = None
    reason_text: str | None = None
    outcome: str | None = None


def allowed_actions(state: str, party: str) -> tuple[str, ...]:
    """The moves `party` may make from `state`, in table order (what a page offers as buttons)."""
    return tuple(m.action for m in MOVES.values() if state in m.sources and party in m.by)


def apply(state: str, action: str, *, party: str, actor: str, channel: str, now: datetime,
          reason_code: str | None = None, reason_text: str | None = None,
          outcome: str | None = None) -> Transition:
    """The transition `action` makes from `state`, or a LifecycleError; nothing is mutated."""
    move = MOVES.get(action)
    if move is None:
        raise IllegalTransition(state, action)
    if channel not in CHANNELS:
        raise LifecycleError(f"unknown channel {channel!r}")
    if now.tzinfo is None:
        raise LifecycleError("now must be timezone-aware")
    if party not in move.by:
        raise NotAllowed(action, party)
    if state not in move.sources:
        raise IllegalTransition(state, action)
    reason_code = (reason_code or "").strip() or None
    reason_text = (reason_text or "").strip() or None
    outcome = (outcome or "").strip() or None
    if move.needs_reason and not (reason_code or reason_text):
        raise MissingDetail("reason", action)
    if reason_code == "other" and not reason_text:
        raise MissingDetail("reason_text", action)
    if move.needs_outcome and not outcome:
        raise MissingDetail("outcome", action)
    return Transition(action, state, move.target, now, actor, channel, reason_code, reason_text, outcome)


def is_overdue(state: str, acknowledge_due: datetime | None, decide_due: datetime | None,
               now: datetime) -> bool:
    """Late for its acknowledgement (not yet acknowledged) or for its decision (not yet decided)."""
    if state in (SENT, DELIVERED) and acknowledge_due is not None and now > acknowledge_due:
        return True
    return state in AWAITING_ANSWER and decide_due is not None and now > decide_due


def referral_state(target_states: list[str]) -> str:
    """A referral's summary state: open while any target is open, else closed."""
    return "open" if any(s in OPEN for s in target_states) else "closed"
