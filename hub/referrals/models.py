"""The child (minimal), its consent, the referral, its targets and their history.

Identifying fields are `EncryptedText` (unreadable in the raw database); routing facts stay plain,
queryable columns so that statistics and routing never need to decrypt anything.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.models import Organisation
from hub.auth.models import User
from hub.crypto import EncryptedText
from hub.extensions import db
from hub.referrals import lifecycle
from hub.timeutil import utcnow
from hub.types import UTCDateTime

# Consent kinds: informed consent (parent, guardian or a child old enough), a child's assent, or a
# documented best-interests exception (unaccompanied child with nobody who can consent).
CONSENT, ASSENT, BEST_INTERESTS_EXCEPTION = "consent", "assent", "best_interests_exception"
CONSENT_KINDS = (CONSENT, ASSENT, BEST_INTERESTS_EXCEPTION)
CONSENT_GIVERS = ("child", "parent", "guardian", "other_adult")
CONSENT_METHODS = ("oral", "written", "thumbprint")


def new_step_token() -> str:
    return secrets.token_hex(8)


class Child(db.Model):
    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # Identifying: encrypted at rest, cleared by the retention purge.
    given_name: Mapped[str | None] = mapped_column(EncryptedText())
    family_name: Mapped[str | None] = mapped_column(EncryptedText())
    date_of_birth: Mapped[str | None] = mapped_column(EncryptedText())  # ISO date, possibly estimated
    phone: Mapped[str | None] = mapped_column(EncryptedText())
    family_contacts: Mapped[str | None] = mapped_column(EncryptedText())
    narrative: Mapped[str | None] = mapped_column(EncryptedText())

    # Routing facts: plain and queryable, never identifying on their own.
    age_years: Mapped[int | None] = mapped_column()
    age_min: Mapped[int | None] = mapped_column()  # an age range when the exact age is unknown
    age_max: Mapped[int | None] = mapped_column()
    sex: Mapped[str | None] = mapped_column(String(10))
    unaccompanied: Mapped[bool] = mapped_column(default=False)
    separated: Mapped[bool] = mapped_column(default=False)
    nationality: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str | None] = mapped_column(String(30))
    quartier: Mapped[str | None] = mapped_column(String(80), index=True)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    risk_level: Mapped[str] = mapped_column(String(20), index=True)
    needs: Mapped[list] = mapped_column(JSON, default=list)
    trafficking_suspected: Mapped[bool] = mapped_column(default=False)

    # Consent (who, when, how) or the documented best-interests exception.
    consent_kind: Mapped[str | None] = mapped_column(String(30))
    consent_given_by: Mapped[str | None] = mapped_column(String(20))
    consent_method: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    best_interests_justification: Mapped[str | None] = mapped_column(EncryptedText())

    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    IDENTIFYING = ("given_name", "family_name", "date_of_birth", "phone", "family_contacts", "narrative",
                   "best_interests_justification")


class Referral(db.Model):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)  # referring
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    pos_version: Mapped[str] = mapped_column(String(60))
    pos_hash: Mapped[str] = mapped_column(String(64))
    decision: Mapped[dict] = mapped_column(JSON)  # the routing decision snapshot, reasons included
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    child: Mapped[Child] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    targets: Mapped[list[ReferralTarget]] = relationship(
        back_populates="referral", order_by="ReferralTarget.id", cascade="all, delete-orphan")


class ReferralTarget(db.Model):
    """One provider's share of a referral: the unit the state machine and escalation work on."""

    __tablename__ = "referral_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(60))
    mandatory: Mapped[bool] = mapped_column(default=False)  # a notification the POS requires
    contact_order: Mapped[list] = mapped_column(JSON, default=list)  # directory contact ids, in order
    state: Mapped[str] = mapped_column(String(20), default=lifecycle.SENT, index=True)
    acknowledge_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decide_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation: Mapped[dict] = mapped_column(JSON, default=dict)  # frozen escalation-policy snapshot
    escalation_step: Mapped[int] = mapped_column(default=0)  # index of the next step to apply
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_token: Mapped[str] = mapped_column(String(32), default=new_step_token)
    decline_reason_code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="targets")
    organisation: Mapped[Organisation] = relationship()
    transitions: Mapped[list[TargetTransition]] = relationship(
        back_populates="target", order_by="TargetTransition.id", cascade="all, delete-orphan")

    __table_args__ = (Index("ix_referral_target_due", "next_action_at", "state"),)

    @property
    def is_open(self) -> bool:
        return self.state in lifecycle.OPEN

    def is_overdue(self, now: datetime) -> bool:
        return lifecycle.is_overdue(self.state, self.acknowledge_due_at, self.decide_due_at, now)

    @property
    def fhir_status(self) -> str:
        return lifecycle.FHIR_TASK_STATUS[self.state]


class TargetTransition(db.Model):
    """A target's history: who moved it, when, through which channel, why."""

    __tablename__ = "target_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("referral_target.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))  # None for the creation row
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    reason_code: Mapped[str | None] = mapped_column(String(40))
    # Free text may mention the child: encrypted, and cleared by the retention purge.
    reason_text: Mapped[str | None] = mapped_column(EncryptedText())
    outcome: Mapped[str | None] = mapped_column(EncryptedText())

    target: Mapped[ReferralTarget] = relationship(back_populates="transitions")
    actor_user: Mapped[User | None] = relationship()


class BreakGlassAccess(db.Model):
    """A coordinator's stated reason for opening a child's identifying details (the audit row points here)."""

    __tablename__ = "break_glass_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(EncryptedText())


class IdempotencyRecord(db.Model):
    """`Idempotency-Key` of POST /api/v1/referrals: the same key from the same user gets the same answer."""

    __tablename__ = "idempotency_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"))
    status_code: Mapped[int] = mapped_column()
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_record_user_key"),)


__all__ = ["Child", "Referral", "ReferralTarget", "TargetTransition", "BreakGlassAccess", "IdempotencyRecord"]
