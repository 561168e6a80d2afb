"""The board's pure core: which targets need attention, how late, grouped, filtered and paged."""

from datetime import UTC, datetime, timedelta

from hub.coordination.board import BoardFilters, BoardRow, assess, build_board, format_minutes

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def row(target_id, *, state="sent", ack=-60, decide=600, step=0, flagged=False, org=(1, "ENDA"),
        service="hebergement", risk="eleve", commune="Commune VI"):
    return BoardRow(target_id, target_id, f"K{target_id:03d}", org[0], org[1], service, risk, commune, state,
                    NOW - timedelta(hours=5), NOW + timedelta(minutes=ack), NOW + timedelta(minutes=decide),
                    step, flagged)


def test_overdue_escalated_flagged_and_fine():
    assert assess(row(1), NOW).reasons == ("overdue",)
    assert assess(row(1), NOW).overdue_minutes == 60 and assess(row(1), NOW).missed == "acknowledge"
    # Acknowledged: the acknowledgement deadline no longer counts, the decision one does.
    assert assess(row(2, state="acknowledged"), NOW).reasons == ()
    late = assess(row(3, state="acknowledged", decide=-90, step=2), NOW)
    assert late.reasons == ("overdue", "escalated") and late.missed == "decide" and late.overdue_minutes == 90
    assert assess(row(4, ack=30, step=5, flagged=True), NOW).reasons == ("escalated", "flagged")
    assert assess(row(5, state="accepted", ack=-500, decide=-400), NOW).reasons == ()


def test_grouping_filters_sorting_and_pages():
    rows = [row(1, ack=-10), row(2, ack=-300, org=(2, "Tdh"), risk="urgence"), row(3, ack=30, step=1),
            row(4, ack=30), row(5, ack=-20, commune=None, service="rrf", org=(2, "Tdh"))]
    board = build_board(rows, NOW, group_by="provider")
    assert board.total == 4
    assert [i.row.target_id for i in board.items] == [2, 5, 1, 3]  # most late first, then escalated
    assert board.groups == [("1", "ENDA", 2), ("2", "Tdh", 2)]
    assert board.counts == {"overdue": 3, "escalated": 1, "flagged": 0}
    assert build_board(rows, NOW, group_by="commune").groups == [("Commune VI", "Commune VI", 3), ("?", "?", 1)]
    assert build_board(rows, NOW, BoardFilters(organisation_id=2)).total == 2
    assert build_board(rows, NOW, BoardFilters(reason="escalated")).total == 1
    assert build_board(rows, NOW, BoardFilters(commune="?")).total == 1
    assert build_board(rows, NOW, BoardFilters(risk="urgence", service_type="hebergement")).total == 1
    second = build_board(rows, NOW, page=2, per_page=3)
    assert second.pages == 2 and [i.row.target_id for i in second.items] == [3]
    assert build_board(rows, NOW, group_by="nonsense").group_by == "provider"
    assert board.as_dict()["items"][0]["code"] == "K002"


def test_format_minutes():
    assert format_minutes(None) == "" and format_minutes(12) == "12 min"
    assert format_minutes(130) == "2 h 10 min" and format_minutes(3 * 1440 + 250) == "3 j 4 h"


def test_agenda_puts_flagged_referrals_first_and_follow_ups_are_due_once():
    from hub.coordination.agenda import build_agenda, due_followups

    rows = [row(1, ack=-10, step=1), row(2, ack=30, step=2, flagged=True, risk="faible"), row(3, ack=-500)]
    agenda = build_agenda(rows, NOW, skip_referrals={3})
    assert [a["code"] for a in agenda] == ["K002", "K001"]
    assert agenda[1]["facts"]["targets"][0]["overdue_minutes"] == 10
    assert "Aminata" not in str(agenda)
    day = timedelta(days=1)
    actions = [(1, NOW - 3 * day, None, None), (2, NOW - 3 * day, NOW, None), (3, NOW + day, None, None),
               (4, NOW - day, None, None)]
    assert due_followups(actions, NOW, 2 * day) == ([1, 4], [1, 2])


def test_two_providers_with_one_acronym_keep_one_order():
    rows = [row(1, org=(7, "ENDA")), row(2, org=(3, "ENDA")), row(3, org=(12, "AMSS"))]
    expected = [("12", "AMSS", 1), ("3", "ENDA", 1), ("7", "ENDA", 1)]
    assert build_board(rows, NOW).groups == expected and build_board(rows[::-1], NOW).groups == expected
