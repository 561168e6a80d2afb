"""The escalation sweep: every minute, claim the targets whose next step is due, apply it, schedule the next.

One transaction per batch: the claim, the step's messages (outbox rows), the timeline and audit rows and
the new schedule commit together, and the messages are dispatched only after that commit (principle 3).

Claims hold on both databases (principle 5, TECHNOTES):
- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` on the due index (next_action_at, state): two sweeps
  get disjoint batches, and a reply arriving meanwhile waits for the batch's commit.
- SQLite ignores FOR UPDATE, so the claim is a conditional `UPDATE ... WHERE id IN (SELECT ... LIMIT n)
  AND <still due> RETURNING id` that stamps a fresh step token: SQLite runs one writer at a time, and
  the second sweep's sub-select sees the first one's new schedule.
Every step replaces the target's step token, so a job carrying an older token (`escalate_target`)
does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from hub.extensions import db
from hub.referrals.lifecycle import AWAITING_ANSWER
from hub.referrals.models import ReferralTarget, new_step_token
from hub.timeutil import utcnow
from notifications.escalation import plan_next
from notifications.escalation_steps import (
    Applied,
    carry_out,
    forget_prefetch,
    prefetch,
    record_step,
    situation_of,
)
from notifications.outbox import dispatch_messages

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# A step that raised (a bug, a broken row) is retried after this long instead of blocking the pass.
RETRY_AFTER = timedelta(minutes=5)


@dataclass
class SweepReport:
    now: datetime
    claimed: int = 0
    applied: list[Applied] = field(default_factory=list)
    rescheduled: int = 0
    errors: list[int] = field(default_factory=list)
    planned: list[tuple[int, str, str]] = field(default_factory=list)   # dry run: (target, step, why)

    @property
    def message_ids(self) -> list[int]:
        return [i for a in self.applied for i in a.message_ids]


def _due(now: datetime):
    return (ReferralTarget.next_action_at <= now, ReferralTarget.state.in_(sorted(AWAITING_ANSWER)))


def claim_due(now: datetime, limit: int) -> list[int]:
    """Lock (PostgreSQL) or stamp (SQLite) up to `limit` due targets in the current transaction."""
    due_first = select(ReferralTarget.id).where(*_due(now)).order_by(ReferralTarget.next_action_at).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        return list(db.session.scalars(due_first.with_for_update(skip_locked=True)))
    claimed = db.session.execute(
        update(ReferralTarget)
        .where(ReferralTarget.id.in_(due_first.scalar_subquery()), *_due(now))
        .values(step_token=new_step_token())
        .returning(ReferralTarget.id)
        .execution_options(synchronize_session=False))
    return [row[0] for row in claimed]


def _load(ids: list[int]) -> list[ReferralTarget]:
    return list(db.session.scalars(
        select(ReferralTarget).where(ReferralTarget.id.in_(ids))
        .options(selectinload(ReferralTarget.referral), selectinload(ReferralTarget.organisation))
        .order_by(ReferralTarget.next_action_at, ReferralTarget.id)
        .execution_options(populate_existing=True)))


def _postpone(target_id: int, now: datetime) -> None:
    db.session.execute(update(ReferralTarget).where(ReferralTarget.id == target_id)
                       .values(next_action_at=now + RETRY_AFTER).execution_options(synchronize_session=False))
    db.session.commit()


def _apply_batch(ids: list[int], now: datetime, report: SweepReport) -> bool:
    """Apply the claimed targets' steps and commit them together. A step that raises rolls the batch
    back (its messages were never dispatched) and is postponed by RETRY_AFTER; False tells the caller to
    claim again. No savepoints: pysqlite keeps the transaction open after one (the write lock with it)."""
    applied, rescheduled = [], 0
    targets = _load(ids)
    prefetch(targets)
    current = None
    try:
        # First every step's messages and side effects, then the schedules, timeline rows and audit
        # entries: rows go out in a few multi-row statements instead of one round trip each.
        with db.session.no_autoflush:
            carried = []
            for target in targets:
                current = target.id
                carried.append(carry_out(target, plan_next(target.escalation or {}, situation_of(target), now), now))
            # The batch's messages were written deferred (no id yet): one flush gives them their ids.
            deferred = [m for step in carried if step.applied for m in step.applied.messages if m.id is None]
            db.session.flush()
            dispatch_messages(deferred)
            for step in carried:
                current = step.target.id
                result = record_step(step, now)
                if result is None:
                    rescheduled += 1
                else:
                    applied.append(result)
    except Exception:
        log.exception("escalation of target %s failed; retried in %s", current, RETRY_AFTER)
        db.session.rollback()
        _postpone(current, now)
        report.errors.append(current)
        return False
    finally:
        forget_prefetch()
    db.session.commit()
    report.applied.extend(applied)
    report.rescheduled += rescheduled
    return True


def sweep(now: datetime | None = None, *, batch_size: int = BATCH_SIZE, max_batches: int | None = None
          ) -> SweepReport:
    """One pass: batches until nothing due is left (or `max_batches`). Commits each batch."""
    now = now or utcnow()
    report = SweepReport(now)
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = claim_due(now, batch_size)
        if not ids:
            db.session.rollback()
            break
        report.claimed += len(ids)
        batches += 1
        if _apply_batch(ids, now, report) and len(ids) < batch_size:
            break
    return report


def escalate_target(target_id: int, token: str, now: datetime | None = None) -> Applied | None:
    """Apply the due step of one target, but only if its step token is still `token`: a stale or
    duplicate job (the step was applied, or the provider answered, since it was scheduled) does nothing."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(ReferralTarget)
        .where(ReferralTarget.id == target_id, ReferralTarget.step_token == token, *_due(now))
        .values(step_token=new_step_token())
        .returning(ReferralTarget.id)
        .execution_options(synchronize_session=False)).first()
    if claimed is None:
        db.session.rollback()
        return None
    report = SweepReport(now)
    _apply_batch([target_id], now, report)
    return report.applied[0] if report.applied else None


