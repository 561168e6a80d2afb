"""Who may see and do what with a referral. Plain functions over plain attributes (no queries).

- caseworker: their organisation's referrals, with the child's identifying details; may cancel targets;
- provider: only the targets addressed to their organisation; the child's identifying details only once
  one of those targets was accepted;
- coordinator: every referral's code, facts and states; identifying details only with a stated reason
  (break-glass, audited);
- admin: users and the directory, no child data at all.
"""

from __future__ import annotations

from hub.auth.models import ADMIN, CASEWORKER, COORDINATOR, PROVIDER
from hub.referrals import lifecycle

REFERRAL_READERS = (CASEWORKER, PROVIDER, COORDINATOR)
REFERRAL_CREATORS = (CASEWORKER,)


def can_know_referral(user, referral) -> bool:
    """May `user` learn that this referral exists? (otherwise: 404, never 403)"""
    if user.role == CASEWORKER:
        return referral.organisation_id == user.organisation_id
    if user.role == PROVIDER:
        return any(t.organisation_id == user.organisation_id for t in referral.targets)
    return user.role == COORDINATOR


def visible_targets(user, referral) -> list:
    if user.role == PROVIDER:
        return [t for t in referral.targets if t.organisation_id == user.organisation_id]
    if user.role == ADMIN:
        return []
    return list(referral.targets)


def identity_access(user, referral) -> str:
    """'yes', 'break_glass' (only with a stated reason) or 'no'."""
    if referral.anonymised_at is not None:
        return "no"
    if user.role == CASEWORKER and referral.organisation_id == user.organisation_id:
        return "yes"
    if user.role == PROVIDER and any(
        t.organisation_id == user.organisation_id and _was_taken_on(t) for t in referral.targets
    ):
        return "yes"
    if user.role == COORDINATOR:
        return "break_glass"
    return "no"


def _was_taken_on(target) -> bool:
    # A target that was accepted keeps its right to know the child after it was cancelled or failed:
    # the provider may still have to hand the child over.
    return target.state in lifecycle.TAKEN_ON or any(t.to_state == lifecycle.ACCEPTED
                                                      for t in target.transitions)


def party_for(user, target) -> str | None:
    """The lifecycle party `user` plays for `target`, or None when they may not move it."""
    if user.role == PROVIDER and target.organisation_id == user.organisation_id:
        return lifecycle.PROVIDER
    if user.role == CASEWORKER and target.referral.organisation_id == user.organisation_id:
        return lifecycle.REFERRER
    return None
