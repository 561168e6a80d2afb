"""Loading plain rows for the pure cores (board, scorecards, reports). Column selects only: no ORM objects
of children, and never an identifying column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from directory.models import Organisation, Place
from directory.places import quartier_to_commune
from hub.coordination.board import BoardRow
from hub.coordination.flags import flagged_referrals, unresolved_referral_ids
from hub.coordination.scorecards import ANSWERS, MoveFact, TargetFact
from hub.referrals import lifecycle
from hub.referrals.models import Child, Referral, ReferralTarget, TargetTransition
from notifications.outbox import OutboxMessage
from routing.pos import fold


def commune_lookup(session) -> Callable[[str | None], str | None]:
    """quartier -> commune, from the directory's places (the seed list when the table is empty)."""
    quartier, commune = aliased(Place), aliased(Place)
    rows = session.execute(select(quartier.name, commune.name).join(commune, quartier.commune_id == commune.id)
                           .where(quartier.kind == "quartier")).all()
    mapping = {fold(q): c for q, c in rows} or {fold(q): c for q, c in quartier_to_commune().items()}
    communes = {fold(c): c for c in mapping.values()}

    def lookup(place: str | None) -> str | None:
        if not place:
            return None
        key = fold(place)
        return mapping.get(key) or communes.get(key)

    return lookup


def organisation_label():
    return func.coalesce(Organisation.acronym, Organisation.name)


def overdue_condition(now: datetime):
    return or_(
        and_(ReferralTarget.state.in_([lifecycle.SENT, lifecycle.DELIVERED]), ReferralTarget.acknowledge_due_at < now),
        and_(ReferralTarget.state.in_(sorted(lifecycle.AWAITING_ANSWER)), ReferralTarget.decide_due_at < now),
    )


def _target_columns():
    return (ReferralTarget.id, ReferralTarget.referral_id, Referral.code, ReferralTarget.organisation_id,
            organisation_label(), ReferralTarget.service_type, Child.risk_level, Child.quartier,
            ReferralTarget.state, ReferralTarget.created_at, ReferralTarget.acknowledge_due_at,
            ReferralTarget.decide_due_at, ReferralTarget.escalation_step)


def _joined(query):
    return (query.join(Referral, Referral.id == ReferralTarget.referral_id)
            .join(Child, Child.id == Referral.child_id)
            .join(Organisation, Organisation.id == ReferralTarget.organisation_id))


def _rows(session, query, extra: int = 0) -> list[BoardRow]:
    """BoardRows from `_target_columns()` (+ `extra` trailing columns: last attempt, channel, status)."""
    commune_of = commune_lookup(session)
    flagged = flagged_referrals(session)
    rows = []
    # A Core execution on the session's connection: plain tuples, no ORM loading machinery (the board's
    # data for thousands of targets is dominated by per-row overhead).
    for values in session.connection().execute(query):
        (tid, rid, code, org_id, org, service, risk, quartier, state, sent, ack, decide, step) = values[:13]
        rows.append(BoardRow(tid, rid, code, org_id, org, service, risk, commune_of(quartier), state, sent, ack,
                             decide, step, rid in flagged, *values[13:13 + extra]))
    return rows


def board_rows(session, now: datetime) -> list[BoardRow]:
    """Open targets that are overdue, escalated or of a flagged referral, with their last message attempt.

    Every row: the reference `board_query.board_page` is tested and benchmarked against (a request loads
    one page only)."""
    last = (select(OutboxMessage.target_id.label("target_id"), func.max(OutboxMessage.id).label("last_id"))
            .where(OutboxMessage.target_id.is_not(None)).group_by(OutboxMessage.target_id).subquery())
    query = (
        _joined(select(*_target_columns(), OutboxMessage.created_at, OutboxMessage.channel, OutboxMessage.status))
        .outerjoin(last, last.c.target_id == ReferralTarget.id)
        .outerjoin(OutboxMessage, OutboxMessage.id == last.c.last_id)
        .where(ReferralTarget.state.in_(sorted(lifecycle.OPEN)),
               or_(ReferralTarget.escalation_step > 0, overdue_condition(now),
                   ReferralTarget.referral_id.in_(unresolved_referral_ids())))
    )
    return _rows(session, query, extra=3)


