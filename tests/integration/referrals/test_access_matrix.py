"""Every endpoint x every role x a foreign organisation: who may know a referral exists, read it, move it.

404 where one may not know the referral exists (another organisation's caseworker, a provider it was not
addressed to); 403 where the role is known not to allow the action; 401 without credentials.
"""

import pytest
from sqlalchemy import select

from directory.models import Organisation
from hub.extensions import db
from tests.integration.referrals.conftest import add_provider, child_payload

WHO = ("caseworker", "foreign_caseworker", "provider", "foreign_provider", "coordinator", "admin", "anonymous")


def _list(client, headers, sent):
    return client.get("/api/v1/referrals", headers=headers)


def _create(client, headers, sent):
    return client.post("/api/v1/referrals", json=child_payload(), headers=headers)


def _detail(client, headers, sent):
    return client.get(f"/api/v1/referrals/{sent['code']}", headers=headers)


def _accept(client, headers, sent):
    return client.post(f"/api/v1/referrals/{sent['code']}/targets/{sent['targets'][0]['id']}/accept",
                       json={}, headers=headers)


def _cancel(client, headers, sent):
    return client.post(f"/api/v1/referrals/{sent['code']}/targets/{sent['targets'][0]['id']}/cancel",
                       json={"reason_text": "Doublon"}, headers=headers)


def _fhir(client, headers, sent):
    return client.get("/api/v1/fhir/Task", headers=headers)


ENDPOINTS = {"list": _list, "create": _create, "detail": _detail, "accept": _accept, "cancel": _cancel,
             "fhir": _fhir}

# endpoint -> expected status for each of WHO (same order)
MATRIX = {
    "list":   (200, 200, 200, 200, 200, 403, 401),
    "create": (201, 201, 403, 403, 403, 403, 401),
    "detail": (200, 404, 200, 404, 200, 403, 401),
    "accept": (403, 404, 200, 404, 403, 403, 401),
    "cancel": (200, 404, 403, 404, 403, 403, 401),
    "fhir":   (200, 200, 200, 200, 200, 403, 401),
}
# How many referrals (list) / tasks (fhir) each reader sees of the one sent referral with 3 targets.
VISIBLE = {
    "list": {"caseworker": 1, "foreign_caseworker": 0, "provider": 1, "foreign_provider": 0, "coordinator": 1},
    "fhir": {"caseworker": 3, "foreign_caseworker": 0, "provider": 1, "foreign_provider": 0, "coordinator": 3},
}
CASES = [(endpoint, who, statuses[index]) for endpoint, statuses in MATRIX.items()
         for index, who in enumerate(WHO)]


@pytest.fixture
def foreign_provider(app, world, sent):
    addressed = {t["organisation"]["id"] for t in sent["targets"]} | {world.orgs["caseworker"]}
    with app.app_context():
        other = db.session.scalars(select(Organisation).where(Organisation.id.not_in(addressed))).first()
        add_provider(app, world, "foreign_provider", other.id)


@pytest.mark.parametrize("endpoint, who, expected", CASES, ids=[f"{e}-{w}" for e, w, _ in CASES])
def test_access_matrix(client, world, sent, foreign_provider, endpoint, who, expected):
    headers = {} if who == "anonymous" else world.headers(who)
    response = ENDPOINTS[endpoint](client, headers, sent)
    assert response.status_code == expected, response.get_json()
    body = response.get_json()
    if expected >= 400:
        assert "Aminata" not in response.text and body["message"]
    if endpoint == "list" and expected == 200:
        assert body["total"] == VISIBLE["list"][who]
    if endpoint == "fhir" and expected == 200:
        assert len(body["entry"]) == VISIBLE["fhir"][who]
    if endpoint == "detail" and expected == 200:
        # Identity: the referring caseworker yes; a provider not before accepting; a coordinator not
        # without a stated reason.
        assert (body["child"] is not None) == (who == "caseworker")
        if who == "provider":
            assert [t["id"] for t in body["targets"]] == [sent["targets"][0]["id"]]


def test_coordinator_break_glass_with_a_reason_is_audited(app, client, world, sent):
    code = sent["code"]
    response = client.get(f"/api/v1/referrals/{code}?reason=Réunion de coordination : doublon suspecté",
                          headers=world.headers("coordinator"))
    assert response.get_json()["child"]["given_name"] == "Aminata"
    with app.app_context():
        from hub.audit import AuditEntry
        from hub.referrals.models import BreakGlassAccess

        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "child.read")).one()
        grant = db.session.scalars(select(BreakGlassAccess)).one()
        assert entry.actor_user_id == world.users["coordinator"]
        assert f'"break_glass": {grant.id}' in entry.detail and "doublon" not in entry.detail


def test_provider_sees_the_child_once_accepted_and_not_before(client, world, sent):
    url = f"/api/v1/referrals/{sent['code']}"
    assert client.get(url, headers=world.headers("provider")).get_json()["child"] is None
    client.post(f"{url}/targets/{sent['targets'][0]['id']}/accept", json={}, headers=world.headers("provider"))
    assert client.get(url, headers=world.headers("provider")).get_json()["child"]["family_name"] == "Traoré-Secret"


def test_a_provider_cannot_move_another_providers_target(client, world, sent):
    other_target = sent["targets"][1]["id"]
    response = client.post(f"/api/v1/referrals/{sent['code']}/targets/{other_target}/accept", json={},
                           headers=world.headers("provider"))
    assert response.status_code == 404
