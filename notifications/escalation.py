"""The escalation policy: a target's frozen ladder + where it stands + now -> the next step and its time.

Pure (ARCHITECTURE.md principle 1): plain values in, plain values out; `now` is passed in, nothing is read
from a clock, a database or Flask. The sweep (notifications.sweep) loads, calls `plan_next`, writes.

The ladder is the frozen snapshot made by `routing.escalation_snapshot` when the referral was routed:
    {"clock", "acknowledge_within", "decide_within", "steps": [{"index", "wait", "action", ...}],
     "calendar": {...}}
Each step's wait counts from the previous step (the first from sending), on the snapshot's own clock and
calendar: a working-hours clock pauses outside hours and on holidays, a 24/7 clock does not.

The rules, in the words of issue 7:
- while nobody answers, the steps apply in order, one at a time, each when its wait has run out;
- an acknowledgement (VU) stops the reminders: from then on reminder steps are skipped and the next
  step waits for the decision deadline (acknowledgement + decide_within); the steps already applied
  (backup contacted, ...) are not repeated;
- an acceptance (or any answer that closes the target) ends the ladder: nothing is due any more;
- a reminder goes to the same contact, on the next channel when the last message to them failed;
- when nobody acts, the coordinator is always reached: a step that takes the referral away from this
  target (re-route) or the ladder's last step also alerts the coordinator if no coordinator step came
  before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.referrals.lifecycle import ACKNOWLEDGED, AWAITING_ANSWER
from routing import snapshot_deadline

REMINDER = "reminder"
BACKUP_CONTACT = "backup_contact"
HEAD_OF_ORGANISATION = "head_of_organisation"
COORDINATOR = "coordinator"
REROUTE = "reroute"
FLAG_MEETING = "flag_meeting"
ACTIONS = (REMINDER, BACKUP_CONTACT, HEAD_OF_ORGANISATION, COORDINATOR, REROUTE, FLAG_MEETING)

# Steps after which the referral no longer waits on this target's ladder (the provider is replaced, or
# the case goes to the coordination meeting): the coordinator must have been told by then.
_LEAVING_ACTIONS = frozenset({REROUTE, FLAG_MEETING})


@dataclass(frozen=True)
class Situation:
    """Where a target stands, as the sweep reads it from its row."""

    state: str                          # hub.referrals.lifecycle state
    step_index: int                     # the next ladder step to apply (0-based)
    next_action_at: datetime | None     # when that step is due (None: nothing scheduled)
    decide_due_at: datetime | None = None
    last_message_failed: bool = False   # the last message to the target's own contact failed

    @property
    def acknowledged(self) -> bool:
        return self.state == ACKNOWLEDGED


@dataclass(frozen=True)
class Step:
    """One step to apply now."""

    index: int                   # 0-based position in the ladder
    action: str                  # one of ACTIONS
    label: str                   # French, from the snapshot
    use_next_channel: bool = False    # a reminder after a failed message: try the contact's next channel
    alert_coordinator: bool = False   # the ladder leaves this target before its own coordinator step


@dataclass(frozen=True)
class Plan:
    """What the sweep does for one target: apply `step` (if any), then store `step_index` and
    `next_action_at` (None: the ladder is over, or the target no longer waits for an answer)."""

    step: Step | None
    step_index: int
    next_action_at: datetime | None
    why: str

    @property
    def ends_ladder(self) -> bool:
        return self.next_action_at is None


def steps_of(policy: dict) -> list[dict]:
    return list(policy.get("steps") or [])


def first_action_at(policy: dict, sent_at: datetime) -> datetime | None:
    """When the first step is due: its wait after sending, on the policy's clock."""
    steps = steps_of(policy)
    return snapshot_deadline(policy, sent_at, steps[0]["wait"]) if steps else None


def coordinator_reached(policy: dict, step_index: int) -> bool:
    """Whether a coordinator step is among the steps before `step_index` (those already applied)."""
    return any(step["action"] == COORDINATOR for step in steps_of(policy)[:step_index])


def _skip_reminders(steps: list[dict], index: int, acknowledged: bool) -> int:
    while acknowledged and index < len(steps) and steps[index]["action"] == REMINDER:
        index += 1
    return index


def decision_deadline(policy: dict, acknowledged_at: datetime) -> datetime | None:
    if not policy.get("decide_within") or not policy.get("calendar"):
        return None
    return snapshot_deadline(policy, acknowledged_at, policy["decide_within"])


def after_acknowledgement(policy: dict, step_index: int, acknowledged_at: datetime) -> tuple[int, datetime | None]:
    """(step index, next action time) once the provider has acknowledged (VU): the reminders stop, and
    the ladder resumes at its next non-reminder step when the decision deadline passes.

    The index stays where it is (reminders are skipped when the step is planned): `escalation_step > 0`
    keeps meaning "at least one step was applied" for the coordination board."""
    steps = steps_of(policy)
    index = _skip_reminders(steps, step_index, acknowledged=True)
    if index >= len(steps):
        return step_index, None
    due = decision_deadline(policy, acknowledged_at)
    if due is None:   # a snapshot without a decision deadline: the step keeps its own wait
        due = snapshot_deadline(policy, acknowledged_at, steps[index]["wait"])
    return step_index, due


def plan_next(policy: dict, situation: Situation, now: datetime) -> Plan:
    """The step to apply to a target at `now`, and when the one after it is due."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("`now` must be timezone-aware")
    steps = steps_of(policy)
    if situation.state not in AWAITING_ANSWER:
        return Plan(None, situation.step_index, None, f"answered ({situation.state}): the ladder is over")
    if situation.next_action_at is None:
        return Plan(None, situation.step_index, None, "nothing scheduled")
    if now < situation.next_action_at:
        return Plan(None, situation.step_index, situation.next_action_at, "not due yet")

    acknowledged = situation.acknowledged
    index = _skip_reminders(steps, situation.step_index, acknowledged)
    if index >= len(steps):
        return Plan(None, index, None, "ladder finished")
    if acknowledged and situation.decide_due_at is not None and now < situation.decide_due_at:
        # Scheduled before the acknowledgement: the decision deadline now comes first.
        return Plan(None, index, situation.decide_due_at, "acknowledged: waiting for the decision deadline")

    current = steps[index]
    following = _skip_reminders(steps, index + 1, acknowledged)
    last = following >= len(steps)
    action = current["action"]
    step = Step(
        index=index, action=action, label=current.get("label") or action,
        use_next_channel=action == REMINDER and situation.last_message_failed,
        alert_coordinator=(action in _LEAVING_ACTIONS or last) and action != COORDINATOR
        and not coordinator_reached(policy, index),
    )
    # The next wait counts from now (the POS: "after the previous step"), so a late sweep never fires a
    # burst of steps to catch up; at most one step per target per pass.
    next_at = None if last else snapshot_deadline(policy, now, steps[following]["wait"])
    return Plan(step, following, next_at, f"step {index + 1}/{len(steps)}: {action}")


def after_reroute_failed(policy: dict, plan: Plan) -> Plan:
    """A re-route found no eligible provider: the target stays, the ladder goes on as planned. The
    coordinator must hear of it (nobody else can find a provider), whatever the ladder says."""
    if plan.step is None:
        return plan
    return Plan(Step(plan.step.index, plan.step.action, plan.step.label, alert_coordinator=True),
                plan.step_index, plan.next_action_at, plan.why + " (no eligible provider left)")
