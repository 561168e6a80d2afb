"""What the escalation engine leaves behind besides messages: the coordination meeting's agenda flags.

The coordination-meeting feature (later) lists the open flags as its agenda and resolves them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.extensions import db
from hub.types import UTCDateTime

# Why a referral is on the agenda.
NO_ANSWER = "no_answer"            # the ladder's flag_meeting step: nobody acted in time
NO_PROVIDER = "no_provider"        # a re-route found no eligible provider left


class MeetingFlag(db.Model):
    """A referral target put on the next coordination meeting's agenda (once per target and reason)."""

    __tablename__ = "meeting_flag"
    __table_args__ = (Index("uq_meeting_flag_target_reason", "target_id", "reason", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("referral_target.id"))
    reason: Mapped[str] = mapped_column(String(40))
    step_index: Mapped[int | None] = mapped_column()          # the ladder step that raised it (1-based)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)   # set by the meeting