def count_open_targets(session) -> int:
    """The bench's baseline: a bare count of the same open targets."""
    return session.scalar(select(func.count()).select_from(ReferralTarget)
                          .where(ReferralTarget.state.in_(sorted(lifecycle.OPEN))))


def target_facts(session, since: datetime | None = None, until: datetime | None = None,
                 referral_ids=None) -> tuple[list[TargetFact], list[MoveFact]]:
    """Targets sent in [since, until) (or of the given referrals) and their answer transitions."""
    query = (select(ReferralTarget.id, ReferralTarget.organisation_id, organisation_label(),
                    ReferralTarget.service_type, ReferralTarget.created_at, ReferralTarget.state,
                    ReferralTarget.acknowledge_due_at, ReferralTarget.decide_due_at,
                    ReferralTarget.decline_reason_code, ReferralTarget.escalation_step)
             .join(Organisation, Organisation.id == ReferralTarget.organisation_id))
    conditions = []
    if since is not None:
        conditions.append(ReferralTarget.created_at >= since)
    if until is not None:
        conditions.append(ReferralTarget.created_at < until)
    if referral_ids is not None:
        conditions.append(ReferralTarget.referral_id.in_(list(referral_ids)))
    query = query.where(*conditions)
    targets = [TargetFact(*row) for row in session.execute(query)]
    ids = select(ReferralTarget.id).where(*conditions)
    moves = [MoveFact(*row) for row in session.execute(
        select(TargetTransition.target_id, TargetTransition.action, TargetTransition.at)
        .where(TargetTransition.target_id.in_(ids), TargetTransition.action.in_(sorted(ANSWERS))))]
    return targets, moves


@dataclass(frozen=True)
class ReferralFact:
    referral_id: int
    code: str
    created_at: datetime
    risk: str
    needs: tuple[str, ...]
    commune: str | None


def referral_facts(session, since: datetime, until: datetime) -> list[ReferralFact]:
    commune_of = commune_lookup(session)
    rows = session.execute(
        select(Referral.id, Referral.code, Referral.created_at, Child.risk_level, Child.needs, Child.quartier)
        .join(Child, Child.id == Referral.child_id)
        .where(Referral.created_at >= since, Referral.created_at < until).order_by(Referral.id))
    return [ReferralFact(rid, code, at, risk, tuple(needs or ()), commune_of(quartier))
            for rid, code, at, risk, needs, quartier in rows]


def agenda_rows(session, since: datetime | None, now: datetime) -> list[BoardRow]:
    """Every target of the referrals with an unresolved flag, and the escalated targets whose last activity
    (a state change or a message) is after `since`."""
    last_message = (select(OutboxMessage.target_id.label("target_id"),
                           func.max(OutboxMessage.created_at).label("last_at"))
                    .where(OutboxMessage.target_id.is_not(None)).group_by(OutboxMessage.target_id).subquery())
    escalated = ReferralTarget.escalation_step > 0
    if since is not None:
        escalated = and_(escalated, or_(ReferralTarget.updated_at > since, last_message.c.last_at > since))
    query = (_joined(select(*_target_columns()))
             .outerjoin(last_message, last_message.c.target_id == ReferralTarget.id)
             .where(or_(escalated, ReferralTarget.referral_id.in_(unresolved_referral_ids()))))
    return _rows(session, query)


def referral_rows(session, referral_id: int) -> list[BoardRow]:
    """Every target of one referral, as board rows (a referral added to an agenda by hand)."""
    return _rows(session, _joined(select(*_target_columns())).where(ReferralTarget.referral_id == referral_id))
