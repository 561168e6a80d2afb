"""Append-only, hash-chained audit log: every read of identifying data and every change.

Each row carries the hash of the previous row, so editing or deleting any row breaks the chain from
there on; `sira audit verify` finds the first broken link. Rows are chained in commit order: the
single `audit_head` row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers) while
a transaction appends, so two transactions never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import ForeignKey, String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.extensions import db
from hub.timeutil import utcnow
from hub.types import UTCDateTime

GENESIS = "0" * 64


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))  # "user:12", "sms:+22370…", "system:sweep"
    action: Mapped[str] = mapped_column(String(60))  # e.g. referral.create, child.read, target.accept
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(60), index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON, never identifying data
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(db.Model):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


def _digest(prev_hash: str, seq: int, at: datetime, actor_label: str, action: str, subject_type: str,
            subject_id: str, detail: str) -> str:
    payload = json.dumps([prev_hash, seq, at.isoformat(), actor_label, action, subject_type, subject_id, detail],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str

    @staticmethod
    def user(user) -> Actor:
        return Actor(user.id, f"user:{user.id}")

    @staticmethod
    def system(what: str) -> Actor:
        return Actor(None, f"system:{what}")


_HEAD_KEY = "sira_audit_head"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_locked_head(session: Session) -> None:
    session.info.pop(_HEAD_KEY, None)


def _locked_head() -> AuditHead:
    """The chain's head, locked once per transaction (the lock is held until commit anyway)."""
    head = db.session.info.get(_HEAD_KEY)
    if head is None:
        head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
        if head is None:
            head = AuditHead(id=1, seq=0, last_hash=GENESIS)
            db.session.add(head)
            db.session.flush()
        db.session.info[_HEAD_KEY] = head
    return head


def record(actor: Actor, action: str, subject_type: str, subject_id, detail: dict | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (it is kept only if that transaction commits)."""
    head = _locked_head()
    at = at or utcnow()
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str)
    seq = head.seq + 1
    entry = AuditEntry(seq=seq, at=at, actor_user_id=actor.user_id, actor_label=actor.label, action=action,
                       subject_type=subject_type, subject_id=str(subject_id), detail=detail_text,
                       prev_hash=head.last_hash)
    entry.row_hash = _digest(head.last_hash, seq, at, actor.label, action, subject_type, str(subject_id),
                             detail_text)
    head.seq, head.last_hash = seq, entry.row_hash
    db.session.add(entry)
    return entry


def verify_chain() -> tuple[bool, str]:
    """(ok, message): the first row whose content or link does not match, or a summary."""
    expected_prev, expected_seq = GENESIS, 1
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(1000):
        if entry.seq != expected_seq:
            return False, f"audit row seq {expected_seq} is missing (found seq {entry.seq}): a row was deleted"
        if entry.prev_hash != expected_prev:
            return False, f"audit row seq {entry.seq} does not link to its predecessor"
        digest = _digest(entry.prev_hash, entry.seq, entry.at, entry.actor_label, entry.action,
                         entry.subject_type, entry.subject_id, entry.detail)
        if digest != entry.row_hash:
            return False, f"audit row seq {entry.seq} was edited after it was written"
        expected_prev, expected_seq = entry.row_hash, expected_seq + 1
    head = db.session.get(AuditHead, 1)
    count = expected_seq - 1
    if head is not None and (head.seq != count or head.last_hash != expected_prev):
        return False, f"the last {head.seq - count} audit row(s) were deleted"
    return True, f"{count} audit rows, chain intact"


audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain; exit 1 naming the first edited or deleted row."""
    ok, message = verify_chain()
    click.echo(message)
    if not ok:
        raise SystemExit(1)
