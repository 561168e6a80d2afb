"""The referrals API on both databases: create, route, move targets, list, idempotency, consent, FHIR."""

from sqlalchemy import text

from hub.audit import verify_chain
from hub.extensions import db
from tests.integration.referrals.conftest import child_payload, send


def move(client, world, who, code, target_id, action, **body):
    return client.post(f"/api/v1/referrals/{code}/targets/{target_id}/{action}", json=body,
                       headers=world.headers(who))


def test_a_referral_is_routed_to_providers_with_deadlines_and_reasons(sent):
    assert len(sent["code"]) == 4
    assert {t["service_type"] for t in sent["targets"]} >= {"hebergement", "protection_etat"}
    assert all(t["state"] == "sent" and t["acknowledge_due_at"] and t["decide_due_at"] for t in sent["targets"])
    assert len(sent["reasons"]) == len(sent["targets"])
    assert sent["pos_version"] and len(sent["pos_hash"]) == 64
    assert "Aminata" not in str(sent)  # the answer carries no identifying data


def test_provider_acknowledges_accepts_starts_and_completes(client, world, sent):
    code, target = sent["code"], sent["targets"][0]
    for action, body in [("acknowledge", {}), ("accept", {}), ("start", {}),
                         ("complete", {"outcome": "Hébergée, suivi assuré"})]:
        response = move(client, world, "provider", code, target["id"], action, **body)
        assert response.status_code == 200, response.get_json()
    detail = client.get(f"/api/v1/referrals/{code}", headers=world.headers("provider")).get_json()
    (mine,) = detail["targets"]  # a provider sees only its own target
    assert mine["state"] == "completed" and mine["fhir_status"] == "completed"
    timeline = [(step["action"], step["channel"]) for step in mine["timeline"]]
    assert timeline == [("send", "api"), ("acknowledge", "api"), ("accept", "api"), ("start", "api"),
                        ("complete", "api")]
    assert mine["timeline"][-1]["by"] == f"user:{world.users['provider']}"
    assert detail["child"]["given_name"] == "Aminata"  # accepted: the provider may know the child


def test_decline_needs_a_coded_reason_from_the_pos(client, world, sent):
    code, target = sent["code"], sent["targets"][0]
    missing = move(client, world, "provider", code, target["id"], "decline")
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]["json"]
    unknown = move(client, world, "provider", code, target["id"], "decline", reason_code="bored")
    assert unknown.status_code == 422 and "reason_code" in unknown.get_json()["errors"]["json"]
    declined = move(client, world, "provider", code, target["id"], "decline", reason_code="no_capacity")
    assert declined.status_code == 200
    assert declined.get_json()["targets"][0]["decline_reason_code"] == "no_capacity"
    assert declined.get_json()["targets"][0]["fhir_status"] == "rejected"


def test_an_illegal_move_is_refused_and_changes_nothing(client, world, sent):
    code, target = sent["code"], sent["targets"][0]
    response = move(client, world, "provider", code, target["id"], "complete", outcome="x")
    assert response.status_code == 409
    assert "action" in response.get_json()["errors"]["json"]
    detail = client.get(f"/api/v1/referrals/{code}", headers=world.headers("caseworker")).get_json()
    assert detail["targets"][0]["state"] == "sent"


def test_caseworker_cancels_with_a_reason_and_the_referral_closes(client, world, sent):
    code = sent["code"]
    assert move(client, world, "caseworker", code, sent["targets"][0]["id"], "cancel").status_code == 422
    for target in sent["targets"]:
        response = move(client, world, "caseworker", code, target["id"], "cancel",
                        reason_text="Enfant réunifié avec sa famille")
        assert response.status_code == 200
    detail = response.get_json()
    assert detail["state"] == "closed" and detail["closed_at"]
    assert {t["state"] for t in detail["targets"]} == {"cancelled"}


def test_no_referral_goes_out_without_consent(client, world):
    response = send(client, world, payload=child_payload(consent=None))
    assert response.status_code == 422
    body = response.get_json()
    assert "consent" in body["errors"]["json"]
    assert body["message"].startswith("Consentement requis")
    assert client.get("/api/v1/referrals", headers=world.headers("caseworker")).get_json()["total"] == 0


