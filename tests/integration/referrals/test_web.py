"""The referral pages through the Flask test client (the browser tests drive the same pages in Chromium)."""

import pytest

from hub.auth.models import User
from hub.extensions import db
from tests.integration.referrals.conftest import PASSWORD, add_provider, make_world

FORM = {
    "given_name": "Aminata", "family_name": "Traoré-Secret", "age_years": "14", "sex": "female",
    "unaccompanied": "on", "status": "migrant", "quartier": "Niamakoro", "languages": ["fr", "bm"],
    "risk_level": "eleve", "needs": ["hebergement"], "narrative": "Récit confidentiel",
}
CONSENT = {"consent_kind": "assent", "consent_given_by": "child", "consent_method": "oral"}


@pytest.fixture
def web(sqlite_app):
    world = make_world(sqlite_app, password=PASSWORD)
    return sqlite_app, world


def login(app, email):
    client = app.test_client()
    assert client.post("/connexion", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_new_referral_without_consent_names_the_consent_step(web):
    app, _ = web
    client = login(app, "caseworker@test.sira")
    page = client.get("/references/nouvelle")
    assert page.status_code == 200 and "Consentement" in page.text and 'name="csrf_token"' in page.text
    refused = client.post("/references/nouvelle", data=FORM)
    assert refused.status_code == 422 and "Consentement requis" in refused.text


def test_preview_says_which_providers_and_why(web):
    app, _ = web
    client = login(app, "caseworker@test.sira")
    preview = client.post("/references/apercu", data=FORM).get_json()
    assert preview["targets"] and all(t["reason"] for t in preview["targets"])


def test_send_then_provider_accepts_from_the_inbox_and_completes(web):
    app, world = web
    caseworker = login(app, "caseworker@test.sira")
    sent = caseworker.post("/references/nouvelle", data={**FORM, **CONSENT})
    assert sent.status_code == 302
    code = sent.location.rsplit("/", 1)[-1]
    page = caseworker.get(sent.location)
    assert code in page.text and "Aminata" in page.text and "Envoyée" in page.text
    assert code in caseworker.get("/references").text

    with app.app_context():
        from sqlalchemy import select

        from hub.referrals.models import Referral

        referral = db.session.scalar(select(Referral).where(Referral.code == code))
        first = referral.targets[0]
        target_id, organisation_id = first.id, first.organisation_id
    add_provider(app, world, "focal", organisation_id, password=PASSWORD)
    provider = login(app, "focal@test.sira")
    inbox = provider.get("/prestataire/boite")
    assert code in inbox.text and "Aminata" not in inbox.text
    assert "Aminata" not in provider.get(f"/references/{code}").text  # not before accepting
    accepted = provider.post(f"/references/{code}/cibles/{target_id}/accept", data={"next": "inbox"})
    assert accepted.status_code == 302 and accepted.location.endswith("/prestataire/boite")
    assert "Aminata" in provider.get(f"/references/{code}").text
    provider.post(f"/references/{code}/cibles/{target_id}/start")
    provider.post(f"/references/{code}/cibles/{target_id}/complete", data={"outcome": "Hébergée"})
    assert "Terminée" in caseworker.get(f"/references/{code}").text


def test_pages_refuse_the_wrong_roles(web):
    app, _ = web
    admin = login(app, "admin@test.sira")
    assert admin.get("/references").status_code == 403
    assert admin.get("/references/nouvelle").status_code == 403
    assert app.test_client().get("/references").status_code == 302  # to the login page
    coordinator = login(app, "coordinator@test.sira")
    assert coordinator.get("/references/nouvelle").status_code == 403
    assert coordinator.get("/references/ZZZZ").status_code == 404


def test_nav_links_follow_the_role(web):
    app, _ = web
    assert "Nouvelle référence" in login(app, "caseworker@test.sira").get("/").text
    home = login(app, "coordinator@test.sira").get("/").text
    assert "Références" in home and "Nouvelle référence" not in home
    with app.app_context():
        assert db.session.query(User).count() >= 4
