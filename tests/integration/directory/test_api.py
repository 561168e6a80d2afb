"""The directory API: search as a caseworker would, changes as an admin, capacity as the provider."""

import pytest
from sqlalchemy import select

from directory.exchange.hsds_schema import errors
from directory.models import Organisation, Service
from hub.auth.models import ApiToken
from hub.auth.service import create_user
from hub.extensions import db


@pytest.fixture
def tokens(demo_directory):
    organisations = {o.acronym: o for o in db.session.scalars(select(Organisation))}
    users = {
        "caseworker": create_user("tsociale@demo.sira.invalid", "TS", "caseworker", organisations["DNDS"].id, None),
        "coordinator": create_user("coord@demo.sira.invalid", "Co", "coordinator",
                                   organisations["DRPFEF Bamako"].id, None),
        "admin": create_user("admin@demo.sira.invalid", "Ad", "admin", organisations["DRPFEF Bamako"].id, None),
        "provider": create_user("pf@demo.sira.invalid", "PF", "provider", organisations["ENDA Mali"].id, None),
        "other_provider": create_user("pf2@demo.sira.invalid", "PF2", "provider", organisations["OIM"].id, None),
    }
    headers = {}
    for role, user in users.items():
        token, plain = ApiToken.issue(user, "test")
        db.session.add(token)
        headers[role] = {"Authorization": f"Bearer {plain}"}
    db.session.commit()
    return headers


def names(response) -> set[str]:
    return {s["name"] for s in response.get_json()["services"]}


def test_search_needs_a_signed_in_user(client, demo_directory):
    assert client.get("/api/v1/directory/services").status_code == 401


def test_search_by_type_and_quartier_is_coverage_aware(client, tokens):
    found = client.get("/api/v1/directory/services?type=soutien_psychosocial&quartier=Lafiabougou",
                       headers=tokens["caseworker"])
    assert found.status_code == 200
    # Terre des hommes covers Communes III and IV; Lafiabougou is in Commune IV.
    assert "Espaces psychosociaux" in names(found)
    elsewhere = client.get("/api/v1/directory/services?type=soutien_psychosocial&quartier=Sogoniko",
                           headers=tokens["caseworker"])
    assert "Espaces psychosociaux" not in names(elsewhere)
    assert "Soutien psychosocial" in names(elsewhere)  # Samusocial is district-wide


def test_search_by_commune_finds_the_local_social_service_only_there(client, tokens):
    found = client.get("/api/v1/directory/services?type=protection_etat&commune=Commune%20II",
                       headers=tokens["caseworker"]).get_json()
    local = [s["name"] for s in found["services"] if "Service local" in s["name"]]
    assert local == ["Service local du développement social — Commune II"]


def test_search_by_language_and_accepting(client, tokens):
    arabic = client.get("/api/v1/directory/services?language=ar", headers=tokens["caseworker"])
    assert names(arabic) >= {"Enregistrement des réfugiés et demandeurs d'asile"}
    assert all("ar" in s["languages"] for s in arabic.get_json()["services"])
    service = db.session.scalar(select(Service).where(Service.name == "Centre d'accueil pour enfants migrants"))
    service.status = "full"
    db.session.commit()
    accepting = client.get("/api/v1/directory/services?type=hebergement&accepting=true", headers=tokens["caseworker"])
    assert "Centre d'accueil pour enfants migrants" not in names(accepting)


def test_bad_arguments_are_refused_naming_the_field(client, tokens):
    response = client.get("/api/v1/directory/services?page=zero", headers=tokens["caseworker"])
    assert response.status_code == 422
    assert "page" in response.get_json()["errors"]["query"]


def test_contact_channels_are_for_coordinators_and_admins_only(client, tokens):
    url = "/api/v1/directory/services?type=securite_police"
    seen_by_caseworker = client.get(url, headers=tokens["caseworker"]).get_json()["services"][0]
    assert "contacts" not in seen_by_caseworker
    assert client.get("/api/v1/directory/contacts", headers=tokens["caseworker"]).status_code == 403
    response = client.get("/api/v1/directory/contacts", headers=tokens["coordinator"])
    assert response.status_code == 200, response.get_json()
    contacts = response.get_json()
    assert contacts[0]["channels"][0]["address"].startswith("+2237000")


