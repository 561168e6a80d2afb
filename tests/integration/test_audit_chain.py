"""The audit log's hash chain, now chained when a transaction commits: what commits is chained in commit
order with no gap, what is rolled back (the whole transaction or one savepoint) leaves no entry, and
`sira audit verify` still finds an edited row."""

from __future__ import annotations

from sqlalchemy import select, text

from hub.audit import Actor, AuditEntry, record, verify_chain
from hub.extensions import db

ADMIN = Actor(None, "system:test")


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_entries_of_several_transactions_chain_in_commit_order(app_context):
    record(ADMIN, "first.a", "thing", 1)
    record(ADMIN, "first.b", "thing", 1, {"n": 2})
    db.session.commit()
    entry = record(ADMIN, "second", "thing", 2)
    db.session.commit()
    assert entry.seq == 3  # numbered when its transaction committed
    assert actions() == ["first.a", "first.b", "second"]
    assert list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq))) == [1, 2, 3]
    assert verify_chain() == (True, "3 audit rows, chain intact")


def test_rolled_back_work_leaves_no_entry_and_no_gap(app_context):
    record(ADMIN, "kept", "thing", 1)
    db.session.commit()
    record(ADMIN, "rolled.back", "thing", 2)
    db.session.rollback()
    record(ADMIN, "kept.too", "thing", 3)
    db.session.commit()
    assert actions() == ["kept", "kept.too"]
    assert verify_chain()[0]


def test_a_rolled_back_savepoint_drops_only_the_entries_recorded_inside_it(app_context):
    record(ADMIN, "before", "thing", 1)
    savepoint = db.session.begin_nested()
    record(ADMIN, "inside", "thing", 2)
    savepoint.rollback()
    with db.session.begin_nested():
        record(ADMIN, "released", "thing", 3)
    record(ADMIN, "after", "thing", 4)
    db.session.commit()
    assert actions() == ["before", "released", "after"]
    assert verify_chain()[0]


def test_verify_still_finds_an_edited_row(app_context):
    for number in range(3):
        record(ADMIN, "step", "thing", number)
        db.session.commit()
    db.session.execute(text("UPDATE audit_entry SET subject_id = '9' WHERE seq = 2"))
    db.session.commit()
    assert verify_chain() == (False, "audit row seq 2 was edited after it was written")
