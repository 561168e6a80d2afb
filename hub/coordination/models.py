"""Coordination meetings: participants, agenda items (one per referral, codes and facts only), decisions
and action points that become followed-up reminders.

Free text (discussion, decision, action) is written by coordinators for the minutes; the forms warn never
to name a child. It is stored plainly because the minutes exist to be shared with the participants.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Contact, Organisation
from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime

PLANNED, HELD = "planned", "held"
OPEN, DONE = "open", "done"


class CoordinationMeeting(db.Model):
    __tablename__ = "coordination_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str] = mapped_column(String(300))
    # Items escalated or flagged after this instant make the agenda (the previous meeting's date).
    agenda_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=PLANNED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    minutes_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position")


class MeetingParticipant(db.Model):
    """An organisation of the directory at the meeting, and optionally which of its contacts attended."""

    __tablename__ = "meeting_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("coordination_meeting.id", ondelete="CASCADE"),
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))

    meeting: Mapped[CoordinationMeeting] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()
    contact: Mapped[Contact | None] = relationship()


class AgendaItem(db.Model):
    """One referral on the agenda; `facts` is the snapshot shown then (codes, states, delays; no child data)."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("coordination_meeting.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(default=0)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    code: Mapped[str] = mapped_column(String(12))
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    discussion: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    meeting: Mapped[CoordinationMeeting] = relationship(back_populates="items")
    actions: Mapped[list[ActionPoint]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ActionPoint.id")


class ActionPoint(db.Model):
    """A follow-up owned by an organisation: its focal point is reminded when due, then it escalates."""

    __tablename__ = "action_point"
    __table_args__ = (Index("ix_action_point_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(20), default=OPEN)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[AgendaItem] = relationship(back_populates="actions")
    owner: Mapped[Organisation] = relationship()


__all__ = ["CoordinationMeeting", "MeetingParticipant", "AgendaItem", "ActionPoint"]
