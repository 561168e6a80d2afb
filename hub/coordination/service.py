"""Read services of the coordination pages: one call per view, role checked here too."""

from __future__ import annotations

from datetime import date, datetime

from hub.coordination import queries
from hub.coordination.board import Board, BoardFilters
from hub.coordination.board_query import board_page
from hub.coordination.meetings import require_coordinator
from hub.coordination.reports import MonthlyReport, month_bounds, monthly_report
from hub.coordination.scorecards import Scorecard, compute_scorecards
from hub.extensions import db


def board(actor, now: datetime, filters: BoardFilters, group_by: str, page: int = 1,
          per_page: int = 100) -> Board:
    require_coordinator(actor)
    return board_page(db.session, now, filters, group_by, page, per_page)


def scorecards(actor, now: datetime, since: datetime | None = None, until: datetime | None = None
               ) -> list[Scorecard]:
    require_coordinator(actor)
    targets, moves = queries.target_facts(db.session, since, until)
    return compute_scorecards(targets, moves, now)


def monthly(actor, month: date, now: datetime) -> MonthlyReport:
    require_coordinator(actor)
    start, end = month_bounds(month)
    referrals = queries.referral_facts(db.session, start, end)
    targets, moves = queries.target_facts(db.session, referral_ids=[r.referral_id for r in referrals])
    return monthly_report(month, referrals, targets, moves, now)
