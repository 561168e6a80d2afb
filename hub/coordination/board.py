"""The coordinator board, pure: which open targets need attention, how late they are, grouped and filtered.

Input rows are plain values (see `BoardRow`); the database query lives in `queries.py`. The board a
request shows is computed by `board_query.board_page`: the same rules in SQL, one page of rows loaded and
assessed here. A row is on the board when its target is open and at least one holds: overdue (a deadline
passed without the answer it waits for), escalated (at least one step of the frozen escalation ladder
applied), flagged for the coordination meeting.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime

from hub.referrals.lifecycle import AWAITING_ANSWER, DELIVERED, SENT

GROUPINGS = ("provider", "service", "commune", "risk")
REASONS = ("overdue", "escalated", "flagged")
RISK_ORDER = {"urgence": 0, "eleve": 1, "moyen": 2, "faible": 3}
UNKNOWN = "?"


@dataclass(frozen=True)
class BoardRow:
    target_id: int
    referral_id: int
    code: str
    organisation_id: int
    organisation: str
    service_type: str
    risk: str
    commune: str | None
    state: str
    sent_at: datetime
    acknowledge_due_at: datetime | None
    decide_due_at: datetime | None
    escalation_step: int
    flagged: bool = False
    last_attempt_at: datetime | None = None
    last_channel: str | None = None
    last_status: str | None = None


@dataclass(frozen=True)
class BoardFilters:
    organisation_id: int | None = None
    service_type: str | None = None
    commune: str | None = None
    risk: str | None = None
    reason: str | None = None  # one of REASONS


@dataclass
class BoardItem:
    row: BoardRow
    reasons: tuple[str, ...]
    overdue_minutes: int | None  # minutes past the deadline that passed, None when not overdue
    missed: str | None  # "acknowledge" or "decide": which deadline passed

    def as_dict(self) -> dict:
        row = self.row
        return {
            "target_id": row.target_id, "code": row.code, "organisation_id": row.organisation_id,
            "organisation": row.organisation, "service_type": row.service_type, "risk": row.risk,
            "commune": row.commune, "state": row.state, "escalation_step": row.escalation_step,
            "flagged": row.flagged, "reasons": list(self.reasons), "overdue_minutes": self.overdue_minutes,
            "missed": self.missed, "sent_at": _iso(row.sent_at),
            "last_attempt_at": _iso(row.last_attempt_at), "last_channel": row.last_channel,
            "last_status": row.last_status,
        }


@dataclass
class Board:
    now: datetime
    group_by: str
    groups: list[tuple[str, str, int]]  # (key, label, count), largest first
    items: list[BoardItem]  # this page, most late first
    total: int
    counts: dict[str, int] = field(default_factory=dict)  # per reason, over every filtered item
    page: int = 1
    per_page: int = 100

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_dict(self) -> dict:
        return {"now": _iso(self.now), "group_by": self.group_by, "total": self.total, "page": self.page,
                "per_page": self.per_page, "pages": self.pages, "counts": self.counts,
                "groups": [{"key": k, "label": label, "count": n} for k, label, n in self.groups],
                "items": [i.as_dict() for i in self.items]}


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def missed_deadline(row: BoardRow, now: datetime) -> tuple[str, datetime] | None:
    """The deadline that passed without its answer (the acknowledgement first), or None."""
    if row.state in (SENT, DELIVERED) and row.acknowledge_due_at is not None and now > row.acknowledge_due_at:
        return "acknowledge", row.acknowledge_due_at
    if row.state in AWAITING_ANSWER and row.decide_due_at is not None and now > row.decide_due_at:
        return "decide", row.decide_due_at
    return None


def assess(row: BoardRow, now: datetime) -> BoardItem:
    missed = missed_deadline(row, now)
    reasons = tuple(r for r, on in (("overdue", missed is not None), ("escalated", row.escalation_step > 0),
                                    ("flagged", row.flagged)) if on)
    minutes = int((now - missed[1]).total_seconds() // 60) if missed else None
    return BoardItem(row, reasons, minutes, missed[0] if missed else None)


def group_key(row: BoardRow, group_by: str) -> tuple[str, str]:
    """(key, label) of the row's group."""
    if group_by == "service":
        return row.service_type, row.service_type
    if group_by == "commune":
        return row.commune or UNKNOWN, row.commune or UNKNOWN
    if group_by == "risk":
        return row.risk, row.risk
    return str(row.organisation_id), row.organisation


def _matches(item: BoardItem, filters: BoardFilters) -> bool:
    row = item.row
    return ((filters.organisation_id is None or row.organisation_id == filters.organisation_id)
            and (not filters.service_type or row.service_type == filters.service_type)
            and (not filters.commune or (row.commune or UNKNOWN) == filters.commune)
            and (not filters.risk or row.risk == filters.risk)
            and (not filters.reason or filters.reason in item.reasons))


def _urgency(item: BoardItem) -> tuple:
    # Most late first, then the highest risk, then escalated furthest, then the oldest.
    return (-(item.overdue_minutes if item.overdue_minutes is not None else -1),
            RISK_ORDER.get(item.row.risk, 9), -item.row.escalation_step, item.row.sent_at, item.row.target_id)


def sort_groups(groups: list[tuple[str, str, int]], group_by: str) -> list[tuple[str, str, int]]:
    """Largest first; risk groups from the highest risk on a tie; then by label (and key: two providers may
    share an acronym)."""
    return sorted(groups, key=lambda g: (-g[2], RISK_ORDER.get(g[0], 9) if group_by == "risk" else 0, g[1], g[0]))


def build_board(rows, now: datetime, filters: BoardFilters = BoardFilters(), group_by: str = "provider",
                page: int = 1, per_page: int = 100) -> Board:
    """Assess every row, keep those that need attention and match the filters, group, sort and page."""
    if group_by not in GROUPINGS:
        group_by = "provider"
    items = [item for item in (assess(row, now) for row in rows) if item.reasons and _matches(item, filters)]
    counts = Counter(reason for item in items for reason in item.reasons)
    labels: dict[str, str] = {}
    sizes: Counter = Counter()
    for item in items:
        key, label = group_key(item.row, group_by)
        labels[key] = label
        sizes[key] += 1
    groups = sort_groups([(k, labels[k], n) for k, n in sizes.items()], group_by)
    items.sort(key=_urgency)
    page = max(1, page)
    start = (page - 1) * per_page
    return Board(now, group_by, groups, items[start:start + per_page], len(items),
                 {r: counts.get(r, 0) for r in REASONS}, page, per_page)


def format_minutes(minutes: int | None) -> str:
    """'3 j 4 h', '5 h 10 min', '12 min' (the same in French and English)."""
    if minutes is None:
        return ""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} j {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def row_as_dict(row: BoardRow) -> dict:
    return asdict(row)
