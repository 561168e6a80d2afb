"""Hooks called inside the transaction that creates targets or moves one.

The channels engineer adds outbox rows here (messages to providers, to the caseworker): they are then
written in the same commit as the state change (ARCHITECTURE.md principle 3). Handlers must only add rows
to `db.session` and `dispatch()` jobs; they must never commit, send anything, or read the child's
identifying fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.referrals.models import Referral, ReferralTarget, TargetTransition


def on_targets_created(referral: Referral, targets: list[ReferralTarget]) -> None:
    """A referral was routed: `targets` are flushed (they have ids) and each has its creation transition."""
    from hub.webhooks import outgoing

    outgoing.new_targets(referral, targets)


def on_transition(target: ReferralTarget, transition: TargetTransition) -> None:
    """`target` moved (target.state is the new state); `transition` is flushed."""
    from hub.webhooks import outgoing
    from notifications import escalation_steps

    outgoing.transition(target, transition)
    escalation_steps.on_transition(target, transition)   # a decline re-routes at once; VU stops reminders
