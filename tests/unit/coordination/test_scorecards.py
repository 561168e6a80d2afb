"""The scorecards' pure function against the hand-computed fixture; the small statistics."""

from datetime import timedelta

import pytest

from hub.coordination.scorecards import MoveFact, TargetFact, compute_scorecards
from hub.coordination.stats import median, nearest_rank, percent
from tests.unit.coordination.scorecard_fixture import EXPECTED, NOW, ORGS, TARGETS, deadlines, sent_at


def fixture_rows():
    targets, moves = [], []
    for key, org, service, state, reason, step, events in TARGETS:
        ack_due, decide_due = deadlines(key)
        org_id, label = ORGS[org]
        targets.append(TargetFact(key, org_id, label, service, sent_at(key), state, ack_due, decide_due,
                                  reason, step))
        moves += [MoveFact(key, action, sent_at(key) + timedelta(minutes=m)) for action, m in events]
    return targets, moves


def test_scorecards_match_the_hand_computed_fixture():
    targets, moves = fixture_rows()
    cards = compute_scorecards(targets, moves, NOW)
    by_key = {(next(k for k, v in ORGS.items() if v[0] == c.organisation_id), c.service_type): c for c in cards}
    assert set(by_key) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        got = by_key[key].as_dict()
        for name, value in expected.items():
            assert got[name] == pytest.approx(value), (key, name)
    # Organisations by name, each followed by its services.
    assert [(c.organisation, c.service_type) for c in cards] == [
        ("ENDA", None), ("ENDA", "hebergement"), ("ENDA", "soutien_psychosocial"),
        ("Tdh", None), ("Tdh", "assistance_juridique")]


def test_moves_order_does_not_matter_and_the_first_answer_counts():
    targets, moves = fixture_rows()
    later = [MoveFact(1, "acknowledge", sent_at(1) + timedelta(minutes=500))]
    cards = compute_scorecards(targets, list(reversed(moves)) + later, NOW)
    assert cards[0].ack_median_min == 120


def test_statistics():
    assert median([]) is None and nearest_rank([], 0.9) is None and percent(1, 0) is None
    assert median([3, 1, 2, 10]) == 2.5
    assert nearest_rank(list(range(1, 11)), 0.9) == 9
    assert nearest_rank(list(range(1, 12)), 0.9) == 10
    assert nearest_rank([5], 0.9) == 5
    assert percent(1, 4) == 25.0
