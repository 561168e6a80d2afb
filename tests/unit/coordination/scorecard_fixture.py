"""A hand-computed scorecard fixture, shared by the unit test (pure function) and the integration test
(the same rows written to both databases and read back through the API).

Times are minutes after T0 (2026-03-01 08:00 UTC); NOW is 2026-03-10 12:00 UTC.
Every target has an acknowledgement deadline of T0 + 4 h and a decision deadline of T0 + 24 h, except
target 5 (sent an hour before NOW, nothing due yet).
"""

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

# organisation key -> (id, label); the integration test maps these to real organisations.
ORGS = {"A": (1, "ENDA"), "B": (2, "Tdh")}

# (target key, org, service type, state, decline reason, escalation step, [(action, minutes after T0)])
TARGETS = [
    (1, "A", "hebergement", "accepted", None, 0, [("acknowledge", 60), ("accept", 180)]),
    (2, "A", "hebergement", "declined", "no_capacity", 1, [("decline", 300)]),
    (3, "A", "soutien_psychosocial", "accepted", None, 2, [("acknowledge", 120), ("accept", 1800)]),
    (4, "A", "soutien_psychosocial", "sent", None, 4, []),
    (5, "A", "hebergement", "sent", None, 0, []),
    (6, "B", "assistance_juridique", "accepted", None, 0, [("accept", 30)]),
    (7, "B", "assistance_juridique", "cancelled", None, 0, []),
    (8, "B", "assistance_juridique", "declined", "not_eligible", 0, [("decline", 10)]),
]


def sent_at(key: int) -> datetime:
    return NOW - timedelta(hours=1) if key == 5 else T0


def deadlines(key: int) -> tuple[datetime, datetime]:
    start = sent_at(key)
    return start + timedelta(hours=4), start + timedelta(hours=24)


# The expected figures, computed by hand (see the module docstring of hub.coordination.scorecards):
# minutes; percentages over the judged targets; p90 = nearest rank ceil(0.9 n).
EXPECTED = {
    ("A", None): dict(received=5, ack_median_min=120, ack_p90_min=300, accept_median_min=990,
                      accept_p90_min=1800, ack_judged=4, ack_within_pct=50.0, decision_judged=4,
                      decision_within_pct=50.0, accepted=2, declined=1,
                      declines_by_reason={"no_capacity": 1}, escalated=3, escalation_steps=7),
    ("A", "hebergement"): dict(received=3, ack_median_min=180, ack_p90_min=300, accept_median_min=180,
                               accept_p90_min=180, ack_judged=2, ack_within_pct=50.0, decision_judged=2,
                               decision_within_pct=100.0, accepted=1, declined=1,
                               declines_by_reason={"no_capacity": 1}, escalated=1, escalation_steps=1),
    ("A", "soutien_psychosocial"): dict(received=2, ack_median_min=120, ack_p90_min=120,
                                        accept_median_min=1800, accept_p90_min=1800, ack_judged=2,
                                        ack_within_pct=50.0, decision_judged=2, decision_within_pct=0.0,
                                        accepted=1, declined=0, declines_by_reason={}, escalated=2,
                                        escalation_steps=6),
    ("B", None): dict(received=3, ack_median_min=20, ack_p90_min=30, accept_median_min=30, accept_p90_min=30,
                      ack_judged=2, ack_within_pct=100.0, decision_judged=2, decision_within_pct=100.0,
                      accepted=1, declined=1, declines_by_reason={"not_eligible": 1}, escalated=0,
                      escalation_steps=0),
    ("B", "assistance_juridique"): dict(received=3, ack_median_min=20, ack_p90_min=30, accept_median_min=30,
                                        accept_p90_min=30, ack_judged=2, ack_within_pct=100.0,
                                        decision_judged=2, decision_within_pct=100.0, accepted=1, declined=1,
                                        declines_by_reason={"not_eligible": 1}, escalated=0,
                                        escalation_steps=0),
}
