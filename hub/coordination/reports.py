"""Monthly indicators for monitoring the POS, pure: referrals by need, commune and risk; response times;
escalations; outcomes. Exports as CSV and XLSX; charts as server-side SVG (charts.py)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from hub.coordination.scorecards import MoveFact, Scorecard, TargetFact, overall

UNKNOWN_COMMUNE = "inconnue"


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next) in UTC (Bamako is UTC+0 all year)."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def parse_month(text: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return date(today.year, today.month, 1)


@dataclass
class MonthlyReport:
    month: date
    referrals: int
    by_need: list[tuple[str, int]]
    by_commune: list[tuple[str, int]]
    by_risk: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    response: Scorecard
    targets: int = 0
    escalated_targets: int = 0
    escalation_steps: int = 0
    declines_by_reason: list[tuple[str, int]] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, float | int | None]]:
        """(indicator, category, value): the long format of the CSV and XLSX exports."""
        r = self.response
        rows: list[tuple[str, str, float | int | None]] = [("references", "total", self.referrals),
                                                            ("cibles", "total", self.targets)]
        rows += [("references_par_besoin", k, v) for k, v in self.by_need]
        rows += [("references_par_commune", k, v) for k, v in self.by_commune]
        rows += [("references_par_risque", k, v) for k, v in self.by_risk]
        rows += [("delais", "accuse_reception_mediane_min", _round(r.ack_median_min)),
                 ("delais", "accuse_reception_p90_min", _round(r.ack_p90_min)),
                 ("delais", "acceptation_mediane_min", _round(r.accept_median_min)),
                 ("delais", "acceptation_p90_min", _round(r.accept_p90_min)),
                 ("delais", "accuse_dans_le_delai_pct", _round(r.ack_within_pct)),
                 ("delais", "decision_dans_le_delai_pct", _round(r.decision_within_pct))]
        rows += [("escalades", "cibles_escaladees", self.escalated_targets),
                 ("escalades", "etapes_appliquees", self.escalation_steps)]
        rows += [("issues", k, v) for k, v in self.outcomes]
        rows += [("refus_par_motif", k, v) for k, v in self.declines_by_reason]
        return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _sorted(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def monthly_report(month: date, referrals, targets: list[TargetFact], moves: list[MoveFact],
                   now: datetime) -> MonthlyReport:
    """`referrals`: the month's referrals (hub.coordination.queries.ReferralFact); `targets`/`moves`: theirs."""
    referrals = list(referrals)
    needs = Counter(need for r in referrals for need in r.needs)
    communes = Counter(r.commune or UNKNOWN_COMMUNE for r in referrals)
    risks = Counter(r.risk for r in referrals)
    response = overall(targets, moves, now)
    return MonthlyReport(
        month=month, referrals=len(referrals), by_need=_sorted(needs), by_commune=_sorted(communes),
        by_risk=_sorted(risks), outcomes=_sorted(Counter(t.state for t in targets)), response=response,
        targets=len(targets), escalated_targets=response.escalated, escalation_steps=response.escalation_steps,
        declines_by_reason=sorted(response.declines_by_reason.items()))


def to_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["mois", "indicateur", "categorie", "valeur"])
    month = report.month.strftime("%Y-%m")
    for indicator, category, value in report.rows():
        writer.writerow([month, indicator, category, "" if value is None else value])
    return out.getvalue()


def to_xlsx(report: MonthlyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Indicateurs"
    sheet.append(["Mois", "Indicateur", "Catégorie", "Valeur"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    month = report.month.strftime("%Y-%m")
    for indicator, category, value in report.rows():
        sheet.append([month, indicator, category, value])
    for column, width in zip("ABCD", (10, 26, 34, 10), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
