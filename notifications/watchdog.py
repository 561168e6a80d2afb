"""The escalation watchdog: targets whose next step is more than 5 minutes late mean the sweep is not
running (or fails). /healthz turns 503 naming "escalations"; the coordinators get a message, at most one
an hour, however many processes run the check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from hub.extensions import db
from hub.heartbeat import PeriodicRun
from hub.referrals.lifecycle import AWAITING_ANSWER
from hub.referrals.models import ReferralTarget
from hub.timeutil import utcnow
from notifications.templates import MessageContext, MessageKind

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=5)
ALERT_EVERY = timedelta(hours=1)
ALERT_MARK = "escalations_watchdog_alert"     # a periodic_run row: when the coordinators were last told


@dataclass(frozen=True)
class Lateness:
    count: int
    oldest: datetime | None

    @property
    def late(self) -> bool:
        return self.count > 0


def lateness(now: datetime) -> Lateness:
    """How many waiting targets have a step due for longer than LATE_AFTER, and the oldest due time."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(ReferralTarget.next_action_at)).where(
            ReferralTarget.next_action_at < now - LATE_AFTER,
            ReferralTarget.state.in_(sorted(AWAITING_ANSWER)))).one()
    if oldest is not None and oldest.tzinfo is None:   # SQLite's aggregate bypasses the column type
        oldest = datetime.fromisoformat(str(oldest)).replace(tzinfo=now.tzinfo)
    return Lateness(int(count), oldest)


class EscalationsLate(RuntimeError):
    pass


def health_check() -> dict:
    """hub.health.CHECKS["escalations"]: raises (-> 503) when steps are late."""
    found = lateness(utcnow())
    if found.late:
        raise EscalationsLate(f"{found.count} target(s) with an escalation step late by more than "
                              f"{int(LATE_AFTER.total_seconds() // 60)} min; oldest due "
                              f"{found.oldest.isoformat()} (is the sweep running?)")
    return {"ok": True, "late": 0}


def _take_hourly_slot(now: datetime) -> bool:
    """True for exactly one caller per ALERT_EVERY, across processes (a conditional UPDATE; the first
    time, an INSERT that the primary key makes unique). Call it first in its transaction."""
    taken = db.session.execute(update(PeriodicRun).where(
        PeriodicRun.name == ALERT_MARK, PeriodicRun.last_run_at <= now - ALERT_EVERY).values(last_run_at=now)
        .execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        return True
    if db.session.get(PeriodicRun, ALERT_MARK) is not None:
        return False
    try:
        db.session.add(PeriodicRun(name=ALERT_MARK, last_run_at=now))
        db.session.flush()
    except IntegrityError:   # another process wrote the first mark at the same moment
        db.session.rollback()
        return False
    return True


def alert_coordinators(now: datetime) -> list[int]:
    """Tell the coordinators that escalations are late (at most once an hour); returns the outbox ids."""
    from notifications.escalation_steps import _coordinators
    from notifications.outbox import NoReachableChannel, queue_to_contact

    found = lateness(now)
    if not found.late or not _take_hourly_slot(now):
        return []
    ids = []
    for locale_contact in _coordinators({}):
        count = f"{found.count} orientation(s)" if locale_contact.language == "fr" else f"{found.count} referral(s)"
        context = MessageContext(status=count, deadline=found.oldest)
        try:
            ids.append(queue_to_contact(locale_contact, MessageKind.ESCALATIONS_LATE, context).id)
        except NoReachableChannel:
            continue
    if not ids:
        log.error("escalations late (%d) and no coordinator contact reachable", found.count)
    return ids


def run() -> int:
    """The periodic job. It runs on the same scheduler as the sweep, so it catches a sweep that fails or
    hangs; a dead scheduler is what /healthz (polled from outside) is for."""
    ids = alert_coordinators(utcnow())
    db.session.commit()
    return len(ids)
