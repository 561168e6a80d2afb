"""The board computed in SQL (one page loaded) is the board the pure core computes from every row.

`build_board(board_rows(...))` loads and assesses every open target in Python: it is the reference the
coordinators' board was first written and tested with. `board_page` filters, counts, groups and orders in
the database. On a mixed world (every state, deadlines a microsecond either side of a minute boundary,
quartier spellings with and without accents, two providers with one acronym, resolved and unresolved
flags, several attempts per target) both must give the same groups, counts, order, page, last attempt
and flags, for every grouping and filter.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from hub.coordination import queries
from hub.coordination.board import GROUPINGS, BoardFilters, build_board
from hub.coordination.board_query import board_page
from hub.extensions import db
from hub.referrals import lifecycle

# Seconds and microseconds on the clock: "minutes late" is counted from this instant, not from :00.
NOW = datetime(2026, 3, 10, 12, 0, 17, 250_000, tzinfo=UTC)
MINUTE, MICRO = timedelta(minutes=1), timedelta(microseconds=1)
# Deadlines relative to NOW: either side of minute boundaries (same whole minutes, different order of the
# instants), exactly now (not late yet), far behind, ahead, none.
DEADLINES = [-5 * MINUTE, -5 * MINUTE - MICRO, -5 * MINUTE + MICRO, -6 * MINUTE + MICRO, -MICRO, timedelta(0),
             -timedelta(days=3, hours=2), timedelta(hours=1), -90 * MINUTE, None]
QUARTIERS = ["Sénou", "SENOU", " senou ", "Banconi", "Djelibougou", "Commune VI", "Quartier inconnu", None, ""]
PER_PAGE = 7
TOO_BIG = 10**20  # beyond any database integer: typed into the URL by hand


def _world(session) -> None:
    from directory.models import Organisation, new_uid
    from directory.seed import seed_reference_data
    from hub.referrals.models import Child, Referral, ReferralTarget
    from notifications.escalation_records import MeetingFlag
    from notifications.outbox import OutboxMessage

    seed_reference_data(session)
    rng = random.Random(20260310)
    organisations = [("ENDA", "ENDA Mali"), ("ENDA", "ENDA Tiers Monde"), ("AMSS", "AMSS"), (None, "Sans sigle"),
                     ("Tdh", "Terre des hommes")]
    session.execute(insert(Organisation), [{"uid": new_uid(), "name": name, "acronym": acronym,
                                            "kind": "national_ngo", "description": ""}
                                           for acronym, name in organisations])
    org_ids = session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    session.execute(insert(Child), [{"organisation_id": org_ids[0], "quartier": rng.choice(QUARTIERS),
                                     "risk_level": rng.choice(["urgence", "eleve", "moyen", "faible"]),
                                     "needs": [], "languages": ["fr"], "created_at": NOW} for _ in range(90)])
    child_ids = session.scalars(select(Child.id).order_by(Child.id)).all()
    session.execute(insert(Referral), [{"code": f"Q{i:03d}", "child_id": cid, "organisation_id": org_ids[0],
                                        "created_at": NOW - timedelta(days=4), "pos_version": "t", "pos_hash": "t",
                                        "decision": {}} for i, cid in enumerate(child_ids)])
    referral_ids = session.scalars(select(Referral.id).order_by(Referral.id)).all()
    sent_times = [NOW - timedelta(days=4), NOW - timedelta(days=4), NOW - timedelta(hours=7)]  # ties on purpose

    def due():
        offset = rng.choice(DEADLINES)
        return None if offset is None else NOW + offset

    targets = [{"referral_id": rid, "organisation_id": rng.choice(org_ids),
                "service_type": rng.choice(["hebergement", "rrf"]), "state": rng.choice(lifecycle.STATES),
                "acknowledge_due_at": due(), "decide_due_at": due(), "escalation": {"steps": []},
                "escalation_step": rng.choice([0, 0, 0, 1, 3]), "contact_order": [], "step_token": str(rid),
                "created_at": rng.choice(sent_times), "updated_at": NOW, "mandatory": False}
               for rid in referral_ids for _ in range(rng.choice([1, 2, 3]))]
    session.execute(insert(ReferralTarget), targets)
    target_rows = session.execute(select(ReferralTarget.id, ReferralTarget.referral_id)).all()
    # The last attempt is the last message written (highest id), whatever its created_at.
    session.execute(insert(OutboxMessage), [
        {"kind": "reminder", "channel": rng.choice(["sms", "telegram", "email"]), "address": "+22370000000",
         "locale": "fr", "referral_id": rid, "target_id": tid, "body": "x", "buttons": [], "context": {},
         "status": rng.choice(["sent", "failed", "pending"]), "attempts": 1, "demo": True, "simulated": True,
         "created_at": NOW - timedelta(minutes=rng.randint(1, 900))}
        for tid, rid in target_rows for _ in range(rng.choice([0, 1, 3]))])
    session.execute(insert(MeetingFlag), [
        {"referral_id": rid, "target_id": tid, "reason": "no_answer", "flagged_at": NOW,
         "resolved_at": rng.choice([None, NOW])} for tid, rid in target_rows[::6]])
    session.commit()


CASES = [BoardFilters(), BoardFilters(reason="overdue"), BoardFilters(reason="escalated"),
         BoardFilters(reason="flagged"), BoardFilters(commune="Commune VI"), BoardFilters(commune="?"),
         BoardFilters(commune="Nulle part"), BoardFilters(risk="urgence", service_type="rrf"),
         BoardFilters(service_type="hebergement", reason="overdue", commune="Commune I")]


def test_the_board_from_sql_is_the_board_from_every_row(app):
    with app.app_context():
        _world(db.session)
        every_row = queries.board_rows(db.session, NOW)
        organisation_id = every_row[0].organisation_id
        reference = build_board(every_row, NOW, per_page=PER_PAGE)
        # The world is worth comparing: several pages, each reason, unknown communes, whole-minute ties.
        assert reference.pages > 3 and all(reference.counts.values())
        everything = build_board(every_row, NOW, per_page=500).items
        assert any(item.row.commune is None for item in everything)
        minutes = [i.overdue_minutes for i in everything]
        assert minutes.count(5) > 1 and 4 in minutes and 0 in minutes
        assert any(i.row.last_channel for i in everything) and any(not i.row.last_channel for i in everything)

        for group_by in GROUPINGS:
            for filters in [*CASES, BoardFilters(organisation_id=organisation_id), BoardFilters(organisation_id=TOO_BIG)]:
                expected = build_board(every_row, NOW, filters, group_by, per_page=PER_PAGE)
                # The order does not depend on the grouping: every page once, the ends for the others.
                pages = range(1, expected.pages + 1) if group_by == "provider" else {1, expected.pages}
                for page in [*pages, expected.pages + 1, TOO_BIG]:  # and pages after the last
                    board = board_page(db.session, NOW, filters, group_by, page, PER_PAGE)
                    assert board.as_dict() == build_board(every_row, NOW, filters, group_by, page,
                                                          PER_PAGE).as_dict(), (group_by, filters, page)


def test_a_page_or_provider_number_typed_by_hand_shows_an_empty_board(client, world, overdue):
    headers = world.headers("coordinator")
    for query in ({"page": TOO_BIG}, {"prestataire": TOO_BIG}, {"prestataire": -1}):
        page = client.get("/coordination/tableau", query_string=query, headers=headers)
        assert page.status_code == 200 and overdue["code"] not in page.get_data(as_text=True), query
    assert overdue["code"] in client.get("/coordination/tableau", headers=headers).get_data(as_text=True)
