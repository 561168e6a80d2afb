"""Directory pages through the test client: access by role, and the English translation."""

import pytest
from sqlalchemy import select

from directory.demo import load_demo_directory
from directory.models import Organisation, Service
from hub.auth.service import create_user
from hub.extensions import db


@pytest.fixture
def web(sqlite_app):
    with sqlite_app.app_context():
        load_demo_directory()
        organisations = {o.acronym: o.id for o in db.session.scalars(select(Organisation))}
        for role, org in (("caseworker", "DNDS"), ("admin", "DRPFEF Bamako"), ("provider", "ENDA Mali")):
            create_user(f"{role}@demo.sira.invalid", role, role, organisations[org], "mot-de-passe-42")
        service_id = db.session.scalar(select(Service.id).where(Service.name == "Centre d'accueil pour enfants migrants"))
        db.session.commit()
    return sqlite_app, service_id


def signed_in(app, role):
    client = app.test_client()
    client.post("/connexion", data={"email": f"{role}@demo.sira.invalid", "password": "mot-de-passe-42"})
    return client


def test_the_directory_asks_who_you_are(web):
    app, _ = web
    response = app.test_client().get("/annuaire/")
    assert response.status_code == 302 and "/connexion" in response.location


def test_only_admins_reach_the_service_form(web):
    app, service_id = web
    assert signed_in(app, "caseworker").get(f"/annuaire/services/{service_id}/modifier").status_code == 403
    assert signed_in(app, "admin").get(f"/annuaire/services/{service_id}/modifier").status_code == 200


def test_a_caseworker_cannot_change_availability(web):
    app, service_id = web
    response = signed_in(app, "caseworker").post(f"/annuaire/services/{service_id}/disponibilite", data={"full": "1"})
    assert response.status_code == 403


def test_the_pages_speak_english_on_request(web):
    app, service_id = web
    client = signed_in(app, "provider")
    client.get("/langue/en")
    page = client.get(f"/annuaire/services/{service_id}").text
    assert "Mark the service full" in page and "Opening hours" in page
    assert "Service directory" in client.get("/annuaire/?type=hebergement").text
