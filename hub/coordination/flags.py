"""The one door to the escalation engine's agenda flags (notifications.escalation_records.MeetingFlag).

The sweep's `flag_meeting` step (or a re-route that found no provider) writes an unresolved flag on a
target; the board shows the referral as flagged, the next meeting takes it on its agenda, and recording
the meeting's decision on it resolves the flag.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from notifications.escalation_records import MeetingFlag


def unresolved_referral_ids():
    """A sub-select of the referrals with at least one unresolved flag."""
    return select(MeetingFlag.referral_id).where(MeetingFlag.resolved_at.is_(None))


def flagged_referrals(session) -> set[int]:
    return set(session.scalars(unresolved_referral_ids().distinct()))


def resolve_flags(session, referral_id: int, now: datetime) -> int:
    """The meeting took a decision on this referral: its open flags are resolved."""
    result = session.execute(update(MeetingFlag).where(MeetingFlag.referral_id == referral_id,
                                                       MeetingFlag.resolved_at.is_(None)).values(resolved_at=now))
    return result.rowcount
