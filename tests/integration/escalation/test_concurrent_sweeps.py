"""Two sweeps started together on PostgreSQL, each with its own session, over the same due targets: every
step is applied exactly once (one reminder per provider, one timeline row, one audit entry), round after
round."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from hub.audit import AuditEntry
from hub.extensions import db
from hub.referrals.models import ReferralTarget, TargetTransition
from notifications.outbox import OutboxMessage
from notifications.sweep import sweep
from tests.integration.escalation.conftest import refer
from tests.integration.referrals.conftest import make_world
from tests.support import dispose, make_test_app, reset_database

T0 = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
REFERRALS = 12
ROUNDS = 20


@pytest.fixture
def pg_app(postgresql_url, tmp_path):
    app = make_test_app(postgresql_url, tmp_path)
    reset_database(app)
    yield app
    dispose(app)


def counts_per_target(model, column, *where) -> Counter:
    rows = db.session.execute(select(column, func.count()).where(*where).group_by(column))
    return Counter(dict(rows.all()))


def one_sweep(app, due, barrier, reports, failures):
    """A sweep in its own thread, with its own app context and so its own session and connection."""
    try:
        with app.app_context():
            barrier.wait(timeout=30)
            reports.append(sweep(due, batch_size=3))
    except Exception as error:   # surfaced by the test: a thread's exception would be lost otherwise
        failures.append(error)


def test_two_sweeps_at_once_apply_each_step_exactly_once(pg_app):
    world = make_world(pg_app)
    with pg_app.app_context():
        for index in range(REFERRALS):
            refer(world, T0 + timedelta(seconds=index))
        target_ids = sorted(db.session.scalars(select(ReferralTarget.id)))
    due = T0 + timedelta(hours=3)
    rounds_shared = 0

    for round_number in range(1, ROUNDS + 1):
        with pg_app.app_context():
            # Every target is due for its first step (the reminder) again.
            db.session.execute(update(ReferralTarget).values(escalation_step=0,
                                                            next_action_at=T0 + timedelta(hours=2)))
            db.session.commit()

        barrier = threading.Barrier(2)
        reports, failures = [], []
        threads = [threading.Thread(target=one_sweep, args=(pg_app, due, barrier, reports, failures))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not failures, failures

        applied = [a.target_id for report in reports for a in report.applied]
        assert sorted(applied) == target_ids, f"round {round_number}: {Counter(applied)}"
        rounds_shared += all(report.applied for report in reports)
        with pg_app.app_context():
            reminders = counts_per_target(OutboxMessage, OutboxMessage.target_id, OutboxMessage.kind == "reminder")
            steps = counts_per_target(TargetTransition, TargetTransition.target_id,
                                      TargetTransition.action == "escalate")
            audited = db.session.scalar(select(func.count()).select_from(AuditEntry)
                                        .where(AuditEntry.action == "escalation.reminder"))
            assert all(reminders[t] == round_number for t in target_ids), (round_number, reminders)
            assert all(steps[t] == round_number for t in target_ids), (round_number, steps)
            assert audited == round_number * len(target_ids)
    # The test proves something only if the two sweeps really shared the work.
    assert rounds_shared > 0