def test_best_interests_exception_only_for_an_unaccompanied_child_and_justified(client, world):
    exception = {"kind": "best_interests_exception"}
    response = send(client, world, payload=child_payload(consent=exception))
    assert "consent.best_interests_justification" in response.get_json()["errors"]["json"]
    accompanied = child_payload(consent={**exception, "best_interests_justification": "Danger immédiat"})
    accompanied["child"]["unaccompanied"] = False
    assert "consent.kind" in send(client, world, payload=accompanied).get_json()["errors"]["json"]
    ok = child_payload(consent={**exception, "best_interests_justification": "Aucun adulte joignable"})
    assert send(client, world, payload=ok).status_code == 201


def test_invalid_input_names_the_field(client, world):
    payload = child_payload(risk_level="catastrophe")
    payload["child"]["sex"] = "x"
    errors = send(client, world, payload=payload).get_json()["errors"]["json"]
    assert "risk_level" in errors and "sex" in errors["child"]


def test_same_idempotency_key_same_answer_no_duplicate(client, world):
    first = send(client, world, **{"Idempotency-Key": "abc-1"})
    again = send(client, world, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert client.get("/api/v1/referrals", headers=world.headers("caseworker")).get_json()["total"] == 1
    other_body = send(client, world, payload=child_payload(needs=["rrf"]), **{"Idempotency-Key": "abc-1"})
    assert other_body.status_code == 409
    # Keys are per user: another caseworker's "abc-1" is a different request.
    assert send(client, world, who="foreign_caseworker", **{"Idempotency-Key": "abc-1"}).status_code == 201


def test_list_filters_and_pagination(client, world):
    for risk in ("eleve", "moyen", "faible"):
        assert send(client, world, payload=child_payload(risk_level=risk)).status_code == 201
    headers = world.headers("caseworker")
    everything = client.get("/api/v1/referrals?per_page=2", headers=headers).get_json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert client.get("/api/v1/referrals?per_page=2&page=2", headers=headers).get_json()["items"]
    assert client.get("/api/v1/referrals?risk=moyen", headers=headers).get_json()["total"] == 1
    assert client.get("/api/v1/referrals?state=open", headers=headers).get_json()["total"] == 3
    assert client.get("/api/v1/referrals?state=accepted", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/referrals?overdue=true", headers=headers).get_json()["total"] == 0
    future = client.get("/api/v1/referrals?since=2999-01-01T00:00:00Z", headers=headers).get_json()
    assert future["total"] == 0
    bad = client.get("/api/v1/referrals?state=lost", headers=headers)
    assert bad.status_code == 422 and "state" in bad.get_json()["errors"]["query"]


def test_overdue_filter_finds_a_target_past_its_deadline(app, client, world, sent):
    with app.app_context():
        db.session.execute(text("UPDATE referral_target SET acknowledge_due_at = :past"),
                           {"past": "2000-01-01 00:00:00+00:00"})
        db.session.commit()
    listing = client.get("/api/v1/referrals?overdue=true", headers=world.headers("coordinator")).get_json()
    assert [item["code"] for item in listing["items"]] == [sent["code"]]
    assert listing["items"][0]["targets"][0]["overdue"] is True


def test_identifying_fields_are_unreadable_in_the_raw_database(app, sent):
    with app.app_context():
        rows = db.session.execute(text("SELECT given_name, family_name, narrative, phone FROM child")).all()
    raw = repr(rows)
    assert rows and "Aminata" not in raw and "Traoré" not in raw and "+22370999999" not in raw
    assert rows[0][0].startswith("gAAAA")  # a Fernet token


def test_fhir_export_is_a_bundle_of_tasks_without_identity(client, world, sent):
    bundle = client.get("/api/v1/fhir/Task", headers=world.headers("coordinator")).get_json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"
    tasks = [entry["resource"] for entry in bundle["entry"]]
    assert len(tasks) == len(sent["targets"])
    assert {t["status"] for t in tasks} == {"requested"} and all(t["resourceType"] == "Task" for t in tasks)
    assert "Aminata" not in str(bundle) and "Récit" not in str(bundle)


def test_every_change_and_identity_read_is_audited_and_the_chain_holds(app, client, world, sent):
    code = sent["code"]
    client.get(f"/api/v1/referrals/{code}", headers=world.headers("caseworker"))
    move(client, world, "provider", code, sent["targets"][0]["id"], "accept")
    with app.app_context():
        actions = [a for (a,) in db.session.execute(text("SELECT action FROM audit_entry ORDER BY seq"))]
        details = " ".join(d for (d,) in db.session.execute(text("SELECT detail FROM audit_entry")))
        assert actions == ["referral.create", "child.read", "target.accept"]
        assert "Aminata" not in details
        assert verify_chain()[0]


def test_openapi_documents_the_referral_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/referrals" in paths and "/api/v1/fhir/Task" in paths