def plan_due(now: datetime, limit: int = 1000) -> SweepReport:
    """What a sweep at `now` would do, writing nothing (`--dry-run`, drills and trainings)."""
    report = SweepReport(now)
    targets = db.session.scalars(select(ReferralTarget).where(*_due(now))
                                 .order_by(ReferralTarget.next_action_at).limit(limit)).all()
    for target in targets:
        plan = plan_next(target.escalation or {}, situation_of(target), now)
        action = plan.step.action if plan.step else "-"
        report.planned.append((target.id, action, plan.why))
    report.claimed = len(targets)
    db.session.rollback()
    return report


def run() -> int:
    """The periodic job (hub.schedule): one pass at the wall-clock time."""
    from hub.heartbeat import record_run

    report = sweep()
    record_run("escalations_sweep")
    db.session.commit()
    if report.applied or report.errors:
        log.info("escalation sweep: %d steps applied, %d errors", len(report.applied), len(report.errors))
    return len(report.applied)


# --- CLI ------------------------------------------------------------------------------------------------

escalations_cli = AppGroup("escalations", help="Relances et escalades / reminders and escalations.")


def _parse_now(text: str | None) -> datetime | None:
    if not text:
        return None
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise click.BadParameter("indiquer le fuseau, ex. 2026-05-15T10:00+00:00 / give the offset")
    return instant


@escalations_cli.command("sweep")
@click.option("--now", "now_text", help="Heure simulée (ISO 8601), pour les exercices / simulated time (drills).")
@click.option("--dry-run", is_flag=True, help="Afficher sans rien écrire ni envoyer / show, write nothing.")
def sweep_command(now_text: str | None, dry_run: bool) -> None:
    """Appliquer les étapes d'escalade dues / apply the escalation steps that are due."""
    now = _parse_now(now_text) or utcnow()
    if dry_run:
        report = plan_due(now)
        click.echo(f"{now.isoformat()} — {report.claimed} cible(s) à traiter / target(s) due (simulation)")
        for target_id, action, why in report.planned:
            click.echo(f"  cible / target {target_id}: {action} — {why}")
        return
    report = sweep(now)
    click.echo(f"{now.isoformat()} — {len(report.applied)} étape(s) appliquée(s) / step(s) applied, "
               f"{report.rescheduled} reportée(s) / rescheduled, {len(report.errors)} erreur(s) / error(s)")
    for applied in report.applied:
        extra = f" -> cible / target {applied.new_target_id}" if applied.new_target_id else ""
        click.echo(f"  {applied.referral_code} cible / target {applied.target_id}: étape / step "
                   f"{applied.step_index} {applied.action}{extra}; messages {applied.message_ids}"
                   + (f" ({'; '.join(applied.notes)})" if applied.notes else ""))
