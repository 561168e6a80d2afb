"""The coordinator board computed by the database: filter, count, group and order in SQL, load one page.

`board.build_board` over `queries.board_rows` is the reference: it loads every open target that needs
attention (thousands on a busy day) and assesses them in Python. Here the database applies the same
rules (`board.missed_deadline`, `board._matches`, `board._urgency`) and only the visible page's rows are
loaded, assessed by the same pure `board.assess` and given their last outbox attempt.
tests/integration/coordination/test_board_query.py checks both give the same board.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import BigInteger, Integer, and_, case, cast, extract, false, func, or_, select

from directory.models import Organisation
from hub.bounds import DB_INTEGER_MAX
from hub.coordination.board import (
    GROUPINGS,
    REASONS,
    RISK_ORDER,
    UNKNOWN,
    Board,
    BoardFilters,
    BoardRow,
    assess,
    sort_groups,
)
from hub.coordination.flags import unresolved_referral_ids
from hub.coordination.queries import _joined, _target_columns, commune_lookup, organisation_label
from hub.referrals import lifecycle
from hub.referrals.models import Child, Referral, ReferralTarget
from notifications.outbox import OutboxMessage

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MINUTE_US = 60_000_000


def _epoch_microseconds(column, dialect: str):
    """Exact microseconds since 1970 of a UTCDateTime column, as an integer expression.

    SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' text: whole seconds from strftime('%s'), microseconds from
    the digits after the dot (julianday() would round to the millisecond and misplace a minute boundary).
    """
    if dialect == "sqlite":
        return (cast(func.strftime("%s", column), Integer) * 1_000_000
                + cast(func.substr(column, 21, 6), Integer))
    return cast(extract("epoch", column) * 1_000_000, BigInteger)


def _when_missed(now: datetime, value):
    """`value(deadline)` of the deadline that passed without its answer, else NULL: `board.missed_deadline`
    in SQL (the acknowledgement first)."""
    target = ReferralTarget
    return case(
        (and_(target.state.in_([lifecycle.SENT, lifecycle.DELIVERED]), target.acknowledge_due_at < now),
         value(target.acknowledge_due_at)),
        (and_(target.state.in_(sorted(lifecycle.AWAITING_ANSWER)), target.decide_due_at < now),
         value(target.decide_due_at)),
        else_=None)


class _Expressions:
    """The board's rules as SQL expressions for one `now` and one database dialect."""

    def __init__(self, now: datetime, dialect: str):
        self.overdue = _when_missed(now, lambda deadline: deadline).is_not(None)
        self.escalated = ReferralTarget.escalation_step > 0
        self.flagged = ReferralTarget.referral_id.in_(unresolved_referral_ids())
        now_us = (now - EPOCH) // timedelta(microseconds=1)
        minutes_late = _when_missed(now, lambda deadline: (now_us - _epoch_microseconds(deadline, dialect))
                                    // MINUTE_US)
        # `board._urgency`: most late first (whole minutes; 1 when not late), then the highest risk, escalated
        # furthest, the oldest.
        self.urgency = (func.coalesce(-minutes_late, 1), case(RISK_ORDER, value=Child.risk_level, else_=9),
                        ReferralTarget.escalation_step.desc(), ReferralTarget.created_at, ReferralTarget.id)

    def reason(self, name: str):
        return {"overdue": self.overdue, "escalated": self.escalated, "flagged": self.flagged}[name]


def _conditions(session, rules: _Expressions, filters: BoardFilters, commune_of) -> list:
    conditions = [ReferralTarget.state.in_(sorted(lifecycle.OPEN)),
                  or_(rules.escalated, rules.overdue, rules.flagged)]
    if filters.organisation_id is not None:
        # An id no row can have matches nothing (and would not even fit SQLite's integers).
        conditions.append(ReferralTarget.organisation_id == filters.organisation_id
                          if 0 < filters.organisation_id <= DB_INTEGER_MAX else false())
    if filters.service_type:
        conditions.append(ReferralTarget.service_type == filters.service_type)
    if filters.risk:
        conditions.append(Child.risk_level == filters.risk)
    if filters.reason:
        conditions.append(rules.reason(filters.reason))
    if filters.commune:
        # The commune comes from the quartier through the directory's places (accent- and case-folded):
        # filter on the quartier spellings that lead to the wanted commune.
        spellings = [q for q in session.scalars(select(Child.quartier).distinct())
                     if (commune_of(q) or UNKNOWN) == filters.commune]
        matching = Child.quartier.in_([q for q in spellings if q is not None])
        conditions.append(or_(matching, Child.quartier.is_(None)) if filters.commune == UNKNOWN else matching)
    return conditions


def _group_column(group_by: str):
    return {"service": ReferralTarget.service_type, "risk": Child.risk_level,
            "commune": Child.quartier}.get(group_by, ReferralTarget.organisation_id)


def _groups_and_counts(session, rules: _Expressions, conditions, group_by: str, filters: BoardFilters,
                       commune_of):
    """The groups (largest first), the total and the count per reason, in one grouped query. The child is
    joined only when the grouping or a filter needs it, the providers' labels are read afterwards."""
    def tally(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    column = _group_column(group_by)
    query = select(column, func.count(), *(tally(rules.reason(r)) for r in REASONS)).select_from(ReferralTarget)
    if group_by in ("risk", "commune") or filters.risk or filters.commune:
        query = (query.join(Referral, Referral.id == ReferralTarget.referral_id)
                 .join(Child, Child.id == Referral.child_id))
    tallies = session.execute(query.where(*conditions).group_by(column)).all()
    if group_by == "provider":
        names = dict(session.execute(select(Organisation.id, organisation_label())
                                     .where(Organisation.id.in_([grouped for grouped, *_ in tallies]))).all())
    labels: dict[str, str] = {}
    sizes: Counter = Counter()
    counts: Counter = Counter()
    for grouped, size, *per_reason in tallies:
        if group_by == "provider":
            key, label = str(grouped), names[grouped]
        elif group_by == "commune":
            key = label = commune_of(grouped) or UNKNOWN
        else:
            key = label = grouped
        labels[key] = label
        sizes[key] += size
        counts.update(dict(zip(REASONS, per_reason, strict=True)))
    groups = sort_groups([(k, labels[k], n) for k, n in sizes.items()], group_by)
    return groups, sum(sizes.values()), {r: int(counts.get(r, 0)) for r in REASONS}


def _page_rows(session, rules: _Expressions, conditions, start: int, per_page: int, commune_of) -> list[BoardRow]:
    query = (_joined(select(*_target_columns(), rules.flagged).select_from(ReferralTarget)).where(*conditions)
             .order_by(*rules.urgency).offset(start).limit(per_page))
    page = session.execute(query).all()
    last_ids = (select(func.max(OutboxMessage.id))
                .where(OutboxMessage.target_id.in_([values[0] for values in page]))
                .group_by(OutboxMessage.target_id))
    attempts = {target_id: (at, channel, status) for target_id, at, channel, status in session.execute(
        select(OutboxMessage.target_id, OutboxMessage.created_at, OutboxMessage.channel, OutboxMessage.status)
        .where(OutboxMessage.id.in_(last_ids)))} if page else {}
    rows = []
    for values in page:
        (tid, rid, code, org_id, org, service, risk, quartier, state, sent, ack, decide, step, flagged) = values
        rows.append(BoardRow(tid, rid, code, org_id, org, service, risk, commune_of(quartier), state, sent, ack,
                             decide, step, bool(flagged), *attempts.get(tid, (None, None, None))))
    return rows


def board_page(session, now: datetime, filters: BoardFilters = BoardFilters(), group_by: str = "provider",
               page: int = 1, per_page: int = 100) -> Board:
    """The same `Board` as `build_board(board_rows(session, now), now, ...)`, without loading every row."""
    if group_by not in GROUPINGS:
        group_by = "provider"
    page = max(1, page)
    rules = _Expressions(now, session.get_bind().dialect.name)
    commune_of = commune_lookup(session)
    conditions = _conditions(session, rules, filters, commune_of)
    groups, total, counts = _groups_and_counts(session, rules, conditions, group_by, filters, commune_of)
    start = (page - 1) * per_page
    # A page past the last is empty: no query (the number may be too large for the database's OFFSET).
    rows = _page_rows(session, rules, conditions, start, per_page, commune_of) if start < total else []
    return Board(now, group_by, groups, [assess(row, now) for row in rows], total, counts, page, per_page)