def test_only_admins_change_the_directory(client, tokens):
    payload = {"organisation_id": db.session.scalar(select(Organisation.id).where(Organisation.acronym == "Tdh")),
               "type_code": "rrf", "name": "Recherche familiale", "coverage": ["Commune I", "Niamakoro"],
               "locations": [{"quartier": "Banconi", "address": "Rue 12"}], "opening_hours": {
                   "monday": [["08:00", "12:00"]]}}
    assert client.post("/api/v1/directory/services", json=payload, headers=tokens["coordinator"]).status_code == 403
    created = client.post("/api/v1/directory/services", json=payload, headers=tokens["admin"])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["coverage"] == ["Commune I", "Niamakoro"]
    assert body["locations"][0]["commune"] == "Commune I"
    changed = client.patch(f"/api/v1/directory/services/{body['id']}", json={"max_age": 15},
                           headers=tokens["admin"])
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["max_age"] == 15
    assert client.delete(f"/api/v1/directory/services/{body['id']}", headers=tokens["admin"]).status_code == 204
    assert client.get(f"/api/v1/directory/services/{body['id']}", headers=tokens["admin"]).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"type_code": "massage"}, "type_code"),
    ({"min_age": 15, "max_age": 10}, "min_age"),
    ({"opening_hours": {"lundi": [["08:00", "12:00"]]}}, "opening_hours"),
    ({"coverage": ["Atlantis"]}, "coverage"),
    ({"sexes": ["other"]}, "sexes"),
])
def test_a_bad_change_is_refused_naming_the_field(client, tokens, change, field):
    service_id = db.session.scalar(select(Service.id).limit(1))
    response = client.patch(f"/api/v1/directory/services/{service_id}", json=change, headers=tokens["admin"])
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_a_contact_with_a_bad_phone_is_refused(client, tokens):
    organisation_id = db.session.scalar(select(Organisation.id).limit(1))
    response = client.post("/api/v1/directory/contacts", headers=tokens["admin"], json={
        "organisation_id": organisation_id, "role": "backup", "name": "Nouveau",
        "channels": [{"kind": "sms", "address": "12 34"}]})
    assert response.status_code == 422
    assert "channels.0.address" in response.get_json()["errors"]["json"]


def test_the_provider_sets_its_own_service_full_and_available_again(client, tokens):
    enda = db.session.scalar(select(Service).where(Service.name == "Centre d'accueil pour enfants migrants"))
    url = f"/api/v1/directory/services/{enda.id}/capacity"
    assert client.post(url, json={"full": True}, headers=tokens["other_provider"]).status_code == 403
    full = client.post(url, json={"full": True, "full_until": "2099-01-01T00:00:00+00:00"},
                       headers=tokens["provider"])
    assert full.status_code == 200
    assert full.get_json()["status"] == "full" and not full.get_json()["accepting_referrals"]
    again = client.post(url, json={"full": False}, headers=tokens["provider"]).get_json()
    assert again["status"] == "active" and again["full_until"] is None


def test_hsds_endpoints_page_like_hsds_and_validate(client, tokens):
    page = client.get("/api/v1/hsds/services?page=2&per_page=10", headers=tokens["caseworker"]).get_json()
    assert {k: page[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page",
                                 "empty")} == {"total_items": 43, "total_pages": 5, "page_number": 2, "size": 10,
                                               "first_page": False, "last_page": False, "empty": False}
    service = page["contents"][0]
    assert errors("service", service) == []
    assert "contacts" not in service or not service["contacts"]
    one = client.get(f"/api/v1/hsds/services/{service['id']}", headers=tokens["coordinator"]).get_json()
    assert one["id"] == service["id"] and one["organization"]["name"]
    assert client.get("/api/v1/hsds/services/nope", headers=tokens["coordinator"]).status_code == 404


def test_the_openapi_document_lists_the_directory(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/directory/services" in paths and "/api/v1/hsds/services/{uid}" in paths
