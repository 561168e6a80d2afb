"""Retention: closed referrals older than the POS retention period are anonymised, statistics kept.

What stays: the routing facts, states, deadlines, times, reason codes (the statistics). What goes: every
encrypted field (names, birth date, phone, family contacts, story, consent justification, free-text
reasons and outcomes, break-glass reasons).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select, update

from hub.audit import Actor, record
from hub.extensions import db
from hub.referrals.models import BreakGlassAccess, Child, Referral, ReferralTarget, TargetTransition

DEFAULT_RETENTION_DAYS = 5 * 365


def retention_days(referral: Referral) -> int:
    """The period frozen with the referral's routing snapshot; 5 years when the POS did not say."""
    days = (referral.decision or {}).get("retention_days")
    return int(days) if days else DEFAULT_RETENTION_DAYS


def due_for_purge(now: datetime) -> list[Referral]:
    candidates = db.session.scalars(select(Referral).where(
        Referral.closed_at.is_not(None), Referral.anonymised_at.is_(None),
        Referral.closed_at < now).order_by(Referral.closed_at))
    return [r for r in candidates if r.closed_at + timedelta(days=retention_days(r)) <= now]


def anonymise(referral: Referral, now: datetime) -> None:
    child = referral.child
    for name in Child.IDENTIFYING:
        setattr(child, name, None)
    child.anonymised_at = now
    referral.anonymised_at = now
    target_ids = select(ReferralTarget.id).where(ReferralTarget.referral_id == referral.id)
    db.session.execute(update(TargetTransition).where(TargetTransition.target_id.in_(target_ids))
                       .values(reason_text=None, outcome=None))
    db.session.execute(update(BreakGlassAccess).where(BreakGlassAccess.referral_id == referral.id)
                       .values(reason=None))
    record(Actor.system("retention"), "referral.anonymise", "referral", referral.code,
           {"closed_at": referral.closed_at.isoformat(), "retention_days": retention_days(referral)}, at=now)


def purge(now: datetime, dry_run: bool = False) -> list[str]:
    """Anonymise every referral due; returns their codes. Commits unless `dry_run`."""
    due = due_for_purge(now)
    if dry_run:
        return [r.code for r in due]
    for referral in due:
        anonymise(referral, now)
    db.session.commit()
    return [r.code for r in due]


retention_cli = AppGroup("retention", help="Retention of children's data.")


@retention_cli.command("purge")
@click.option("--now", "now_text", default=None, help="ISO date-time to purge as of (default: now).")
@click.option("--dry-run", is_flag=True, help="List what would be anonymised; change nothing.")
def purge_command(now_text: str | None, dry_run: bool) -> None:
    """Anonymise closed referrals older than the POS retention period, keeping the statistics."""
    from hub.timeutil import utcnow

    now = utcnow()
    if now_text:
        now = datetime.fromisoformat(now_text)
        if now.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. 2031-01-01T00:00:00+00:00", param_hint="--now")
    codes = purge(now, dry_run=dry_run)
    verb = "would be anonymised" if dry_run else "anonymised"
    click.echo(f"{len(codes)} referral(s) {verb}" + (f": {', '.join(codes)}" if codes else ""))
