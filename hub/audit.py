"""Append-only, hash-chained audit log: every read of identifying data and every change.

Each row carries the hash of the previous row, so editing or deleting any row breaks the chain from
there on; `sira audit verify` finds the first broken link. Rows are chained in commit order: a
transaction's entries wait in the session and are chained just before it commits, with the single
`audit_head` row locked by an UPDATE (row lock on PostgreSQL; SQLite serialises writers), so two
transactions never chain onto the same predecessor and writers queue on the head only for the last
statements of their transaction.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy import ForeignKey, String, Text, bindparam, event, insert, select, update
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


_PENDING_KEY = "sira_audit_pending"


def record(actor: Actor, action: str, subject_type: str, subject_id, detail: dict | None = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (it is kept only if that transaction commits).

    The entry is chained when the transaction commits (`_chain_pending_entries`); its seq and hashes are
    set then.
    """
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback (or close) of this transaction drops the entry with it
    entry = AuditEntry(at=at or utcnow(), actor_user_id=actor.user_id, actor_label=actor.label, action=action,
                       subject_type=subject_type, subject_id=str(subject_id),
                       detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str))
    # Tagged with the savepoint it was recorded in, if any: rolling that savepoint back drops it.
    session.info.setdefault(_PENDING_KEY, []).append((session.get_nested_transaction(), entry))
    return entry


@event.listens_for(Session, "before_commit")
def _chain_pending_entries(session: Session) -> None:
    """Chain the transaction's entries onto the head, as the last writes before COMMIT.

    Every other write of the transaction is flushed first, so the head row is always the last lock a
    transaction takes (no lock-order deadlock with it) and is held only for the last statements and the
    commit: the head's seq is bumped (which locks the row on PostgreSQL; SQLite serialises writers) and
    returns the previous hash, then the rows are inserted and the head gets the last hash (one statement
    on PostgreSQL for the usual single entry).
    """
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    session.flush()
    entries = [entry for _, entry in pending]
    head, table = AuditHead.__table__, AuditEntry.__table__
    connection = session.connection()  # plain statements: no ORM work for rows nobody reads back
    bumped = connection.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(entries))
                                .returning(head.c.seq, head.c.last_hash)).first()
    if bumped is None:  # the very first entry
        connection.execute(insert(head).values(id=1, seq=len(entries), last_hash=GENESIS))
        bumped = (len(entries), GENESIS)
    last_seq, prev_hash = bumped
    rows = []
    for seq, entry in enumerate(entries, start=last_seq - len(entries) + 1):
        entry.seq, entry.prev_hash = seq, prev_hash
        entry.row_hash = prev_hash = _digest(prev_hash, seq, entry.at, entry.actor_label, entry.action,
                                             entry.subject_type, entry.subject_id, entry.detail)
        rows.append({column: getattr(entry, column) for column in _ENTRY_COLUMNS})
    if connection.dialect.name == "postgresql" and len(rows) == 1:  # the usual case: one round trip
        connection.execute(_append_one_on_postgresql(),
                           {**{f"entry_{k}": v for k, v in rows[0].items()}, "head_last_hash": prev_hash})
    else:
        connection.execute(insert(table), rows)
        connection.execute(update(head).where(head.c.id == 1).values(last_hash=prev_hash))


@functools.cache
def _append_one_on_postgresql():
    """One statement that inserts one entry and moves the head's hash (a data-modifying CTE), built once."""
    head, table = AuditHead.__table__, AuditEntry.__table__
    appended = insert(table).values({c: bindparam(f"entry_{c}") for c in _ENTRY_COLUMNS}).cte("appended")
    return update(head).where(head.c.id == 1).values(last_hash=bindparam("head_last_hash")).add_cte(appended)


_ENTRY_COLUMNS = ("seq", "at", "actor_user_id", "actor_label", "action", "subject_type", "subject_id", "detail",
                  "prev_hash", "row_hash")


@event.listens_for(Session, "after_transaction_end")
def _drop_uncommitted_entries(session: Session, transaction) -> None:
    """A transaction that ends without committing them (rollback, close) takes its entries with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back_entries(session: Session, previous_transaction) -> None:
    """A rolled-back savepoint drops the entries recorded inside it; any other rollback drops them all."""
    pending = session.info.get(_PENDING_KEY)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(_PENDING_KEY, None)
        return

    def inside(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    session.info[_PENDING_KEY] = [(savepoint, entry) for savepoint, entry in pending if not inside(savepoint)]


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
