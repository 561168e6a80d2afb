"""The scorecards read back from both databases match the hand-computed fixture; the API serves them."""

from datetime import timedelta

import pytest

from directory.models import Organisation
from hub.auth.models import ApiToken
from hub.auth.service import create_user
from hub.coordination import service
from hub.extensions import db
from hub.referrals.models import Child, Referral, ReferralTarget, TargetTransition
from tests.unit.coordination.scorecard_fixture import EXPECTED, NOW, TARGETS, deadlines, sent_at


def _load_fixture():
    orgs = {"A": Organisation(name="Organisation A (test)", acronym="ENDA", kind="national_ngo"),
            "B": Organisation(name="Organisation B (test)", acronym="Tdh", kind="international_ngo")}
    db.session.add_all(orgs.values())
    db.session.flush()
    for key, org, service_type, state, reason, step, events in TARGETS:
        child = Child(organisation_id=orgs["A"].id, risk_level="eleve", needs=[service_type], languages=[])
        referral = Referral(child=child, organisation_id=orgs["A"].id, code=f"T{key:03d}", pos_version="t",
                            pos_hash="t", decision={}, created_at=sent_at(key))
        ack_due, decide_due = deadlines(key)
        target = ReferralTarget(organisation_id=orgs[org].id, service_type=service_type, state=state,
                                acknowledge_due_at=ack_due, decide_due_at=decide_due, escalation_step=step,
                                decline_reason_code=reason, created_at=sent_at(key), updated_at=sent_at(key))
        for action, minutes in [("send", 0), *events]:
            target.transitions.append(TargetTransition(
                action=action, from_state=None, to_state=state, at=sent_at(key) + timedelta(minutes=minutes),
                actor_label="test", channel="web"))
        referral.targets.append(target)
        db.session.add(referral)
    user = create_user("coord@test.sira", "coord", "coordinator", orgs["A"].id, None)
    db.session.flush()
    token, plain = ApiToken.issue(user, "test")
    db.session.add(token)
    db.session.commit()
    return {k: o.id for k, o in orgs.items()}, user, plain


def test_scorecards_from_the_database_match_the_fixture(app_context):
    org_ids, user, _token = _load_fixture()
    cards = service.scorecards(user, NOW)
    by_key = {(next(k for k, v in org_ids.items() if v == c.organisation_id), c.service_type): c for c in cards}
    assert set(by_key) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        got = by_key[key].as_dict()
        for name, value in expected.items():
            assert got[name] == pytest.approx(value), (key, name)


def test_scorecards_api_and_period_filter(app, client):
    with app.app_context():
        _org_ids, _user, token = _load_fixture()
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/coordination/scorecards", headers=headers)
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [i["received"] for i in items if i["service_type"] is None] == [5, 3]
    # Only target 5 was sent after T0 + 1 day.
    since = (sent_at(1) + timedelta(days=1)).isoformat()
    response = client.get("/api/v1/coordination/scorecards", query_string={"since": since}, headers=headers)
    assert [i["received"] for i in response.get_json()["items"]] == [1, 1]
    page = client.get("/coordination/prestataires", headers=headers)
    assert page.status_code == 200 and "ENDA" in page.get_data(as_text=True)
