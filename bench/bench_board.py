"""The coordinator board's data for 5,000 open referrals: p50 target under 300 ms of server time.

"The board's data" is what one board request computes (`board_query.board_page`): the quartier -> commune
lookup, one grouped query for the groups and the counts per reason of the open targets that are overdue,
escalated or flagged, one ordered query for the first page of 100, their last outbox attempts, and the
pure assessment of that page. Before measuring, the benchmark checks it equals the reference
`build_board(board_rows(...))`, which loads and assesses every row in Python. Reported beside a same-run
baseline: a bare SELECT count of the same open targets. SQLite by default; PostgreSQL too when
SIRA_BENCH_POSTGRES_URL's server answers (a database of its own, dropped afterwards).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bench import Figure, fresh_schema, p50, scratch_postgres, time_calls

REFERRALS = 5_000
REPEAT = 30
NOW = datetime(2026, 3, 25, 10, 0, tzinfo=UTC)


def _fill(session) -> None:
    from directory.models import Organisation, new_uid
    from directory.places import quartier_to_commune
    from directory.seed import seed_reference_data
    from hub.referrals.models import Child, Referral, ReferralTarget
    from notifications.escalation_records import MeetingFlag
    from notifications.outbox import OutboxMessage

    seed_reference_data(session)
    rng = random.Random(8)
    session.execute(insert(Organisation), [{"uid": new_uid(), "name": f"Organisation {i}", "acronym": f"ORG{i}",
                                            "kind": "national_ngo", "description": ""} for i in range(60)])
    org_ids = session.scalars(select(Organisation.id)).all()
    quartiers = list(quartier_to_commune())
    session.execute(insert(Child), [{"organisation_id": rng.choice(org_ids), "risk_level": rng.choice(
        ["urgence", "eleve", "moyen", "faible"]), "needs": ["hebergement"], "languages": ["fr"],
        "quartier": rng.choice(quartiers), "unaccompanied": True, "separated": False,
        "trafficking_suspected": False, "created_at": NOW} for _ in range(REFERRALS)])
    child_ids = session.scalars(select(Child.id).order_by(Child.id)).all()
    session.execute(insert(Referral), [{"code": f"B{i:05d}", "child_id": cid, "organisation_id": org_ids[0],
                                        "created_at": NOW - timedelta(hours=rng.randint(1, 200)),
                                        "pos_version": "bench", "pos_hash": "bench", "decision": {}}
                                       for i, cid in enumerate(child_ids)])
    referral_ids = session.scalars(select(Referral.id).order_by(Referral.id)).all()
    targets = []
    for rid in referral_ids:
        for _ in range(rng.choice([1, 1, 2])):
            sent = NOW - timedelta(hours=rng.randint(1, 200))
            step = rng.choice([0, 0, 0, 1, 2, 3])
            targets.append({"referral_id": rid, "organisation_id": rng.choice(org_ids),
                            "service_type": rng.choice(["hebergement", "soins_medicaux", "rrf"]),
                            "state": rng.choice(["sent", "sent", "delivered", "acknowledged"]),
                            "acknowledge_due_at": sent + timedelta(hours=rng.choice([1, 4, 24, 300])),
                            "decide_due_at": sent + timedelta(hours=rng.choice([24, 72, 400])),
                            "escalation": {"steps": []}, "escalation_step": step, "contact_order": [],
                            "next_action_at": NOW + timedelta(hours=1), "step_token": f"{rid}",
                            "created_at": sent, "updated_at": sent, "mandatory": False})
    session.execute(insert(ReferralTarget), targets)
    target_rows = session.execute(select(ReferralTarget.id, ReferralTarget.referral_id)).all()
    messages = []
    for tid, rid in target_rows:
        for _ in range(rng.randint(1, 3)):
            messages.append({"kind": "reminder", "channel": rng.choice(["sms", "telegram", "email"]),
                             "address": "+22370000000", "locale": "fr", "referral_id": rid, "target_id": tid,
                             "body": "x", "buttons": [], "context": {}, "status": "sent", "attempts": 1,
                             "created_at": NOW - timedelta(minutes=rng.randint(1, 5000)), "demo": True,
                             "simulated": True})
    session.execute(insert(OutboxMessage), messages)
    session.execute(insert(MeetingFlag), [{"referral_id": rid, "target_id": tid, "reason": "no_answer",
                                           "flagged_at": NOW} for tid, rid in target_rows[::20]])
    session.commit()


def _measure(database_url: str, label: str) -> list[Figure]:
    from hub.coordination import queries
    from hub.coordination.board import build_board
    from hub.coordination.board_query import board_page

    with fresh_schema(database_url) as session:
        _fill(session)
        board = board_page(session, NOW)
        if board.as_dict() != build_board(queries.board_rows(session, NOW), NOW).as_dict():
            raise AssertionError("the board computed in SQL differs from the reference build_board()")
        open_targets = queries.count_open_targets(session)
        samples = time_calls(lambda: board_page(session, NOW), REPEAT)
        baseline = time_calls(lambda: queries.count_open_targets(session), REPEAT)
        figure = Figure(
            name=f"board data p50, {REFERRALS} open referrals / {open_targets} targets, "
                 f"{board.total} on the board ({label})",
            value=p50(samples), baseline=p50(baseline), unit="ms", target=300, kind="max",
            note="baseline: bare SELECT count of the same open targets, same run")
    return [figure]


def run() -> list[Figure]:
    figures = _measure("", "SQLite")
    with scratch_postgres("bench_board") as postgres:
        if postgres:
            figures += _measure(postgres, "PostgreSQL")
    return figures
